"""Who may do what with alerts: the one place it is decided.

As in every app (see ``envgrid.cases.permissions``): plain predicates ``can_…(user[, obj])`` that answer True or
False and never raise. Services call them and raise ``AlertPermissionDenied``; views and the API call them to show
only what a user may do. Which alerts a user sees is data scope (the querysets' ``visible_to``).
"""

from __future__ import annotations

from envgrid.core.choices import Role


def can_manage_rules(user) -> bool:
    """Administrators edit alert rules; everybody else reads them."""
    return bool(user and user.is_active and (user.is_superuser or user.role == Role.ADMIN))
