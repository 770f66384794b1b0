"""Reads of the sources app: who answers for an object on a day, and the objects a user may see."""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from envgrid.sources.choices import ObjectStatus, ResponsibilityRole
from envgrid.sources.models import Responsibility, SourceFamily, SupervisedObject


def objects_visible_to(user) -> QuerySet[SupervisedObject]:
    """The supervised objects ``user`` may see (see ``SupervisedObjectQuerySet.visible_to``)."""
    return SupervisedObject.objects.visible_to(user)


def area_chain(obj: SupervisedObject) -> list[int]:
    """Ids of the regions that contain the object, most specific first: community, street, district."""
    chain: list[int] = []
    if obj.grid_id:
        chain.append(obj.grid.community_id)
    street = obj.street if obj.street_id else (obj.grid.street if obj.grid_id else None)
    if street is not None:
        chain.append(street.pk)
        if street.parent_id:
            chain.append(street.parent_id)
    return chain


def responsible_on(
    obj: SupervisedObject, day: dt.date | None = None, *, role: str = ResponsibilityRole.LEAD
) -> Responsibility | None:
    """Who answered for ``obj`` on ``day`` (today by default): its own 分包 first, else its grid's, else
    its family's in the smallest area containing it (community, street, district); None when nobody."""
    day = day or timezone.localdate()
    in_force = Responsibility.objects.on(day).filter(role=role).select_related("unit", "person", "deputy")
    found = in_force.filter(supervised_object=obj).order_by("-valid_from", "-pk").first()
    if found is None and obj.grid_id:
        found = in_force.filter(grid_id=obj.grid_id).order_by("-valid_from", "-pk").first()
    if found is None:
        chain = area_chain(obj)
        if chain:
            candidates = list(in_force.filter(family_id=obj.family_id, region_id__in=chain))
            candidates.sort(key=lambda r: (chain.index(r.region_id), -r.valid_from.toordinal(), -r.pk))
            found = candidates[0] if candidates else None
    return found


def responsibility_history(obj: SupervisedObject) -> list[Responsibility]:
    """Every 分包 ever recorded directly on the object, newest period first."""
    return list(
        obj.responsibilities.select_related("unit", "person", "deputy", "created_by").order_by("-valid_from", "-pk")
    )


# --- owners of many objects at once, and coverage (全覆盖、无死角) --------------------------------


def owners_on(objects: list[SupervisedObject], day: dt.date | None = None) -> dict[int, Responsibility]:
    """The lead owner of each object on ``day`` by the same precedence as ``responsible_on``, in four
    queries however many objects (for lists, exports and the map). Objects need grid and street loaded."""
    day = day or timezone.localdate()
    if not objects:
        return {}
    in_force = (
        Responsibility.objects.on(day)
        .filter(role=ResponsibilityRole.LEAD)
        .select_related("unit", "person", "deputy", "supervised_object", "grid", "family", "region")
    )
    owners: dict[int, Responsibility] = {}
    by_object: dict[int, Responsibility] = {}
    for r in in_force.filter(supervised_object_id__in=[o.pk for o in objects]).order_by("valid_from", "pk"):
        by_object[r.supervised_object_id] = r
    by_grid: dict[int, Responsibility] = {}
    for r in in_force.filter(grid_id__in={o.grid_id for o in objects if o.grid_id}).order_by("valid_from", "pk"):
        by_grid[r.grid_id] = r
    by_area: dict[tuple[int, int], Responsibility] = {}
    for r in in_force.filter(family_id__in={o.family_id for o in objects}).order_by("valid_from", "pk"):
        by_area[(r.family_id, r.region_id)] = r
    for obj in objects:
        found = by_object.get(obj.pk) or (by_grid.get(obj.grid_id) if obj.grid_id else None)
        if found is None:
            for region_id in _chain_loaded(obj):
                if (found := by_area.get((obj.family_id, region_id))) is not None:
                    break
        if found is not None:
            owners[obj.pk] = found
    return owners


def _chain_loaded(obj: SupervisedObject) -> list[int]:
    chain = []
    if obj.grid_id:
        chain.append(obj.grid.community_id)
    if obj.street_id:
        chain.append(obj.street_id)
        if obj.street.parent_id:
            chain.append(obj.street.parent_id)
    return chain


def covered_q(day: dt.date | None = None) -> Q:
    """Objects with a lead owner on ``day``: their own 分包, their grid's, or their family's in an area."""
    from envgrid.sources.querysets import _area_q

    day = day or timezone.localdate()
    in_force = Responsibility.objects.on(day).filter(role=ResponsibilityRole.LEAD)
    parts = [
        Q(pk__in=in_force.filter(supervised_object__isnull=False).values("supervised_object_id")),
        Q(grid_id__in=in_force.filter(grid__isnull=False).values("grid_id")),
    ]
    areas = in_force.filter(family__isnull=False).values_list("family_id", "region_id", "region__level").distinct()
    parts += [_area_q(family_id, region_id, level) for family_id, region_id, level in areas]
    return reduce(or_, parts)


def supervised(queryset: QuerySet[SupervisedObject]) -> QuerySet[SupervisedObject]:
    """Objects that need an owner: every one not shut."""
    return queryset.exclude(status=ObjectStatus.SHUT)


def uncovered_objects(user, day: dt.date | None = None) -> QuerySet[SupervisedObject]:
    """Visible objects, not shut, with no lead owner on ``day``."""
    return supervised(objects_visible_to(user)).exclude(covered_q(day))


def coverage_matrix(user, day: dt.date | None = None) -> dict:
    """Objects needing an owner and those without one, by street and family: the coverage report's table."""
    from envgrid.grids.models import Region

    base = supervised(objects_visible_to(user))
    total = {
        (r["street_id"], r["family_id"]): r["n"] for r in base.values("street_id", "family_id").annotate(n=Count("pk"))
    }
    open_ = {
        (r["street_id"], r["family_id"]): r["n"]
        for r in base.exclude(covered_q(day)).values("street_id", "family_id").annotate(n=Count("pk"))
    }
    families = list(SourceFamily.objects.filter(active=True))
    street_ids = {street for street, _family in total}
    streets = list(Region.objects.filter(pk__in=street_ids).order_by("sort_order", "code"))
    rows = []
    for street in streets:
        cells = [(f, total.get((street.pk, f.pk), 0), open_.get((street.pk, f.pk), 0)) for f in families]
        rows.append(
            {"street": street, "cells": cells, "total": sum(x[1] for x in cells), "open": sum(x[2] for x in cells)}
        )
    return {
        "families": families,
        "rows": rows,
        "total": sum(total.values()),
        "open": sum(open_.values()),
        "family_totals": [
            (f, sum(total.get((s.pk, f.pk), 0) for s in streets), sum(open_.get((s.pk, f.pk), 0) for s in streets))
            for f in families
        ],
    }


def key_grids(user):
    """Key grids (重点网格): dedicated grids, and grids holding at least ``SOURCES_KEY_GRID_MIN_OBJECTS``
    (default 3) supervised objects that are not shut."""
    from envgrid.grids.choices import GridKind
    from envgrid.grids.models import Grid

    threshold = getattr(settings, "SOURCES_KEY_GRID_MIN_OBJECTS", 3)
    busy = (
        supervised(SupervisedObject.objects.filter(grid__isnull=False))
        .values("grid_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=threshold)
        .values("grid_id")
    )
    return Grid.objects.visible_to(user).filter(Q(kind=GridKind.DEDICATED) | Q(pk__in=busy))


def uncovered_key_grids(user, day: dt.date | None = None):
    """Key grids with no lead owner of the grid itself on ``day``."""
    day = day or timezone.localdate()
    owned = Responsibility.objects.on(day).filter(role=ResponsibilityRole.LEAD, grid__isnull=False).values("grid_id")
    return key_grids(user).exclude(pk__in=owned).select_related("street", "community").order_by("code")


# --- pages ---------------------------------------------------------------------------------------

FAMILY_COLOURS = ["#b02a37", "#e67e22", "#6f42c1", "#495057", "#0d6efd", "#198754", "#20c997", "#d63384"]


def objects_for_list(user) -> QuerySet[SupervisedObject]:
    """Visible objects with what a list row shows, in code order."""
    return (
        objects_visible_to(user)
        .select_related("family", "grid", "street", "street__parent", "enterprise")
        .order_by("code")
    )


def with_owners(objects: list[SupervisedObject], day: dt.date | None = None) -> list[SupervisedObject]:
    """Give each object ``owner``: its lead Responsibility on ``day`` (today) or None."""
    owners = owners_on(objects, day)
    for obj in objects:
        obj.owner = owners.get(obj.pk)
    return objects


def typed_details(obj: SupervisedObject):
    """The object's typed details row (enterprise, construction site or road), or None."""
    for name in ("enterprise", "construction_site", "road"):
        try:
            return getattr(obj, name)
        except SupervisedObject._meta.get_field(name).related_model.DoesNotExist:
            continue
    return None


def inherited_responsibilities(obj: SupervisedObject) -> list[Responsibility]:
    """分包 that reach the object through its grid or its family in an area (all periods), newest first."""
    chain = area_chain(obj)
    found = Responsibility.objects.filter(
        Q(grid_id=obj.grid_id) if obj.grid_id else Q(pk__in=[])
    ) | Responsibility.objects.filter(family_id=obj.family_id, region_id__in=chain)
    return list(found.select_related("unit", "person", "deputy", "grid", "family", "region").order_by("-valid_from"))


def responsibilities_for_list(user) -> QuerySet[Responsibility]:
    return (
        Responsibility.objects.visible_to(user)
        .select_related("supervised_object", "grid", "family", "region", "unit", "person", "deputy")
        .order_by("-valid_from", "-pk")
    )


def map_layer(user, queryset: QuerySet[SupervisedObject] | None = None, *, limit: int = 5000) -> dict:
    """Objects as a GeoJSON FeatureCollection for the map: a point each (roads: their line), with the
    family's colour and ``owned`` false when nobody answers for it today. Coordinates are WGS-84, turned
    into the base map's datum here, for display only."""
    from envgrid.grids.coords import transform_geojson

    crs = settings.ENVGRID_MAP.get("crs", "wgs84")
    queryset = queryset if queryset is not None else objects_for_list(user)
    objects = with_owners(list(queryset.exclude(lon__isnull=True)[:limit]))
    colours = {f.pk: FAMILY_COLOURS[i % len(FAMILY_COLOURS)] for i, f in enumerate(SourceFamily.objects.all())}
    features = []
    for obj in objects:
        geometry = obj.geometry or {"type": "Point", "coordinates": [obj.lon, obj.lat]}
        if crs != "wgs84":
            geometry = transform_geojson(geometry, to=crs)
        owner = obj.owner
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "id": obj.pk,
                    "code": obj.code,
                    "name": obj.name,
                    "family": obj.family.name,
                    "kind": obj.get_kind_display(),
                    "status": obj.status,
                    "colour": colours.get(obj.family_id, "#333"),
                    "owned": owner is not None,
                    "owner": f"{owner.unit} · {owner.person}" if owner else "",
                },
            }
        )
    legend = [{"name": f.name, "colour": colours[f.pk]} for f in SourceFamily.objects.filter(active=True)]
    return {
        "type": "FeatureCollection",
        "features": features,
        "legend": legend,
        "crs": crs,
        "truncated": len(objects) >= limit,
    }


def home_counts(user) -> list:
    """The home page's sources figure: for the command centre, objects without an owner today."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from envgrid.core.hooks import HomeCount
    from envgrid.sources.permissions import can_manage_sources

    if not can_manage_sources(user):
        return []
    count = uncovered_objects(user).count()
    return [
        HomeCount(
            label=_("Objects without owner"),
            value=count,
            url=reverse("source-coverage"),
            tone="danger" if count else "success",
        )
    ]
