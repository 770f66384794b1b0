"""The queue of hours to roll up: the ``readings_stored`` receiver marks the station hours whose readings changed
(one INSERT, no computing) and enqueues the rollup task, which recomputes their days and months."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from django.core.cache import cache
from django.db import transaction

from envgrid.monitoring.models import RollupDirtyHour
from envgrid.monitoring.rollups.build import RollupResult, rollup_chunk, rollup_month
from envgrid.monitoring.rollups.clock import CHINA_OFFSET_HOURS, month_start, retention_cutoff_hour
from envgrid.monitoring.rollups.fields import HOURLY_SOURCES, O3_WINDOW
from envgrid.monitoring.rollups.sql import dialect

log = logging.getLogger(__name__)


def rollups_mark_dirty(*, readings: Iterable[tuple[int, int, datetime]]) -> int:
    """Note the station hours whose readings changed (the ``readings_stored`` receiver): one INSERT, no computing;
    then make sure the rollup task runs soon."""
    keys = {
        (station_id, data_time.astimezone(UTC).replace(minute=0, second=0, microsecond=0))
        for station_id, cn, data_time in readings
        if cn in HOURLY_SOURCES and data_time is not None
    }
    if not keys:
        return 0
    RollupDirtyHour.objects.bulk_create([RollupDirtyHour(station_id=s, hour=h) for s, h in keys], ignore_conflicts=True)
    _enqueue_dirty_rollup()
    return len(keys)


def _enqueue_dirty_rollup() -> None:
    """Enqueue the rollup task at most once per few seconds (the periodic task catches anything missed)."""
    if not cache.add("monitoring:rollup-enqueued", 1, timeout=5):
        return
    try:
        from envgrid.monitoring.tasks import rollup_dirty_hours

        transaction.on_commit(rollup_dirty_hours)
    except Exception:  # the ingest must never fail because the queue is down
        log.exception("could not enqueue the rollup task")


def _affected_days(dirty: list[tuple[int, datetime]]) -> dict[date, set[int]]:
    """Beijing days to recompute per dirty hour: its day, and the next day when the hour's O3 8-h windows reach
    into it (hours from 17:00 on: the next day's early 8-h values and hourly AQI change, its daily values not)."""
    days: dict[date, set[int]] = defaultdict(set)
    for station_id, hour in dirty:
        local = hour.astimezone(UTC) + timedelta(hours=CHINA_OFFSET_HOURS)
        days[local.date()].add(station_id)
        if local.hour >= 24 - O3_WINDOW + 1:
            days[local.date() + timedelta(days=1)].add(station_id)
    return days


def rollups_process_dirty(*, limit: int = 20000) -> RollupResult:
    """Roll up the hours marked dirty: their stations' days (hours and day), then those months."""
    result = RollupResult()
    cutoff = retention_cutoff_hour()
    with transaction.atomic():
        dirty = list(
            RollupDirtyHour.objects.select_for_update(skip_locked=True)
            .order_by("id")
            .values_list("id", "station_id", "hour")[:limit]
        )
        if not dirty:
            return result
        RollupDirtyHour.objects.filter(pk__in=[row[0] for row in dirty]).delete()
        days = _affected_days([(s, h) for _, s, h in dirty])
        dialect().lock_months(month_start(day) for day in days)
        months: dict[date, set[int]] = defaultdict(set)
        for day in sorted(days):
            stations = sorted(days[day])
            result.add(rollup_chunk(stations, day, day + timedelta(days=1), cutoff))
            months[month_start(day)] |= set(stations)
        for month, stations in sorted(months.items()):
            result.months += rollup_month(sorted(stations), month)
    return result
