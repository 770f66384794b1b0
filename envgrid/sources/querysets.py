"""Data scope for supervised objects and their 分包 responsibilities (see core.querysets)."""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_

from django.db import models
from django.db.models import Q

from envgrid.core.choices import Role
from envgrid.core.querysets import unit_subtree_ids

GRID_ROLES = (Role.GRID_HEAD, Role.GRID_MEMBER)


def _area_q(family_id: int, region_id: int, level: str, prefix: str = "") -> Q:
    """Objects of ``family_id`` inside a region of any level (district, street/town, community/village)."""
    from envgrid.grids.choices import COMMUNITY_LEVELS, STREET_LEVELS

    if level in STREET_LEVELS:
        place = Q(**{f"{prefix}street_id": region_id})
    elif level in COMMUNITY_LEVELS:
        place = Q(**{f"{prefix}grid__community_id": region_id})
    else:  # the district: the whole area
        place = Q()
    return Q(**{f"{prefix}family_id": family_id}) & place


def unit_object_filter(unit_ids: set[int], *, prefix: str = "") -> Q:
    """Objects a set of units is or was responsible for (by object, by grid, or by family in an area),
    plus, for street/town and community units, every object in the regions they govern."""
    from envgrid.grids.models import Region
    from envgrid.sources.models import Responsibility

    if not unit_ids:
        return Q(pk__in=[])
    mine = Responsibility.objects.filter(unit_id__in=unit_ids)
    parts = [
        Q(**{f"{prefix}pk__in": mine.filter(supervised_object__isnull=False).values("supervised_object_id")}),
        Q(**{f"{prefix}grid_id__in": mine.filter(grid__isnull=False).values("grid_id")}),
    ]
    areas = mine.filter(family__isnull=False).values_list("family_id", "region_id", "region__level").distinct()
    parts += [_area_q(family_id, region_id, level, prefix) for family_id, region_id, level in areas]
    governed = Region.objects.filter(unit_id__in=unit_ids)
    parts += [
        Q(**{f"{prefix}street_id__in": governed.values("pk")}),
        Q(**{f"{prefix}grid__community_id__in": governed.values("pk")}),
    ]
    return reduce(or_, parts)


class SupervisedObjectQuerySet(models.QuerySet):
    def visible_to(self, user) -> SupervisedObjectQuerySet:
        """Who sees which supervised objects.

        - district-wide roles (admin, dispatcher, leader, task-force lead): every object;
        - grid heads and grid members: the objects in the grids they head or belong to;
        - unit people (lead, staff, river chief): the objects their unit (or a unit below it) is or was
          responsible for, and for a street/town or community unit every object in its area.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_district_wide:
            return self.all()
        if user.role in GRID_ROLES:
            from envgrid.grids.models import Grid

            return self.filter(grid_id__in=Grid.objects.visible_to(user).values("pk"))
        if user.unit_id is None:
            return self.none()
        return self.filter(unit_object_filter(unit_subtree_ids(user.unit_id)))


class ResponsibilityQuerySet(models.QuerySet):
    def visible_to(self, user) -> ResponsibilityQuerySet:
        """District-wide roles see every responsibility; others see their own unit's, and who answers for
        the objects and grids they see."""
        from envgrid.grids.models import Grid
        from envgrid.sources.models import SupervisedObject

        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_district_wide:
            return self.all()
        objects = SupervisedObject.objects.visible_to(user).values("pk")
        seen = Q(supervised_object_id__in=objects)
        if user.role in GRID_ROLES:
            return self.filter(seen | Q(grid_id__in=Grid.objects.visible_to(user).values("pk")))
        if user.unit_id is None:
            return self.none()
        units = unit_subtree_ids(user.unit_id)
        governed = Grid.objects.filter(Q(street__unit_id__in=units) | Q(community__unit_id__in=units)).values("pk")
        return self.filter(seen | Q(unit_id__in=units) | Q(grid_id__in=governed))

    def on(self, day: dt.date) -> ResponsibilityQuerySet:
        """Responsibilities in force on ``day`` (both ends of the period included)."""
        return self.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))

    def current(self) -> ResponsibilityQuerySet:
        from django.utils import timezone

        return self.on(timezone.localdate())
