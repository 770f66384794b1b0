"""Reads of the emergency app: who is on duty (for directives and warnings), today's duty list, the week
grid, the live compliance board, home counts, and the period summaries for the assessment and the
weekly report."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.core.models import Unit, User
from envgrid.emergency.choices import CHECK_ROLES, DONE_STATUSES, CheckStatus, WarningStatus
from envgrid.emergency.models import (
    DutyAssignment,
    DutyShift,
    EmergencySettings,
    PollutionWarning,
    SpotCheck,
)
from envgrid.sources.choices import PerformanceGrade

# --- duty -----------------------------------------------------------------------------------------


def on_duty(unit: Unit | int, at: dt.datetime | None = None) -> list[DutyAssignment]:
    """Who is on duty for ``unit`` at ``at`` (now by default), leaders in charge first: the people a
    directive or a warning can reach at once."""
    unit_id = unit.pk if isinstance(unit, Unit) else unit
    return list(
        DutyAssignment.objects.covering(at or timezone.now())
        .filter(unit_id=unit_id)
        .select_related("shift", "person")
        .order_by("post", "starts_at", "name")
    )


def on_duty_people(at: dt.datetime | None = None, unit_ids=None) -> QuerySet[User]:
    """The active accounts of everyone on duty at ``at`` (of ``unit_ids`` only, when given)."""
    duty = DutyAssignment.objects.covering(at or timezone.now()).filter(person_id=OuterRef("pk"))
    if unit_ids is not None:
        duty = duty.filter(unit_id__in=list(unit_ids))
    return User.objects.filter(Exists(duty), is_active=True)


def duty_units() -> QuerySet[Unit]:
    """The active units that must keep someone on duty (kinds set in the emergency settings)."""
    kinds = EmergencySettings.current().duty_unit_kinds or []
    return Unit.objects.filter(is_active=True, kind__in=kinds).order_by("sort_order", "name")


def units_without_duty(at: dt.datetime | None = None) -> QuerySet[Unit]:
    """Duty units with nobody on duty at ``at``."""
    covering = DutyAssignment.objects.covering(at or timezone.now()).filter(unit_id=OuterRef("pk"))
    return duty_units().exclude(Exists(covering))


@dataclass
class DutyRow:
    unit: Unit
    today: list[DutyAssignment] = field(default_factory=list)
    now: list[DutyAssignment] = field(default_factory=list)

    @property
    def uncovered(self) -> bool:
        return not self.now


def duty_today(user, *, day: dt.date | None = None, at: dt.datetime | None = None) -> list[DutyRow]:
    """Today's duty list (今日值班表): every duty unit the user may see, with the day's people by shift and
    who is on duty right now; a unit with nobody now is ``uncovered``. Two queries."""
    at = at or timezone.now()
    day = day or timezone.localdate(at)
    units = list(duty_units().filter(pk__in=Unit.objects.visible_to(user).values("pk")))
    rows = {u.pk: DutyRow(unit=u) for u in units}
    people = (
        DutyAssignment.objects.filter(unit_id__in=rows)
        .filter(Q(date=day) | Q(starts_at__lte=at, ends_at__gt=at))
        .select_related("shift", "person")
        .order_by("shift__sort_order", "post", "name")
    )
    for item in people:
        row = rows[item.unit_id]
        if item.date == day:
            row.today.append(item)
        if item.starts_at <= at < item.ends_at:
            row.now.append(item)
    return list(rows.values())


def week_grid(user, start: dt.date) -> dict:
    """The week grid (值班周表): duty units the user may see × 7 days from ``start``, each cell the people
    by shift. One query for the people."""
    days = [start + dt.timedelta(days=i) for i in range(7)]
    units = list(duty_units().filter(pk__in=Unit.objects.visible_to(user).values("pk")))
    cells: dict[tuple[int, dt.date], list] = defaultdict(list)
    for item in (
        DutyAssignment.objects.filter(unit_id__in=[u.pk for u in units], date__range=(days[0], days[-1]))
        .select_related("shift")
        .order_by("shift__sort_order", "post", "name")
    ):
        cells[(item.unit_id, item.date)].append(item)
    return {
        "days": days,
        "rows": [{"unit": u, "cells": [{"day": d, "people": cells.get((u.pk, d), [])} for d in days]} for u in units],
        "shifts": list(DutyShift.objects.filter(is_active=True)),
    }


# --- warnings and spot checks ---------------------------------------------------------------------


def active_warnings() -> list[PollutionWarning]:
    return list(PollutionWarning.objects.active().select_related("region").order_by("-activated_at"))


def _check_counts(now: dt.datetime) -> dict:
    """Aggregates for a board row: planned, due so far, done, complied, violated, overdue, missed."""
    live = ~Q(status=CheckStatus.CANCELLED)
    return {
        "planned": Count("pk", filter=live),
        "due": Count("pk", filter=live & Q(window_start__lte=now)),
        "done": Count("pk", filter=Q(status__in=DONE_STATUSES)),
        "violated": Count("pk", filter=Q(status=CheckStatus.VIOLATED)),
        "overdue": Count("pk", filter=Q(status=CheckStatus.MISSED) | Q(status=CheckStatus.PENDING, due_at__lt=now)),
        "late": Count("pk", filter=Q(is_late=True)),
    }


def warning_board(warning: PollutionWarning, user, now: dt.datetime | None = None) -> dict:
    """The live compliance board (落实情况看板) of one warning, within the user's scope: per enterprise and
    per unit, how many checks are due, done, overdue and violated; the totals; and, while the warning is
    active, the duty units with nobody on duty. A fixed number of queries, however many rows."""
    now = now or timezone.now()
    checks = SpotCheck.objects.visible_to(user).filter(warning=warning)
    counts = _check_counts(now)
    by_object = list(
        checks.values(
            "supervised_object_id",
            "supervised_object__name",
            "supervised_object__code",
            "unit__name",
            "supervised_object__enterprise__performance_grade",
        )
        .annotate(**counts)
        .order_by("-overdue", "-violated", "supervised_object__code")
    )
    grades = dict(PerformanceGrade.choices)
    for row in by_object:
        grade = row["supervised_object__enterprise__performance_grade"]
        row["grade_label"] = grades.get(grade, grade) if grade else ""
    by_unit = list(checks.values("unit_id", "unit__name").annotate(**counts).order_by("-overdue", "unit__name"))
    totals = checks.aggregate(**counts)
    uncovered = []
    if warning.is_active:
        uncovered = list(units_without_duty(now).filter(pk__in=Unit.objects.visible_to(user).values("pk")))
    return {"by_object": by_object, "by_unit": by_unit, "totals": totals, "uncovered": uncovered, "now": now}


def checks_for(user, *, warning: PollutionWarning | None = None, status: str = "") -> QuerySet[SpotCheck]:
    """Spot checks the user may see, soonest due first, with what a list shows."""
    queryset = SpotCheck.objects.visible_to(user).select_related(
        "warning", "supervised_object", "unit", "person", "checked_by", "case"
    )
    if warning is not None:
        queryset = queryset.filter(warning=warning)
    if status == "open":
        queryset = queryset.filter(status=CheckStatus.PENDING, warning__status=WarningStatus.ACTIVE)
    elif status in CheckStatus.values:
        queryset = queryset.filter(status=status)
    return queryset.order_by("due_at", "supervised_object__code", "id")


def home_counts(user) -> list:
    """Home-page counts: active warnings and units without duty for the command centre; the unit's open and
    overdue spot checks for unit people."""
    from envgrid.core.hooks import HomeCount

    now = timezone.now()
    active = PollutionWarning.objects.active().count()
    if user.is_district_wide:
        counts = [
            HomeCount(
                label=_("Active pollution warnings"),
                value=active,
                url=reverse("emergency-home"),
                tone="danger" if active else "secondary",
            )
        ]
        if active:
            counts.append(
                HomeCount(
                    label=_("Units with nobody on duty"),
                    value=units_without_duty(now).count(),
                    url=reverse("emergency-duty-today"),
                    tone="danger",
                )
            )
        return counts
    if not active or user.unit_id is None or user.role not in CHECK_ROLES:
        return []
    mine = SpotCheck.objects.visible_to(user).filter(status=CheckStatus.PENDING, warning__status=WarningStatus.ACTIVE)
    totals = mine.aggregate(
        due=Count("pk", filter=Q(window_start__lte=now)), overdue=Count("pk", filter=Q(due_at__lt=now))
    )
    url = reverse("emergency-check-list")
    counts = [
        HomeCount(label=_("Spot checks to do"), value=totals["due"], url=url, tone="warning"),
        HomeCount(label=_("Spot checks overdue"), value=totals["overdue"], url=url, tone="danger"),
    ]
    if units_without_duty(now).filter(pk=user.unit_id).exists():
        counts.append(
            HomeCount(
                label=_("Your unit has nobody on duty"), value=1, url=reverse("emergency-duty-today"), tone="danger"
            )
        )
    return counts


# --- period summaries (assessment, weekly report) -------------------------------------------------


def warnings_in_period(start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Every warning in force at some moment of [start, end): level, area, hours in force within the
    period, and its checks (planned, done, violated, missed)."""
    rows = []
    warnings = (
        PollutionWarning.objects.overlapping(start, end)
        .select_related("region")
        .annotate(
            planned=Count("spot_checks", filter=~Q(spot_checks__status=CheckStatus.CANCELLED)),
            done=Count("spot_checks", filter=Q(spot_checks__status__in=DONE_STATUSES)),
            violated=Count("spot_checks", filter=Q(spot_checks__status=CheckStatus.VIOLATED)),
            missed=Count("spot_checks", filter=Q(spot_checks__status=CheckStatus.MISSED)),
        )
    )
    for warning in warnings.order_by("activated_at"):
        in_force_from = max(warning.activated_at, start)
        in_force_to = min(warning.lifted_at or end, end)
        rows.append(
            {
                "warning": warning,
                "document_number": warning.document_number,
                "level": warning.level,
                "area": warning.area_name,
                "hours": round(max((in_force_to - in_force_from).total_seconds(), 0) / 3600, 1),
                "planned": warning.planned,
                "done": warning.done,
                "violated": warning.violated,
                "missed": warning.missed,
            }
        )
    return rows


def unit_check_summary(start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Per unit, the spot checks whose window opened in [start, end): planned, done, done late, complied,
    violated, missed, and the completion rate — what the assessment scores."""
    rows = (
        SpotCheck.objects.filter(window_start__gte=start, window_start__lt=end)
        .exclude(status=CheckStatus.CANCELLED)
        .values("unit_id", "unit__name")
        .annotate(
            planned=Count("pk"),
            done=Count("pk", filter=Q(status__in=DONE_STATUSES)),
            late=Count("pk", filter=Q(is_late=True)),
            complied=Count("pk", filter=Q(status=CheckStatus.COMPLIED)),
            violated=Count("pk", filter=Q(status=CheckStatus.VIOLATED)),
            missed=Count("pk", filter=Q(status=CheckStatus.MISSED)),
            cases=Count("case", distinct=True),
        )
        .order_by("unit__name")
    )
    result = []
    for row in rows:
        row["completion"] = round(100 * row["done"] / row["planned"], 1) if row["planned"] else None
        result.append(row)
    return result
