"""Purging minute data: minute and real-time readings older than the retention window are deleted; hourly,
daily and monthly rollups and device hourly/daily data are kept for ever."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from envgrid.monitoring.models import Reading
from envgrid.monitoring.rollups.clock import retention_days
from envgrid.monitoring.rollups.fields import MINUTE_CNS


def readings_purge_minutes(*, now: datetime | None = None) -> int:
    """Delete minute and real-time readings older than ``ENVGRID_MINUTE_RETENTION_DAYS`` (hourly, daily and
    monthly rollups and device hourly/daily data are kept for ever); returns the rows deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=retention_days())
    deleted, _ = Reading.objects.filter(cn__in=MINUTE_CNS, data_time__lt=cutoff).delete()
    return deleted
