"""Who may do what with directives: the one place it is decided.

As in every app (see ``envgrid.cases.permissions``): plain predicates ``can_…(user[, obj])`` that answer True or
False and never raise. Services call them and raise ``DirectivePermissionDenied``; views, the API and the models'
``can_…`` methods (for templates) call them. Seeing a directive at all is data scope (``visible_to``).
"""

from __future__ import annotations

from envgrid.directives.choices import ACTING_ROLES, MANAGING_ROLES


def can_manage_directives(user) -> bool:
    """Issuing, urging and closing directives is the command centre's work (dispatchers and admins)."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.role in MANAGING_ROLES))


def acts_for_unit(user) -> bool:
    """Whether the user signs and feeds back for a unit at all (and so has a "to handle" list)."""
    return bool(user.is_authenticated and user.unit_id and user.role in ACTING_ROLES and not user.is_read_only)


def can_act_for(user, target) -> bool:
    """Signing and feeding back on a unit's row: only people of this very unit, in a role that answers for it."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.unit_id == target.unit_id
        and user.role in ACTING_ROLES
        and not user.is_read_only
    )
