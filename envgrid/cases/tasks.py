"""Background jobs of the closed loop: thin callers of the services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from envgrid.cases.services import cases_mark_overdue


@db_periodic_task(crontab(minute="*/5"))
def mark_overdue_cases():
    """Every five minutes: mark overdue work, escalate long-overdue work, notify once each."""
    return cases_mark_overdue()
