"""The statistics of the areas of a level over a period, from the stations' daily rollups: one SQL query groups
the valid station days by area and day, NumPy makes the period figures of all areas at once."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from envgrid.grids.choices import COMMUNITY_LEVELS, STREET_LEVELS
from envgrid.grids.models import Grid, Region
from envgrid.monitoring import standards
from envgrid.monitoring.aqi import aqi_table
from envgrid.monitoring.models import DailyRollup, Station
from envgrid.monitoring.periods import Period
from envgrid.monitoring.rollups import VALID_BITS, day_index, local_day
from envgrid.monitoring.stats.figures import LEVELS, AreaStats, Figure, StatsResult

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
# Composite index (ranking rules): pollutant figure -> (limit pollutant, averaging) of GB 3095 Grade II
_COMPOSITE = {
    "so2": ("SO2", "annual"),
    "no2": ("NO2", "annual"),
    "pm10": ("PM10", "annual"),
    "pm25": ("PM2.5", "annual"),
    "o3_8h_p90": ("O3", "8h_max"),
    "co_p95": ("CO", "24h"),
}
_DECIMALS = {"pm25": 0, "pm10": 0, "so2": 0, "no2": 0, "o3_8h_p90": 0, "co_p95": 1}


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


#: What each kind of standard is called inside a sentence.
STANDARD_KIND_NOUNS = {
    "aqi_daily": gettext_lazy("the daily AQI table"),
    "limits": gettext_lazy("the concentration limits"),
    "validity": gettext_lazy("the data validity rules"),
}


def _standards_used(period: Period) -> tuple[dict[str, list[str]], bool, list[str]]:
    used, notes, spans = {}, [], False
    for kind in ("aqi_daily", "limits", "validity"):
        versions = standards.versions_between(kind, period.start, period.end)
        used[kind] = [v.code for v in versions]
        if len(versions) > 1:
            spans = True
            changes = ", ".join(
                _("%(code)s from %(date)s") % {"code": v.code, "date": v.effective_from.isoformat()}
                for v in versions[1:]
            )
            notes.append(
                _(
                    "The period spans a change of %(kind)s: %(first)s, then %(changes)s; each day is judged by the "
                    "rules in force on it."
                )
                % {"kind": STANDARD_KIND_NOUNS[kind], "first": versions[0].code, "changes": changes}
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
        f"FROM {DailyRollup._meta.db_table} d JOIN {Station._meta.db_table} s ON s.id = d.station_id "
        f"LEFT JOIN {Grid._meta.db_table} g ON g.id = s.grid_id "
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
