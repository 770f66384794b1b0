"""Background jobs of the emergency app: thin callers of the services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from envgrid.emergency.services.warnings import warnings_lift_expired


@db_periodic_task(crontab(minute="*/5"))
def lift_expired_warnings():
    """Every five minutes: lift the warnings whose end has come (remaining checks cancelled or missed)."""
    return warnings_lift_expired()
