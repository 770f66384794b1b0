"""Background jobs of the monitoring app: thin callers of the rollup and retention services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from envgrid.monitoring.rollups import readings_purge_minutes, rollups_process_dirty, rollups_rebuild
from envgrid.monitoring.services import rejected_frames_purge


@db_task()
def rollup_dirty_hours():
    """Roll up the hours whose readings changed (enqueued by the readings_stored receiver)."""
    return rollups_process_dirty().hours


@db_periodic_task(crontab(minute="*"))
def rollup_dirty_hours_periodic():
    """Every minute: roll up whatever hours are still marked dirty (live minute data, a missed enqueue)."""
    return rollups_process_dirty().hours


@db_task()
def rollup_rebuild(since: str, until: str | None = None):
    """Recompute the rollups of a date range (ISO dates), e.g. after a standard was corrected."""
    from datetime import date

    result = rollups_rebuild(since=date.fromisoformat(since), until=date.fromisoformat(until) if until else None)
    return result.days


@db_periodic_task(crontab(minute="17", hour="3"))
def purge_minute_readings():
    """Daily at 03:17: delete minute data older than ENVGRID_MINUTE_RETENTION_DAYS (rollups are kept)."""
    return readings_purge_minutes()


@db_periodic_task(crontab(minute="27", hour="3"))
def purge_rejected_frames():
    """Daily at 03:27: delete rejected HJ 212 frames older than HJ212_REJECT_RETENTION_DAYS."""
    return rejected_frames_purge()
