"""The NumPy side of the rollups: whole arrays of hours, days and stations at once, never a Python loop per row
— validity minimums per day, O3 8-h moving means, AQI levels, HJ 663 percentiles."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import numpy as np

from envgrid.monitoring import standards
from envgrid.monitoring.aqi import aqi_table
from envgrid.monitoring.rollups.clock import CHINA_OFFSET_HOURS, day_index, day_of
from envgrid.monitoring.rollups.fields import IAQI_FIELDS, O3_WINDOW, POLLUTANT_NAMES, POLLUTANTS, VALID_BITS

FETCH_BATCH = 20_000


def array_from_cursor(cursor, width: int) -> np.ndarray:
    """The rows of an executed numeric query as one float64 array, fetched in batches (no list of every row's
    tuple)."""
    blocks = []
    while rows := cursor.fetchmany(FETCH_BATCH):
        blocks.append(np.array(rows, dtype=np.float64).reshape(len(rows), width))
    return np.concatenate(blocks) if blocks else np.empty((0, width))


def nullable(values: np.ndarray, as_int: bool = False) -> list:
    """A float column as a list for the database: None for NaN, ints where ``as_int``."""
    out = np.empty(len(values), dtype=object)
    missing = np.isnan(values)
    good = ~missing
    out[good] = (values[good].astype(np.int64) if as_int else values[good]).tolist()
    out[missing] = None
    return out.tolist()


def minimum_per_row(days: np.ndarray, statistic: str, default: int) -> np.ndarray:
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


def o3_limit_per_row(days: np.ndarray) -> np.ndarray:
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


def aqi_levels(out: dict, tables: Sequence) -> np.ndarray:
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


def aqi(columns: dict[str, np.ndarray], mode: str, days: np.ndarray) -> dict:
    tables = standards.aqi_tables()
    out = aqi_table(columns, mode, on_date=days.astype("datetime64[D]"), tables=tables)
    out["aqi_level"] = aqi_levels(out, tables)
    return out


def o3_8h_windows(o3: np.ndarray, h0: int) -> tuple[np.ndarray, np.ndarray]:
    """O3 8-h moving means ending at each hour after the first 7 (context) columns, and their valid hours.

    ``o3`` is (stations, hours) of valid 1-h values (NaN otherwise) starting at epoch hour ``h0``."""
    ok = ~np.isnan(o3)
    zeros = np.zeros((o3.shape[0], 1))
    sums = np.concatenate([zeros, np.cumsum(np.where(ok, o3, 0.0), axis=1)], axis=1)
    counts = np.concatenate([zeros, np.cumsum(ok, axis=1)], axis=1)
    window_sum = sums[:, O3_WINDOW:] - sums[:, :-O3_WINDOW]
    window_n = counts[:, O3_WINDOW:] - counts[:, :-O3_WINDOW]
    end_hours = h0 + np.arange(O3_WINDOW - 1, o3.shape[1])
    minimum = minimum_per_row((end_hours + CHINA_OFFSET_HOURS) // 24, "8h_mean", 6)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(window_n >= minimum[None, :], window_sum / window_n, np.nan)
    return mean, window_n.astype(np.int64)


def max_or_nan(values: np.ndarray, axis: int) -> np.ndarray:
    top = np.max(np.where(np.isnan(values), -np.inf, values), axis=axis)
    return np.where(np.isinf(top), np.nan, top)


def aqi_columns(out: dict) -> list[list]:
    iaqis = [nullable(out[f"IAQI_{ind}"], as_int=True) for ind in IAQI_FIELDS]
    return iaqis + [
        nullable(out["AQI"], as_int=True),
        nullable(out["aqi_level"], as_int=True),
        out["primary_pollutants"].tolist(),
        out["standard"].tolist(),
    ]


def invalid_reasons(s_idx, d_idx, valid, required, mask, hours, o3_8h_values) -> list[str]:
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


def group_percentile(group: np.ndarray, groups: int, values: np.ndarray, ok: np.ndarray, q: float) -> np.ndarray:
    """The ``q``-th percentile of the ``ok`` values of each group (NaN for none), as HJ 663-2013 defines it (linear
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
