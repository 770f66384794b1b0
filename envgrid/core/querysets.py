"""Data scope: every list, detail, export and API queryset starts from ``visible_to(user)``."""

from __future__ import annotations

from django.db import models


def unit_subtree_ids(unit_id: int | None) -> set[int]:
    """Return the ids of a unit and all units below it (the unit tree is shallow and small)."""
    from envgrid.core.models import Unit

    if unit_id is None:
        return set()
    ids, frontier = {unit_id}, {unit_id}
    while frontier:
        frontier = set(Unit.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - ids
        ids |= frontier
    return ids


class UnitQuerySet(models.QuerySet):
    def visible_to(self, user) -> UnitQuerySet:
        """District-wide roles see every unit; everyone else sees their own unit and the units below it."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_district_wide:
            return self.all()
        return self.filter(id__in=unit_subtree_ids(user.unit_id))


class UserQuerySet(models.QuerySet):
    def visible_to(self, user) -> UserQuerySet:
        """District-wide roles see every user; others see the people of their own unit subtree."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_district_wide:
            return self.all()
        return self.filter(unit_id__in=unit_subtree_ids(user.unit_id))
