"""Who may change grids: administrators only (the region tree is the district's master data)."""

from envgrid.core.choices import Role


def can_manage_grids(user) -> bool:
    return user.is_authenticated and user.is_active and (user.is_superuser or user.role == Role.ADMIN)
