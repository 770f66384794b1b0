"""Air-quality statistics and rankings of areas (station, grid, community, street, district) over a period.

Method (DOMAIN.md c.4, HJ 663), all from the stations' daily rollups:

- An area's day: for each pollutant, the mean of its stations' **valid** daily values (as a city's daily value
  is the mean of its stations'); the day is a valid monitoring day of the area when at least one of its stations
  had a valid day. The area's daily AQI (日报) is computed from those values by the table in force on the day.
- Period means of SO2, NO2, PM10, PM2.5: arithmetic mean over the area's valid days of each pollutant.
- O3: 90th percentile of the daily maximum 8-h values; CO: 95th percentile of daily means (HJ 663 percentile:
  k = 1 + (n-1)p, linear — NumPy's default).
- 优良天数比例: days with AQI <= 100 / valid days × 100 %.
- 综合指数: sum of C_i / S_i over the six pollutants, S = the Grade II limits in force at the period's end
  (annual SO2, NO2, PM10, PM2.5; O3 daily max 8-h; CO 24-h), with concentrations rounded as published
  (integers, CO one decimal) and the index to 2 decimals. Smaller is better.
- Each figure carries its coverage: the days with a valid value against the days of the period so far.
- An area ranks only with enough valid days (the annual-mean rule: 324 a year, 27 a month — 25 in February —
  and proportionally for other periods); otherwise it is listed unranked with the reason. Ties rank equal
  ("1, 2, 2, 4").

A period that spans a change of standard (e.g. HJ 633-2026 from 2026-03-01) says so in ``notes``: each day
is judged by the rules in force on it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.grids.choices import COMMUNITY_LEVELS, STREET_LEVELS
from envgrid.grids.models import Grid, Region
from envgrid.monitoring import standards
from envgrid.monitoring.aqi import aqi_table
from envgrid.monitoring.models import Station
from envgrid.monitoring.periods import Period
from envgrid.monitoring.rollups import VALID_BITS, day_index, local_day

LEVELS = ("station", "grid", "community", "street", "district")
RANKING_LEVELS = ("street", "grid")
RANK_BY = ("composite_index", "pm25", "good_ratio")
# (daily column, validity bit, AQI daily indicator)
_DAILY = (
    ("pm25", VALID_BITS["pm25"], "PM2.5_24h"),
    ("pm10", VALID_BITS["pm10"], "PM10_24h"),
    ("so2", VALID_BITS["so2"], "SO2_24h"),
    ("no2", VALID_BITS["no2"], "NO2_24h"),
    ("co", VALID_BITS["co"], "CO_24h"),
    ("o3_8h", VALID_BITS["o3_8h"], "O3_8h"),
    ("o3_1h_max", VALID_BITS["o3_1h"], "O3_1h"),
)
_KEY_SQL = {
    "station": "d.station_id",
    "grid": "s.grid_id",
    "community": "g.community_id",
    "street": "g.street_id",
    "district": "(d.station_id * 0)",  # an expression: a bare 0 in GROUP BY is a column position
}
# Composite index: pollutant figure -> (limit pollutant, averaging) of GB 3095 Grade II (DOMAIN c.4)
_COMPOSITE = {
    "so2": ("SO2", "annual"),
    "no2": ("NO2", "annual"),
    "pm10": ("PM10", "annual"),
    "pm25": ("PM2.5", "annual"),
    "o3_8h_p90": ("O3", "8h_max"),
    "co_p95": ("CO", "24h"),
}
_DECIMALS = {"pm25": 0, "pm10": 0, "so2": 0, "no2": 0, "o3_8h_p90": 0, "co_p95": 1}


@dataclass
class Figure:
    """One statistic with the days behind it (coverage: ``days`` valid of ``expected``)."""

    value: float | None
    days: int
    expected: int

    def as_dict(self) -> dict:
        return {"value": self.value, "coverage": {"observed": self.days, "expected": self.expected}}


@dataclass
class AreaStats:
    """The statistics of one area over one period."""

    level: str
    area_id: int
    code: str
    name: str
    stations: int
    expected_days: int
    required_days: int
    valid_days: int = 0
    good_days: int = 0
    figures: dict[str, Figure] = field(default_factory=dict)
    composite_index: float | None = None
    ranked: bool = False
    reason: str = ""
    rank: int | None = None
    changes: dict[str, dict] = field(default_factory=dict)

    @property
    def good_ratio(self) -> float | None:
        if not self.valid_days:
            return None
        return round(self.good_days * 100 / self.valid_days, 1)

    def value(self, name: str) -> float | None:
        if name == "composite_index":
            return self.composite_index
        if name == "good_ratio":
            return self.good_ratio
        figure = self.figures.get(name)
        return figure.value if figure else None

    def as_dict(self) -> dict:
        return {
            "level": self.level,
            "id": self.area_id,
            "code": self.code,
            "name": self.name,
            "rank": self.rank,
            "ranked": self.ranked,
            "reason": self.reason,
            "stations": self.stations,
            "valid_days": self.valid_days,
            "good_days": self.good_days,
            "expected_days": self.expected_days,
            "required_days": self.required_days,
            "good_ratio": {
                "value": self.good_ratio,
                "coverage": {"observed": self.valid_days, "expected": self.expected_days},
            },
            "composite_index": {
                "value": self.composite_index,
                "coverage": {"observed": self.valid_days, "expected": self.expected_days},
            },
            **{name: figure.as_dict() for name, figure in self.figures.items()},
            "changes": self.changes,
        }


@dataclass
class StatsResult:
    """Statistics of areas over a period, with the standards applied and any note about them."""

    level: str
    period: Period
    expected_days: int
    areas: list[AreaStats]
    standards: dict[str, list[str]]
    spans_standard_change: bool
    notes: list[str]
    compared_with: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "level": self.level,
            "period": {
                "label": self.period.label,
                "kind": self.period.kind,
                "start": self.period.start.isoformat(),
                "end": self.period.last_day.isoformat(),
                "expected_days": self.expected_days,
            },
            "standards": self.standards,
            "spans_standard_change": self.spans_standard_change,
            "notes": self.notes,
            "compared_with": self.compared_with,
            "results": [area.as_dict() for area in self.areas],
        }


# --- building blocks ----------------------------------------------------------------------------------------


def _round_half_even(value: float, decimals: int) -> float:
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN))


def expected_days(period: Period, today: date | None = None) -> int:
    """Days of the period up to today (a period in progress is judged on its days so far)."""
    today = today or local_day(timezone.now())
    end = min(period.end, today + timedelta(days=1))
    return max((end - period.start).days, 0)


def required_days(period: Period, expected: int) -> int:
    """Valid days an area needs to rank: the annual-mean rule's minimums for a whole year or month, and
    proportionally (of 324/365) for other periods and periods in progress."""
    rule_set = standards.in_force("validity", period.last_day)
    annual = standards.validity_minimum(rule_set, "annual_mean", "PM2.5", default=324)
    if period.kind == "year" and expected == period.days:
        return annual
    if period.kind == "month" and expected == period.days:
        return standards.monthly_minimum_days(rule_set, period.start.month, period.days)
    return math.ceil(expected * annual / 365)


def _standards_used(period: Period) -> tuple[dict[str, list[str]], bool, list[str]]:
    used, notes, spans = {}, [], False
    for kind in ("aqi_daily", "limits", "validity"):
        versions = standards.versions_between(kind, period.start, period.end)
        used[kind] = [v.code for v in versions]
        if len(versions) > 1:
            spans = True
            changes = ", ".join(f"{v.code} from {v.effective_from.isoformat()}" for v in versions[1:])
            notes.append(
                _(
                    "The period spans a change of %(kind)s: %(first)s, then %(changes)s; each day is judged by the "
                    "rules in force on it."
                )
                % {"kind": kind, "first": versions[0].code, "changes": changes}  # fmt: skip
            )
        provisional = [v.code for v in versions if v.provisional]
        if provisional:
            notes.append(_("Provisional standard data used: %(codes)s.") % {"codes": ", ".join(provisional)})
    return used, spans, notes


def _area_days(level: str, period: Period, area_ids: Sequence[int] | None) -> list[tuple]:
    """(area, day, then mean and count of valid station values per daily column, valid stations) per area-day."""
    key = _KEY_SQL[level]
    parts = [
        f"AVG(CASE WHEN (d.valid_mask & {bit}) <> 0 THEN d.{column} END), "
        f"COUNT(CASE WHEN (d.valid_mask & {bit}) <> 0 THEN 1 END)"
        for column, bit, _ in _DAILY
    ]
    adapt = connection.ops.adapt_datefield_value
    params: list = [adapt(period.start), adapt(period.end)]
    where = ""
    if area_ids is not None:
        where = f" AND {key} IN ({', '.join(['%s'] * len(area_ids))})" if area_ids else " AND 1 = 0"
        params += list(area_ids)
    sql = (
        f"SELECT {key} AS area, d.day, {', '.join(parts)}, COUNT(CASE WHEN d.valid THEN 1 END) "
        "FROM monitoring_dailyrollup d JOIN monitoring_station s ON s.id = d.station_id "
        "LEFT JOIN grids_grid g ON g.id = s.grid_id "
        f"WHERE d.day >= %s AND d.day < %s{where} GROUP BY {key}, d.day"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _areas(level: str, area_ids: Sequence[int] | None) -> list[tuple[int, str, str, int]]:
    """(id, code, name, station count) of the areas of a level."""
    stations = Station.objects.filter(is_active=True)
    if level == "station":
        rows = stations.filter(pk__in=area_ids) if area_ids is not None else stations
        return [(s.pk, s.mn, s.name, 1) for s in rows.order_by("mn")]
    if level == "district":
        district = Region.objects.filter(parent__isnull=True).order_by("sort_order", "code").first()
        name = district.name if district else _("District")
        return [(0, district.code if district else "", name, stations.count())]
    counts: dict[int, int] = {}
    field_name = {"grid": "grid_id", "community": "grid__community_id", "street": "grid__street_id"}[level]
    for value in stations.exclude(grid__isnull=True).values_list(field_name, flat=True):
        counts[value] = counts.get(value, 0) + 1
    if level == "grid":
        grids = Grid.objects.filter(pk__in=area_ids if area_ids is not None else list(counts))
        return [(g.pk, g.code, g.name, counts.get(g.pk, 0)) for g in grids.order_by("code")]
    levels = STREET_LEVELS if level == "street" else COMMUNITY_LEVELS
    regions = Region.objects.filter(level__in=levels)
    if area_ids is not None:
        regions = regions.filter(pk__in=area_ids)
    return [(r.pk, r.code, r.name, counts.get(r.pk, 0)) for r in regions.order_by("sort_order", "code")]


def _composite(figures: dict[str, Figure], limits) -> float | None:
    total = 0.0
    for name, (pollutant, averaging) in _COMPOSITE.items():
        figure = figures.get(name)
        if figure is None or figure.value is None:
            return None
        total += _round_half_even(figure.value, _DECIMALS[name]) / limits.limit(pollutant, averaging)
    return round(total, 2)


def area_statistics(
    *, level: str, period: Period, area_ids: Sequence[int] | None = None, today: date | None = None
) -> StatsResult:
    """Statistics of every area of ``level`` (or those of ``area_ids``) over the period."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    expected = expected_days(period, today)
    needed = required_days(period, expected)
    used, spans, notes = _standards_used(period)
    limits = standards.in_force("limits", period.last_day)
    areas = {
        pk: AreaStats(level, pk, code, name, count, expected, needed)
        for pk, code, name, count in _areas(level, area_ids)
    }
    rows = [row for row in _area_days(level, period, area_ids) if row[0] is not None]
    if rows:
        _fill(areas, rows, expected, limits)
    for area in areas.values():
        _judge(area)
    return StatsResult(level, period, expected, list(areas.values()), used, spans, notes)


def _day_indexes(values) -> np.ndarray:
    cache: dict = {}
    out = np.empty(len(values), dtype=np.int64)
    for i, value in enumerate(values):
        if value not in cache:
            cache[value] = day_index(value if isinstance(value, date) else date.fromisoformat(str(value)[:10]))
        out[i] = cache[value]
    return out


def _fill(areas: dict[int, AreaStats], rows: list[tuple], expected: int, limits) -> None:
    """Area figures from the area-day rows, all areas at once (the daily AQI is one vectorised call)."""
    area = np.array([row[0] for row in rows], dtype=np.int64)
    days = _day_indexes([row[1] for row in rows])
    a = np.array([row[2:] for row in rows], dtype=np.float64)
    means, counts, valid_stations = a[:, 0:-1:2], a[:, 1:-1:2], a[:, -1]
    values = np.where(counts > 0, means, np.nan)
    day_valid = valid_stations > 0
    columns = {indicator: values[:, k] for k, (_column, _bit, indicator) in enumerate(_DAILY)}
    aqi = aqi_table(columns, "daily", on_date=days.astype("datetime64[D]"), tables=standards.aqi_tables())["AQI"]
    good = day_valid & (aqi <= 100)
    for pk in np.unique(area).tolist():
        stats = areas.get(pk)
        if stats is None:
            continue
        own = area == pk
        stats.valid_days = int((own & day_valid).sum())
        stats.good_days = int((own & good).sum())
        for k, (column, _bit, _indicator) in enumerate(_DAILY[:4]):
            ok = own & ~np.isnan(values[:, k])
            stats.figures[column] = Figure(float(values[ok, k].mean()) if ok.any() else None, int(ok.sum()), expected)
        co = own & ~np.isnan(values[:, 4])
        o3 = own & ~np.isnan(values[:, 5])
        stats.figures["co_p95"] = Figure(
            float(np.percentile(values[co, 4], 95)) if co.any() else None, int(co.sum()), expected
        )  # noqa: E501
        stats.figures["o3_8h_p90"] = Figure(
            float(np.percentile(values[o3, 5], 90)) if o3.any() else None, int(o3.sum()), expected
        )  # noqa: E501
        stats.composite_index = _composite(stats.figures, limits)


def _judge(area: AreaStats) -> None:
    if area.stations == 0:
        area.reason = _("no monitoring station")
    elif area.valid_days == 0:
        area.reason = _("no valid day")
    elif area.valid_days < area.required_days:
        area.reason = _("%(valid)s valid days of the %(required)s needed") % {
            "valid": area.valid_days,
            "required": area.required_days,
        }
    elif area.composite_index is None:
        missing = [name for name in _COMPOSITE if area.figures.get(name) is None or area.figures[name].value is None]
        area.reason = _("no valid value for %(names)s") % {"names": ", ".join(missing)}
    else:
        area.ranked = True


def rank_areas(areas: list[AreaStats], by: str = "composite_index") -> list[AreaStats]:
    """Ranked areas first, best first, ties ranked equal ("1, 2, 2, 4"); then the unranked ones with reasons."""
    if by not in RANK_BY:
        raise ValueError(f"rank by one of {', '.join(RANK_BY)}, not {by!r}")
    descending = by == "good_ratio"
    ranked = [a for a in areas if a.ranked and a.value(by) is not None]
    unranked = [a for a in areas if a not in ranked]
    for area in unranked:
        area.rank = None
        if area.ranked:  # rankable, but not by this figure
            area.ranked, area.reason = False, _("no value for %(figure)s") % {"figure": by}
    ranked.sort(key=lambda a: (-a.value(by) if descending else a.value(by), a.code))
    previous, rank = None, 0
    for position, area in enumerate(ranked, start=1):
        if area.value(by) != previous:
            rank, previous = position, area.value(by)
        area.rank = rank
    return ranked + sorted(unranked, key=lambda a: a.code)


_CHANGE_FIGURES = ("pm25", "pm10", "so2", "no2", "co_p95", "o3_8h_p90")


def _changes(current: AreaStats, before: AreaStats | None) -> dict:
    """Change against an earlier period: percent for concentrations and the index, points for the ratio."""
    out: dict[str, dict] = {}
    if before is None:
        return out
    pairs = {name: (current.value(name), before.value(name)) for name in (*_CHANGE_FIGURES, "composite_index")}
    for name, (now, then) in pairs.items():
        change = None if now is None or then in (None, 0) else round((now - then) * 100 / then, 1)
        out[name] = {"previous": then, "change_percent": change}
    now, then = current.good_ratio, before.good_ratio
    out["good_ratio"] = {
        "previous": then,
        "change_points": None if now is None or then is None else round(now - then, 1),
    }
    return out


def rankings(*, level: str, period: Period, by: str = "composite_index", today: date | None = None) -> StatsResult:
    """Rankings of streets or grids over the period, with year-on-year (同比) and period-on-period (环比) change."""
    if level not in RANKING_LEVELS:
        raise ValueError(f"level must be street or grid, not {level!r}")
    result = area_statistics(level=level, period=period, today=today)
    year_ago = {a.area_id: a for a in area_statistics(level=level, period=period.year_ago(), today=today).areas}
    before = {a.area_id: a for a in area_statistics(level=level, period=period.previous(), today=today).areas}
    for area in result.areas:
        area.changes = {
            "year_on_year": _changes(area, year_ago.get(area.area_id)),
            "period_on_period": _changes(area, before.get(area.area_id)),
        }
    result.areas = rank_areas(result.areas, by)
    result.compared_with = {"year_on_year": period.year_ago().label, "period_on_period": period.previous().label}
    return result


RANKING_INVALID = "ranking_invalid"


def ranking_query(*, level: str | None, period: str | None, by: str | None, today: date | None = None) -> StatsResult:
    """Rankings from request parameters (API and web): ``DomainError`` naming the bad parameter otherwise."""
    from envgrid.core.errors import DomainError
    from envgrid.monitoring.periods import default_period, parse_period

    level = level or "street"
    by = by or "composite_index"
    if level not in RANKING_LEVELS:
        raise DomainError(
            RANKING_INVALID,
            _("level must be street or grid, not %(value)r") % {"value": level},
            details={"field": "level"},
        )
    if by not in RANK_BY:
        raise DomainError(
            RANKING_INVALID,
            _("by must be one of %(choices)s, not %(value)r") % {"choices": ", ".join(RANK_BY), "value": by},
            details={"field": "by"},
        )
    today = today or local_day(timezone.now())
    chosen = parse_period(period) if period else default_period(today)
    return rankings(level=level, period=chosen, by=by, today=today)
