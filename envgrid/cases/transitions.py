"""The closed loop as one table: which action moves a case from which states to which state,
and who may take it (the predicates of ``permissions``). ``services.case_transition`` is the only place
that applies it."""

from __future__ import annotations

from collections.abc import Callable

from envgrid.cases.choices import CaseAction as A
from envgrid.cases.choices import CaseStatus as S
from envgrid.cases.permissions import (
    anyone_with_access,
    can_decide_extension,
    can_verify,
    is_dispatcher,
    is_lead_unit_member,
)
from envgrid.core.workflow import Transition, TransitionTable

ACTIVE = frozenset({S.ACCEPTED, S.DISPATCHED, S.SIGNED, S.IN_PROGRESS, S.RETURNED, S.FED_BACK})


TRANSITIONS = TransitionTable(
    Transition(A.ACCEPT, frozenset({S.REPORTED}), S.ACCEPTED, is_dispatcher),
    Transition(A.REJECT, frozenset({S.REPORTED, S.ACCEPTED, S.RETURNED}), S.REJECTED, is_dispatcher, True),
    Transition(A.DISPATCH, frozenset({S.ACCEPTED, S.RETURNED}), S.DISPATCHED, is_dispatcher),
    Transition(A.SIGN, frozenset({S.DISPATCHED}), S.SIGNED, is_lead_unit_member),
    Transition(A.START, frozenset({S.SIGNED}), S.IN_PROGRESS, is_lead_unit_member),
    Transition(A.FEEDBACK, frozenset({S.SIGNED, S.IN_PROGRESS}), S.FED_BACK, is_lead_unit_member, True),
    Transition(A.VERIFY_PASS, frozenset({S.FED_BACK}), S.CLOSED, can_verify),
    Transition(A.VERIFY_FAIL, frozenset({S.FED_BACK}), S.DISPATCHED, can_verify, True),
    Transition(A.RETURN, frozenset({S.DISPATCHED, S.SIGNED}), S.RETURNED, is_lead_unit_member, True),
    Transition(
        A.REASSIGN, frozenset({S.DISPATCHED, S.SIGNED, S.IN_PROGRESS, S.RETURNED}), S.DISPATCHED, is_dispatcher, True
    ),
    Transition(A.HOLD, frozenset(ACTIVE - {S.FED_BACK}), S.ON_HOLD, is_dispatcher, True),
    Transition(A.RESUME, frozenset({S.ON_HOLD}), None, is_dispatcher),  # back to the state it was held in
)

#: Actions that leave the status where it is but are recorded on the timeline.
SIDE_ACTIONS = TransitionTable(
    Transition(A.EXTEND_REQUEST, frozenset({S.DISPATCHED, S.SIGNED, S.IN_PROGRESS}), None, is_lead_unit_member),
    Transition(A.EXTEND_APPROVE, frozenset({S.DISPATCHED, S.SIGNED, S.IN_PROGRESS}), None, can_decide_extension),
    Transition(A.EXTEND_REFUSE, frozenset({S.DISPATCHED, S.SIGNED, S.IN_PROGRESS}), None, can_decide_extension),
    Transition(A.URGE, frozenset({S.DISPATCHED, S.SIGNED, S.IN_PROGRESS}), None, is_dispatcher),
    Transition(A.COMMENT, frozenset(S.values), None, anyone_with_access),
)


#: What the system itself may do (actor None, shown as “系统” on the timeline): accept and route a clue found by a
#: machine, such as a sensor alert, by the routing table, and note on its case.
SYSTEM_ACTIONS = frozenset({A.ACCEPT, A.DISPATCH, A.COMMENT})


def may_take(action: str, allowed: Callable, user, case) -> bool:
    """Whether ``user`` may take ``action`` on ``case``; ``user`` None is the system (``SYSTEM_ACTIONS`` only)."""
    if user is None:
        return action in SYSTEM_ACTIONS
    return allowed(user, case)


def available_actions(case, user) -> list[str]:
    """The actions ``user`` may take on ``case`` now, in table order (for buttons and the API)."""
    return TRANSITIONS.available(case.status, user, case) + SIDE_ACTIONS.available(case.status, user, case)
