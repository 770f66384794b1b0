"""The NumPy arithmetic of the rules and the replay through an alert's state (no database)."""

from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from envgrid.alerts.choices import AlertKind, HotMeasure
from envgrid.alerts.evaluation import (
    Judged,
    Series,
    flatline_metric,
    judge,
    levels,
    neighbour_median,
    rise_metric,
    run_starts,
    walk,
)

MINUTE = 60.0


def minutes(n, start=0):
    return (np.arange(n) + start) * MINUTE


def rule(**fields):
    base = {
        "kind": AlertKind.THRESHOLD,
        "raise_level": 115.0,
        "clear_level": 75.0,
        "effective_clear_level": 75.0,
        "window_minutes": 30,
        "hot_measure": HotMeasure.RATIO,
        "min_neighbours": 2,
        "min_delta": None,
    }
    base.update(fields)
    if "clear_level" in fields and "effective_clear_level" not in fields:
        base["effective_clear_level"] = fields["clear_level"]
    return SimpleNamespace(**base)


def test_a_run_starts_where_the_condition_last_began_and_a_data_gap_breaks_it():
    mask = np.array([True, True, False, True, True, True, True])
    times = np.array([0, 60, 120, 180, 240, 1000, 1060], dtype=float)

    starts = run_starts(mask, times, max_gap=600)

    assert list(starts[[0, 1, 3, 4]]) == [0, 0, 3, 3]
    assert list(starts[[5, 6]]) == [5, 5]  # 240 → 1000 s is a gap longer than 600 s


def test_between_the_clear_and_raise_levels_neither_condition_holds():
    above, below = levels(np.array([120.0, 115.0, 100.0, 75.0, 74.9, np.nan]), 115, 75)

    assert list(above) == [True, True, False, False, False, False]
    assert list(below) == [False, False, False, False, True, False]


def test_the_rise_is_the_fitted_increase_over_the_window():
    series = Series(minutes(60), 50 + 2.0 * np.arange(60))  # +2 per minute

    increase = rise_metric(series, 30 * MINUTE)

    assert np.isnan(increase[:15]).all()  # less than half a window behind them
    assert np.allclose(increase[20:], 60.0)


def test_a_noisy_flat_series_has_no_rise():
    rng = np.random.default_rng(1)
    series = Series(minutes(120), 50 + rng.normal(0, 4, 120))

    assert np.nanmax(np.abs(rise_metric(series, 30 * MINUTE))) < 20


def test_flatline_counts_equal_readings_in_a_row():
    series = Series(minutes(8), np.array([1.0, 2, 2, 2, 3, 3, 3, 3]))

    assert list(flatline_metric(series)) == [1, 1, 2, 3, 1, 2, 3, 4]


def test_the_neighbours_median_uses_their_latest_fresh_value():
    me = Series(minutes(3, start=10), np.array([90.0, 90, 90]))
    fresh = Series(minutes(13), np.full(13, 30.0))
    stale = Series(minutes(2), np.array([500.0, 500]))  # last reading 11 minutes before mine
    late = Series(minutes(3, start=11), np.array([40.0, 40, 40]))  # nothing at or before minute 10

    median, count = neighbour_median(me, [fresh, stale, late], tolerance_s=5 * MINUTE)

    assert list(count) == [1, 2, 2]
    assert list(median) == [30.0, 35.0, 35.0]


def test_a_hot_station_by_ratio_also_needs_the_minimum_excess():
    me = Series(minutes(3), np.array([12.0, 90, 90]))
    others = [Series(minutes(3), np.array([4.0, 30, 30])), Series(minutes(3), np.array([4.0, 30, 30]))]

    judged = judge(rule(kind=AlertKind.HOT_GRID, raise_level=2.0, clear_level=1.5, min_delta=35), me, neighbours=others)

    assert list(judged.metric) == [3.0, 3.0, 3.0]
    assert list(judged.above) == [False, True, True]  # 12 vs 4 is 3×, but only 8 above


def test_a_hot_station_needs_enough_neighbours():
    me = Series(minutes(2), np.array([90.0, 90]))

    judged = judge(
        rule(kind=AlertKind.HOT_GRID, raise_level=2.0, clear_level=1.5),
        me,
        neighbours=[Series(minutes(2), np.array([30.0, 30]))],
    )

    assert np.isnan(judged.metric).all() and not judged.above.any()


def steps_of(values, *, duration=5, clear=10, is_open=False, first=0):
    series = Series(minutes(len(values)), np.array(values, dtype=float))
    judged = judge(rule(), series)
    found = walk(
        series.times,
        judged,
        first=first,
        is_open=is_open,
        duration_s=duration * MINUTE,
        clear_s=clear * MINUTE,
        max_gap=10 * MINUTE,
    )
    return [(s.action, s.index, s.run_start) for s in found]


def test_it_raises_only_once_the_condition_held_for_the_minimum_duration():
    assert steps_of([50, 120, 120, 120, 50, 50]) == []  # 2 minutes above: too short
    assert steps_of([50] + [120] * 7) == [("raise", 6, 1)]  # 5 minutes after the run began at minute 1


def test_hysteresis_keeps_it_open_between_the_levels_and_clears_after_the_clear_time():
    values = [120] * 6 + [100] * 20 + [60] * 10 + [100] + [60] * 11
    assert steps_of(values) == [("raise", 5, 0), ("clear", 47, 37)]


def test_only_new_readings_are_replayed():
    values = [120] * 10
    assert steps_of(values, first=8, is_open=True) == []
    assert steps_of(values, first=8) == [("raise", 8, 0)]  # the run behind them still counts


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(min_value=0, max_value=300, allow_nan=False), max_size=120),
    st.integers(0, 10),
    st.integers(0, 10),
)
def test_raises_and_clears_alternate_and_each_is_justified(values, duration, clear):
    found = steps_of(values, duration=duration, clear=clear)

    assert [s[0] for s in found] == ["raise", "clear"] * (len(found) // 2) + ["raise"] * (len(found) % 2)
    for action, index, start in found:
        window = values[start : index + 1]
        if action == "raise":
            assert all(v >= 115 for v in window) and index - start >= duration
        else:
            assert all(v < 75 for v in window) and index - start >= clear


def test_judged_masks_for_a_threshold_are_the_levels():
    series = Series(minutes(3), np.array([130.0, 90, 50]))
    judged = judge(rule(), series)
    assert isinstance(judged, Judged)
    assert list(judged.above) == [True, False, False] and list(judged.below) == [False, False, True]
