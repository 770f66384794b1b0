"""The readings behind an alert, as a card: the rules and their levels, a sparkline of the station's values
around the episode (inline SVG, no chart library needed) and a small table. Shown on the case page of a
sensor case (``register_case_panel``) and on the alert's own page."""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone

from envgrid.alerts.choices import UNITS, AlertKind, Factor
from envgrid.alerts.models import Alert, format_number
from envgrid.alerts.selectors import alerts_of_case, readings_around

WIDTH, HEIGHT, PAD = 640, 140, 4
TABLE_ROWS = 24


@dataclass(frozen=True)
class Chart:
    factor: str
    label: str
    unit: str
    points: str  # SVG polyline points
    lines: list[tuple[float, str, str]]  # (y, css colour, label)
    bands: list[tuple[float, float]]  # (x, width) of each episode
    top: float
    start: str
    end: str


def _factors(alerts: list[Alert]) -> list[str]:
    wanted = {alert.rule.factor for alert in alerts if alert.rule.factor}
    return [f for f in Factor.values if f in wanted] or [Factor.PM25, Factor.PM10]


def _chart(alerts: list[Alert], rows: list[tuple], factor: str, column: int) -> Chart | None:
    points = [(row[0].timestamp(), row[column]) for row in rows if row[column] is not None]
    if len(points) < 2:
        return None
    t0, t1 = points[0][0], points[-1][0]
    levels = []
    for alert in alerts:
        rule = alert.rule
        if rule.factor == factor and rule.kind == AlertKind.THRESHOLD:
            levels += [(rule.raise_level, "#c62828", "raise"), (rule.effective_clear_level, "#f9a825", "clear")]
    top = max([value for _t, value in points] + [level for level, _c, _l in levels]) * 1.1 or 1.0
    span = max(t1 - t0, 1.0)

    def x(t: float) -> float:
        return round(PAD + (t - t0) / span * (WIDTH - 2 * PAD), 1)

    def y(value: float) -> float:
        return round(HEIGHT - PAD - value / top * (HEIGHT - 2 * PAD), 1)

    bands = []
    for alert in alerts:
        begin = max(alert.started_at.timestamp(), t0)
        end = min((alert.cleared_at or alert.last_data_at).timestamp(), t1)
        if end >= begin:
            bands.append((x(begin), max(x(end) - x(begin), 2.0)))
    return Chart(
        factor=factor,
        label=Factor(factor).label,
        unit=UNITS[factor],
        points=" ".join(f"{x(t)},{y(v)}" for t, v in points),
        lines=[(y(level), colour, label) for level, colour, label in levels],
        bands=bands,
        top=round(top, 1),
        start=timezone.localtime(rows[0][0]).strftime("%m-%d %H:%M"),
        end=timezone.localtime(rows[-1][0]).strftime("%m-%d %H:%M"),
    )


def _table(rows: list[tuple], column: int) -> list[tuple]:
    """At most ``TABLE_ROWS`` rows spread evenly over the window, always with the peak of the first factor."""
    if len(rows) <= TABLE_ROWS:
        return rows
    step = len(rows) / (TABLE_ROWS - 1)
    keep = {min(round(i * step), len(rows) - 1) for i in range(TABLE_ROWS - 1)}
    values = [row[column] if row[column] is not None else float("-inf") for row in rows]
    keep.add(values.index(max(values)))
    return [rows[i] for i in sorted(keep)]


def readings_context(alerts: list[Alert]) -> dict:
    """What the readings card shows for these alerts (of one station)."""
    factors = _factors(alerts)
    window = min(alerts, key=lambda a: a.started_at)
    latest = max(alerts, key=lambda a: a.cleared_at or a.last_data_at)
    merged = Alert(
        rule=window.rule,
        station=window.station,
        started_at=window.started_at,
        cleared_at=latest.cleared_at,
        last_data_at=latest.last_data_at,
    )
    rows = readings_around(merged, columns=factors)
    levels = {a.rule.factor: a.rule.raise_level for a in alerts if a.rule.kind == AlertKind.THRESHOLD}
    table = [
        (
            timezone.localtime(row[0]).strftime("%m-%d %H:%M"),
            [
                (format_number(value, f), value is not None and f in levels and value >= levels[f])
                for f, value in zip(factors, row[1:], strict=True)
            ],
        )
        for row in _table(rows, 1)
    ]
    return {
        "alerts": alerts,
        "station": window.station,
        "factors": [(Factor(f).label, UNITS[f], format_number(levels.get(f), f)) for f in factors],
        "chart": _chart(alerts, rows, factors[0], 1),
        "table": table,
        "count": len(rows),
    }


def render_alert_readings(alerts: list[Alert]) -> str:
    return render_to_string("alerts/_readings.html", readings_context(alerts))


def render_case_panel(case, user) -> str | None:
    """The case page's card for a sensor case: the readings behind its alerts (None for other cases)."""
    alerts = alerts_of_case(case)
    if not alerts:
        return None
    station = alerts[0].station_id
    return render_alert_readings([a for a in alerts if a.station_id == station])
