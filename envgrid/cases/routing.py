"""Routing and deadlines: which unit leads a case, and by when it must be handled."""

from __future__ import annotations

import datetime as dt
import math

from django.db.models import Q
from django.utils import timezone

from envgrid.cases.choices import DeadlineUnit
from envgrid.cases.models import Case, CaseSettings, CaseSLA, RoutingRule
from envgrid.core.models import Unit
from envgrid.core.workdays import add_working_days, add_working_hours

DEFAULT_SLA = (72, DeadlineUnit.HOURS, 24)


def _category_chain(case: Case) -> list[int | None]:
    """The case's category, then its ancestors, then None (any category): most specific first."""
    category = case.category
    return [category.pk, *(c.pk for c in category.ancestors()), None]


def route_case(case: Case) -> tuple[Unit | None, list[Unit]]:
    """The lead unit and co-units for a case. Responsibility first: when the case concerns a supervised
    object with a current 分包 owner, that owner's unit leads (the table's co-units still help). Otherwise
    the routing table: the most specific category wins, then the most specific place (grid, community,
    street, whole district)."""
    table_lead, table_co_units = route_by_table(case)
    owner = _current_owner_unit(case)
    if owner is None:
        return table_lead, table_co_units
    return owner, [unit for unit in table_co_units if unit.pk != owner.pk]


def _current_owner_unit(case: Case) -> Unit | None:
    from envgrid.sources.selectors import responsible_on

    if case.supervised_object_id is None:
        return None
    responsibility = responsible_on(case.supervised_object, timezone.localdate())
    return responsibility.unit if responsibility is not None else None


def route_by_table(case: Case) -> tuple[Unit | None, list[Unit]]:
    """The lead unit and co-units for a case by the routing table alone."""
    chain = _category_chain(case)
    places: list[tuple[str, int | None]] = [("grid", case.grid_id)]
    if case.grid_id:
        places += [("region", case.grid.community_id), ("region", case.grid.street_id)]
    rules = list(
        RoutingRule.objects.filter(Q(category_id__in=[c for c in chain if c]) | Q(category__isnull=True))
        .filter(Q(grid__isnull=True) | Q(grid_id=case.grid_id))
        .select_related("unit")
    )

    def rank(rule: RoutingRule) -> tuple[int, int] | None:
        if rule.category_id not in chain:
            return None
        category_rank = len(chain) - chain.index(rule.category_id)
        if rule.grid_id is not None:
            place_rank = 3 if rule.grid_id == case.grid_id else None
        elif rule.region_id is not None:
            regions = [pk for kind, pk in places if kind == "region"]
            place_rank = (2 if regions.index(rule.region_id) == 0 else 1) if rule.region_id in regions else None
        else:
            place_rank = 0
        return None if place_rank is None else (category_rank, place_rank)

    ranked = [(r, rule) for rule in rules if (r := rank(rule)) is not None]
    if not ranked:
        return None, []
    best = max(ranked, key=lambda pair: (pair[0], -pair[1].pk))[1]
    return best.unit, list(best.co_units.exclude(pk=best.unit_id))


def sla_for(case: Case) -> tuple[int, str, int]:
    """(amount, unit, escalate-after hours) of the most specific deadline rule for the case."""
    chain = _category_chain(case)
    rules = CaseSLA.objects.filter(Q(category_id__in=[c for c in chain if c]) | Q(category__isnull=True))
    best, best_rank = None, None
    for rule in rules:
        if rule.severity not in ("", case.severity):
            continue
        rank = (len(chain) - chain.index(rule.category_id), 1 if rule.severity else 0)
        if best_rank is None or rank > best_rank:
            best, best_rank = rule, rank
    if best is None:
        return DEFAULT_SLA
    return best.amount, best.unit, best.escalate_after_hours


def deadline_from(start: dt.datetime, amount: int, unit: str) -> dt.datetime:
    if unit == DeadlineUnit.WORKING_DAYS:
        return add_working_days(start, amount)
    if unit == DeadlineUnit.WORKING_HOURS:
        return add_working_hours(start, amount)
    return start + dt.timedelta(hours=amount)


def case_deadline(case: Case, start: dt.datetime | None = None) -> dt.datetime:
    amount, unit, _escalate = sla_for(case)
    return deadline_from(start or timezone.now(), amount, unit)


def _distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def possible_duplicates(case: Case, *, limit: int = 10) -> list[tuple[Case, float]]:
    """Open cases of the same category near the case and recent enough to be the same problem,
    nearest first, with their distance in metres (shown to the dispatcher at acceptance)."""
    if case.lon is None or case.lat is None:
        return []
    settings = CaseSettings.current()
    radius = settings.duplicate_radius_m
    dlat = radius / 110_540
    dlon = radius / (111_320 * max(math.cos(math.radians(case.lat)), 0.01))
    since = case.created_at - dt.timedelta(hours=settings.duplicate_window_hours)
    nearby = (
        Case.objects.open()
        .filter(category_id=case.category_id, created_at__gte=since)
        .filter(lon__range=(case.lon - dlon, case.lon + dlon), lat__range=(case.lat - dlat, case.lat + dlat))
        .exclude(pk=case.pk)
        .select_related("lead_unit")
    )
    found = [(other, _distance_m(case.lon, case.lat, other.lon, other.lat)) for other in nearby]
    return sorted([pair for pair in found if pair[1] <= radius], key=lambda pair: pair[1])[:limit]
