"""The night window as a property: a night inspection lies wholly inside one night's window, whatever the
window (crossing midnight or not) and whatever the server's time zone."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from envgrid.patrols.night import BEIJING, inside_night_window, window_around

times = st.times().map(lambda t: t.replace(second=0, microsecond=0))
# Hypothesis draws naive datetimes between naive bounds; each is then placed on Beijing's clock.
moments = st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2030, 1, 1)).map(  # noqa: DTZ001
    lambda d: d.replace(tzinfo=BEIJING, second=0, microsecond=0)
)


def clock_in(t: dt.time, start: dt.time, end: dt.time) -> bool:
    return (start <= t or t < end) if start > end else start <= t < end


@given(moments, times, times)
def test_a_moment_is_in_a_window_exactly_when_its_clock_time_is(moment, start, end):
    window = window_around(moment, start, end)
    assert (window is not None) == (start != end and clock_in(moment.time(), start, end))
    if window is not None:
        opening, closing = window
        assert opening <= moment < closing
        assert (opening.time(), closing.time()) == (start, end)
        assert closing - opening <= dt.timedelta(hours=24)


@given(moments, st.integers(min_value=0, max_value=14 * 60))
def test_a_span_is_night_only_when_it_starts_in_a_window_and_ends_before_it_closes(start, minutes):
    end = start + dt.timedelta(minutes=minutes)
    night = inside_night_window(start, end, dt.time(20), dt.time(6))
    window = window_around(start, dt.time(20), dt.time(6))
    assert night == (window is not None and end <= window[1])
    if night:
        assert clock_in(end.time(), dt.time(20), dt.time(6)) or end == window[1]


def test_the_window_is_judged_on_beijing_time_not_the_servers_zone():
    utc_evening = dt.datetime(2026, 6, 1, 13, 0, tzinfo=dt.UTC)  # 21:00 in Beijing
    assert inside_night_window(utc_evening, utc_evening + dt.timedelta(minutes=30), dt.time(20), dt.time(6))
    utc_morning = dt.datetime(2026, 6, 1, 0, 0, tzinfo=dt.UTC)  # 08:00 in Beijing
    assert not inside_night_window(utc_morning, utc_morning, dt.time(20), dt.time(6))
