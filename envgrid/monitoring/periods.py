"""Reporting periods for statistics and rankings, written as the district writes them.

Syntax (``parse_period``):

- ``2026`` — a calendar year;
- ``2026-Q4`` — a quarter;
- ``2026-11`` — a month;
- ``2026-W47`` — an ISO week (Monday to Sunday);
- ``2026-11-05`` — one day;
- ``2026-11-01..2026-11-27`` — a range of days, both ends included.

Days are Beijing-time days. Every period knows the period before it of the same kind and length
(环比, period-on-period) and the same period one year earlier (同比, year-on-year).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from envgrid.core.errors import DomainError

PERIOD_INVALID = "period_invalid"

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$", re.IGNORECASE)
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True)
class Period:
    """``start <= day < end`` (Beijing days), with the text it was written as."""

    kind: str  # year, quarter, month, week, day, range
    start: date
    end: date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def previous(self) -> Period:
        """The period just before (环比): the previous month, quarter, week…, or a range of the same length."""
        if self.kind == "year":
            return year_period(self.start.year - 1)
        if self.kind == "quarter":
            q = (self.start.month - 1) // 3 + 1
            return quarter_period(self.start.year - (q == 1), 4 if q == 1 else q - 1)
        if self.kind == "month":
            return month_period(
                self.start.year - (self.start.month == 1), 12 if self.start.month == 1 else self.start.month - 1
            )
        if self.kind == "week":
            monday = self.start - timedelta(days=7)
            year, week, _ = monday.isocalendar()
            return week_period(year, week)
        start = self.start - timedelta(days=self.days)
        return range_period(start, self.start - timedelta(days=1), kind=self.kind)

    def year_ago(self) -> Period:
        """The same period one year earlier (同比)."""
        if self.kind == "year":
            return year_period(self.start.year - 1)
        if self.kind == "quarter":
            return quarter_period(self.start.year - 1, (self.start.month - 1) // 3 + 1)
        if self.kind == "month":
            return month_period(self.start.year - 1, self.start.month)
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return week_period(year - 1, min(week, date(year - 1, 12, 28).isocalendar()[1]))
        return range_period(_year_earlier(self.start), _year_earlier(self.last_day), kind=self.kind)


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def year_period(year: int) -> Period:
    return Period("year", date(year, 1, 1), date(year + 1, 1, 1), f"{year}")


def quarter_period(year: int, quarter: int) -> Period:
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return Period("quarter", start, end, f"{year}-Q{quarter}")


def month_period(year: int, month: int) -> Period:
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return Period("month", date(year, month, 1), end, f"{year}-{month:02d}")


def week_period(year: int, week: int) -> Period:
    start = date.fromisocalendar(year, week, 1)
    return Period("week", start, start + timedelta(days=7), f"{year}-W{week:02d}")


def range_period(first: date, last: date, *, kind: str = "range") -> Period:
    if kind == "day" or first == last:
        return Period("day", first, first + timedelta(days=1), first.isoformat())
    return Period("range", first, last + timedelta(days=1), f"{first.isoformat()}..{last.isoformat()}")


def _invalid(text: str, why: str) -> DomainError:
    return DomainError(
        PERIOD_INVALID,
        f"period {text!r}: {why}. Use 2026, 2026-Q4, 2026-11, 2026-W47, 2026-11-05 or 2026-11-01..2026-11-27.",
        details={"field": "period"},
    )


def _day(text: str, whole: str) -> date:
    match = _DAY.match(text.strip())
    if not match:
        raise _invalid(whole, f"{text!r} is not a date (YYYY-MM-DD)")
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError as exc:
        raise _invalid(whole, str(exc)) from exc


def parse_period(text: str) -> Period:
    """The period written as ``text`` (see the module docstring); ``DomainError(period_invalid)`` otherwise."""
    value = (text or "").strip()
    if not value:
        raise _invalid(text, "empty")
    if ".." in value:
        first_text, _, last_text = value.partition("..")
        first, last = _day(first_text, value), _day(last_text, value)
        if last < first:
            raise _invalid(value, "the range ends before it starts")
        if (last - first).days > 366 * 5:
            raise _invalid(value, "a range may span at most five years")
        return range_period(first, last)
    try:
        if match := _YEAR.match(value):
            return year_period(int(match.group(1)))
        if match := _QUARTER.match(value):
            return quarter_period(int(match.group(1)), int(match.group(2)))
        if match := _MONTH.match(value):
            year, month = int(match.group(1)), int(match.group(2))
            if not 1 <= month <= 12:
                raise _invalid(value, f"month {month} does not exist")
            return month_period(year, month)
        if match := _WEEK.match(value):
            return week_period(int(match.group(1)), int(match.group(2)))
    except ValueError as exc:
        raise _invalid(value, str(exc)) from exc
    if _DAY.match(value):
        return range_period(_day(value, value), _day(value, value))
    raise _invalid(value, "unknown form")


def default_period(today: date) -> Period:
    """The current month (to date it is partial; the page says so by the coverage)."""
    return month_period(today.year, today.month)
