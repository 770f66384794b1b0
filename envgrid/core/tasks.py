"""Background upkeep of the platform: thin callers of core's functions."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from envgrid.core.idempotency import idempotency_purge
from envgrid.core.maintenance import database_analyze
from envgrid.core.tokens import api_tokens_purge


@db_periodic_task(crontab(hour="3", minute="17"))
def analyze_database():
    """Nightly: refresh SQLite's planner statistics (PostgreSQL's autovacuum does its own)."""
    return database_analyze()


@db_periodic_task(crontab(hour="3", minute="41"))
def purge_dead_keys():
    """Nightly: forget idempotency keys past their retention, and API tokens dead for a month."""
    return idempotency_purge(), api_tokens_purge()
