"""A directive's life as a transition table (the shape of ``envgrid.core.workflow``): open until the command
centre closes it. A unit's own row moves pending → signed → fed back, checked by its services."""

from __future__ import annotations

from envgrid.core.workflow import Transition, TransitionTable
from envgrid.directives.choices import DirectiveAction, DirectiveStatus
from envgrid.directives.permissions import can_manage_directives

TRANSITIONS = TransitionTable(
    Transition(
        DirectiveAction.CLOSE,
        frozenset({DirectiveStatus.OPEN}),
        DirectiveStatus.CLOSED,
        lambda user, directive: can_manage_directives(user),
    ),
)
