"""Background jobs of directives: thin, idempotent callers of the services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from envgrid.directives.services import directives_mark_overdue, directives_spawn_due


@db_periodic_task(crontab(minute="*"))
def spawn_daily_directives():
    """Every minute: issue today's round of each daily directive whose time has come (once a day)."""
    return [d.pk for d in directives_spawn_due()]


@db_periodic_task(crontab(minute="*/5"))
def mark_overdue_directives():
    """Every five minutes: record late the units still owing feedback past the deadline; notify once."""
    return directives_mark_overdue()
