"""Judge stations' data by the active alert rules and raise, update or clear alerts (through the services).

``alerts_evaluate(since={station_id: data_time})`` is what the Huey task runs after readings are stored: for
each reading command the rules use, the recent window of every station involved (the stations themselves
and, for hot-grid rules, their neighbours) is read in ONE query; the arithmetic runs on NumPy arrays
(``evaluation``); only the readings at or after ``since`` are replayed through each alert's state, so
re-sent or late data never raises an episode twice. ``alerts_evaluate_offline`` judges silence against the
clock and runs every minute.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from django.db.models import Q
from django.utils import timezone

from envgrid.alerts import services
from envgrid.alerts.choices import CODES, READING_KINDS, AlertKind, AlertState
from envgrid.alerts.evaluation import Judged, Series, judge, walk
from envgrid.alerts.models import Alert, AlertRule
from envgrid.alerts.services import Observation
from envgrid.monitoring.models import Reading, ReceiverStat, Station

#: Seconds between two uploads of each command, for tolerances and gaps.
CN_SECONDS = {2011: 60, 2051: 60, 2061: 3600, 2031: 86400}
#: Data flags whose values count (N normal, T above the measuring range); the others (maintenance,
#: calibration, fault…) never raise or clear an alert.
VALID_FLAGS = frozenset({"N", "T"})
EVIDENCE_POINTS = 30
RECEIVER_FRESH = timedelta(minutes=2)
#: Within one batch, rules are judged in this order, so that when several raise together for one station the
#: case is opened by the plainest finding (an exceedance) and the others join it.
KIND_ORDER = {AlertKind.THRESHOLD: 0, AlertKind.HOT_GRID: 1, AlertKind.RISE: 2, AlertKind.FLATLINE: 3}


@dataclass
class EvaluationResult:
    """What one evaluation did."""

    judged: int = 0  # (rule, station) pairs looked at
    raised: int = 0
    reopened: int = 0
    cleared: int = 0

    def add(self, other: EvaluationResult) -> None:
        for name in ("judged", "raised", "reopened", "cleared"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _step_seconds(cn: int) -> int:
    return CN_SECONDS.get(cn, 60)


def _lookback(rule: AlertRule) -> timedelta:
    """How far before the new readings the window must reach to see the runs and fits behind them."""
    step = _step_seconds(rule.cn)
    minutes = max(rule.duration_minutes, rule.clear_minutes)
    if rule.kind == AlertKind.RISE:
        minutes = max(minutes, rule.window_minutes)
    seconds = minutes * 60 + 10 * step
    if rule.kind == AlertKind.FLATLINE:
        seconds = max(seconds, (int(rule.raise_level) + 2) * step)
    return timedelta(seconds=seconds)


def _load_series(
    cn: int, station_ids: Iterable[int], factors: set[str], lower: datetime
) -> dict[tuple[int, str], Series]:
    """Every station's readings of ``factors`` since ``lower`` in one query, as series per (station, factor);
    values missing or with an abnormal data flag are dropped."""
    columns = sorted(factors)
    rows = list(
        Reading.objects.filter(cn=cn, station_id__in=list(station_ids), data_time__gte=lower)
        .order_by("station_id", "data_time")
        .values_list("station_id", "data_time", *columns, "flags")
    )
    if not rows:
        return {}
    stations = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    times = np.fromiter((row[1].timestamp() for row in rows), dtype=float, count=len(rows))
    bounds = np.flatnonzero(np.diff(stations)) + 1
    starts, ends = np.concatenate([[0], bounds]), np.concatenate([bounds, [len(rows)]])
    found = {}
    for position, column in enumerate(columns, start=2):
        code = CODES[column]
        values = np.fromiter(
            (
                math.nan if (v := row[position]) is None or (row[-1] or {}).get(code, "N") not in VALID_FLAGS else v
                for row in rows
            ),
            dtype=float,
            count=len(rows),
        )
        for start, end in zip(starts, ends, strict=True):
            chunk = values[start:end]
            keep = ~np.isnan(chunk)
            found[(int(stations[start]), column)] = Series(times[start:end][keep], chunk[keep])
    return found


def _distances_m(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Great-circle distances in metres from one point to many (haversine)."""
    p1, p2 = math.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    h = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6_371_000 * np.arcsin(np.sqrt(h))


def _neighbours(rule: AlertRule, station: Station, candidates: list[Station]) -> list[int]:
    pool = [s for s in candidates if s.pk != station.pk and (not rule.station_kinds or s.kind in rule.station_kinds)]
    if not pool:
        return []
    lons = np.array([s.lon for s in pool])
    lats = np.array([s.lat for s in pool])
    near = _distances_m(station.lon, station.lat, lons, lats) <= rule.radius_m
    return [s.pk for s, inside in zip(pool, near, strict=True) if inside]


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(float(seconds), tz=UTC)


def _observation(series: Series, judged: Judged, index: int, *, points_from: int | None = None) -> Observation:
    metric = float(judged.metric[index])
    median = judged.median[index] if judged.median is not None else None
    points = None
    if points_from is not None:  # the run behind a raise, a little context before it, at most EVIDENCE_POINTS
        first = max(points_from - 5, index - EVIDENCE_POINTS + 1, 0)
        points = [
            [_moment(series.times[i]).isoformat(), float(series.values[i]), _finite(judged.metric[i])]
            for i in range(first, index + 1)
        ]
    return Observation(
        at=_moment(series.times[index]),
        metric=metric,
        value=float(series.values[index]),
        median=_finite(median),
        points=points,
    )


def _finite(value) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _peak(series: Series, judged: Judged, first: int, last: int) -> Observation | None:
    """The highest metric between two readings (inclusive), or None when none is a number."""
    if last < first:
        return None
    window = judged.metric[first : last + 1]
    if not np.isfinite(window).any():
        return None
    return _observation(series, judged, first + int(np.nanargmax(window)))


def _alert_states(rules: list[AlertRule], station_ids: Iterable[int], since: datetime):
    """Open alerts, and the latest alert cleared recently enough to matter, by (rule, station)."""
    longest = max((r.suppress_minutes for r in rules), default=0)
    alerts = Alert.objects.filter(rule__in=rules, station_id__in=list(station_ids)).filter(
        Q(state=AlertState.OPEN) | Q(cleared_at__gte=since - timedelta(minutes=longest) - timedelta(days=1))
    )
    open_alerts, cleared = {}, {}
    for alert in alerts.select_related("rule", "station__grid").order_by("cleared_at"):
        key = (alert.rule_id, alert.station_id)
        if alert.state == AlertState.OPEN:
            open_alerts[key] = alert
        else:
            cleared[key] = alert
    return open_alerts, cleared


def _judge_one(
    rule: AlertRule, station: Station, series: Series, judged: Judged, since: datetime, alert, recent
) -> EvaluationResult:
    """Replay the readings since ``since`` (and after what was already judged) through one alert's state."""
    result = EvaluationResult(judged=1)
    cursor = alert.last_data_at if alert else (recent.cleared_at if recent else None)
    first = int(np.searchsorted(series.times, since.timestamp(), side="left"))
    if cursor is not None:
        first = max(first, int(np.searchsorted(series.times, cursor.timestamp(), side="right")))
    if first >= len(series):
        return result
    step = _step_seconds(rule.cn)
    steps = walk(
        series.times,
        judged,
        first=first,
        is_open=alert is not None,
        duration_s=rule.duration_minutes * 60,
        clear_s=rule.clear_minutes * 60,
        max_gap=10 * step,
    )
    position = first
    for found in steps:
        if found.action == "raise":
            seen = _observation(series, judged, found.index, points_from=found.run_start)
            raised = services.alert_raise(
                rule=rule,
                station=station,
                started_at=_moment(series.times[found.run_start]),
                seen=seen,
                peak=_peak(series, judged, found.run_start, found.index),
                recent=recent,
            )
            if raised is None:
                return result
            if recent is not None and raised.pk == recent.pk:
                result.reopened += 1
            else:
                result.raised += 1
            alert, recent = raised, None
        else:
            peak = _peak(series, judged, position, found.index)
            services.alert_observe(alert=alert, seen=_observation(series, judged, found.index), peak=peak)
            services.alert_clear(alert=alert, seen=_observation(series, judged, found.index))
            result.cleared += 1
            alert, recent = None, alert
        position = found.index + 1
    if alert is not None and position < len(series):
        peak = _peak(series, judged, position, len(series) - 1)
        services.alert_observe(alert=alert, seen=_observation(series, judged, len(series) - 1), peak=peak)
    return result


def alerts_evaluate(
    *, since: dict[int, datetime], kinds: Iterable[str] | None = None, now: datetime | None = None
) -> EvaluationResult:
    """Judge the readings stored at or after ``since[station_id]`` by every active rule (of ``kinds``), and
    the same stations' silence by the offline rules; see the module doc."""
    result = EvaluationResult()
    if not since:
        return result
    wanted = set(kinds) if kinds is not None else set(AlertKind.values)
    rules = sorted(
        AlertRule.objects.filter(is_active=True, kind__in=wanted).select_related("category", "lead_unit", "region"),
        key=lambda rule: (KIND_ORDER.get(rule.kind, 9), rule.pk),
    )
    reading_rules = [r for r in rules if r.kind in READING_KINDS]
    if reading_rules:
        stations = {s.pk: s for s in Station.objects.filter(is_active=True).select_related("grid")}
        targets = {pk: moment for pk, moment in since.items() if pk in stations}
        by_cn: dict[int, list[AlertRule]] = defaultdict(list)
        for rule in reading_rules:
            by_cn[rule.cn].append(rule)
        for cn, cn_rules in by_cn.items():
            result.add(_evaluate_cn(cn, cn_rules, stations, targets))
    if AlertKind.OFFLINE in wanted:
        result.add(alerts_evaluate_offline(station_ids=list(since), now=now))
    return result


def _evaluate_cn(
    cn: int, rules: list[AlertRule], stations: dict[int, Station], targets: dict[int, datetime]
) -> EvaluationResult:
    result = EvaluationResult()
    watched = {rule.pk: [pk for pk in targets if rule.applies_to(stations[pk])] for rule in rules}
    if not any(watched.values()):
        return result
    candidates = list(stations.values())
    neighbours: dict[tuple[int, int], list[int]] = {}
    for rule in rules:
        if rule.kind == AlertKind.HOT_GRID:
            for pk in watched[rule.pk]:
                neighbours[(rule.pk, pk)] = _neighbours(rule, stations[pk], candidates)
    needed = set(targets) | {pk for ids in neighbours.values() for pk in ids}
    lower = min(targets.values()) - max(_lookback(rule) for rule in rules)
    series = _load_series(cn, needed, {rule.factor for rule in rules}, lower)
    open_alerts, cleared = _alert_states(rules, targets, min(targets.values()))
    tolerance = 5 * _step_seconds(cn)
    for rule in rules:
        for pk in watched[rule.pk]:
            own = series.get((pk, rule.factor))
            if own is None or not len(own):
                continue
            around = [series.get((n, rule.factor)) for n in neighbours.get((rule.pk, pk), [])]
            judged = judge(rule, own, neighbours=[s for s in around if s is not None], tolerance_s=tolerance)
            key = (rule.pk, pk)
            result.add(_judge_one(rule, stations[pk], own, judged, targets[pk], open_alerts.get(key), cleared.get(key)))
    return result


def _receiver_since(now: datetime) -> tuple[bool, datetime | None]:
    """(may judge silence, since when the receivers have been listening). When an HJ 212 receiver has ever
    run here, silence is counted only while one runs — a stopped platform is not an offline device."""
    stats = list(ReceiverStat.objects.values_list("started_at", "updated_at"))
    if not stats:
        return True, None
    running = [started for started, updated in stats if updated >= now - RECEIVER_FRESH]
    if not running:
        return False, None
    return True, min(running)


def alerts_evaluate_offline(*, station_ids: Iterable[int] | None = None, now: datetime | None = None):
    """Judge the silence of stations (every active one, or ``station_ids``) by the active offline rules:
    raise once a station that has sent data is silent for the rule's minutes, clear when data comes again."""
    result = EvaluationResult()
    rules = list(AlertRule.objects.filter(is_active=True, kind=AlertKind.OFFLINE).select_related("category"))
    if not rules:
        return result
    now = now or timezone.now()
    stations = Station.objects.filter(is_active=True, last_seen_at__isnull=False).select_related("grid")
    if station_ids is not None:
        stations = stations.filter(pk__in=list(station_ids))
    stations = list(stations)
    may_raise, listening_since = _receiver_since(now)
    open_alerts, cleared = _alert_states(rules, [s.pk for s in stations], now)
    for rule in rules:
        for station in stations:
            if not rule.applies_to(station):
                continue
            result.judged += 1
            reference = max(station.last_seen_at, listening_since) if listening_since else station.last_seen_at
            silent = max((now - reference).total_seconds() / 60, 0.0)
            seen = Observation(at=now, metric=round(silent, 1))
            alert = open_alerts.get((rule.pk, station.pk))
            if alert is None:
                if may_raise and silent >= rule.raise_level:
                    recent = cleared.get((rule.pk, station.pk))
                    raised = services.alert_raise(
                        rule=rule, station=station, started_at=station.last_seen_at, seen=seen, recent=recent
                    )
                    if raised is not None:
                        if recent is not None and raised.pk == recent.pk:
                            result.reopened += 1
                        else:
                            result.raised += 1
            elif silent < rule.effective_clear_level:
                services.alert_clear(alert=alert, seen=Observation(at=station.last_seen_at, metric=seen.metric))
                result.cleared += 1
            else:
                services.alert_observe(alert=alert, seen=seen, peak=seen)
    return result
