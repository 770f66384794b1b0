"""Who may inspect, plan and enforce: the one place it is decided.

As in every app (see ``envgrid.cases.permissions``): plain predicates ``can_…(user[, obj])`` that answer True or
False and never raise. Services call them and raise ``PatrolPermissionDenied``; views, the API and templates call
them to show only what a user may do. What a user sees at all is data scope (the querysets' ``visible_to``).
"""

from __future__ import annotations

from envgrid.core.choices import Role
from envgrid.patrols.choices import ENFORCER_ROLES, INSPECTOR_ROLES, PLANNER_ROLES

COMMAND_ROLES = frozenset({Role.ADMIN, Role.DISPATCHER})


def _active(user) -> bool:
    return bool(user.is_authenticated and user.is_active and not user.is_read_only)


def is_command(user) -> bool:
    """The command centre (admin, dispatcher): acts for any unit."""
    return _active(user) and (user.is_superuser or user.role in COMMAND_ROLES)


def can_inspect(user) -> bool:
    return _active(user) and (user.is_superuser or user.role in INSPECTOR_ROLES) and user.unit_id is not None


def can_plan(user) -> bool:
    return _active(user) and (user.is_superuser or user.role in PLANNER_ROLES) and user.unit_id is not None


def can_file_enforcement(user) -> bool:
    return _active(user) and (user.is_superuser or user.role in ENFORCER_ROLES) and user.unit_id is not None


def can_handle_enforcement(user, enforcement) -> bool:
    """Move an enforcement case on, add measures and publicity: the command centre, or the lead unit's people."""
    if is_command(user):
        return True
    return can_file_enforcement(user) and user.unit_id == enforcement.lead_unit_id
