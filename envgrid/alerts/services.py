"""Writes of the alerts app: alert rules (administrators only), and raising, updating and clearing alerts —
each raised alert opens a case for the unit responsible for the station's grid, or joins the open case of
the same station and category.

Texts written into cases (title, description, timeline notes) are in the district's language
(``settings.LANGUAGE_CODE``), whatever language the worker happens to run in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from envgrid.alerts.choices import UNITS, AlertKind, AlertState, Factor, HotMeasure
from envgrid.alerts.errors import AlertPermissionDenied
from envgrid.alerts.models import Alert, AlertRule, format_number
from envgrid.alerts.permissions import can_manage_rules
from envgrid.cases.models import Case
from envgrid.cases.services import case_comment, case_report_routed
from envgrid.core.errors import DomainError
from envgrid.core.formats import local_text
from envgrid.core.services import audit_record, snapshot
from envgrid.core.workflow import lock_row
from envgrid.monitoring.models import Station

logger = logging.getLogger(__name__)

RULE_FIELDS = (
    "name",
    "kind",
    "factor",
    "cn",
    "raise_level",
    "clear_level",
    "duration_minutes",
    "clear_minutes",
    "suppress_minutes",
    "window_minutes",
    "hot_measure",
    "radius_m",
    "min_neighbours",
    "min_delta",
    "station_kinds",
    "region",
    "category",
    "severity",
    "lead_unit",
    "opens_case",
    "is_active",
)


def _check_manager(actor) -> None:
    if not can_manage_rules(actor):
        raise AlertPermissionDenied(_("Only administrators may change alert rules."))


@transaction.atomic
def alert_rule_create(*, actor, **fields) -> AlertRule:
    """Create an alert rule (administrators only)."""
    _check_manager(actor)
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    rule = AlertRule(**fields)
    rule.full_clean()
    rule.save()
    audit_record(actor=actor, action="alerts.rule_create", obj=rule, after=snapshot(rule))
    return rule


@transaction.atomic
def alert_rule_update(*, rule: AlertRule, actor, **changes) -> AlertRule:
    """Change an alert rule (administrators only); open alerts keep running under the new levels. Returns the
    fresh rule."""
    _check_manager(actor)
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    locked = lock_row(AlertRule, rule.pk)
    before = snapshot(locked)
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    audit_record(actor=actor, action="alerts.rule_update", obj=locked, before=before, after=snapshot(locked))
    return locked


# --- alerts --------------------------------------------------------------------------------------


@dataclass
class Observation:
    """What a judge saw for one rule at one station at one moment: the rule's metric (the unit of its raise
    level), the factor's value, and the readings behind it for the evidence."""

    at: datetime
    metric: float
    value: float | None = None
    median: float | None = None
    points: list | None = None  # [[ISO time, value, metric], …]


def alert_headline(alert: Alert, seen: Observation | None = None) -> str:
    """One line saying what the alert found, with its values (the case title without the prefix)."""
    rule, station = alert.rule, alert.station
    metric = seen.metric if seen else alert.peak_value
    value = seen.value if seen and seen.value is not None else alert.evidence.get("peak_reading")
    factor = Factor(rule.factor).label if rule.factor else ""
    values = {
        "station": station.name,
        "factor": factor,
        "unit": UNITS.get(rule.factor, ""),
        "value": format_number(value, rule.factor),
        "level": format_number(rule.raise_level, rule.factor),
    }
    if rule.kind == AlertKind.THRESHOLD:
        values["value"] = format_number(metric, rule.factor)
        return _("%(station)s: %(factor)s %(value)s %(unit)s, above the alert level %(level)s") % values
    if rule.kind == AlertKind.HOT_GRID:
        median = seen.median if seen else alert.evidence.get("median")
        values["median"] = format_number(median, rule.factor)
        if rule.hot_measure == HotMeasure.RATIO:
            values["ratio"] = format_number(metric, digits=1)
            return _("%(station)s: %(factor)s %(ratio)s× its neighbours' median (%(value)s vs %(median)s %(unit)s)") % (
                values
            )
        values["excess"] = format_number(metric, rule.factor)
        return _("%(station)s: %(factor)s %(excess)s %(unit)s above its neighbours' median") % values
    if rule.kind == AlertKind.RISE:
        values.update(increase=format_number(metric, rule.factor), window=rule.window_minutes)
        return _("%(station)s: %(factor)s rose %(increase)s %(unit)s in %(window)s minutes") % values
    if rule.kind == AlertKind.OFFLINE:
        return _("%(station)s: no data for %(minutes)s minutes") % {"station": station.name, "minutes": int(metric)}
    values["count"] = int(metric)
    return _("%(station)s: %(factor)s stuck at %(value)s for %(count)s readings") % values


def _description(alert: Alert, seen: Observation) -> str:
    rule, station = alert.rule, alert.station
    grid = station.grid
    lines = [
        _("Rule: %(rule)s (%(kind)s)") % {"rule": rule.name, "kind": rule.get_kind_display()},
        _("Station: %(name)s, MN %(mn)s, grid %(grid)s")
        % {"name": station.name, "mn": station.mn, "grid": grid.name if grid else "—"},
        _("Condition began at %(start)s (data time); alert raised at %(raised)s.")
        % {"start": local_text(alert.started_at, empty="—"), "raised": local_text(alert.raised_at, empty="—")},
        _("Raise level %(raise)s, clear level %(clear)s %(unit)s; minimum duration %(minutes)s minutes.")
        % {
            "raise": format_number(rule.raise_level, rule.factor),
            "clear": format_number(rule.effective_clear_level, rule.factor),
            "unit": rule.unit,
            "minutes": rule.duration_minutes,
        },
    ]
    points = (seen.points or [])[-10:]
    if points and rule.factor:
        readings = "; ".join(
            f"{timezone.localtime(datetime.fromisoformat(at)).strftime('%H:%M')} {format_number(value, rule.factor)}"
            for at, value, _metric in points
        )
        lines.append(
            _("Latest %(factor)s readings (%(unit)s): %(readings)s")
            % {"factor": Factor(rule.factor).label, "unit": UNITS.get(rule.factor, ""), "readings": readings}
        )
    return "\n".join(lines)


def _lock_station(station: Station) -> None:
    """Serialise alert work on one station, so two workers never open two cases for one problem."""
    Station.objects.select_for_update().filter(pk=station.pk).values_list("pk", flat=True).first()


def _open_case_of(station: Station, category_id: int, *, exclude: int | None = None) -> Case | None:
    """The open case of an earlier alert of this station and case category, if any."""
    cases = Alert.objects.filter(station=station, rule__category_id=category_id, case__isnull=False)
    if exclude is not None:
        cases = cases.exclude(pk=exclude)
    return Case.objects.open().filter(pk__in=cases.values("case_id")).order_by("-created_at").first()


def _attach_case(alert: Alert, seen: Observation) -> None:
    """Open a case for the alert, or note it on the open case of the same station and category."""
    rule, station = alert.rule, alert.station
    if not rule.opens_case:
        return
    headline = alert_headline(alert, seen)
    try:
        with transaction.atomic():
            existing = _open_case_of(station, rule.category_id, exclude=alert.pk)
            if existing is not None:
                note = _("Another alert at this station: %(headline)s (rule %(rule)s)") % {
                    "headline": headline,
                    "rule": rule.name,
                }
                case_comment(case=existing, actor=None, note=note)
                alert.case = existing
                return
            alert.case = case_report_routed(
                title=(_("[Monitoring alert] ") + headline)[:200],
                category=rule.category,
                description=_description(alert, seen),
                severity=rule.severity,
                lon=station.lon,
                lat=station.lat,
                grid=station.grid,
                address=station.name,
                lead_unit=rule.lead_unit,
                reporter_name=_("Monitoring alert system"),
            )
    except (DomainError, ValidationError):
        logger.exception("alert %s: could not open a case", alert.pk)


def _evidence(rule: AlertRule, seen: Observation) -> dict:
    return {
        "rule": {
            "kind": rule.kind,
            "factor": rule.factor,
            "cn": rule.cn,
            "raise_level": rule.raise_level,
            "clear_level": rule.effective_clear_level,
            "duration_minutes": rule.duration_minutes,
            "clear_minutes": rule.clear_minutes,
            "window_minutes": rule.window_minutes,
            "hot_measure": rule.hot_measure,
            "radius_m": rule.radius_m,
            "min_delta": rule.min_delta,
            "unit": rule.unit,
        },
        "points": seen.points or [],
        "median": seen.median,
        "peak_reading": seen.value,
    }


@transaction.atomic
def alert_raise(
    *,
    rule: AlertRule,
    station: Station,
    started_at: datetime,
    seen: Observation,
    peak: Observation | None = None,
    recent: Alert | None = None,
) -> Alert | None:
    """Raise an alert for a condition that began at ``started_at`` and is seen now as ``seen`` (``peak``: the
    highest reading since it began) — or reopen ``recent`` when it cleared within the rule's suppression
    window (one episode, one alert) — and open or join its case. None when another worker raised it first."""
    peak = peak or seen
    with translation.override(settings.LANGUAGE_CODE):
        _lock_station(station)
        if Alert.objects.filter(rule=rule, station=station, state=AlertState.OPEN).exists():
            return None
        suppress = timedelta(minutes=rule.suppress_minutes)
        if recent is not None and recent.cleared_at and started_at - recent.cleared_at <= suppress:
            return _reopen(recent, seen, peak)
        alert = Alert(
            rule=rule,
            station=station,
            started_at=started_at,
            peak_at=peak.at,
            peak_value=peak.metric,
            last_value=seen.metric,
            last_data_at=seen.at,
            evidence={**_evidence(rule, seen), "peak_reading": peak.value},
        )
        try:
            with transaction.atomic():
                alert.save()
        except IntegrityError:  # the one-open-alert constraint: raised meanwhile
            return None
        _attach_case(alert, Observation(peak.at, peak.metric, peak.value, peak.median, seen.points))
        if alert.case_id:
            alert.save(update_fields=["case"])
        return alert


def _reopen(alert: Alert, seen: Observation, peak: Observation) -> Alert:
    alert.state, alert.cleared_at = AlertState.OPEN, None
    alert.reopen_count += 1
    alert.last_value, alert.last_data_at = seen.metric, seen.at
    if peak.metric > alert.peak_value:
        alert.peak_value, alert.peak_at = peak.metric, peak.at
        alert.evidence = {**alert.evidence, "peak_reading": peak.value}
    alert.save()
    case = Case.objects.open().filter(pk=alert.case_id).first() if alert.case_id else None
    if case is not None:
        note = _("Raised again within the suppression window: %(headline)s") % {"headline": alert_headline(alert, seen)}
        case_comment(case=case, actor=None, note=note)
    else:
        _attach_case(alert, seen)
        alert.save(update_fields=["case"])
    return alert


@transaction.atomic
def alert_observe(*, alert: Alert, seen: Observation, peak: Observation | None = None) -> Alert:
    """Record the latest judged reading of an open alert, and a new peak when there is one."""
    alert.last_value, alert.last_data_at = seen.metric, max(seen.at, alert.last_data_at)
    fields = ["last_value", "last_data_at"]
    if peak is not None and peak.metric > alert.peak_value:
        alert.peak_value, alert.peak_at = peak.metric, peak.at
        alert.evidence = {**alert.evidence, "peak_reading": peak.value}
        fields += ["peak_value", "peak_at", "evidence"]
    alert.save(update_fields=fields)
    return alert


@transaction.atomic
def alert_clear(*, alert: Alert, seen: Observation) -> Alert:
    """Clear an open alert (its values stayed below the clear level long enough) and note it on its case."""
    with translation.override(settings.LANGUAGE_CODE):
        alert.state, alert.cleared_at = AlertState.CLEARED, seen.at
        alert.last_value, alert.last_data_at = seen.metric, max(seen.at, alert.last_data_at)
        alert.save(update_fields=["state", "cleared_at", "last_value", "last_data_at"])
        case = Case.objects.open().filter(pk=alert.case_id).first() if alert.case_id else None
        if case is not None:
            rule = alert.rule
            note = _("Alert cleared at %(at)s (%(rule)s): now %(value)s, peak %(peak)s %(unit)s at %(peak_at)s.") % {
                "at": local_text(seen.at, empty="—"),
                "rule": rule.name,
                "value": format_number(seen.metric, rule.factor),
                "peak": format_number(alert.peak_value, rule.factor),
                "unit": rule.unit,
                "peak_at": local_text(alert.peak_at, empty="—"),
            }
            case_comment(case=case, actor=None, note=note)
        return alert
