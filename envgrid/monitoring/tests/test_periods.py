"""The period syntax of statistics and rankings, and each period's year-on-year and period-on-period twins."""

from datetime import date

import pytest

from envgrid.core.errors import DomainError
from envgrid.monitoring.periods import parse_period


@pytest.mark.parametrize(
    ("text", "kind", "start", "end"),
    [
        ("2026", "year", date(2026, 1, 1), date(2027, 1, 1)),
        ("2026-Q4", "quarter", date(2026, 10, 1), date(2027, 1, 1)),
        ("2026-q1", "quarter", date(2026, 1, 1), date(2026, 4, 1)),
        ("2026-11", "month", date(2026, 11, 1), date(2026, 12, 1)),
        ("2026-2", "month", date(2026, 2, 1), date(2026, 3, 1)),
        ("2026-W47", "week", date(2026, 11, 16), date(2026, 11, 23)),
        ("2026-11-05", "day", date(2026, 11, 5), date(2026, 11, 6)),
        ("2026-11-01..2026-11-27", "range", date(2026, 11, 1), date(2026, 11, 28)),
        (" 2026-12 ", "month", date(2026, 12, 1), date(2027, 1, 1)),
    ],
)
def test_period_forms(text, kind, start, end):
    period = parse_period(text)

    assert (period.kind, period.start, period.end) == (kind, start, end)


@pytest.mark.parametrize(
    ("text", "previous", "year_ago"),
    [
        ("2026", "2025", "2025"),
        ("2026-Q1", "2025-Q4", "2025-Q1"),
        ("2026-01", "2025-12", "2025-01"),
        ("2026-11", "2026-10", "2025-11"),
        ("2026-W01", "2025-W52", "2025-W01"),
        ("2026-11-05", "2026-11-04", "2025-11-05"),
        ("2026-11-01..2026-11-10", "2026-10-22..2026-10-31", "2025-11-01..2025-11-10"),
        ("2028-02-29", "2028-02-28", "2027-02-28"),
    ],
)
def test_previous_and_year_ago(text, previous, year_ago):
    period = parse_period(text)

    assert period.previous().label == previous
    assert period.year_ago().label == year_ago


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("2026-13", "month 13 does not exist"),
        ("2026-W60", "2026-W60"),
        ("2026-02-30", "day is out of range"),
        ("2026-11-27..2026-11-01", "ends before it starts"),
        ("2010-01-01..2026-01-01", "at most five years"),
        ("last month", "unknown form"),
        ("2026-11-01..soon", "'soon' is not a date"),
    ],
)
def test_bad_periods_are_refused_with_the_reason(text, message):
    with pytest.raises(DomainError) as caught:
        parse_period(text)

    assert caught.value.code == "period_invalid" and message in caught.value.message
    assert caught.value.details == {"field": "period"}
