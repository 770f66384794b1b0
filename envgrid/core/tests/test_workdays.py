import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from envgrid.core.models import CalendarDay
from envgrid.core.workdays import add_working_days, add_working_hours, is_workday, parse_work_hours

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def test_statutory_holiday_and_make_up_workday_2025_national_day():
    # Given the 2025 National Day arrangement: 1–8 Oct off, Sunday 28 Sep and Saturday 11 Oct worked
    assert is_workday(dt.date(2025, 10, 1)) is False
    assert is_workday(dt.date(2025, 10, 8)) is False
    assert is_workday(dt.date(2025, 9, 28)) is True
    assert is_workday(dt.date(2025, 10, 11)) is True


def test_fallback_rule_for_a_year_the_package_does_not_know():
    # 2027 is beyond chinese_calendar 1.11: weekends and fixed-date holidays are off
    assert is_workday(dt.date(2027, 1, 1)) is False  # New Year's Day, a Friday
    assert is_workday(dt.date(2027, 1, 4)) is True  # Monday
    assert is_workday(dt.date(2027, 1, 9)) is False  # Saturday
    assert is_workday(dt.date(2027, 10, 2)) is False


def test_admin_override_wins_over_statutory_calendar():
    CalendarDay.objects.create(date=dt.date(2027, 2, 8), is_workday=False, name="春节")
    CalendarDay.objects.create(date=dt.date(2027, 2, 6), is_workday=True, name="春节调休")
    assert is_workday(dt.date(2027, 2, 8)) is False
    assert is_workday(dt.date(2027, 2, 6)) is True


def test_add_working_days_skips_the_national_day_holiday():
    # Given a task on Tuesday 30 Sep 2025 with 1 working day, the deadline is Thursday 9 Oct
    assert add_working_days(dt.date(2025, 9, 30), 1) == dt.date(2025, 10, 9)
    # A Friday task with 1 working day is due Saturday 11 Oct 2025, a make-up workday
    assert add_working_days(dt.date(2025, 10, 10), 1) == dt.date(2025, 10, 11)
    assert add_working_days(dt.date(2025, 10, 10), 0) == dt.date(2025, 10, 10)


def test_add_working_days_keeps_the_time_of_day_for_datetimes():
    start = dt.datetime(2025, 9, 30, 15, 20, tzinfo=SH)
    assert add_working_days(start, 2) == dt.datetime(2025, 10, 10, 15, 20, tzinfo=SH)


def test_add_working_hours_within_one_period():
    start = dt.datetime(2026, 11, 26, 9, 30, tzinfo=SH)  # Thursday
    assert add_working_hours(start, 2) == dt.datetime(2026, 11, 26, 11, 30, tzinfo=SH)


def test_add_working_hours_crosses_lunch_and_the_weekend():
    # Friday 27 Nov 2026 16:30, 4 working hours: 1 h on Friday, then Monday 09:00–12:00 is 3 h
    start = dt.datetime(2026, 11, 27, 16, 30, tzinfo=SH)
    assert add_working_hours(start, 4) == dt.datetime(2026, 11, 30, 12, 0, tzinfo=SH)
    # 5 h lands after lunch: Monday 13:30 + 1 h
    assert add_working_hours(start, 5) == dt.datetime(2026, 11, 30, 14, 30, tzinfo=SH)


def test_add_working_hours_from_outside_working_time_starts_at_the_next_period():
    start = dt.datetime(2026, 11, 28, 22, 0, tzinfo=SH)  # Saturday night
    assert add_working_hours(start, 1) == dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)


def test_add_working_hours_accepts_utc_and_returns_the_same_instant():
    start = dt.datetime(2026, 11, 26, 1, 30, tzinfo=dt.UTC)  # 09:30 in Shanghai
    result = add_working_hours(start, 2)
    assert result == dt.datetime(2026, 11, 26, 3, 30, tzinfo=dt.UTC)


def test_naive_datetimes_and_bad_periods_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_hours(dt.datetime(2026, 11, 26, 9, 0), 1)  # noqa: DTZ001
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_work_hours("12:00-09:00")
