"""Who may do what in the emergency app: the one place it is decided.

As in every app (see ``envgrid.cases.permissions``): plain predicates ``can_…(user[, obj])`` that answer True or
False and never raise. Services call them and raise ``EmergencyPermissionDenied``; views, the API and the models'
``can_…`` methods (for templates) call them. What a user sees at all is data scope (the querysets' ``visible_to``).
"""

from __future__ import annotations

from envgrid.core.querysets import unit_subtree_ids
from envgrid.emergency.choices import CHECK_ROLES, MANAGING_ROLES, ROSTER_ROLES


def _active(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def can_manage_emergency(user) -> bool:
    """Recording, activating, changing and lifting warnings and keeping the reduction list: the command centre."""
    return _active(user) and (user.is_superuser or user.role in MANAGING_ROLES)


def can_record_check(user, check) -> bool:
    """People of the responsible unit (or a unit above it) who do checks may record a spot check."""
    if not _active(user) or user.is_read_only or user.role not in CHECK_ROLES:
        return False
    return check.unit_id in unit_subtree_ids(user.unit_id)


def can_edit_roster(user, unit) -> bool:
    """The command centre keeps every unit's duty roster; a unit lead keeps their own unit's (and those below)."""
    if not _active(user) or user.is_read_only:
        return False
    if user.is_superuser or user.role in MANAGING_ROLES:
        return True
    unit_id = unit if isinstance(unit, int) else unit.pk
    return user.role in ROSTER_ROLES and unit_id in unit_subtree_ids(user.unit_id)


def may_edit_some_roster(user) -> bool:
    """Whether the user keeps any roster at all (the command centre, or a unit lead)."""
    return bool(
        _active(user)
        and not user.is_read_only
        and (user.is_superuser or user.role in MANAGING_ROLES or (user.role in ROSTER_ROLES and user.unit_id))
    )
