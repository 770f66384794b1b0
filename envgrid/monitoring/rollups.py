"""Hourly, daily and monthly rollups of the readings, with coverage, GB 3095 validity and the HJ 633 AQI.

How an hour is made (``HourlyRollup``, labelled by the hour's start in UTC, as HJ 212 labels hourly data):

- **Device hourly data (CN 2061) wins** when the station sent it for the hour: it is the analyser's own
  validated hourly mean (what control stations report). Otherwise the mean of the minute data (CN 2051),
  otherwise of the real-time data (CN 2011). A value counts only when its HJ 212 data flag is ``N`` (or
  absent): maintenance, calibration, fault… values never enter a mean.
- Coverage is in minutes per pollutant: a device hourly value covers 60, a minute/real-time value covers the
  station's interval; the hour is a valid 1-h mean when it reaches the ``1h_mean`` minimum of the validity
  rules in force (45 minutes in GB 3095-2012 Table 4).
- The O3 8-h moving mean ending with the hour (hours h-7 … h) needs the ``8h_mean`` minimum (6) of valid hours.
- The hourly AQI (实时报) of a valid hour uses its valid 1-h values and the O3 8-h value, by the table in force
  on the day. Both are computed when read (``hourly_aqi``), not stored.
- Minute data older than the retention window is purged; an hour before that window is never recomputed from
  what is left of its minutes: its stored rollup is kept unless device hourly data arrives.

A day (``DailyRollup``, Beijing-time day) has 24-h means over valid hours, valid when at least the ``24h_mean``
minimum (20) hours are valid; the O3 daily maximum 8-h value over windows ending 08:00-24:00 (hours starting
07:00-23:00), valid with the ``8h_max_daily`` minimum (14) of 8-h values or when it already exceeds the limit;
the daily AQI (日报). The day is a valid monitoring day when every pollutant the station measures is valid.
A month (``MonthlyRollup``) has the means of valid days, the O3-8h 90th and CO 95th percentiles, valid and
good days, valid with the monthly minimum of the annual-mean rule (27 days, 25 in February).

Hours are written by the database, one ``INSERT … SELECT`` per source in order of precedence (``ON CONFLICT DO
NOTHING``: the first source to write an hour keeps it); device hourly data needs no grouping. The valid 1-h
values then come back once per month for the days and months, which are NumPy over whole arrays, never a
Python loop per row.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from envgrid.monitoring import standards
from envgrid.monitoring.aqi import aqi_table
from envgrid.monitoring.choices import FACTOR_COLUMNS
from envgrid.monitoring.models import (
    DailyRollup,
    HourlyRollup,
    Reading,
    RollupDirtyHour,
    Station,
)

log = logging.getLogger(__name__)

POLLUTANTS: tuple[str, ...] = ("pm25", "pm10", "so2", "no2", "co", "o3")
POLLUTANT_NAMES = {"pm25": "PM2.5", "pm10": "PM10", "so2": "SO2", "no2": "NO2", "co": "CO", "o3": "O3"}
FACTOR_CODES = {column: code for code, column in FACTOR_COLUMNS.items()}
#: Bits of ``DailyRollup.valid_mask``: the 24-h pollutants, the O3 daily max 8-h and 1-h values.
VALID_BITS = {"pm25": 1, "pm10": 2, "so2": 4, "no2": 8, "co": 16, "o3_8h": 32, "o3_1h": 64}
#: Hourly sources, the winner first (see the module docstring).
HOURLY_SOURCES: tuple[int, ...] = (2061, 2051, 2011)
USABLE_FLAGS: tuple[str, ...] = ("N",)
MINUTE_CNS: tuple[int, ...] = (2011, 2051)
CHINA_OFFSET_HOURS = 8  # Asia/Shanghai, no daylight saving since 1991
O3_WINDOW = 8
DEFAULT_RETENTION_DAYS = 90
EPOCH_DAY = date(1970, 1, 1)

# Hourly AQI indicators from rollup columns (particles: the 1-h value, DOMAIN b.5 [U]).
_HOURLY_INDICATORS = {
    "SO2_1h": "so2",
    "NO2_1h": "no2",
    "PM10_1h": "pm10",
    "CO_1h": "co",
    "PM2.5_1h": "pm25",
    "O3_1h": "o3",
    "O3_8h": "o3_8h",
}
_DAILY_INDICATORS = {
    "SO2_24h": "so2",
    "NO2_24h": "no2",
    "PM10_24h": "pm10",
    "CO_24h": "co",
    "PM2.5_24h": "pm25",
    "O3_1h": "o3_1h_max",
    "O3_8h": "o3_8h",
}
#: Daily rollup IAQI columns per indicator.
_IAQI_FIELDS = {
    "SO2_24h": "iaqi_so2",
    "NO2_24h": "iaqi_no2",
    "PM10_24h": "iaqi_pm10",
    "CO_24h": "iaqi_co",
    "PM2.5_24h": "iaqi_pm25",
    "O3_1h": "iaqi_o3",
    "O3_8h": "iaqi_o3_8h",
}


# --- time helpers: epoch hours (UTC) and Beijing days -------------------------------------------------


def day_index(day: date) -> int:
    return (day - EPOCH_DAY).days


def day_of(index: int) -> date:
    return EPOCH_DAY + timedelta(days=int(index))


def first_hour(day: date) -> int:
    """Epoch hour (UTC) of the Beijing midnight starting ``day``."""
    return day_index(day) * 24 - CHINA_OFFSET_HOURS


def hour_datetime(hour: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(hours=int(hour))


def local_day(moment: datetime) -> date:
    return (moment.astimezone(UTC) + timedelta(hours=CHINA_OFFSET_HOURS)).date()


def retention_days() -> int:
    return int(getattr(settings, "ENVGRID_MINUTE_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def _retention_cutoff_hour(now: datetime | None = None) -> int:
    now = now or timezone.now()
    return int((now - timedelta(days=retention_days())).timestamp() // 3600)


# --- SQL ------------------------------------------------------------------------------------------------


def _epoch_hour_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column}) / 3600) AS BIGINT)"
    return f"CAST(strftime('%%s', {column}) AS INTEGER) / 3600"


def _flag_sql(code: str) -> str:
    if connection.vendor == "postgresql":
        return f"(flags ->> '{code}')"
    return f"json_extract(flags, '$.{code}')"


def _db_time(moment: datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def _station_filter(station_ids: Sequence[int] | None, params: list) -> str:
    """``AND station_id IN (…)`` with the ids inlined (integers), so the (station, time) indexes serve the range
    and no parameter limit applies."""
    if station_ids is None:
        return ""
    if not station_ids:
        return " AND 1 = 0"
    return f" AND station_id IN ({', '.join(str(int(i)) for i in station_ids)})"


_FETCH_BATCH = 20_000


def _fetch_array(sql: str, params: list, width: int) -> np.ndarray:
    """The rows of a numeric query as one float64 array, fetched in batches (no list of every row's tuple).
    On PostgreSQL through a server-side-binding cursor in binary: numbers come as stored, no text to parse."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(sql, params)
            return _fetch_blocks(cursor, width)
    import psycopg

    with psycopg.Cursor(connection.connection) as raw:
        raw.execute(sql, params, binary=True)
        return _fetch_blocks(raw, width)


def _fetch_blocks(cursor, width: int) -> np.ndarray:
    blocks = []
    while rows := cursor.fetchmany(_FETCH_BATCH):
        blocks.append(np.array(rows, dtype=np.float64).reshape(len(rows), width))
    return np.concatenate(blocks) if blocks else np.empty((0, width))


def _usable_sql(column: str) -> str:
    """The value of a pollutant column when its HJ 212 data flag is usable (or absent), else NULL."""
    usable = ", ".join(f"'{flag}'" for flag in USABLE_FLAGS)
    return f"CASE WHEN COALESCE({_flag_sql(FACTOR_CODES[column])}, 'N') IN ({usable}) THEN {column} END"


def _hour_label_sql(column: str) -> str:
    """The start of the hour of a stored time, in the column's own storage format (so it compares equal)."""
    if connection.vendor == "postgresql":
        return f"date_trunc('hour', {column})"
    # 'YYYY-MM-DD HH:MM:SS[.ffffff]': a time already on the hour (device hourly data) is its own label
    label = f"strftime('%%Y-%%m-%%d %%H:00:00', {column})"
    return f"CASE WHEN substr({column}, 15) = '00:00' THEN {column} ELSE {label} END"


def _least_sql(a: str, b: str) -> str:
    return f"LEAST({a}, {b})" if connection.vendor == "postgresql" else f"MIN({a}, {b})"


def _hour_literal(hour: int) -> str:
    """An epoch hour as a SQL literal of the datetime column (our own values only, never user input)."""
    if connection.vendor == "postgresql":
        return f"TIMESTAMPTZ '{hour_datetime(hour).isoformat()}'"
    return f"'{_db_time(hour_datetime(hour))}'"


def _minimum_sql(statistic: str, default: int, h0: int, h1: int, column: str = "data_time") -> str:
    """The validity minimum of ``statistic`` in force on each hour's (Beijing) day, as a SQL ``CASE`` on the
    hour's time ``column`` over the rule sets that overlap the hours ``h0 <= hour < h1``."""
    lo, hi = day_of((h0 + CHINA_OFFSET_HOURS) // 24), day_of((h1 - 1 + CHINA_OFFSET_HOURS) // 24) + timedelta(days=1)
    cases = []
    for version in standards.versions_between("validity", lo, hi):
        minimum = int(standards.validity_minimum(version, statistic, default=default))
        bounds = []
        if version.effective_from > lo:
            bounds.append(f"{column} >= {_hour_literal(first_hour(version.effective_from))}")
        if version.effective_to and version.effective_to < hi:
            bounds.append(f"{column} < {_hour_literal(first_hour(version.effective_to))}")
        cases.append(f"WHEN {' AND '.join(bounds) or '1 = 1'} THEN {minimum}")
    return f"(CASE {' '.join(cases)} ELSE {int(default)} END)" if cases else str(int(default))


def _valid_hour_sql(minutes: Sequence[str], minimum: str) -> str:
    """An hour is valid when some pollutant has usable data and each one that has reaches the 1-h minimum."""
    some = " OR ".join(f"{m} > 0" for m in minutes)
    each = " AND ".join(f"({m} = 0 OR {m} >= {minimum})" for m in minutes)
    return f"CASE WHEN ({some}) AND {each} THEN TRUE ELSE FALSE END"


HOURLY_COLUMNS = (
    ("station_id", "data_time", "source_cn", "samples", "valid")
    + POLLUTANTS
    + tuple(f"minutes_{c}" for c in POLLUTANTS)
)


def _insert_device_hours(station_ids: Sequence[int], t0, t1, h0: int, h1: int, *, may_conflict: bool) -> None:
    """Device hourly data (CN 2061) as hours, in the database: one reading is the hour, so nothing to group;
    a value covers 60 minutes when its flag is usable. Hours already written (kept before the retention cutoff)
    are left alone. On SQLite the usable values are materialized once, so each flag is read once per reading.

    Into an emptied range the insert first goes without the conflict clause (it costs a third of the insert on
    PostgreSQL); two device hourly readings labelled within one hour make it fail and go again with it."""
    params: list = [t0, t1]
    where = f"cn = 2061 AND data_time >= %s AND data_time < %s{_station_filter(station_ids, params)}"
    values = [f"v_{c}" for c in POLLUTANTS]
    usable = ", ".join(f"{_usable_sql(c)} AS v_{c}" for c in POLLUTANTS)
    minutes = ", ".join(f"CASE WHEN v_{c} IS NOT NULL THEN 60 ELSE 0 END" for c in POLLUTANTS)
    minimum = _minimum_sql("1h_mean", 45, h0, h1, column="hour")
    valid = f"CASE WHEN COALESCE({', '.join(values)}) IS NOT NULL AND 60 >= {minimum} THEN TRUE ELSE FALSE END"
    # SQLite would copy each flag test into every expression that reads it; PostgreSQL reads jsonb cheaply
    materialized = "MATERIALIZED " if connection.vendor == "sqlite" else ""
    sql = (
        f"WITH r AS {materialized}(SELECT station_id, {_hour_label_sql('data_time')} AS hour, {usable} "
        f"FROM monitoring_reading WHERE {where}) "
        f"INSERT INTO monitoring_hourlyrollup ({', '.join(HOURLY_COLUMNS)}) "
        f"SELECT station_id, hour, 2061, 1, {valid}, {', '.join(values)}, {minutes} "
        "FROM r WHERE 1 = 1"
    )
    on_conflict = " ON CONFLICT (station_id, data_time) DO NOTHING"
    with connection.cursor() as cursor:
        if not may_conflict:
            try:
                with transaction.atomic():
                    cursor.execute(sql, params)
                return
            except IntegrityError:
                pass
        cursor.execute(sql + on_conflict, params)


def _insert_grouped_hours(cn: int, station_ids: Sequence[int], t0, t1, h0: int, h1: int) -> None:
    """Minute (CN 2051) or real-time (CN 2011) data as hours: the mean of the usable values and their minutes
    (values × the station's interval, at most 60), for hours no better source has written."""
    params: list = [cn, t0, t1]
    where = f"cn = %s AND data_time >= %s AND data_time < %s{_station_filter(station_ids, params)}"
    interval = "CASE WHEN s.interval_minutes >= 1 THEN s.interval_minutes ELSE 1 END"
    grouped = ", ".join(
        f"AVG(v_{c}) AS {c}, {_least_sql('60', f'COUNT(v_{c}) * MAX({interval})')} AS minutes_{c}" for c in POLLUTANTS
    )
    values = ", ".join(f"{_usable_sql(c)} AS v_{c}" for c in POLLUTANTS)
    minutes = [f"minutes_{c}" for c in POLLUTANTS]
    valid = _valid_hour_sql(minutes, _minimum_sql("1h_mean", 45, h0, h1, column="hour"))
    sql = (
        f"INSERT INTO monitoring_hourlyrollup ({', '.join(HOURLY_COLUMNS)}) "
        f"SELECT station_id, hour, {int(cn)}, samples, {valid}, {', '.join(POLLUTANTS)}, {', '.join(minutes)} FROM ("
        f"SELECT r.station_id, r.hour, COUNT(*) AS samples, {grouped} FROM ("
        f"SELECT station_id, {_hour_label_sql('data_time')} AS hour, {values} FROM monitoring_reading WHERE {where}"
        ") r JOIN monitoring_station s ON s.id = r.station_id GROUP BY r.station_id, r.hour"
        ") g WHERE 1 = 1 ON CONFLICT (station_id, data_time) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _write_hours(station_ids: Sequence[int], h_start: int, h_end: int, cutoff_hour: int) -> None:
    """Replace the hourly rollups of ``h_start <= hour < h_end`` from the readings, all in the database: device
    hourly data first, then minute data, then real-time data, each only where no better source wrote the hour.
    Before the retention cutoff a stored hour is replaced only by device hourly data: it is kept against what
    is left of its minutes (an hour with no stored rollup is still made from them)."""
    start, end = _db_time(hour_datetime(h_start)), _db_time(hour_datetime(h_end))
    fresh = max(h_start, min(cutoff_hour, h_end))  # first hour whose stored rollup is always recomputed
    fresh_time = _db_time(hour_datetime(fresh))
    _delete_range("monitoring_hourlyrollup", "data_time", fresh_time, end, station_ids)
    if fresh > h_start:
        params: list = [start, fresh_time]
        sql = (
            "DELETE FROM monitoring_hourlyrollup WHERE data_time >= %s AND data_time < %s"
            f"{_station_filter(station_ids, params)} AND EXISTS (SELECT 1 FROM monitoring_reading r WHERE "
            "r.station_id = monitoring_hourlyrollup.station_id AND r.cn = 2061 "
            "AND r.data_time = monitoring_hourlyrollup.data_time)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    _insert_device_hours(station_ids, start, end, h_start, h_end, may_conflict=fresh > h_start)
    for cn in HOURLY_SOURCES[1:]:
        _insert_grouped_hours(cn, station_ids, start, end, h_start, h_end)


def _hour_values(station_ids: Sequence[int], h0: int, h1: int) -> np.ndarray:
    """Stored hours of ``h0 <= hour < h1``: (station, epoch hour, then the valid 1-h value of each pollutant)."""
    minimum = _minimum_sql("1h_mean", 45, h0, h1)
    values = ", ".join(f"CASE WHEN minutes_{c} >= {minimum} THEN {c} END" for c in POLLUTANTS)
    params: list = [_db_time(hour_datetime(h0)), _db_time(hour_datetime(h1))]
    sql = (
        f"SELECT station_id, {_epoch_hour_sql('data_time')}, {values} FROM monitoring_hourlyrollup "
        f"WHERE data_time >= %s AND data_time < %s{_station_filter(station_ids, params)}"
    )
    return _fetch_array(sql, params, 2 + len(POLLUTANTS))


def _copy_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_column(column: list) -> list[str]:
    """One column in PostgreSQL's COPY text format (a comprehension per type: no call per value)."""
    sample = next((v for v in column if v is not None), None)
    if isinstance(sample, bool):
        return ["\\N" if v is None else "t" if v else "f" for v in column]
    if isinstance(sample, str):
        return ["\\N" if v is None else v if v.isprintable() and "\\" not in v else _copy_escape(v) for v in column]
    return ["\\N" if v is None else str(v) for v in column]


def _insert(table: str, columns: Sequence[str], data: list[list]) -> None:
    """Bulk insert of column lists: COPY (text built column by column) on PostgreSQL; the driver's own
    ``executemany`` (one prepared statement) on SQLite."""
    if not data or not data[0]:
        return
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            text_columns = [_copy_column(column) for column in data]
            block = "\n".join(map("\t".join, zip(*text_columns, strict=True))) + "\n"
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                copy.write(block)
            return
        rows = list(zip(*data, strict=True))
        if connection.vendor == "sqlite":
            cursor.cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['?'] * len(columns))})", rows)
            return
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})", rows)


def _delete_range(table: str, column: str, low, high, station_ids: Sequence[int] | None) -> int:
    params: list = [low, high]
    sql = f"DELETE FROM {table} WHERE {column} >= %s AND {column} < %s{_station_filter(station_ids, params)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# --- NumPy helpers ----------------------------------------------------------------------------------------


def _nullable(values: np.ndarray, as_int: bool = False) -> list:
    """A float column as a list for the database: None for NaN, ints where ``as_int``."""
    out = np.empty(len(values), dtype=object)
    missing = np.isnan(values)
    good = ~missing
    out[good] = (values[good].astype(np.int64) if as_int else values[good]).tolist()
    out[missing] = None
    return out.tolist()


def _minimum_per_row(days: np.ndarray, statistic: str, default: int) -> np.ndarray:
    """The validity minimum of ``statistic`` in force on each row's day (day indexes)."""
    out = np.full(len(days), default, dtype=np.int64)
    if not len(days):
        return out
    lo, hi = day_of(days.min()), day_of(days.max()) + timedelta(days=1)
    for version in standards.versions_between("validity", lo, hi):
        start = day_index(version.effective_from)
        end = day_index(version.effective_to) if version.effective_to else np.iinfo(np.int64).max
        out[(days >= start) & (days < end)] = standards.validity_minimum(version, statistic, default=default)
    return out


def _o3_limit_per_row(days: np.ndarray) -> np.ndarray:
    out = np.full(len(days), np.inf)
    if not len(days):
        return out
    lo, hi = day_of(days.min()), day_of(days.max()) + timedelta(days=1)
    for version in standards.versions_between("limits", lo, hi):
        start = day_index(version.effective_from)
        end = day_index(version.effective_to) if version.effective_to else np.iinfo(np.int64).max
        try:
            out[(days >= start) & (days < end)] = version.limit("O3", "8h_max")
        except KeyError:
            pass
    return out


def _aqi_levels(out: dict, tables: Sequence) -> np.ndarray:
    """AQI level number (1 = 一级 …) from the AQI and the bands of the table each row used."""
    aqi = out["AQI"]
    level = np.full(len(aqi), np.nan)
    for code in np.unique(out["standard"]):
        table = next(t for t in tables if t.code == code)
        rows = out["standard"] == code
        band = np.ones(rows.sum())
        for bound in (lvl.upper for lvl in table.levels if lvl.upper is not None):
            band += aqi[rows] > bound
        level[rows] = band
    level[np.isnan(aqi)] = np.nan
    return level


def _aqi(columns: dict[str, np.ndarray], mode: str, days: np.ndarray) -> dict:
    tables = standards.aqi_tables()
    out = aqi_table(columns, mode, on_date=days.astype("datetime64[D]"), tables=tables)
    out["aqi_level"] = _aqi_levels(out, tables)
    return out


# --- the hourly, daily and monthly computation of one chunk -----------------------------------------------


@dataclass
class RollupResult:
    """What a rollup run wrote: rows per table and the (station, day) pairs recomputed."""

    hours: int = 0
    days: int = 0
    months: int = 0
    station_days: set = field(default_factory=set)

    def add(self, other: RollupResult) -> None:
        self.hours += other.hours
        self.days += other.days
        self.months += other.months
        self.station_days |= other.station_days


def _o3_8h_windows(o3: np.ndarray, h0: int) -> tuple[np.ndarray, np.ndarray]:
    """O3 8-h moving means ending at each hour after the first 7 (context) columns, and their valid hours.

    ``o3`` is (stations, hours) of valid 1-h values (NaN otherwise) starting at epoch hour ``h0``."""
    ok = ~np.isnan(o3)
    zeros = np.zeros((o3.shape[0], 1))
    sums = np.concatenate([zeros, np.cumsum(np.where(ok, o3, 0.0), axis=1)], axis=1)
    counts = np.concatenate([zeros, np.cumsum(ok, axis=1)], axis=1)
    window_sum = sums[:, O3_WINDOW:] - sums[:, :-O3_WINDOW]
    window_n = counts[:, O3_WINDOW:] - counts[:, :-O3_WINDOW]
    end_hours = h0 + np.arange(O3_WINDOW - 1, o3.shape[1])
    minimum = _minimum_per_row((end_hours + CHINA_OFFSET_HOURS) // 24, "8h_mean", 6)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(window_n >= minimum[None, :], window_sum / window_n, np.nan)
    return mean, window_n.astype(np.int64)


def _max_or_nan(values: np.ndarray, axis: int) -> np.ndarray:
    top = np.max(np.where(np.isnan(values), -np.inf, values), axis=axis)
    return np.where(np.isinf(top), np.nan, top)


DAILY_COLUMNS = (
    ("station_id", "day", "valid", "valid_mask", "invalid_reason", "o3_8h", "o3_1h_max", "o3_8h_values")
    + POLLUTANTS
    + tuple(f"hours_{c}" for c in POLLUTANTS)
    + tuple(_IAQI_FIELDS.values())
    + ("aqi", "aqi_level", "primary_pollutants", "standard")
)


def _aqi_columns(out: dict) -> list[list]:
    iaqis = [_nullable(out[f"IAQI_{ind}"], as_int=True) for ind in _IAQI_FIELDS]
    return iaqis + [
        _nullable(out["AQI"], as_int=True),
        _nullable(out["aqi_level"], as_int=True),
        out["primary_pollutants"].tolist(),
        out["standard"].tolist(),
    ]


def _required_bits(ids: np.ndarray) -> np.ndarray:
    """Validity bits a station's day needs: the pollutants it measures (0 = whatever it sent that day)."""
    factors = dict(Station.objects.filter(pk__in=ids.tolist()).values_list("pk", "factors"))
    bits = np.zeros(len(ids), dtype=np.int64)
    for index, station_id in enumerate(ids.tolist()):
        codes = set(factors.get(station_id) or {})
        for column in POLLUTANTS:
            if FACTOR_CODES[column] in codes:
                bits[index] |= VALID_BITS["o3_8h" if column == "o3" else column]
    return bits


def _write_days(ids: np.ndarray, d0: int, dense: np.ndarray, o3_8h: np.ndarray, has_data: np.ndarray) -> int:
    """Daily rollups from the dense (pollutant, station, hour) valid 1-h values of whole Beijing days."""
    n_p, n_s, n_h = dense.shape
    n_d = n_h // 24
    days = d0 + np.arange(n_d)
    by_day = dense.reshape(n_p, n_s, n_d, 24)
    hours = (~np.isnan(by_day)).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.nansum(by_day, axis=-1) / hours
    min_24h = _minimum_per_row(days, "24h_mean", 20)[None, None, :]
    valid_24h = hours >= min_24h
    o3_1h_max = _max_or_nan(by_day[POLLUTANTS.index("o3")], axis=-1)
    windows = o3_8h.reshape(n_s, n_d, 24)[:, :, 7:]  # windows ending 08:00-24:00 (hours starting 07-23)
    o3_8h_values = (~np.isnan(windows)).sum(axis=-1)
    o3_8h_max = _max_or_nan(windows, axis=-1)
    valid_8h = (o3_8h_values >= _minimum_per_row(days, "8h_max_daily", 14)[None, :]) | (
        o3_8h_max > _o3_limit_per_row(days)[None, :]
    )
    valid_8h &= o3_8h_values > 0
    valid_1h = valid_24h[POLLUTANTS.index("o3")]

    mask = np.zeros((n_s, n_d), dtype=np.int64)
    for k, column in enumerate(POLLUTANTS[:5]):
        mask |= np.where(valid_24h[k], VALID_BITS[column], 0)
    mask |= np.where(valid_8h, VALID_BITS["o3_8h"], 0) | np.where(valid_1h, VALID_BITS["o3_1h"], 0)
    sent = np.zeros((n_s, n_d), dtype=np.int64)
    for k, column in enumerate(POLLUTANTS):
        sent |= np.where(hours[k] > 0, VALID_BITS["o3_8h" if column == "o3" else column], 0)
    required = _required_bits(ids)[:, None]
    required = np.where(required == 0, sent, required)
    valid = (required != 0) & ((mask & required) == required)

    s_idx, d_idx = np.nonzero(has_data)
    columns = {
        ind: np.where(valid_24h[POLLUTANTS.index(col)], means[POLLUTANTS.index(col)], np.nan)[s_idx, d_idx]
        for ind, col in _DAILY_INDICATORS.items()
        if col in POLLUTANTS
    }
    columns["O3_1h"] = np.where(valid_1h, o3_1h_max, np.nan)[s_idx, d_idx]
    columns["O3_8h"] = np.where(valid_8h, o3_8h_max, np.nan)[s_idx, d_idx]
    out = _aqi(columns, "daily", days[d_idx])
    reasons = _invalid_reasons(s_idx, d_idx, valid, required, mask, hours, o3_8h_values)
    day_values = [connection.ops.adapt_datefield_value(day_of(d)) for d in days.tolist()]
    data = [
        ids[s_idx].tolist(),
        [day_values[d] for d in d_idx.tolist()],
        valid[s_idx, d_idx].tolist(),
        mask[s_idx, d_idx].tolist(),
        reasons,
        _nullable(o3_8h_max[s_idx, d_idx]),
        _nullable(o3_1h_max[s_idx, d_idx]),
        o3_8h_values[s_idx, d_idx].tolist(),
        *(_nullable(means[k][s_idx, d_idx]) for k in range(n_p)),
        *(hours[k][s_idx, d_idx].tolist() for k in range(n_p)),
        *_aqi_columns(out),
    ]
    _insert("monitoring_dailyrollup", DAILY_COLUMNS, data)
    return len(s_idx)


def _invalid_reasons(s_idx, d_idx, valid, required, mask, hours, o3_8h_values) -> list[str]:
    """Why each day is not a valid day (a Python loop over the invalid days only)."""
    reasons = [""] * len(s_idx)
    for i in np.flatnonzero(~valid[s_idx, d_idx]).tolist():
        s, d = s_idx[i], d_idx[i]
        missing = []
        for k, column in enumerate(POLLUTANTS):
            bit = VALID_BITS["o3_8h" if column == "o3" else column]
            if required[s, d] & bit and not mask[s, d] & bit:
                if column == "o3":
                    missing.append(f"O3 8-h: {int(o3_8h_values[s, d])} values")
                else:
                    missing.append(f"{POLLUTANT_NAMES[column]}: {int(hours[k][s, d])} valid hours")
        reasons[i] = "; ".join(missing) or "no pollutant measured"
    return reasons


def _rollup_chunk(station_ids: Sequence[int] | None, day_from: date, day_to: date, cutoff_hour: int) -> RollupResult:
    """Recompute the hours and days of ``day_from <= day < day_to`` (Beijing days) for the stations (None: all)."""
    d0, d1 = day_index(day_from), day_index(day_to)
    h_start, h_end = first_hour(day_from), first_hour(day_to)
    h0 = h_start - (O3_WINDOW - 1)  # context for the first O3 8-h windows
    if station_ids is None:  # every station, listed: a range scan per station instead of a whole-table scan
        station_ids = list(Station.objects.order_by("pk").values_list("pk", flat=True))
    _write_hours(station_ids, h_start, h_end, cutoff_hour)
    adapt_day = connection.ops.adapt_datefield_value
    _delete_range("monitoring_dailyrollup", "day", adapt_day(day_from), adapt_day(day_to), station_ids)
    result = RollupResult()
    stored = _hour_values(station_ids, h0, h_end)
    if not len(stored):
        return result
    st, hr = stored[:, 0].astype(np.int64), stored[:, 1].astype(np.int64)
    ids = np.unique(st)
    si, col = np.searchsorted(ids, st), hr - h0
    dense = np.full((len(POLLUTANTS), len(ids), h_end - h0), np.nan)
    dense[:, si, col] = stored[:, 2:].T
    o3_8h, _ = _o3_8h_windows(dense[POLLUTANTS.index("o3")], h0)
    rows = np.flatnonzero(col >= O3_WINDOW - 1)
    if len(rows):
        inner = col[rows] - (O3_WINDOW - 1)
        result.hours = len(rows)
        has_data = np.zeros((len(ids), d1 - d0), dtype=bool)
        has_data[si[rows], inner // 24] = True
        result.days = _write_days(ids, d0, dense[:, :, O3_WINDOW - 1 :], o3_8h, has_data)
        s_idx, d_idx = np.nonzero(has_data)
        result.station_days = {(int(ids[s]), day_of(d0 + d)) for s, d in zip(s_idx, d_idx, strict=True)}
    return result


# --- months -----------------------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


MONTHLY_COLUMNS = (
    "station_id",
    "month",
    "pm25",
    "pm10",
    "so2",
    "no2",
    "co_p95",
    "o3_8h_p90",
    "days",
    "days_pm25",
    "days_pm10",
    "days_so2",
    "days_no2",
    "days_co",
    "days_o3",
    "valid_days",
    "good_days",
    "valid",
)


def _rollup_month(station_ids: Sequence[int] | None, month: date) -> int:
    """Recompute the monthly rollups of one month from the stored daily rollups."""
    end = next_month(month)
    adapt = connection.ops.adapt_datefield_value
    _delete_range("monitoring_monthlyrollup", "month", adapt(month), adapt(end), station_ids)
    daily = DailyRollup.objects.filter(day__gte=month, day__lt=end)
    if station_ids is not None:
        daily = daily.filter(station_id__in=station_ids)
    rows = list(
        daily.values_list("station_id", "pm25", "pm10", "so2", "no2", "co", "o3_8h", "valid_mask", "valid", "aqi")
    )
    if not rows:
        return 0
    a = np.array(rows, dtype=np.float64)
    ids, group = np.unique(a[:, 0].astype(np.int64), return_inverse=True)
    mask = a[:, 7].astype(np.int64)
    n_days = (end - month).days
    minimum = standards.monthly_minimum_days(standards.in_force("validity", month), month.month, n_days)

    def count(ok: np.ndarray) -> np.ndarray:
        return np.bincount(group, weights=ok, minlength=len(ids)).astype(np.int64)

    data: list[list] = [ids.tolist(), [adapt(month)] * len(ids)]
    counts = []
    for k, column in enumerate(("pm25", "pm10", "so2", "no2")):
        ok = (mask & VALID_BITS[column]) > 0
        n = count(ok)
        with np.errstate(invalid="ignore", divide="ignore"):
            data.append(_nullable(np.bincount(group, weights=np.where(ok, a[:, 1 + k], 0.0), minlength=len(ids)) / n))
        counts.append(n.tolist())
    co, o3 = (mask & VALID_BITS["co"]) > 0, (mask & VALID_BITS["o3_8h"]) > 0
    data.append(_nullable(_group_percentile(group, len(ids), a[:, 5], co, 95)))
    data.append(_nullable(_group_percentile(group, len(ids), a[:, 6], o3, 90)))
    day_valid = a[:, 8] > 0
    valid_days, good_days = count(day_valid), count(day_valid & (a[:, 9] <= 100))
    data += [[n_days] * len(ids), *counts, count(co).tolist(), count(o3).tolist(), valid_days.tolist()]
    data += [good_days.tolist(), (valid_days >= minimum).tolist()]
    _insert("monitoring_monthlyrollup", MONTHLY_COLUMNS, data)
    return len(ids)


def _group_percentile(group: np.ndarray, groups: int, values: np.ndarray, ok: np.ndarray, q: float) -> np.ndarray:
    """The ``q``-th percentile of the ``ok`` values of each group (NaN for none), as HJ 663 defines it (linear
    between the order statistics k = 1 + (n - 1) q / 100, NumPy's default), for all groups at once."""
    g, v = group[ok], values[ok]
    order = np.lexsort((v, g))
    g, v = g[order], v[order]
    n = np.bincount(g, minlength=groups)
    first = np.concatenate([[0], np.cumsum(n)[:-1]])
    out = np.full(groups, np.nan)
    has = n > 0
    k = (n[has] - 1) * (q / 100.0)
    low = np.floor(k).astype(np.int64)
    high = np.minimum(low + 1, n[has] - 1)
    base = first[has]
    out[has] = v[base + low] + (k - low) * (v[base + high] - v[base + low])
    return out


# --- entry points -----------------------------------------------------------------------------------------


_LOCK_KEY = 42212


def _lock_months(months: Iterable[date]) -> None:
    """Serialise rollup writers per month on PostgreSQL (SQLite serialises writers already): a rebuild's month
    and a dirty-hour run touching it wait for each other; different months go on side by side. Locks are
    taken in order, so two runs never wait on each other crosswise."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for month in sorted(set(months)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_KEY, month.year * 12 + month.month])


def rollup_workers() -> int:
    """Parallel month rebuilds (PostgreSQL only): ``ENVGRID_ROLLUP_WORKERS``, by default the CPUs up to 4."""
    return max(1, settings.ENVGRID_ROLLUP_WORKERS or min(4, os.cpu_count() or 1))


def _rebuild_month(station_ids: Sequence[int] | None, start: date, end: date, cutoff: int) -> RollupResult:
    with transaction.atomic():
        _lock_months([month_start(start)])
        result = _rollup_chunk(station_ids, start, end, cutoff)
        result.months += _rollup_month(station_ids, month_start(start))
    return result


def _rebuild_month_in_thread(*args) -> RollupResult:
    try:
        return _rebuild_month(*args)
    finally:
        connection.close()  # the worker thread's own connection


def rollups_rebuild(
    *, since: date, until: date | None = None, station_ids: Sequence[int] | None = None, workers: int | None = None
) -> RollupResult:
    """Recompute hourly, daily and monthly rollups of the Beijing days ``since <= day < until``, month by month,
    each month in its own transaction. Months are independent (a day's values need only its own hours), so on
    PostgreSQL ``workers`` months (default ``rollup_workers()``) are rebuilt at once, each on its own
    connection: the database inserts one month's hours while Python computes another's days. Inside an outer
    transaction, or on SQLite (one writer at a time), months go one after another."""
    until = until or local_day(timezone.now()) + timedelta(days=1)
    cutoff = _retention_cutoff_hour()
    chunks = []
    start = since
    while start < until:
        chunks.append((station_ids, start, min(next_month(start), until), cutoff))
        start = chunks[-1][2]
    workers = min(workers or rollup_workers(), len(chunks))
    result = RollupResult()
    if workers > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block:
        with ThreadPoolExecutor(workers, thread_name_prefix="rollup") as pool:
            for part in pool.map(lambda chunk: _rebuild_month_in_thread(*chunk), chunks):
                result.add(part)
        return result
    for chunk in chunks:
        result.add(_rebuild_month(*chunk))
    return result


def rollups_mark_dirty(*, readings: Iterable[tuple[int, int, datetime]]) -> int:
    """Note the station hours whose readings changed (the ``readings_stored`` receiver): one INSERT, no computing;
    then make sure the rollup task runs soon."""
    keys = {
        (station_id, data_time.astimezone(UTC).replace(minute=0, second=0, microsecond=0))
        for station_id, cn, data_time in readings
        if cn in HOURLY_SOURCES and data_time is not None
    }
    if not keys:
        return 0
    RollupDirtyHour.objects.bulk_create([RollupDirtyHour(station_id=s, hour=h) for s, h in keys], ignore_conflicts=True)
    _enqueue_dirty_rollup()
    return len(keys)


def _enqueue_dirty_rollup() -> None:
    """Enqueue the rollup task at most once per few seconds (the periodic task catches anything missed)."""
    if not cache.add("monitoring:rollup-enqueued", 1, timeout=5):
        return
    try:
        from envgrid.monitoring.tasks import rollup_dirty_hours

        transaction.on_commit(rollup_dirty_hours)
    except Exception:  # the ingest must never fail because the queue is down
        log.exception("could not enqueue the rollup task")


def _affected_days(dirty: list[tuple[int, datetime]]) -> dict[date, set[int]]:
    """Beijing days to recompute per dirty hour: its day, and the next day when the hour's O3 8-h windows reach
    into it (hours from 17:00 on: the next day's early 8-h values and hourly AQI change, its daily values not)."""
    days: dict[date, set[int]] = defaultdict(set)
    for station_id, hour in dirty:
        local = hour.astimezone(UTC) + timedelta(hours=CHINA_OFFSET_HOURS)
        days[local.date()].add(station_id)
        if local.hour >= 24 - O3_WINDOW + 1:
            days[local.date() + timedelta(days=1)].add(station_id)
    return days


def rollups_process_dirty(*, limit: int = 20000) -> RollupResult:
    """Roll up the hours marked dirty: their stations' days (hours and day), then those months."""
    result = RollupResult()
    cutoff = _retention_cutoff_hour()
    with transaction.atomic():
        dirty = list(
            RollupDirtyHour.objects.select_for_update(skip_locked=True)
            .order_by("id")
            .values_list("id", "station_id", "hour")[:limit]
        )
        if not dirty:
            return result
        RollupDirtyHour.objects.filter(pk__in=[row[0] for row in dirty]).delete()
        days = _affected_days([(s, h) for _, s, h in dirty])
        _lock_months(month_start(day) for day in days)
        months: dict[date, set[int]] = defaultdict(set)
        for day in sorted(days):
            stations = sorted(days[day])
            result.add(_rollup_chunk(stations, day, day + timedelta(days=1), cutoff))
            months[month_start(day)] |= set(stations)
        for month, stations in sorted(months.items()):
            result.months += _rollup_month(sorted(stations), month)
    return result


def readings_purge_minutes(*, now: datetime | None = None) -> int:
    """Delete minute and real-time readings older than ``ENVGRID_MINUTE_RETENTION_DAYS`` (hourly, daily and
    monthly rollups and device hourly/daily data are kept for ever); returns the rows deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=retention_days())
    deleted, _ = Reading.objects.filter(cn__in=MINUTE_CNS, data_time__lt=cutoff).delete()
    return deleted


# --- reads for other apps: series and the latest AQI --------------------------------------------------------

_MINUTE_FIELDS = ("data_time", *POLLUTANTS, "temperature", "humidity", "pressure", "wind_speed", "wind_direction")


def _level_fields(aqi: int | None, aqi_level: int | None, on_day: date, mode: str) -> dict:
    if aqi is None or aqi_level is None:
        return {"level": "", "category": "", "color": ""}
    levels = standards.in_force(f"aqi_{mode}", on_day).levels
    band = levels[min(aqi_level, len(levels)) - 1]
    return {"level": band.level, "category": band.category, "color": band.color_hex}


def _daily_aqi_dict(row: DailyRollup) -> dict:
    iaqi = {name: getattr(row, field) for name, field in _IAQI_FIELDS.items() if getattr(row, field) is not None}
    return {
        "aqi": row.aqi,
        "iaqi": iaqi,
        "primary_pollutants": [p for p in row.primary_pollutants.split(";") if p],
        "standard": row.standard,
        **_level_fields(row.aqi, row.aqi_level, row.day, "daily"),
    }


_HOURLY_FIELDS = ("station_id", "data_time", "source_cn", "samples", "valid", *POLLUTANTS,
                  *(f"minutes_{c}" for c in POLLUTANTS))  # fmt: skip


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
    minimum = _minimum_per_row((hr + CHINA_OFFSET_HOURS) // 24, "1h_mean", 45)
    values = np.where((minutes >= minimum[:, None]) & ~np.isnan(means), means, np.nan)
    ids = np.unique(st)
    si, col = np.searchsorted(ids, st), hr - h0
    o3 = np.full((len(ids), h_to - h0), np.nan)
    o3[si, col] = values[:, POLLUTANTS.index("o3")]
    o3_8h, o3_hours = _o3_8h_windows(o3, h0)
    first = np.array([windows[station_id][0] for station_id in ids.tolist()], dtype=np.int64)
    keep = np.flatnonzero(hr >= first[si])  # the context hours before each window are not returned
    inner = col[keep] - (O3_WINDOW - 1)
    columns = {ind: values[keep, POLLUTANTS.index(c)] for ind, c in _HOURLY_INDICATORS.items() if c in POLLUTANTS}
    columns["O3_8h"] = o3_8h[si[keep], inner]
    # An hour that is not a valid hour (say the one still coming in) has no AQI, though an O3 8-h value may
    # already be valid over the hours before it: the 实时报 is published for hours with their own data.
    valid_hour = np.array([row[4] for row in rows], dtype=bool)[keep]
    out = _aqi(
        {ind: np.where(valid_hour, v, np.nan) for ind, v in columns.items()},
        "hourly",
        (hr[keep] + CHINA_OFFSET_HOURS) // 24,
    )
    aqi, level = _nullable(out["AQI"], as_int=True), _nullable(out["aqi_level"], as_int=True)
    iaqi = {ind: _nullable(out[f"IAQI_{ind}"], as_int=True) for ind in _HOURLY_INDICATORS}
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
