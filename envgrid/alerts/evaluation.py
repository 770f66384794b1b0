"""The arithmetic of alert rules on one station's recent readings, vectorised with NumPy.

A rule turns a station's series (data times in epoch seconds, values) into a *metric* per reading — the
value itself (threshold), its ratio or excess over the neighbours' median (hot grid), the increase fitted over
a trailing window (sustained rise), or the number of equal readings in a row (flat-line) — and two masks:
``above`` (the raise condition holds) and ``below`` (the clear condition holds). Between the two levels
neither holds: that band is the hysteresis. ``walk`` then replays only the new readings through the
open/cleared state with the minimum durations; everything else is whole-array arithmetic.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from envgrid.alerts.choices import AlertKind, HotMeasure


@dataclass(frozen=True)
class Series:
    """One station's readings of one factor, oldest first; times in epoch seconds, missing values dropped."""

    times: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.times)


@dataclass(frozen=True)
class Judged:
    """A rule's view of a series: the metric per reading and where the raise / clear conditions hold."""

    metric: np.ndarray
    above: np.ndarray
    below: np.ndarray
    median: np.ndarray | None = None  # hot grid: the neighbours' median per reading
    neighbours: np.ndarray | None = None  # hot grid: how many neighbours had a value


@dataclass(frozen=True)
class Step:
    """A change found by ``walk``: ``raise`` at reading ``index`` (the condition began at ``run_start``)
    or ``clear`` at reading ``index`` (the clear condition began at ``run_start``)."""

    action: str
    index: int
    run_start: int


def run_starts(mask: np.ndarray, times: np.ndarray, max_gap: float) -> np.ndarray:
    """For every reading, the index where the run of ``mask`` ending there began; a gap in the data longer
    than ``max_gap`` seconds breaks a run. Meaningless where ``mask`` is False."""
    n = len(mask)
    index = np.arange(n)
    breaks = np.where(~mask, index, -1)
    if n > 1:
        gap = np.zeros(n, dtype=bool)
        gap[1:] = np.diff(times) > max_gap
        breaks = np.maximum(breaks, np.where(gap, index - 1, -1))
    return np.maximum.accumulate(breaks) + 1 if n else index


def levels(metric: np.ndarray, raise_level: float, clear_level: float) -> tuple[np.ndarray, np.ndarray]:
    """Raise where the metric reaches the raise level, clear where it is below the clear level (NaN: neither)."""
    with np.errstate(invalid="ignore"):
        return metric >= raise_level, metric < clear_level


def rise_metric(series: Series, window_s: float) -> np.ndarray:
    """The least-squares increase over the trailing window ending at each reading (slope × window).

    NaN where the window holds fewer than 3 readings or covers less than half its length. Sums over each
    window come from cumulative sums, so the cost is linear in the number of readings."""
    t = series.times - (series.times[0] if len(series) else 0)
    v = series.values
    n = len(t)
    if n == 0:
        return np.empty(0)
    first = np.searchsorted(t, t - window_s, side="right")
    zero = np.zeros(1)
    sums = [np.concatenate([zero, np.cumsum(x)]) for x in (np.ones(n), t, v, t * t, t * v)]
    end = np.arange(n) + 1
    count, st, sv, stt, stv = (s[end] - s[first] for s in sums)
    with np.errstate(invalid="ignore", divide="ignore"):
        denominator = count * stt - st * st
        slope = (count * stv - st * sv) / denominator
    covered = (t - t[first]) >= window_s / 2
    good = (count >= 3) & covered & (denominator > 0)
    return np.where(good, slope * window_s, np.nan)


def flatline_metric(series: Series) -> np.ndarray:
    """How many readings in a row, ending at each reading, carry exactly the same value."""
    n = len(series)
    if n == 0:
        return np.empty(0)
    same = np.zeros(n, dtype=bool)
    same[1:] = series.values[1:] == series.values[:-1]
    index = np.arange(n)
    starts = np.maximum.accumulate(np.where(~same, index, 0))
    return (index - starts + 1).astype(float)


def neighbour_median(series: Series, neighbours: list[Series], tolerance_s: float) -> tuple[np.ndarray, np.ndarray]:
    """The median over neighbours of their latest value at or before each reading (no older than
    ``tolerance_s``), and how many neighbours had one."""
    n = len(series)
    if not neighbours or n == 0:
        return np.full(n, np.nan), np.zeros(n, dtype=int)
    grid = np.full((len(neighbours), n), np.nan)
    for row, other in enumerate(neighbours):
        if not len(other):
            continue
        position = np.searchsorted(other.times, series.times, side="right") - 1
        safe = np.clip(position, 0, len(other) - 1)
        fresh = (position >= 0) & (series.times - other.times[safe] <= tolerance_s)
        grid[row] = np.where(fresh, other.values[safe], np.nan)
    count = np.sum(~np.isnan(grid), axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: no neighbour had data
        median = np.nanmedian(grid, axis=0)
    return median, count


def judge(rule, series: Series, *, neighbours: list[Series] | None = None, tolerance_s: float = 300) -> Judged:
    """Apply a reading rule (threshold, hot grid, rise, flat-line) to a station's series."""
    raise_level, clear_level = rule.raise_level, rule.effective_clear_level
    if rule.kind == AlertKind.THRESHOLD:
        metric = series.values.astype(float)
    elif rule.kind == AlertKind.RISE:
        metric = rise_metric(series, rule.window_minutes * 60)
    elif rule.kind == AlertKind.FLATLINE:
        metric = flatline_metric(series)
    elif rule.kind == AlertKind.HOT_GRID:
        median, count = neighbour_median(series, neighbours or [], tolerance_s)
        enough = count >= max(rule.min_neighbours, 1)
        excess = series.values - median
        with np.errstate(invalid="ignore", divide="ignore"):
            if rule.hot_measure == HotMeasure.RATIO:
                metric = np.where(enough & (median > 0), series.values / median, np.nan)
            else:
                metric = np.where(enough, excess, np.nan)
        above, below = levels(metric, raise_level, clear_level)
        if rule.hot_measure == HotMeasure.RATIO and rule.min_delta is not None:
            with np.errstate(invalid="ignore"):
                above &= excess >= rule.min_delta
        return Judged(metric, above, below, median, count)
    else:
        raise ValueError(f"{rule.kind} is not judged from readings")
    above, below = levels(metric, raise_level, clear_level)
    return Judged(metric, above, below)


def walk(
    times: np.ndarray,
    judged: Judged,
    *,
    first: int,
    is_open: bool,
    duration_s: float,
    clear_s: float,
    max_gap: float,
) -> list[Step]:
    """Replay readings ``first``… through the alert's state: raise once the raise condition has held for
    ``duration_s``, clear once the clear condition has held for ``clear_s``. Only the new readings are
    visited; the runs behind them come from the whole window."""
    above_from = run_starts(judged.above, times, max_gap)
    below_from = run_starts(judged.below, times, max_gap)
    steps = []
    for index in range(first, len(times)):
        if not is_open:
            start = above_from[index]
            if judged.above[index] and times[index] - times[start] >= duration_s:
                steps.append(Step("raise", index, int(start)))
                is_open = True
        else:
            start = below_from[index]
            if judged.below[index] and times[index] - times[start] >= clear_s:
                steps.append(Step("clear", index, int(start)))
                is_open = False
    return steps
