"""Reads of the grids app: scoped lists, the grid card and the map layer."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Prefetch, QuerySet, Sum

from envgrid.core.models import Unit, User
from envgrid.grids.coords import transform_geojson
from envgrid.grids.models import Grid, Region

#: Distinct, colour-blind-friendly fills for streets/towns (Okabe–Ito, then Tableau).
STREET_PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#4E79A7",
    "#F28E2B",
    "#59A14F",
    "#B07AA1",
    "#9C755F",
]


def grids_for_user(user) -> QuerySet[Grid]:
    """The grids a user may see, with what their lists and cards show, in one query."""
    return Grid.objects.visible_to(user).select_related("community", "street", "head")


def street_colours(streets) -> dict[int, str]:
    """A stable colour per street/town, by its place in the region order."""
    ordered = sorted(streets, key=lambda r: (r.sort_order, r.code))
    return {street.pk: STREET_PALETTE[i % len(STREET_PALETTE)] for i, street in enumerate(ordered)}


def grid_map_layer(user) -> dict:
    """The user's grids as a GeoJSON FeatureCollection for the map, in the base map's datum."""
    grids = list(
        grids_for_user(user).only(
            "id",
            "code",
            "name",
            "kind",
            "geometry",
            "community__name",
            "street__name",
            "street__code",
            "street__sort_order",
            "head__display_name",
            "head__username",
        )
    )
    streets = {g.street_id: g.street for g in grids}
    colours = street_colours(streets.values())
    crs = settings.ENVGRID_MAP["crs"]
    features = [
        {
            "type": "Feature",
            "id": g.pk,
            "geometry": g.geometry if crs == "wgs84" else transform_geojson(g.geometry, to=crs),
            "properties": {
                "id": g.pk,
                "code": g.code,
                "name": g.name,
                "kind": g.kind,
                "street": g.street.name,
                "community": g.community.name,
                "colour": colours[g.street_id],
            },
        }
        for g in grids
    ]
    legend = [{"name": s.name, "colour": colours[s.pk]} for s in sorted(streets.values(), key=lambda r: r.code)]
    return {"type": "FeatureCollection", "features": features, "legend": legend, "crs": crs}


def grid_units(grid: Grid) -> list[Unit]:
    """Units that answer for a grid: its community committee and its street/town government."""
    units = [region.unit for region in (grid.community, grid.street) if region.unit_id]
    return [u for i, u in enumerate(units) if u not in units[:i]]


def grid_card(grid_id: int, user) -> Grid:
    """One visible grid with its people and units loaded; raises Grid.DoesNotExist outside scope."""
    return (
        grids_for_user(user)
        .select_related("community__unit", "street__unit")
        .prefetch_related(Prefetch("members", queryset=User.objects.select_related("unit").order_by("username")))
        .get(pk=grid_id)
    )


def grid_totals(queryset: QuerySet[Grid]) -> dict:
    totals = queryset.aggregate(grids=Count("id"), households=Sum("households"), population=Sum("population"))
    return {k: v or 0 for k, v in totals.items()}


def regions_for_filters(user) -> tuple[list[Region], list[Region]]:
    """Streets and communities the user may filter by."""
    regions = list(Region.objects.visible_to(user).order_by("sort_order", "code"))
    return [r for r in regions if r.is_street], [r for r in regions if r.is_community]


def home_counts(user) -> list:
    """Home-page counts: grid people see their own grids; others the grids in their scope."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from envgrid.core.hooks import HomeCount

    totals = grid_totals(Grid.objects.visible_to(user))
    grids_url = reverse("grid-list")
    mine = user.role in ("grid_head", "grid_member")
    counts = [
        HomeCount(label=_("My grids") if mine else _("Grids in my scope"), value=totals["grids"], url=grids_url),
        HomeCount(label=_("Households"), value=totals["households"], url=grids_url, tone="secondary"),
        HomeCount(label=_("Population"), value=totals["population"], url=grids_url, tone="secondary"),
    ]
    if mine:
        members = User.objects.filter(member_grids__in=Grid.objects.visible_to(user)).distinct().count()
        counts.append(HomeCount(label=_("Grid members with me"), value=members, tone="info"))
    return counts
