"""Working-day calendar for deadlines: China's statutory holidays and make-up workdays (调休).

Order of authority for a date: an admin's ``CalendarDay`` override, then the ``chinese_calendar``
package (which knows the State Council's yearly notice), then a fallback rule for years the package
does not know yet: Monday–Friday, less the fixed-date holidays (New Year's Day, Labour Day,
National Day 1–3 October). Lunar holidays of an unknown year must be entered as overrides.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar
from django.conf import settings
from django.utils import timezone

FALLBACK_HOLIDAYS = {(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)}


def _overrides() -> dict[dt.date, bool]:
    from envgrid.core.models import CalendarDay

    return dict(CalendarDay.objects.values_list("date", "is_workday"))


def statutory_is_workday(day: dt.date) -> bool:
    """Whether ``day`` is a working day by the statutory calendar, or by the fallback rule."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5 and (day.month, day.day) not in FALLBACK_HOLIDAYS


def is_workday(day: dt.date, *, overrides: dict[dt.date, bool] | None = None) -> bool:
    overrides = _overrides() if overrides is None else overrides
    if day in overrides:
        return overrides[day]
    return statutory_is_workday(day)


def add_working_days(start: dt.date | dt.datetime, days: int) -> dt.date | dt.datetime:
    """Return the moment ``days`` working days after ``start`` (same time of day for a datetime).

    Counting starts the day after ``start``: a task given on Friday with 1 working day is due on
    the next working day, at the same time.
    """
    if days < 0:
        raise ValueError("days must be >= 0")
    overrides = _overrides()
    is_datetime = isinstance(start, dt.datetime)
    local = timezone.localtime(start) if is_datetime and timezone.is_aware(start) else start
    day = local.date() if is_datetime else local
    remaining = days
    while remaining:
        day += dt.timedelta(days=1)
        if is_workday(day, overrides=overrides):
            remaining -= 1
    if not is_datetime:
        return day
    return local.replace(year=day.year, month=day.month, day=day.day)


@lru_cache(maxsize=8)
def parse_work_hours(spec: str) -> tuple[tuple[dt.time, dt.time], ...]:
    """Parse ``"09:00-12:00,13:30-17:30"`` into ordered (start, end) pairs."""
    periods = []
    for part in spec.split(","):
        start_text, end_text = part.strip().split("-")
        start, end = dt.time.fromisoformat(start_text.strip()), dt.time.fromisoformat(end_text.strip())
        if end <= start:
            raise ValueError(f"work period {part!r} ends before it starts")
        periods.append((start, end))
    periods.sort()
    return tuple(periods)


def add_working_hours(start: dt.datetime, hours: float) -> dt.datetime:
    """Return the moment ``hours`` working hours after ``start`` (工作时), counting only the work
    periods of working days (``ENVGRID_WORK_HOURS``, local time). Aware in, aware out."""
    if timezone.is_naive(start):
        raise ValueError("start must be timezone-aware")
    if hours < 0:
        raise ValueError("hours must be >= 0")
    periods = parse_work_hours(settings.ENVGRID_WORK_HOURS)
    overrides = _overrides()
    tz = timezone.get_current_timezone()
    cursor = timezone.localtime(start, tz)
    remaining = dt.timedelta(hours=hours)
    while True:
        if is_workday(cursor.date(), overrides=overrides):
            for period_start, period_end in periods:
                begin = dt.datetime.combine(cursor.date(), period_start, tz)
                end = dt.datetime.combine(cursor.date(), period_end, tz)
                if end <= cursor:
                    continue
                begin = max(begin, cursor)
                if begin + remaining <= end:
                    return begin + remaining
                remaining -= end - begin
                cursor = end
        cursor = dt.datetime.combine(cursor.date() + dt.timedelta(days=1), dt.time.min, tz)
