"""Nightly upkeep: SQLite's planner statistics."""

import pytest
from django.db import connection

from envgrid.core.maintenance import database_analyze
from envgrid.core.tasks import analyze_database

pytestmark = pytest.mark.django_db


def stat_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_stat1")
        return cursor.fetchone()[0]


def test_analyze_gathers_statistics_on_sqlite_and_leaves_postgresql_to_autovacuum(django_user_model):
    django_user_model.objects.create_user("someone", password="x")
    if connection.vendor != "sqlite":
        assert database_analyze() is False
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")
        cursor.execute("ANALYZE sqlite_schema")  # recreates an empty statistics table
        cursor.execute("DELETE FROM sqlite_stat1")
    assert stat_rows() == 0
    assert analyze_database.call_local() is True
    assert stat_rows() > 0
