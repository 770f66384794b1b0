"""Data scope for regions and grids (see core.querysets)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from envgrid.core.choices import Role, UnitKind
from envgrid.core.querysets import unit_subtree_ids


def _unit_region_filter(user, prefix: str) -> Q:
    """Regions governed by the user's unit subtree, as a filter on ``prefix`` (region path)."""
    units = unit_subtree_ids(user.unit_id)
    return Q(**{f"{prefix}unit_id__in": units})


class RegionQuerySet(models.QuerySet):
    def visible_to(self, user) -> RegionQuerySet:
        """District-wide roles and district departments see every region; a street or community unit
        sees the regions it governs and those below them; grid people see their grids' regions."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_district_wide or (user.unit_id and user.unit.kind == UnitKind.DEPARTMENT):
            return self.all()
        from envgrid.grids.models import Grid

        grid_ids = Grid.objects.visible_to(user).values("community_id", "street_id")
        ids = set()
        for row in grid_ids:
            ids.update(row.values())
        return self.filter(id__in=ids)


class GridQuerySet(models.QuerySet):
    def visible_to(self, user) -> GridQuerySet:
        """Who sees which grids.

        - district-wide roles (admin, dispatcher, leader, task-force lead): every grid;
        - staff of a district department (e.g. the ecology bureau): every grid, their work is district-wide;
        - grid heads and grid members: the grids they head or belong to;
        - everyone else (street/community unit staff, river chiefs): the grids in the regions their unit governs.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_district_wide:
            return self.all()
        if user.role in (Role.GRID_HEAD, Role.GRID_MEMBER):
            memberships = self.model.members.through.objects.filter(user_id=user.pk).values("grid_id")
            return self.filter(Q(head_id=user.pk) | Q(id__in=memberships))
        if user.unit_id is None:
            return self.none()
        if user.unit.kind == UnitKind.DEPARTMENT:
            return self.all()
        return self.filter(_unit_region_filter(user, "street__") | _unit_region_filter(user, "community__"))
