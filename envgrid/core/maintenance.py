"""Database upkeep that the embedded default needs and PostgreSQL does by itself.

SQLite's query planner chooses between indexes by the statistics ``ANALYZE`` gathers; without them it
guesses, and on a large table a wrong guess turns an index-ordered walk of fifty rows into a sort of
tens of thousands (the case queues' overdue tab: 65 ms instead of 1.7 ms at 100,000 cases, see
bench/cases.py). PostgreSQL's autovacuum keeps its statistics current, so there this does nothing.
"""

from __future__ import annotations

from django.db import connection


def database_analyze() -> bool:
    """Refresh the planner's statistics on SQLite; returns True when it ran."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return True
