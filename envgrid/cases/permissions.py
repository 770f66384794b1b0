"""Who may do what on a case: the one place it is decided.

The pattern every app follows: its ``permissions.py`` holds plain predicates ``can_…(user[, obj])`` /
``is_…(user[, obj])`` that answer True or False and never raise. The transition table names them per action
(``transitions.TRANSITIONS``); services call them and raise the app's 403 error; views, the API and templates
call them (or the table's ``available_actions``) to show only what a user may do. Seeing a case at all is data
scope, decided by ``Case.objects.visible_to``.
"""

from __future__ import annotations

from envgrid.core.choices import Role

#: Roles whose unit may hold a co-unit share of a case (协办) and act on it.
CO_UNIT_ROLES = frozenset({Role.UNIT_LEAD, Role.UNIT_STAFF})


def is_dispatcher(user, case=None) -> bool:
    """The command centre: dispatchers and admins act on every case."""
    return user.is_active and (user.is_superuser or user.role in (Role.DISPATCHER, Role.ADMIN))


def is_lead_unit_member(user, case) -> bool:
    """Someone of the case's lead unit, in a role that handles cases."""
    return (
        user.is_active
        and case.lead_unit_id is not None
        and user.unit_id == case.lead_unit_id
        and user.role in (Role.UNIT_LEAD, Role.UNIT_STAFF, Role.RIVER_CHIEF)
    )


def can_verify(user, case) -> bool:
    """On-site verification (核查): the dispatcher, or a grid head/member of the case's grid — never
    someone of the unit that handled the case."""
    if not user.is_active or (case.lead_unit_id and user.unit_id == case.lead_unit_id):
        return False
    if is_dispatcher(user, case):
        return True
    if user.role not in (Role.GRID_HEAD, Role.GRID_MEMBER) or case.grid_id is None:
        return False
    grid = case.grid
    return grid.head_id == user.pk or grid.members.filter(pk=user.pk).exists()


def can_decide_extension(user, case) -> bool:
    """The dispatcher decides an extension, and only while a request waits for a decision."""
    from envgrid.cases.choices import ExtensionStatus
    from envgrid.cases.models import ExtensionRequest

    pending = ExtensionRequest.objects.filter(assignment__case_id=case.pk, status=ExtensionStatus.PENDING)
    return is_dispatcher(user, case) and pending.exists()


def anyone_with_access(user, case) -> bool:
    """Anyone who sees the case and may write: comments."""
    return user.is_active and not user.is_read_only


def can_act_for_co_unit(user) -> bool:
    """A co-unit's lead or staff signs and feeds back on their unit's share (the share itself is looked up)."""
    return user.unit_id is not None and user.role in CO_UNIT_ROLES
