"""How rollups name time: epoch hours (UTC, as HJ 212 labels hourly data), Beijing days and months, and the
retention window of minute data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

CHINA_OFFSET_HOURS = 8  # Asia/Shanghai, no daylight saving since 1991
DEFAULT_RETENTION_DAYS = 90
EPOCH_DAY = date(1970, 1, 1)


def day_index(day: date) -> int:
    return (day - EPOCH_DAY).days


def day_of(index: int) -> date:
    return EPOCH_DAY + timedelta(days=int(index))


def first_hour(day: date) -> int:
    """Epoch hour (UTC) of the Beijing midnight starting ``day``."""
    return day_index(day) * 24 - CHINA_OFFSET_HOURS


def hour_datetime(hour: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(hours=int(hour))


def local_day(moment: datetime) -> date:
    return (moment.astimezone(UTC) + timedelta(hours=CHINA_OFFSET_HOURS)).date()


def retention_days() -> int:
    return int(getattr(settings, "ENVGRID_MINUTE_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def retention_cutoff_hour(now: datetime | None = None) -> int:
    now = now or timezone.now()
    return int((now - timedelta(days=retention_days())).timestamp() // 3600)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)
