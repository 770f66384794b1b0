"""Data scope for inspections, plans and enforcement cases (see core.querysets).

The same rule for all three: district-wide roles see everything; a unit sees what it took part in (as
lead or as one of the units of a joint action) — and a unit below it too; a street/town or community
unit also sees everything in the area it governs; grid heads and members see what happened in their
grids; anyone sees the inspections they recorded themselves.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from envgrid.core.choices import Role
from envgrid.core.querysets import unit_subtree_ids

GRID_ROLES = (Role.GRID_HEAD, Role.GRID_MEMBER)


def _governed_regions(unit_ids: set[int]):
    from envgrid.grids.models import Region

    return Region.objects.filter(unit_id__in=unit_ids).values("pk")


def _scope(queryset: models.QuerySet, user, *, units_through, fk: str, area: Q | None) -> models.QuerySet:
    """Filter ``queryset`` to ``user``'s scope. ``units_through`` is the units M2M table and ``fk`` its
    column naming the record; ``area`` maps a set of governed region ids to a Q over the record's place."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_district_wide:
        return queryset.all()
    if user.role in GRID_ROLES:
        from envgrid.grids.models import Grid

        return queryset.filter(area(grids=Grid.objects.visible_to(user).values("pk"), regions=None))
    if user.unit_id is None:
        return queryset.none()
    units = unit_subtree_ids(user.unit_id)
    # Uncorrelated IN subqueries, as for cases (a correlated EXISTS runs per row on SQLite).
    took_part = Q(pk__in=units_through.objects.filter(unit_id__in=units).values(fk))
    return queryset.filter(took_part | area(grids=None, regions=_governed_regions(units)))


def _place(prefix: str = ""):
    def area(*, grids, regions) -> Q:
        if grids is not None:
            return Q(**{f"{prefix}grid_id__in": grids})
        return Q(**{f"{prefix}street_id__in": regions}) | Q(**{f"{prefix}grid__community_id__in": regions})

    return area


class InspectionQuerySet(models.QuerySet):
    def visible_to(self, user) -> InspectionQuerySet:
        """Inspections in ``user``'s scope (see the module docstring), plus those they recorded."""
        through = self.model.units.through
        scoped = _scope(self, user, units_through=through, fk="inspection_id", area=_place())
        if user.is_authenticated and user.is_active and not user.is_district_wide:
            return scoped | self.filter(inspector_id=user.pk)
        return scoped

    def night(self) -> InspectionQuerySet:
        from envgrid.patrols.choices import InspectionKind

        return self.filter(kind=InspectionKind.NIGHT)


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user) -> PlanQuerySet:
        """Plans in ``user``'s scope: the units' own, and (for street and grid people) plans that cover a
        grid or an object in their area."""
        from envgrid.sources.models import SupervisedObject

        def area(*, grids, regions) -> Q:
            if grids is not None:
                objects = SupervisedObject.objects.filter(grid_id__in=grids).values("pk")
                return Q(grids__in=grids) | Q(objects_covered__in=objects)
            governed_grids = _place()(grids=None, regions=regions)
            from envgrid.grids.models import Grid

            grid_ids = Grid.objects.filter(Q(street_id__in=regions) | Q(community_id__in=regions)).values("pk")
            objects = SupervisedObject.objects.filter(governed_grids).values("pk")
            return Q(grids__in=grid_ids) | Q(objects_covered__in=objects)

        through = self.model.units.through
        scoped = _scope(self, user, units_through=through, fk="inspectionplan_id", area=area)
        return self.filter(pk__in=scoped.values("pk"))

    def active_on(self, day) -> PlanQuerySet:
        from envgrid.patrols.choices import PlanStatus

        return self.filter(status=PlanStatus.ACTIVE, starts_on__lte=day, ends_on__gte=day)


class EnforcementQuerySet(models.QuerySet):
    def visible_to(self, user) -> EnforcementQuerySet:
        """Enforcement cases in ``user``'s scope (see the module docstring)."""
        through = self.model.units.through
        return _scope(self, user, units_through=through, fk="enforcementcase_id", area=_place())
