"""Reads of the rollups for pages, the API and other apps: a station's series, the hourly AQI computed on read
(with the O3 8-h moving mean) and each station's latest AQI for the map."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

import numpy as np
from django.db.models import Max, Q
from django.utils import timezone

from envgrid.monitoring import standards
from envgrid.monitoring.models import DailyRollup, HourlyRollup, Reading, Station
from envgrid.monitoring.rollups import maths
from envgrid.monitoring.rollups.clock import CHINA_OFFSET_HOURS, hour_datetime, local_day
from envgrid.monitoring.rollups.fields import HOURLY_INDICATORS, IAQI_FIELDS, O3_WINDOW, POLLUTANTS, VALID_BITS

_MINUTE_FIELDS = ("data_time", *POLLUTANTS, "temperature", "humidity", "pressure", "wind_speed", "wind_direction")


def _level_fields(aqi: int | None, aqi_level: int | None, on_day: date, mode: str) -> dict:
    if aqi is None or aqi_level is None:
        return {"level": "", "category": "", "color": ""}
    levels = standards.in_force(f"aqi_{mode}", on_day).levels
    band = levels[min(aqi_level, len(levels)) - 1]
    return {"level": band.level, "category": band.category, "color": band.color_hex}


def _daily_aqi_dict(row: DailyRollup) -> dict:
    iaqi = {name: getattr(row, field) for name, field in IAQI_FIELDS.items() if getattr(row, field) is not None}
    return {
        "aqi": row.aqi,
        "iaqi": iaqi,
        "primary_pollutants": [p for p in row.primary_pollutants.split(";") if p],
        "standard": row.standard,
        **_level_fields(row.aqi, row.aqi_level, row.day, "daily"),
    }


_HOURLY_FIELDS = (
    "station_id",
    "data_time",
    "source_cn",
    "samples",
    "valid",
    *POLLUTANTS,
    *(f"minutes_{c}" for c in POLLUTANTS),
)


def hourly_aqi(station_ids: Sequence[int], start: datetime, end: datetime, *, latest: bool = False) -> list[dict]:
    """The stored hours of the stations with ``start <= hour < end`` and what is computed from them on read,
    vectorized over all of them: the O3 8-h moving mean ending each hour (``o3_8h``, ``o3_8h_hours``; the 7 hours
    before ``start`` are read as its context) and the hourly AQI (实时报) by the table in force on each hour's
    day (``aqi``, ``aqi_level``, ``iaqi``, ``primary_pollutants``, ``standard``). Ordered by station and hour;
    ``latest``: only each station's last hour that has an AQI."""
    window = (-int(-start.timestamp() // 3600), -int(-end.timestamp() // 3600))  # hours starting in range
    return _hourly_aqi(dict.fromkeys(station_ids, window), latest=latest)


def _hourly_aqi(windows: dict[int, tuple[int, int]], *, latest: bool = False) -> list[dict]:
    """``hourly_aqi`` for each station's own window of epoch hours ``(first, end)``, in one query."""
    if not windows:
        return []
    by_window: dict[tuple[int, int], list[int]] = defaultdict(list)
    for station_id, window in windows.items():
        by_window[window].append(station_id)
    ranges = Q()
    for (h_from, h_to), stations in by_window.items():
        ranges |= Q(
            station_id__in=stations,
            data_time__gte=hour_datetime(h_from - (O3_WINDOW - 1)),
            data_time__lt=hour_datetime(h_to),
        )
    rows = list(HourlyRollup.objects.filter(ranges).order_by("station_id", "data_time").values_list(*_HOURLY_FIELDS))
    if not rows:
        return []
    h0 = min(h_from for h_from, _ in by_window) - (O3_WINDOW - 1)
    h_to = max(h_to for _, h_to in by_window)
    st = np.array([r[0] for r in rows], dtype=np.int64)
    hr = np.array([int(r[1].timestamp()) // 3600 for r in rows], dtype=np.int64)
    means = np.array([r[5:11] for r in rows], dtype=np.float64)
    minutes = np.array([r[11:17] for r in rows], dtype=np.float64)
    minimum = maths.minimum_per_row((hr + CHINA_OFFSET_HOURS) // 24, "1h_mean", 45)
    values = np.where((minutes >= minimum[:, None]) & ~np.isnan(means), means, np.nan)
    ids = np.unique(st)
    si, col = np.searchsorted(ids, st), hr - h0
    o3 = np.full((len(ids), h_to - h0), np.nan)
    o3[si, col] = values[:, POLLUTANTS.index("o3")]
    o3_8h, o3_hours = maths.o3_8h_windows(o3, h0)
    first = np.array([windows[station_id][0] for station_id in ids.tolist()], dtype=np.int64)
    keep = np.flatnonzero(hr >= first[si])  # the context hours before each window are not returned
    inner = col[keep] - (O3_WINDOW - 1)
    columns = {ind: values[keep, POLLUTANTS.index(c)] for ind, c in HOURLY_INDICATORS.items() if c in POLLUTANTS}
    columns["O3_8h"] = o3_8h[si[keep], inner]
    # An hour that is not a valid hour (say the one still coming in) has no AQI, though an O3 8-h value may
    # already be valid over the hours before it: the 实时报 is published for hours with their own data.
    valid_hour = np.array([row[4] for row in rows], dtype=bool)[keep]
    out = maths.aqi(
        {ind: np.where(valid_hour, v, np.nan) for ind, v in columns.items()},
        "hourly",
        (hr[keep] + CHINA_OFFSET_HOURS) // 24,
    )
    aqi, level = maths.nullable(out["AQI"], as_int=True), maths.nullable(out["aqi_level"], as_int=True)
    iaqi = {ind: maths.nullable(out[f"IAQI_{ind}"], as_int=True) for ind in HOURLY_INDICATORS}
    chosen = np.arange(len(keep))
    if latest:
        chosen = chosen[~np.isnan(out["AQI"])]
        last = np.ones(len(chosen), dtype=bool)
        last[:-1] = st[keep[chosen]][1:] != st[keep[chosen]][:-1]  # rows run by station, then hour
        chosen = chosen[last]
    result = []
    for j, i in zip(chosen.tolist(), keep[chosen].tolist(), strict=True):
        row = dict(zip(_HOURLY_FIELDS, rows[i], strict=True))
        row.update(
            o3_8h=None if np.isnan(columns["O3_8h"][j]) else float(columns["O3_8h"][j]),
            o3_8h_hours=int(o3_hours[si[i], inner[j]]),
            aqi=aqi[j],
            aqi_level=level[j],
            iaqi={ind: iaqi[ind][j] for ind in iaqi if iaqi[ind][j] is not None},
            primary_pollutants=[p for p in str(out["primary_pollutants"][j]).split(";") if p],
            standard=str(out["standard"][j]),
        )
        result.append(row)
    return result


def station_series(*, station: Station | int, start: datetime, end: datetime, interval: str) -> list[dict]:
    """A station's values between two times (``start <= t < end``), oldest first.

    ``minute``: the minute data (CN 2051, or real-time 2011 where a station sends no minute data) with weather.
    ``hour``: hourly rollups — 1-h means, ``o3_8h``, ``coverage`` (minutes per pollutant of 60), ``valid``,
    ``source_cn`` and the hourly AQI (``aqi``, ``iaqi``, ``primary_pollutants``, ``level``, ``category``,
    ``color``, ``standard``). ``day``: daily rollups (Beijing days whose midnight falls in the range) — 24-h
    means, ``o3_8h`` (daily max 8-h), ``o3_1h_max``, ``coverage`` (valid hours per pollutant of 24), ``valid``,
    ``invalid_reason`` and the daily AQI.
    """
    station_id = station.pk if isinstance(station, Station) else int(station)
    if interval == "minute":
        readings = Reading.objects.filter(station_id=station_id, data_time__gte=start, data_time__lt=end)
        cn = 2051 if readings.filter(cn=2051).exists() else 2011
        return list(readings.filter(cn=cn).order_by("data_time").values(*_MINUTE_FIELDS, "flags"))
    if interval == "hour":
        series = []
        for row in hourly_aqi([station_id], start, end):
            item = {"data_time": row["data_time"], **{c: row[c] for c in POLLUTANTS}, "o3_8h": row["o3_8h"]}
            item["coverage"] = {c: {"observed": row[f"minutes_{c}"], "expected": 60} for c in POLLUTANTS}
            item.update({key: row[key] for key in ("valid", "source_cn", "samples", "o3_8h_hours", "aqi", "iaqi")})
            item.update(primary_pollutants=row["primary_pollutants"], standard=row["standard"])
            item.update(_level_fields(row["aqi"], row["aqi_level"], local_day(row["data_time"]), "hourly"))
            series.append(item)
        return series
    if interval == "day":
        rows = DailyRollup.objects.filter(station_id=station_id, day__gte=local_day(start), day__lt=local_day(end))
        series = []
        for row in rows.order_by("day"):
            item = {"data_time": row.day, "day": row.day, **{c: getattr(row, c) for c in POLLUTANTS}}
            item.update(o3_8h=row.o3_8h, o3_1h_max=row.o3_1h_max, valid=row.valid, invalid_reason=row.invalid_reason)
            item["coverage"] = {c: {"observed": getattr(row, f"hours_{c}"), "expected": 24} for c in POLLUTANTS}
            item["valid_pollutants"] = [name for name, bit in VALID_BITS.items() if row.valid_mask & bit]
            item.update(_daily_aqi_dict(row))
            series.append(item)
        return series
    raise ValueError(f"interval must be 'minute', 'hour' or 'day', not {interval!r}")


def latest_aqi(
    station_ids: Iterable[int] | None = None, *, within_hours: int = 72, now: datetime | None = None
) -> dict[int, dict]:
    """The latest hourly AQI of each station within the last ``within_hours`` (for the map colours):
    ``{station_id: {aqi, level, category, color, primary_pollutants, data_time}}``; stations without one are
    left out. One query finds each station's last valid hour, one more reads those hours (with their O3 8-h
    context) to compute their AQI."""
    now = now or timezone.now()
    hours = HourlyRollup.objects.filter(
        valid=True, data_time__gte=now - timedelta(hours=within_hours), data_time__lt=now + timedelta(hours=1)
    )
    # by station (a subquery when none are given), so the (station, hour) key serves each station's range
    stations = Station.objects.values("pk") if station_ids is None else list(station_ids)
    hours = hours.filter(station_id__in=stations)
    last_hours = hours.values("station_id").annotate(last=Max("data_time")).values_list("station_id", "last")
    hour_of = {station_id: int(hour.timestamp()) // 3600 for station_id, hour in last_hours}
    rows = _hourly_aqi({station_id: (h, h + 1) for station_id, h in hour_of.items()}, latest=True)
    return {
        row["station_id"]: {
            "aqi": row["aqi"],
            "primary_pollutants": row["primary_pollutants"],
            "data_time": row["data_time"],
            **_level_fields(row["aqi"], row["aqi_level"], local_day(row["data_time"]), "hourly"),
        }
        for row in rows
    }
