"""Reads of the patrols app: lists in the user's scope, a record's page, night-inspection coverage per
unit and street, and enforcement statistics by family, unit and month."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.core.models import Unit
from envgrid.patrols.choices import OPEN_ENFORCEMENT, EnforcementStatus, InspectionKind, MeasureKind, PlanStatus
from envgrid.patrols.models import (
    EnforcementCase,
    EnforcementMeasure,
    Inspection,
    InspectionPlan,
    PatrolSettings,
    Publicity,
)
from envgrid.patrols.night import BEIJING


def inspections_for_list(user) -> QuerySet[Inspection]:
    return (
        Inspection.objects.visible_to(user)
        .select_related("supervised_object", "grid", "lead_unit", "inspector", "plan")
        .prefetch_related(Prefetch("units", queryset=Unit.objects.order_by("sort_order", "name")))
        .annotate(finding_count=Count("findings", distinct=True))
        .order_by("-started_at", "-id")
    )


def inspection_for_page(user, pk: int) -> Inspection:
    """One inspection in ``user``'s scope with everything its page shows (raises DoesNotExist)."""
    return (
        Inspection.objects.visible_to(user)
        .select_related("supervised_object", "grid", "street", "lead_unit", "inspector", "plan", "checklist")
        .prefetch_related(
            "units", "answers__item", "photos", "findings__case__lead_unit", "findings__category", "enforcement_cases"
        )
        .get(pk=pk)
    )


def plans_for_list(user) -> QuerySet[InspectionPlan]:
    return (
        InspectionPlan.objects.visible_to(user)
        .select_related("lead_unit")
        .prefetch_related("units")
        .annotate(
            object_count=Count("objects_covered", distinct=True),
            grid_count=Count("grids", distinct=True),
            record_count=Count("inspections", distinct=True),
        )
        .order_by("-starts_on", "-id")
    )


def enforcement_for_list(user) -> QuerySet[EnforcementCase]:
    return (
        EnforcementCase.objects.visible_to(user)
        .select_related("supervised_object", "family", "lead_unit", "street")
        .prefetch_related("units", "measures", "publicity")
        .order_by("-filed_on", "-id")
    )


def enforcement_for_page(user, pk: int) -> EnforcementCase:
    return (
        EnforcementCase.objects.visible_to(user)
        .select_related("supervised_object", "family", "lead_unit", "grid", "street", "created_by")
        .prefetch_related("units", "measures", "publicity", "inspections", "cases__lead_unit")
        .get(pk=pk)
    )


def plans_open_to(user, obj, day: dt.date) -> QuerySet[InspectionPlan]:
    """Running plans of the user's unit that cover ``obj`` (by object or by its grid): offered on the phone."""
    covered = Q(objects_covered=obj) | (Q(grids=obj.grid_id) if obj.grid_id else Q(pk__in=[]))
    ids = InspectionPlan.objects.active_on(day).filter(units=user.unit_id).filter(covered).values("pk")
    return InspectionPlan.objects.filter(pk__in=ids).order_by("kind", "title")


# --- night-inspection coverage --------------------------------------------------------------------


@dataclass
class CoverageRow:
    """One unit's or street's night-inspection coverage in a period: targets (objects and grids named in
    night plans) due vs inspected at night, and visits due vs made."""

    label: str
    targets_due: int = 0
    targets_inspected: int = 0
    visits_due: int = 0
    visits_done: int = 0
    missed: list[str] = field(default_factory=list)

    @property
    def percent(self) -> int | None:
        return round(100 * self.targets_inspected / self.targets_due) if self.targets_due else None

    @property
    def visit_percent(self) -> int | None:
        return round(100 * min(self.visits_done, self.visits_due) / self.visits_due) if self.visits_due else None


@dataclass
class Coverage:
    first: dt.date
    last: dt.date
    window: str
    by_unit: list[CoverageRow]
    by_street: list[CoverageRow]
    plans: int


def _local_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(first, dt.time(0), tzinfo=BEIJING)
    # A night belongs to the day it starts: the last night ends next morning.
    return start, dt.datetime.combine(last + dt.timedelta(days=1), dt.time(12), tzinfo=BEIJING)


def night_coverage(user, first: dt.date, last: dt.date) -> Coverage:
    """Night-inspection coverage (夜查覆盖率) per unit and per street from the night plans the user sees."""
    plans = list(
        InspectionPlan.objects.visible_to(user)
        .filter(kind=InspectionKind.NIGHT, status=PlanStatus.ACTIVE, starts_on__lte=last, ends_on__gte=first)
        .prefetch_related("units", "objects_covered__street", "grids__street")
    )
    since, until = _local_bounds(first, last)
    night = Inspection.objects.night().filter(started_at__gte=since, started_at__lt=until)
    through = Inspection.units.through.objects.filter(inspection__in=night).values_list("inspection_id", "unit_id")
    units_of: dict[int, set[int]] = defaultdict(set)
    for inspection_id, unit_id in through:
        units_of[inspection_id].add(unit_id)
    done: Counter = Counter()  # (unit id, target) → night visits
    for pk, object_id, grid_id in night.values_list("pk", "supervised_object_id", "grid_id"):
        for unit_id in units_of[pk]:
            if object_id:
                done[(unit_id, ("o", object_id))] += 1
            if grid_id:
                done[(unit_id, ("g", grid_id))] += 1

    units: dict[int, CoverageRow] = {}
    streets: dict[str, CoverageRow] = {}
    street_seen: dict[str, set] = defaultdict(set)
    unit_seen: dict[int, set] = defaultdict(set)
    for plan in plans:
        due = plan.visits_due(first, last)
        targets = [(("o", o.pk), str(o), o.street) for o in plan.objects_covered.all()]
        targets += [(("g", g.pk), str(g), g.street) for g in plan.grids.all()]
        plan_units = list(plan.units.all())
        for key, label, street in targets:
            visits = [done[(u.pk, key)] for u in plan_units]
            street_name = street.name if street else _("(no street)")
            srow = streets.setdefault(street_name, CoverageRow(street_name))
            if key not in street_seen[street_name]:
                street_seen[street_name].add(key)
                srow.targets_due += 1
                srow.targets_inspected += any(visits)
                if not any(visits):
                    srow.missed.append(label)
            srow.visits_due += due
            srow.visits_done += sum(visits)
            for unit, count in zip(plan_units, visits, strict=True):
                urow = units.setdefault(unit.pk, CoverageRow(unit.name))
                if key not in unit_seen[unit.pk]:
                    unit_seen[unit.pk].add(key)
                    urow.targets_due += 1
                    urow.targets_inspected += bool(count)
                    if not count:
                        urow.missed.append(label)
                urow.visits_due += due
                urow.visits_done += count
    return Coverage(
        first=first,
        last=last,
        window=PatrolSettings.current().night_window_label,
        plans=len(plans),
        by_unit=sorted(units.values(), key=lambda r: (r.percent if r.percent is not None else 101, r.label)),
        by_street=sorted(streets.values(), key=lambda r: r.label),
    )


# --- enforcement statistics ----------------------------------------------------------------------

STAT_MEASURES = [MeasureKind.RECTIFY, MeasureKind.FINE, MeasureKind.SUSPEND, MeasureKind.SEAL, MeasureKind.POLICE]


@dataclass
class StatRow:
    label: str
    cases: int = 0
    open: int = 0
    closed: int = 0
    publicized: int = 0
    fine_total: Decimal = Decimal("0")
    measures: Counter = field(default_factory=Counter)

    def add(self, case: dict, measures: list[tuple[str, Decimal | None]], publicized: bool) -> None:
        self.cases += 1
        self.open += case["status"] in OPEN_ENFORCEMENT
        self.closed += case["status"] == EnforcementStatus.CLOSED
        self.publicized += publicized
        for kind, amount in measures:
            self.measures[kind] += 1
            self.fine_total += amount or 0

    def measure_counts(self) -> list[int]:
        return [self.measures[k] for k in STAT_MEASURES]


@dataclass
class EnforcementStats:
    first: dt.date
    last: dt.date
    by_family: list[StatRow]
    by_unit: list[StatRow]
    by_month: list[StatRow]
    total: StatRow


def enforcement_stats(user, first: dt.date, last: dt.date) -> EnforcementStats:
    """Enforcement cases filed in [first, last] the user sees, counted by source family, by unit involved (a
    joint case counts for each of its units) and by month of filing; withdrawn cases are left out."""
    cases = list(
        EnforcementCase.objects.visible_to(user)
        .filter(filed_on__gte=first, filed_on__lte=last)
        .exclude(status=EnforcementStatus.WITHDRAWN)
        .values("pk", "status", "filed_on", "family__name", "family__sort_order")
    )
    ids = [c["pk"] for c in cases]
    measures: dict[int, list] = defaultdict(list)
    for eid, kind, amount in EnforcementMeasure.objects.filter(enforcement_id__in=ids).values_list(
        "enforcement_id", "kind", "fine_amount"
    ):
        measures[eid].append((kind, amount))
    publicized = set(Publicity.objects.filter(enforcement_id__in=ids).values_list("enforcement_id", flat=True))
    unit_names = dict(Unit.objects.values_list("pk", "name"))
    units_of: dict[int, list[int]] = defaultdict(list)
    for eid, unit_id in EnforcementCase.units.through.objects.filter(enforcementcase_id__in=ids).values_list(
        "enforcementcase_id", "unit_id"
    ):
        units_of[eid].append(unit_id)

    families: dict[tuple, StatRow] = {}
    units: dict[str, StatRow] = {}
    months: dict[str, StatRow] = {}
    total = StatRow(_("Total"))
    for case in cases:
        args = (case, measures[case["pk"]], case["pk"] in publicized)
        family = case["family__name"] or _("(no family)")
        families.setdefault((case["family__sort_order"] or 0, family), StatRow(family)).add(*args)
        for unit_id in units_of[case["pk"]]:
            units.setdefault(unit_names[unit_id], StatRow(unit_names[unit_id])).add(*args)
        month = f"{case['filed_on']:%Y-%m}"
        months.setdefault(month, StatRow(month)).add(*args)
        total.add(*args)
    return EnforcementStats(
        first=first,
        last=last,
        total=total,
        by_family=[families[k] for k in sorted(families)],
        by_unit=sorted(units.values(), key=lambda r: (-r.cases, r.label)),
        by_month=[months[k] for k in sorted(months)],
    )


# --- phone ---------------------------------------------------------------------------------------


def nearby_objects(user, lon: float, lat: float, *, radius_m: int, limit: int = 20) -> list[tuple[object, int]]:
    """Objects the user may inspect within ``radius_m`` of the point, nearest first, with the distance (m)."""
    from envgrid.cases.routing import _distance_m
    from envgrid.patrols.services.inspections import inspectable_objects

    dlat = radius_m / 110_540
    dlon = radius_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    candidates = inspectable_objects(user, timezone.localdate()).filter(
        lon__range=(lon - dlon, lon + dlon), lat__range=(lat - dlat, lat + dlat)
    )
    found = [(o, round(_distance_m(lon, lat, o.lon, o.lat))) for o in candidates.select_related("grid")]
    return sorted([p for p in found if p[1] <= radius_m], key=lambda p: p[1])[:limit]


def home_counts(user) -> list:
    """The user's patrol counts on the home page: night inspections this month, open enforcement cases."""
    from envgrid.core.hooks import HomeCount
    from envgrid.patrols.permissions import can_inspect

    if not (user.is_district_wide or can_inspect(user)):
        return []
    today = timezone.localdate()
    since, _until = _local_bounds(today.replace(day=1), today)
    night = Inspection.objects.visible_to(user).night().filter(started_at__gte=since).count()
    open_cases = EnforcementCase.objects.visible_to(user).filter(status__in=OPEN_ENFORCEMENT).count()
    return [
        HomeCount(label=_("Night inspections this month"), value=night, url="/patrols/?kind=night", tone="dark"),
        HomeCount(label=_("Open enforcement cases"), value=open_cases, url="/patrols/enforcement/", tone="danger"),
    ]
