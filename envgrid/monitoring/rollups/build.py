"""Computing the rollups of a range: its hours in the database (``sql``), then its days and months as NumPy
arrays (``maths``), one month per transaction; ``rollups_rebuild`` is the entry point."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from envgrid.monitoring import standards
from envgrid.monitoring.models import DailyRollup, MonthlyRollup, Station
from envgrid.monitoring.rollups import maths, sql
from envgrid.monitoring.rollups.clock import (
    day_index,
    day_of,
    first_hour,
    local_day,
    month_start,
    next_month,
    retention_cutoff_hour,
)
from envgrid.monitoring.rollups.fields import (
    DAILY_COLUMNS,
    DAILY_INDICATORS,
    FACTOR_CODES,
    MONTHLY_COLUMNS,
    O3_WINDOW,
    POLLUTANTS,
    VALID_BITS,
)

DAILY = DailyRollup._meta.db_table
MONTHLY = MonthlyRollup._meta.db_table


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
    min_24h = maths.minimum_per_row(days, "24h_mean", 20)[None, None, :]
    valid_24h = hours >= min_24h
    o3_1h_max = maths.max_or_nan(by_day[POLLUTANTS.index("o3")], axis=-1)
    windows = o3_8h.reshape(n_s, n_d, 24)[:, :, 7:]  # windows ending 08:00-24:00 (hours starting 07-23)
    o3_8h_values = (~np.isnan(windows)).sum(axis=-1)
    o3_8h_max = maths.max_or_nan(windows, axis=-1)
    valid_8h = (o3_8h_values >= maths.minimum_per_row(days, "8h_max_daily", 14)[None, :]) | (
        o3_8h_max > maths.o3_limit_per_row(days)[None, :]
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
        for ind, col in DAILY_INDICATORS.items()
        if col in POLLUTANTS
    }
    columns["O3_1h"] = np.where(valid_1h, o3_1h_max, np.nan)[s_idx, d_idx]
    columns["O3_8h"] = np.where(valid_8h, o3_8h_max, np.nan)[s_idx, d_idx]
    out = maths.aqi(columns, "daily", days[d_idx])
    reasons = maths.invalid_reasons(s_idx, d_idx, valid, required, mask, hours, o3_8h_values)
    day_values = [connection.ops.adapt_datefield_value(day_of(d)) for d in days.tolist()]
    data = [
        ids[s_idx].tolist(),
        [day_values[d] for d in d_idx.tolist()],
        valid[s_idx, d_idx].tolist(),
        mask[s_idx, d_idx].tolist(),
        reasons,
        maths.nullable(o3_8h_max[s_idx, d_idx]),
        maths.nullable(o3_1h_max[s_idx, d_idx]),
        o3_8h_values[s_idx, d_idx].tolist(),
        *(maths.nullable(means[k][s_idx, d_idx]) for k in range(n_p)),
        *(hours[k][s_idx, d_idx].tolist() for k in range(n_p)),
        *maths.aqi_columns(out),
    ]
    sql.dialect().insert(DAILY, DAILY_COLUMNS, data)
    return len(s_idx)


def rollup_chunk(station_ids: Sequence[int] | None, day_from: date, day_to: date, cutoff_hour: int) -> RollupResult:
    """Recompute the hours and days of ``day_from <= day < day_to`` (Beijing days) for the stations (None: all)."""
    d0, d1 = day_index(day_from), day_index(day_to)
    h_start, h_end = first_hour(day_from), first_hour(day_to)
    h0 = h_start - (O3_WINDOW - 1)  # context for the first O3 8-h windows
    if station_ids is None:  # every station, listed: a range scan per station instead of a whole-table scan
        station_ids = list(Station.objects.order_by("pk").values_list("pk", flat=True))
    sql.write_hours(station_ids, h_start, h_end, cutoff_hour)
    adapt_day = connection.ops.adapt_datefield_value
    sql.delete_range(DAILY, "day", adapt_day(day_from), adapt_day(day_to), station_ids)
    result = RollupResult()
    stored = sql.hour_values(station_ids, h0, h_end)
    if not len(stored):
        return result
    st, hr = stored[:, 0].astype(np.int64), stored[:, 1].astype(np.int64)
    ids = np.unique(st)
    si, col = np.searchsorted(ids, st), hr - h0
    dense = np.full((len(POLLUTANTS), len(ids), h_end - h0), np.nan)
    dense[:, si, col] = stored[:, 2:].T
    o3_8h, _ = maths.o3_8h_windows(dense[POLLUTANTS.index("o3")], h0)
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


def rollup_month(station_ids: Sequence[int] | None, month: date) -> int:
    """Recompute the monthly rollups of one month from the stored daily rollups."""
    end = next_month(month)
    adapt = connection.ops.adapt_datefield_value
    sql.delete_range(MONTHLY, "month", adapt(month), adapt(end), station_ids)
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
            sums = np.bincount(group, weights=np.where(ok, a[:, 1 + k], 0.0), minlength=len(ids))
            data.append(maths.nullable(sums / n))
        counts.append(n.tolist())
    co, o3 = (mask & VALID_BITS["co"]) > 0, (mask & VALID_BITS["o3_8h"]) > 0
    data.append(maths.nullable(maths.group_percentile(group, len(ids), a[:, 5], co, 95)))
    data.append(maths.nullable(maths.group_percentile(group, len(ids), a[:, 6], o3, 90)))
    day_valid = a[:, 8] > 0
    valid_days, good_days = count(day_valid), count(day_valid & (a[:, 9] <= 100))
    data += [[n_days] * len(ids), *counts, count(co).tolist(), count(o3).tolist(), valid_days.tolist()]
    data += [good_days.tolist(), (valid_days >= minimum).tolist()]
    sql.dialect().insert(MONTHLY, MONTHLY_COLUMNS, data)
    return len(ids)


def rollup_workers() -> int:
    """Parallel month rebuilds (PostgreSQL only): ``ENVGRID_ROLLUP_WORKERS``, by default the CPUs up to 4."""
    return max(1, settings.ENVGRID_ROLLUP_WORKERS or min(4, os.cpu_count() or 1))


def _rebuild_month(station_ids: Sequence[int] | None, start: date, end: date, cutoff: int) -> RollupResult:
    with transaction.atomic():
        sql.dialect().lock_months([month_start(start)])
        result = rollup_chunk(station_ids, start, end, cutoff)
        result.months += rollup_month(station_ids, month_start(start))
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
    cutoff = retention_cutoff_hour()
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
