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
- The hourly AQI (实时报) uses the valid 1-h values and the O3 8-h value, by the table in force on the day.
- Minute data older than the retention window is purged; an hour before that window is never recomputed from
  what is left of its minutes: its stored rollup is kept unless device hourly data arrives.

A day (``DailyRollup``, Beijing-time day) has 24-h means over valid hours, valid when at least the ``24h_mean``
minimum (20) hours are valid; the O3 daily maximum 8-h value over windows ending 08:00-24:00 (hours starting
07:00-23:00), valid with the ``8h_max_daily`` minimum (14) of 8-h values or when it already exceeds the limit;
the daily AQI (日报). The day is a valid monitoring day when every pollutant the station measures is valid.
A month (``MonthlyRollup``) has the means of valid days, the O3-8h 90th and CO 95th percentiles, valid and
good days, valid with the monthly minimum of the annual-mean rule (27 days, 25 in February).

Aggregation of readings is one SQL ``GROUP BY`` (station, command, hour) per chunk of days; the rest (source
choice, moving means, days, AQI) is NumPy over whole arrays, never a Python loop per row.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
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
_IAQI_FIELDS = {
    "hourly": {
        "SO2_1h": "iaqi_so2",
        "NO2_1h": "iaqi_no2",
        "PM10_1h": "iaqi_pm10",
        "CO_1h": "iaqi_co",
        "PM2.5_1h": "iaqi_pm25",
        "O3_1h": "iaqi_o3",
        "O3_8h": "iaqi_o3_8h",
    },
    "daily": {
        "SO2_24h": "iaqi_so2",
        "NO2_24h": "iaqi_no2",
        "PM10_24h": "iaqi_pm10",
        "CO_24h": "iaqi_co",
        "PM2.5_24h": "iaqi_pm25",
        "O3_1h": "iaqi_o3",
        "O3_8h": "iaqi_o3_8h",
    },
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
    """The rows of a numeric query as one float64 array, fetched in batches (no list of every row's tuple)."""
    blocks = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(_FETCH_BATCH):
            blocks.append(np.array(rows, dtype=np.float64).reshape(len(rows), width))
    return np.concatenate(blocks) if blocks else np.empty((0, width))


def _usable_values_sql() -> str:
    """Per pollutant, the value when usable (data flag usable or absent), else NULL, as ``v_<column>``: one flag
    test per reading and pollutant (the outer SUM and COUNT both read ``v_<column>``)."""
    usable = ", ".join(f"'{flag}'" for flag in USABLE_FLAGS)
    values = ", ".join(
        f"CASE WHEN COALESCE({_flag_sql(FACTOR_CODES[c])}, 'N') IN ({usable}) THEN {c} END AS v_{c}" for c in POLLUTANTS
    )
    return f"{values} FROM monitoring_reading"


def _aggregate_readings(station_ids: Sequence[int] | None, h0: int, h1: int) -> np.ndarray:
    """(station, cn, hour, samples, then sum and count of usable values per pollutant) per group."""
    params: list = [*HOURLY_SOURCES, _db_time(hour_datetime(h0)), _db_time(hour_datetime(h1))]
    inner = (
        f"SELECT station_id, cn, {_epoch_hour_sql('data_time')} AS hour, {_usable_values_sql()} "
        f"WHERE cn IN (%s, %s, %s) AND data_time >= %s AND data_time < %s{_station_filter(station_ids, params)}"
    )
    sums = ", ".join(f"SUM(v_{c}), COUNT(v_{c})" for c in POLLUTANTS)
    sql = f"SELECT station_id, cn, hour, COUNT(*), {sums} FROM ({inner}) readings GROUP BY station_id, cn, hour"
    return _fetch_array(sql, params, 4 + 2 * len(POLLUTANTS))


def _stored_hours(station_ids: Sequence[int] | None, h0: int, h1: int) -> np.ndarray:
    """Stored hourly rollups of the range: (station, source cn, hour, samples, mean and minutes per pollutant)."""
    cols = ", ".join(f"{c}, minutes_{c}" for c in POLLUTANTS)
    params: list = [_db_time(hour_datetime(h0)), _db_time(hour_datetime(h1))]
    sql = (
        f"SELECT station_id, source_cn, {_epoch_hour_sql('data_time')}, samples, {cols} "
        f"FROM monitoring_hourlyrollup WHERE data_time >= %s AND data_time < %s{_station_filter(station_ids, params)}"
    )
    return _fetch_array(sql, params, 4 + 2 * len(POLLUTANTS))


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


def _hour_inputs(station_ids, h0: int, h1: int, cutoff_hour: int) -> dict[str, np.ndarray] | None:
    """One winning source per (station, hour): aggregated readings, or the stored rollup (kept for hours
    without readings, and preferred to minute data before the retention cutoff)."""
    fresh = _aggregate_readings(station_ids, h0, h1)
    stored = _stored_hours(station_ids, h0, h1)
    if not len(fresh) and not len(stored):
        return None
    parts = []
    if len(fresh):
        a = fresh
        cn = a[:, 1].astype(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = a[:, 4::2] / a[:, 5::2]
        priority = np.select([cn == 2061, cn == 2051], [0.0, 2.0], 2.5)
        parts.append((a, cn, means, a[:, 5::2], np.zeros(len(a), bool), priority))
    if len(stored):
        a = stored
        priority = np.where(a[:, 2] < cutoff_hour, 1.0, 3.0)  # before the cutoff: beats what is left of minutes
        parts.append((a, a[:, 1].astype(np.int64), a[:, 4::2], a[:, 5::2], np.ones(len(a), bool), priority))
    a = np.concatenate([p[0] for p in parts])
    st, hr, samples = a[:, 0].astype(np.int64), a[:, 2].astype(np.int64), a[:, 3].astype(np.int64)
    cn = np.concatenate([p[1] for p in parts])
    means = np.concatenate([p[2] for p in parts])
    amounts = np.concatenate([p[3] for p in parts])  # counts of usable values (fresh) or minutes (stored)
    is_stored = np.concatenate([p[4] for p in parts])
    priority = np.concatenate([p[5] for p in parts])

    order = np.lexsort((priority, hr, st))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (st[order][1:] != st[order][:-1]) | (hr[order][1:] != hr[order][:-1])
    pick = order[first]
    st, cn, hr, samples, means, amounts, is_stored = (x[pick] for x in (st, cn, hr, samples, means, amounts, is_stored))
    ids = np.unique(st)
    intervals = dict(Station.objects.filter(pk__in=ids.tolist()).values_list("pk", "interval_minutes"))
    per_station = np.array([max(intervals.get(int(i)) or 1, 1) for i in ids], dtype=np.float64)
    per_sample = np.where(cn == 2061, 60.0, per_station[np.searchsorted(ids, st)])
    minutes = np.where(is_stored[:, None], amounts, np.minimum(60.0, amounts * per_sample[:, None]))
    means = np.where(minutes > 0, means, np.nan)
    return {"station": st, "cn": cn, "hour": hr, "samples": samples, "means": means, "minutes": minutes}


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


HOURLY_COLUMNS = (
    ("station_id", "data_time", "source_cn", "samples", "valid", "o3_8h", "o3_8h_hours")
    + POLLUTANTS
    + tuple(f"minutes_{c}" for c in POLLUTANTS)
    + tuple(_IAQI_FIELDS["hourly"].values())
    + ("aqi", "aqi_level", "primary_pollutants", "standard")
)
DAILY_COLUMNS = (
    ("station_id", "day", "valid", "valid_mask", "invalid_reason", "o3_8h", "o3_1h_max", "o3_8h_values")
    + POLLUTANTS
    + tuple(f"hours_{c}" for c in POLLUTANTS)
    + tuple(_IAQI_FIELDS["daily"].values())
    + ("aqi", "aqi_level", "primary_pollutants", "standard")
)


def _aqi_columns(out: dict, mode: str) -> list[list]:
    iaqis = [_nullable(out[f"IAQI_{ind}"], as_int=True) for ind in _IAQI_FIELDS[mode]]
    return iaqis + [
        _nullable(out["AQI"], as_int=True),
        _nullable(out["aqi_level"], as_int=True),
        out["primary_pollutants"].tolist(),
        out["standard"].tolist(),
    ]


def _write_hours(inputs: dict, rows: np.ndarray, o3_8h: np.ndarray, o3_hours: np.ndarray, valid_p: np.ndarray) -> int:
    """Hourly AQI and the hourly rows of ``rows`` (indexes into ``inputs``)."""
    st, hr = inputs["station"][rows], inputs["hour"][rows]
    means, minutes = inputs["means"][rows], inputs["minutes"][rows]
    valid_p = valid_p[rows]
    values = np.where(valid_p, means, np.nan)
    columns = {ind: values[:, POLLUTANTS.index(col)] for ind, col in _HOURLY_INDICATORS.items() if col in POLLUTANTS}
    columns["O3_8h"] = o3_8h
    out = _aqi(columns, "hourly", (hr + CHINA_OFFSET_HOURS) // 24)
    present = ~np.isnan(means)
    valid = present.any(axis=1) & (valid_p | ~present).all(axis=1)
    unique_hours, inverse = np.unique(hr, return_inverse=True)
    stamps = [_db_time(hour_datetime(h)) for h in unique_hours.tolist()]
    data = [
        st.tolist(),
        [stamps[i] for i in inverse.tolist()],
        inputs["cn"][rows].tolist(),
        inputs["samples"][rows].tolist(),
        valid.tolist(),
        _nullable(o3_8h),
        o3_hours.tolist(),
        *(_nullable(means[:, k]) for k in range(len(POLLUTANTS))),
        *(minutes[:, k].astype(np.int64).tolist() for k in range(len(POLLUTANTS))),
        *_aqi_columns(out, "hourly"),
    ]
    _insert("monitoring_hourlyrollup", HOURLY_COLUMNS, data)
    return len(rows)


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
        *_aqi_columns(out, "daily"),
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
    inputs = _hour_inputs(station_ids, h0, h_end, cutoff_hour)
    _delete_range(
        "monitoring_hourlyrollup",
        "data_time",
        _db_time(hour_datetime(h_start)),
        _db_time(hour_datetime(h_end)),
        station_ids,
    )
    adapt_day = connection.ops.adapt_datefield_value
    _delete_range("monitoring_dailyrollup", "day", adapt_day(day_from), adapt_day(day_to), station_ids)
    result = RollupResult()
    if inputs is None:
        return result
    st, hr, means = inputs["station"], inputs["hour"], inputs["means"]
    ids = np.unique(st)
    si, col = np.searchsorted(ids, st), hr - h0
    minimum = _minimum_per_row((hr + CHINA_OFFSET_HOURS) // 24, "1h_mean", 45)
    valid_p = (inputs["minutes"] >= minimum[:, None]) & ~np.isnan(means)
    dense = np.full((len(POLLUTANTS), len(ids), h_end - h0), np.nan)
    dense[:, si, col] = np.where(valid_p, means, np.nan).T
    o3_8h, o3_hours = _o3_8h_windows(dense[POLLUTANTS.index("o3")], h0)

    rows = np.flatnonzero(col >= O3_WINDOW - 1)
    if len(rows):
        inner = col[rows] - (O3_WINDOW - 1)
        result.hours = _write_hours(inputs, rows, o3_8h[si[rows], inner], o3_hours[si[rows], inner], valid_p)
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
    st = a[:, 0].astype(np.int64)
    mask = a[:, 7].astype(np.int64)
    day_valid = a[:, 8] > 0
    aqi = a[:, 9]
    n_days = (end - month).days
    minimum = standards.monthly_minimum_days(standards.in_force("validity", month), month.month, n_days)
    out = []
    for station_id in np.unique(st).tolist():
        own = st == station_id
        record = [station_id, adapt(month)]
        counts = []
        for k, column in enumerate(("pm25", "pm10", "so2", "no2")):
            ok = own & (mask & VALID_BITS[column] > 0)
            record.append(float(a[ok, 1 + k].mean()) if ok.any() else None)
            counts.append(int(ok.sum()))
        co = own & (mask & VALID_BITS["co"] > 0)
        o3 = own & (mask & VALID_BITS["o3_8h"] > 0)
        record.append(float(np.percentile(a[co, 5], 95)) if co.any() else None)
        record.append(float(np.percentile(a[o3, 6], 90)) if o3.any() else None)
        valid_days = int((own & day_valid).sum())
        good_days = int((own & day_valid & (aqi <= 100)).sum())
        record += [n_days, *counts, int(co.sum()), int(o3.sum()), valid_days, good_days, valid_days >= minimum]
        out.append(tuple(record))
    _insert("monitoring_monthlyrollup", MONTHLY_COLUMNS, [list(column) for column in zip(*out, strict=True)])
    return len(out)


# --- entry points -----------------------------------------------------------------------------------------


def _lock_rollups() -> None:
    """Serialise rollup writers on PostgreSQL (SQLite serialises writers already)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [4_2212_0001])


def rollups_rebuild(
    *, since: date, until: date | None = None, station_ids: Sequence[int] | None = None
) -> RollupResult:
    """Recompute hourly, daily and monthly rollups of the Beijing days ``since <= day < until``, month by month."""
    until = until or local_day(timezone.now()) + timedelta(days=1)
    cutoff = _retention_cutoff_hour()
    result = RollupResult()
    start = since
    while start < until:
        end = min(next_month(start), until)
        with transaction.atomic():
            _lock_rollups()
            result.add(_rollup_chunk(station_ids, start, end, cutoff))
            result.months += _rollup_month(station_ids, month_start(start))
        start = end
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
        _lock_rollups()
        dirty = list(RollupDirtyHour.objects.order_by("id").values_list("id", "station_id", "hour")[:limit])
        if not dirty:
            return result
        RollupDirtyHour.objects.filter(pk__in=[row[0] for row in dirty]).delete()
        days = _affected_days([(s, h) for _, s, h in dirty])
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


def _aqi_dict(row, mode: str, on_day: date) -> dict:
    iaqi = {name: getattr(row, field) for name, field in _IAQI_FIELDS[mode].items() if getattr(row, field) is not None}
    return {
        "aqi": row.aqi,
        "iaqi": iaqi,
        "primary_pollutants": [p for p in row.primary_pollutants.split(";") if p],
        "standard": row.standard,
        **_level_fields(row.aqi, row.aqi_level, on_day, mode),
    }


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
        rows = HourlyRollup.objects.filter(station_id=station_id, data_time__gte=start, data_time__lt=end)
        series = []
        for row in rows.order_by("data_time"):
            item = {"data_time": row.data_time, **{c: getattr(row, c) for c in POLLUTANTS}, "o3_8h": row.o3_8h}
            item["coverage"] = {c: {"observed": getattr(row, f"minutes_{c}"), "expected": 60} for c in POLLUTANTS}
            item.update(valid=row.valid, source_cn=row.source_cn, samples=row.samples)
            item.update(_aqi_dict(row, "hourly", local_day(row.data_time)))
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
            item.update(_aqi_dict(row, "daily", row.day))
            series.append(item)
        return series
    raise ValueError(f"interval must be 'minute', 'hour' or 'day', not {interval!r}")


def latest_aqi(station_ids: Iterable[int] | None = None, *, within_hours: int = 72) -> dict[int, dict]:
    """The latest hourly AQI of each station within the last ``within_hours`` (for the map colours):
    ``{station_id: {aqi, level, category, color, primary_pollutants, data_time}}``; stations without one are
    left out. Reads by (station, hour), the rollups' key."""
    since = timezone.now() - timedelta(hours=within_hours)
    if station_ids is None:
        station_ids = Station.objects.values_list("pk", flat=True)
    rows = HourlyRollup.objects.filter(station_id__in=list(station_ids), data_time__gte=since, aqi__isnull=False)
    latest: dict[int, tuple] = {}
    for row in rows.order_by("station_id", "data_time").values_list(
        "station_id", "data_time", "aqi", "aqi_level", "primary_pollutants"
    ):
        latest[row[0]] = row
    return {
        station_id: {
            "aqi": aqi,
            "primary_pollutants": [p for p in primary.split(";") if p],
            "data_time": data_time,
            **_level_fields(aqi, level, local_day(data_time), "hourly"),
        }
        for station_id, (_, data_time, aqi, level, primary) in latest.items()
    }
