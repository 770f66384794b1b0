"""Who may change supervised objects and their 分包: plain predicates, checked by the services."""

from __future__ import annotations

from envgrid.core.choices import Role

#: Roles that keep the district's object register and assign 分包 everywhere.
MANAGER_ROLES = frozenset({Role.ADMIN, Role.DISPATCHER})
#: Roles that may edit the objects in their own scope (details, status, photos).
EDITOR_ROLES = MANAGER_ROLES | {Role.UNIT_LEAD}


def can_manage_sources(user) -> bool:
    """Create objects, import, and assign, transfer or end responsibilities anywhere in the district."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.role in MANAGER_ROLES))


def can_edit_object(user, obj) -> bool:
    """Change an object's details and status: managers, and unit leads for objects in their scope."""
    if can_manage_sources(user):
        return True
    if not (user.is_authenticated and user.is_active and user.role in EDITOR_ROLES):
        return False
    from envgrid.sources.models import SupervisedObject

    return SupervisedObject.objects.visible_to(user).filter(pk=obj.pk).exists()
