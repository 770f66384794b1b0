"""Hourly, daily and monthly rollups: source choice, coverage, GB 3095 validity, O3 8-h, AQI, late data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.cache import cache
from django.test.utils import override_settings

from envgrid.monitoring.aqi import aqi_for_row
from envgrid.monitoring.models import DailyRollup, HourlyRollup, MonthlyRollup, Reading, RollupDirtyHour, Station
from envgrid.monitoring.rollups import (
    hourly_aqi,
    latest_aqi,
    local_day,
    readings_purge_minutes,
    rollups_mark_dirty,
    rollups_process_dirty,
    rollups_rebuild,
    station_series,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the enqueue debounce key must not leak between tests


DAY = date(2026, 11, 10)
MIDNIGHT_UTC = datetime(2026, 11, 9, 16, tzinfo=UTC)  # 2026-11-10 00:00 Beijing
ALL_FACTORS = {
    "a34004": "ug/m3",
    "a34002": "ug/m3",
    "a21026": "ug/m3",
    "a21004": "ug/m3",
    "a21005": "mg/m3",
    "a05024": "ug/m3",
}


def station(mn="5A4A00000000000000000001", **fields) -> Station:
    fields.setdefault("factors", ALL_FACTORS)
    return Station.objects.create(mn=mn, password="1", name=mn[-4:], lon=113.6, lat=34.7, **fields)


def add_readings(st: Station, cn: int, times, flags=None, **values) -> None:
    """Insert readings without the signal (the tests call the rollup functions themselves)."""
    now = datetime(2026, 11, 27, tzinfo=UTC)
    Reading.objects.bulk_create(
        [Reading(station=st, cn=cn, data_time=t, received_at=now, flags=flags or {}, **values) for t in times]
    )


def hours_of_day(count=24, start=0):
    return [MIDNIGHT_UTC + timedelta(hours=h) for h in range(start, start + count)]


def minutes_of_hour(hour: datetime, count: int):
    return [hour + timedelta(minutes=m) for m in range(count)]


def computed_hours(st) -> dict:
    """The station's hours of DAY with what is computed on read (O3 8-h, hourly AQI), by hour."""
    return {row["data_time"]: row for row in hourly_aqi([st.pk], MIDNIGHT_UTC, MIDNIGHT_UTC + timedelta(days=1))}


def full_day(st, **values):
    defaults = {"pm25": 40.0, "pm10": 70.0, "so2": 10.0, "no2": 30.0, "co": 0.8, "o3": 90.0}
    add_readings(st, 2061, hours_of_day(), **{**defaults, **values})


def test_device_hourly_data_becomes_one_valid_hour_per_hour_with_its_aqi():
    st = station()
    full_day(st, pm25=80.0)

    result = rollups_rebuild(since=DAY, until=DAY + timedelta(days=1))

    assert result.hours == 24 and result.days == 1 and result.months == 1
    hour = HourlyRollup.objects.get(station=st, data_time=MIDNIGHT_UTC + timedelta(hours=10))
    assert (hour.pm25, hour.minutes_pm25, hour.source_cn, hour.valid) == (80.0, 60, 2061, True)
    expected = aqi_for_row(
        mode="hourly",
        **{
            "PM2.5_1h": 80,
            "PM10_1h": 70,
            "SO2_1h": 10,
            "NO2_1h": 30,
            "CO_1h": 0.8,
            "O3_1h": 90,
            "O3_8h": 90,
        },
    )
    computed = computed_hours(st)[hour.data_time]
    assert computed["aqi"] == expected.aqi == 119  # HJ 633-2026 PM2.5 row: 60 -> 100, 115 -> 150
    assert computed["primary_pollutants"] == ["PM2.5"] and computed["aqi_level"] == 3
    assert computed["iaqi"]["PM2.5_1h"] == expected.iaqi["PM2.5_1h"]
    assert computed["standard"] == expected.standard


def test_device_hourly_data_wins_over_minute_data_of_the_same_hour():
    st = station()
    hour = MIDNIGHT_UTC + timedelta(hours=3)
    add_readings(st, 2051, minutes_of_hour(hour, 60), pm25=10.0)
    add_readings(st, 2061, [hour], pm25=55.0)

    rollups_rebuild(since=DAY, until=DAY + timedelta(days=1))

    row = HourlyRollup.objects.get(station=st, data_time=hour)
    assert (row.pm25, row.source_cn, row.minutes_pm25) == (55.0, 2061, 60)


def test_minute_data_makes_a_valid_hour_only_with_45_minutes():
    st = station()
    valid_hour, short_hour = MIDNIGHT_UTC, MIDNIGHT_UTC + timedelta(hours=1)
    add_readings(st, 2051, minutes_of_hour(valid_hour, 45), pm25=30.0)
    add_readings(st, 2051, minutes_of_hour(short_hour, 44), pm25=30.0)

    rollups_rebuild(since=DAY, until=DAY + timedelta(days=1))

    valid, short = HourlyRollup.objects.filter(station=st).order_by("data_time")
    computed = computed_hours(st)
    assert (valid.minutes_pm25, valid.valid, computed[valid.data_time]["aqi"]) == (45, True, 43)
    assert (short.minutes_pm25, short.valid, computed[short.data_time]["aqi"]) == (44, False, None)
    assert short.pm25 == 30.0  # the mean is kept and shown, but is not a valid 1-h value


def test_flagged_values_never_enter_a_mean():
    st = station()
    hour = MIDNIGHT_UTC
    add_readings(st, 2051, minutes_of_hour(hour, 50), flags={"a34004": "N"}, pm25=20.0)
    add_readings(st, 2051, minutes_of_hour(hour + timedelta(minutes=50), 10), flags={"a34004": "C"}, pm25=900.0)

    rollups_rebuild(since=DAY, until=DAY + timedelta(days=1))

    row = HourlyRollup.objects.get(station=st, data_time=hour)
    assert (row.pm25, row.minutes_pm25, row.samples) == (20.0, 50, 60)


def test_a_day_with_fewer_than_20_valid_hours_is_not_a_valid_day():
    st = station(factors={"a34004": "ug/m3"})
    add_readings(st, 2061, hours_of_day(19), pm25=50.0)
    other = station(mn="5A4A00000000000000000002", factors={"a34004": "ug/m3"})
    add_readings(other, 2061, hours_of_day(20), pm25=50.0)

    rollups_rebuild(since=DAY, until=DAY + timedelta(days=1))

    short = DailyRollup.objects.get(station=st, day=DAY)
    assert (short.valid, short.hours_pm25, short.aqi) == (False, 19, None)
    assert "PM2.5: 19 valid hours" in short.invalid_reason
    enough = DailyRollup.objects.get(station=other, day=DAY)
    assert (enough.valid, enough.hours_pm25, enough.pm25) == (True, 20, 50.0)
    assert enough.aqi == aqi_for_row(**{"PM2.5_24h": 50}).aqi


def test_o3_8h_needs_six_valid_hours_in_its_window():
    st = station(factors={"a05024": "ug/m3"})
    # hours 0-4 and 6 valid (6 of the window 0-7 at hour 7 when hour 7 has data too)
    times = hours_of_day(5) + [MIDNIGHT_UTC + timedelta(hours=6), MIDNIGHT_UTC + timedelta(hours=7)]
    add_readings(st, 2061, times, o3=100.0)

    rollups_rebuild(since=DAY, until=DAY + timedelta(days=1))

    rows = computed_hours(st)
    at_6, at_7 = rows[MIDNIGHT_UTC + timedelta(hours=6)], rows[MIDNIGHT_UTC + timedelta(hours=7)]
    assert (at_6["o3_8h_hours"], at_6["o3_8h"]) == (6, 100.0)
    assert (at_7["o3_8h_hours"], at_7["o3_8h"]) == (7, 100.0)
    at_4 = rows[MIDNIGHT_UTC + timedelta(hours=4)]
    assert (at_4["o3_8h_hours"], at_4["o3_8h"]) == (5, None)


def test_o3_daily_max_8h_uses_windows_ending_0800_to_2400_and_the_previous_day_is_context():
    st = station(factors={"a05024": "ug/m3"})
    # A high O3 evening the day before must not raise the day's max 8-h value: only windows inside the day count.
    add_readings(st, 2061, [MIDNIGHT_UTC - timedelta(hours=h) for h in range(1, 8)], o3=300.0)
    add_readings(st, 2061, hours_of_day(), o3=100.0)

    rollups_rebuild(since=DAY - timedelta(days=1), until=DAY + timedelta(days=1))

    day = DailyRollup.objects.get(station=st, day=DAY)
    assert (day.o3_8h, day.o3_8h_values, day.o3_1h_max) == (100.0, 17, 100.0)
    early = computed_hours(st)[MIDNIGHT_UTC + timedelta(hours=2)]  # its window reaches into the day before
    assert early["o3_8h"] == pytest.approx((300 * 5 + 100 * 3) / 8)


def test_month_has_means_of_valid_days_percentiles_and_good_days():
    st = station()
    for offset in range(3):
        add_readings(
            st,
            2061,
            [MIDNIGHT_UTC + timedelta(days=offset, hours=h) for h in range(24)],
            pm25=[30.0, 60.0, 90.0][offset],
            pm10=50.0,
            so2=5.0,
            no2=20.0,
            co=[0.5, 1.0, 2.0][offset],
            o3=80.0,
        )

    rollups_rebuild(since=DAY, until=DAY + timedelta(days=3))

    month = MonthlyRollup.objects.get(station=st, month=date(2026, 11, 1))
    assert month.pm25 == pytest.approx(60.0)
    assert (month.valid_days, month.good_days, month.days, month.days_pm25) == (3, 2, 30, 3)
    assert month.co_p95 == pytest.approx(1.9)  # HJ 663: k = 1 + (3 - 1) * 0.95 -> 1.0 + 0.9 * (2.0 - 1.0)
    assert month.valid is False  # 3 valid days of the 27 a month needs


def test_late_hour_recomputes_only_that_station_day(django_capture_on_commit_callbacks):
    a, b = station(), station(mn="5A4A00000000000000000002")
    for st in (a, b):
        full_day(st)
        add_readings(st, 2061, [t + timedelta(days=1) for t in hours_of_day()], pm25=40.0, o3=90.0)
    rollups_rebuild(since=DAY, until=DAY + timedelta(days=2))
    untouched = {
        r.pk
        for r in HourlyRollup.objects.exclude(
            station=a, data_time__range=(MIDNIGHT_UTC, MIDNIGHT_UTC + timedelta(hours=23))
        )
    }  # noqa: E501
    late = MIDNIGHT_UTC + timedelta(hours=10)
    Reading.objects.filter(station=a, cn=2061, data_time=late).update(pm25=300.0)

    with django_capture_on_commit_callbacks(execute=True):
        rollups_mark_dirty(readings=[(a.pk, 2061, late)])  # enqueues the task (run at once in tests)

    assert RollupDirtyHour.objects.count() == 0
    assert HourlyRollup.objects.get(station=a, data_time=late).pm25 == 300.0
    assert {
        r.pk
        for r in HourlyRollup.objects.exclude(
            station=a, data_time__range=(MIDNIGHT_UTC, MIDNIGHT_UTC + timedelta(hours=23))
        )
    } == untouched  # noqa: E501
    assert DailyRollup.objects.get(station=a, day=DAY).pm25 == pytest.approx((40 * 23 + 300) / 24)


def test_process_dirty_reports_the_station_days_it_recomputed():
    a = station()
    full_day(a)
    RollupDirtyHour.objects.create(station_id=a.pk, hour=MIDNIGHT_UTC + timedelta(hours=5))

    result = rollups_process_dirty()

    assert result.station_days == {(a.pk, DAY)}
    assert (result.hours, result.days, result.months) == (24, 1, 1)


def test_an_evening_late_hour_also_refreshes_the_next_mornings_o3_8h():
    a = station()
    full_day(a)
    add_readings(a, 2061, [t + timedelta(days=1) for t in hours_of_day()], o3=90.0)
    rollups_rebuild(since=DAY, until=DAY + timedelta(days=2))
    RollupDirtyHour.objects.create(station_id=a.pk, hour=MIDNIGHT_UTC + timedelta(hours=20))

    result = rollups_process_dirty()

    assert result.station_days == {(a.pk, DAY), (a.pk, DAY + timedelta(days=1))}


def test_readings_stored_signal_marks_hours_dirty_and_the_task_rolls_them_up(django_capture_on_commit_callbacks):
    from envgrid.monitoring.signals import readings_stored

    a = station()
    full_day(a)

    with django_capture_on_commit_callbacks(execute=True):
        readings_stored.send(sender=Station, readings=[(a.pk, 2061, MIDNIGHT_UTC + timedelta(hours=1))])

    assert HourlyRollup.objects.filter(station=a).count() == 24
    assert DailyRollup.objects.get(station=a, day=DAY).valid


@override_settings(ENVGRID_MINUTE_RETENTION_DAYS=30)
def test_purge_deletes_old_minute_data_and_keeps_the_rollup_of_its_hour():
    a = station()
    old_hour = datetime(2026, 10, 1, 2, tzinfo=UTC)
    add_readings(a, 2051, minutes_of_hour(old_hour, 60), pm25=33.0)
    add_readings(a, 2061, [old_hour + timedelta(hours=1)], pm25=44.0)
    rollups_rebuild(since=date(2026, 10, 1), until=date(2026, 10, 2))

    deleted = readings_purge_minutes(now=datetime(2026, 11, 27, tzinfo=UTC))
    add_readings(a, 2051, [old_hour + timedelta(minutes=59, seconds=30)], pm25=999.0)  # a very late straggler
    rollups_rebuild(since=date(2026, 10, 1), until=date(2026, 10, 2))

    assert deleted == 60
    assert Reading.objects.filter(station=a, cn=2061).count() == 1
    row = HourlyRollup.objects.get(station=a, data_time=old_hour)
    assert (row.pm25, row.minutes_pm25) == (33.0, 60)


def test_station_series_hour_and_day_carry_aqi_coverage_and_validity():
    a = station()
    full_day(a, pm25=80.0)
    rollups_rebuild(since=DAY, until=DAY + timedelta(days=1))

    hours = station_series(station=a, start=MIDNIGHT_UTC, end=MIDNIGHT_UTC + timedelta(days=1), interval="hour")
    days = station_series(station=a, start=MIDNIGHT_UTC, end=MIDNIGHT_UTC + timedelta(days=1), interval="day")

    assert len(hours) == 24
    assert hours[0]["coverage"]["pm25"] == {"observed": 60, "expected": 60}
    assert (hours[0]["category"], hours[0]["color"], hours[0]["primary_pollutants"]) == (
        "轻度污染",
        "#FF7E00",
        ["PM2.5"],
    )
    assert len(days) == 1 and days[0]["valid"] and days[0]["coverage"]["pm25"] == {"observed": 24, "expected": 24}
    assert (
        days[0]["aqi"]
        == aqi_for_row(
            **{"PM2.5_24h": 80, "PM10_24h": 70, "SO2_24h": 10, "NO2_24h": 30, "CO_24h": 0.8, "O3_1h": 90, "O3_8h": 90}
        ).aqi
    )


def test_station_series_minute_returns_minute_data_with_weather():
    a = station()
    add_readings(a, 2051, minutes_of_hour(MIDNIGHT_UTC, 3), pm25=12.0, wind_speed=2.5)

    series = station_series(station=a, start=MIDNIGHT_UTC, end=MIDNIGHT_UTC + timedelta(hours=1), interval="minute")

    assert [row["pm25"] for row in series] == [12.0] * 3 and series[0]["wind_speed"] == 2.5


def test_station_series_refuses_an_unknown_interval():
    with pytest.raises(ValueError, match="interval"):
        station_series(station=1, start=MIDNIGHT_UTC, end=MIDNIGHT_UTC, interval="week")


def test_latest_aqi_gives_each_stations_latest_valid_hour(django_assert_max_num_queries):
    from django.utils import timezone

    a, b = station(), station(mn="5A4A00000000000000000002")
    hour = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    add_readings(a, 2061, [hour - timedelta(hours=1)], pm25=200.0)
    add_readings(a, 2061, [hour], pm25=20.0)
    add_readings(b, 2061, [hour], pm25=120.0)
    day = (hour + timedelta(hours=8)).date()
    rollups_rebuild(since=day - timedelta(days=1), until=day + timedelta(days=1))

    latest_aqi()  # loads the standards once
    with django_assert_max_num_queries(2):
        colours = latest_aqi()

    assert colours[a.pk]["aqi"] == 29 and colours[a.pk]["color"] == "#00E400" and colours[a.pk]["data_time"] == hour
    assert colours[b.pk]["aqi"] == 158 and colours[b.pk]["category"] == "中度污染"
    assert latest_aqi([b.pk]).keys() == {b.pk}


def test_a_value_with_a_fault_flag_is_not_usable():
    a = station()
    add_readings(a, 2061, [MIDNIGHT_UTC], flags={"a34004": "D", "a34002": "N"}, pm25=50.0, pm10=80.0)

    rollups_rebuild(since=DAY, until=DAY + timedelta(days=1))

    row = HourlyRollup.objects.get(station=a, data_time=MIDNIGHT_UTC)
    assert (row.pm25, row.minutes_pm25, row.pm10, row.minutes_pm10) == (None, 0, 80.0, 60)


def test_rollup_command_rebuilds_from_the_first_reading_and_names_bad_input():
    from io import StringIO

    from django.core.management import CommandError, call_command

    a = station()
    full_day(a)
    out = StringIO()

    call_command("rollup", "--until", "2026-11-11", stdout=out)

    assert "2026-11-10..2026-11-10: 24 hours, 1 days, 1 months" in out.getvalue()
    assert DailyRollup.objects.filter(station=a, day=DAY).exists()
    with pytest.raises(CommandError, match="unknown station MN"):
        call_command("rollup", "--station", "NOPE")
    with pytest.raises(CommandError, match="not a date"):
        call_command("rollup", "--since", "yesterday")


def test_rollup_command_dirty_rolls_up_the_waiting_hours():
    from io import StringIO

    from django.core.management import call_command

    a = station()
    full_day(a)
    RollupDirtyHour.objects.create(station_id=a.pk, hour=MIDNIGHT_UTC)
    out = StringIO()

    call_command("rollup", "--dirty", stdout=out)

    assert out.getvalue().strip() == "24 hours, 1 days, 1 months rolled up"


def test_two_device_hourly_readings_within_one_hour_make_one_hour():
    a = station()
    add_readings(a, 2061, [MIDNIGHT_UTC + timedelta(hours=3)], pm25=40.0)
    add_readings(a, 2061, [MIDNIGHT_UTC + timedelta(hours=3, minutes=30)], pm25=90.0)  # a clock off by half an hour

    result = rollups_rebuild(since=DAY, until=DAY + timedelta(days=1))

    row = HourlyRollup.objects.get(station=a)
    assert (result.hours, row.data_time, row.source_cn) == (1, MIDNIGHT_UTC + timedelta(hours=3), 2061)
    assert row.pm25 in (40.0, 90.0)


def test_deleting_a_station_deletes_its_hours():
    a = station()
    full_day(a)
    rollups_rebuild(since=DAY, until=DAY + timedelta(days=1))

    a.delete()

    assert not HourlyRollup.objects.exists() and not DailyRollup.objects.exists()


def test_latest_aqi_skips_a_newer_hour_that_has_no_aqi():
    from django.utils import timezone

    a = station(factors={"a34004": "ug/m3", "a05024": "ug/m3"})
    hour = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    add_readings(a, 2061, [hour - timedelta(hours=h) for h in range(1, 8)], pm25=120.0, o3=60.0)
    add_readings(a, 2051, minutes_of_hour(hour, 30), pm25=10.0, o3=60.0)  # 30 minutes: not a valid hour yet
    day = (hour + timedelta(hours=8)).date()
    rollups_rebuild(since=day - timedelta(days=2), until=day + timedelta(days=1))

    colours = latest_aqi([a.pk])
    [partial] = hourly_aqi([a.pk], hour, hour + timedelta(hours=1))

    # the O3 8-h value over the hours before is valid, but the hour itself is not: it gets no AQI
    assert partial["valid"] is False and partial["o3_8h"] == 60.0 and partial["aqi"] is None
    assert colours[a.pk]["data_time"] == hour - timedelta(hours=1) and colours[a.pk]["aqi"] == 158


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_months_rebuilt_side_by_side_give_what_one_connection_gives(monkeypatch):
    import threading

    from envgrid.monitoring.rollups import build

    threads = set()
    in_thread = build._rebuild_month_in_thread
    monkeypatch.setattr(
        build, "_rebuild_month_in_thread", lambda *args: threads.add(threading.get_ident()) or in_thread(*args)
    )
    a, b = station(), station(mn="5A4A00000000000000000002")
    start = MIDNIGHT_UTC - timedelta(days=12)  # 2026-10-29 … 2026-11-11 Beijing: two months
    for st, pm25 in ((a, 35.0), (b, 80.0)):
        add_readings(st, 2061, [start + timedelta(hours=h) for h in range(14 * 24)], pm25=pm25, o3=90.0)

    def snapshot():
        return (
            sorted(HourlyRollup.objects.values_list("station_id", "data_time", "pm25", "valid")),
            sorted(DailyRollup.objects.values_list("station_id", "day", "pm25", "o3_8h", "aqi", "valid")),
            sorted(MonthlyRollup.objects.values_list("station_id", "month", "pm25", "valid_days")),
        )

    serial = rollups_rebuild(since=date(2026, 10, 29), until=DAY + timedelta(days=2), workers=1)
    expected = snapshot()
    parallel = rollups_rebuild(since=date(2026, 10, 29), until=DAY + timedelta(days=2), workers=2)

    assert (
        (parallel.hours, parallel.days, parallel.months)
        == (serial.hours, serial.days, serial.months)
        == (
            2 * 14 * 24,
            2 * 14,
            4,
        )
    )
    assert snapshot() == expected
    assert threads and threading.get_ident() not in threads  # the months ran on worker threads


def test_latest_aqi_reads_stations_that_last_reported_at_different_hours_in_one_query(django_assert_num_queries):
    from django.utils import timezone

    now = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    lasts = {}
    for n, (hours_ago, pm25) in enumerate(((2, 20.0), (7, 120.0), (30, 80.0)), start=1):
        st = station(mn=f"5A4A0000000000000000000{n}", factors={"a34004": "ug/m3"})
        lasts[st.pk] = now - timedelta(hours=hours_ago)
        add_readings(st, 2061, [lasts[st.pk] - timedelta(hours=1), lasts[st.pk]], pm25=pm25)
    rollups_rebuild(since=local_day(now) - timedelta(days=2), until=local_day(now) + timedelta(days=1))
    latest_aqi()  # loads the standards once

    with django_assert_num_queries(2):  # the last valid hours, then those hours (and their context)
        colours = latest_aqi()

    assert {pk: c["data_time"] for pk, c in colours.items()} == lasts
    expected = [aqi_for_row(mode="hourly", **{"PM2.5_1h": pm25}).aqi for pm25 in (20, 120, 80)]
    assert [colours[pk]["aqi"] for pk in lasts] == expected == [29, 158, 119]
