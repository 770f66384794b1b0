"""The PostgreSQL dialect of the rollup SQL: the fragments, bulk reads (binary cursor) and writes (COPY) that
differ from SQLite's (``sqlite.py`` has the same names). Chosen by ``sql.dialect()``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import numpy as np
from django.db import connection

from envgrid.monitoring.rollups.clock import hour_datetime
from envgrid.monitoring.rollups.maths import array_from_cursor

#: PostgreSQL reads jsonb cheaply: the usable values need not be materialized.
MATERIALIZED = ""
#: The first key of the advisory locks that serialise rollup writers per month.
LOCK_KEY = 42212


def epoch_hour(column: str) -> str:
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column}) / 3600) AS BIGINT)"


def flag(code: str) -> str:
    return f"(flags ->> '{code}')"


def hour_label(column: str) -> str:
    """The start of the hour of a stored time."""
    return f"date_trunc('hour', {column})"


def least(a: str, b: str) -> str:
    return f"LEAST({a}, {b})"


def hour_literal(hour: int) -> str:
    """An epoch hour as a SQL literal of the datetime column (our own values only, never user input)."""
    return f"TIMESTAMPTZ '{hour_datetime(hour).isoformat()}'"


def fetch_array(sql: str, params: list, width: int) -> np.ndarray:
    """The rows of a numeric query as one float64 array, fetched in batches through a server-side-binding
    cursor in binary: numbers come as stored, no text to parse."""
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as raw:
        raw.execute(sql, params, binary=True)
        return array_from_cursor(raw, width)


def _copy_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_column(column: list) -> list[str]:
    """One column in PostgreSQL's COPY text format (a comprehension per type: no call per value)."""
    sample = next((v for v in column if v is not None), None)
    if isinstance(sample, bool):
        return ["\\N" if v is None else "t" if v else "f" for v in column]
    if isinstance(sample, str):
        return ["\\N" if v is None else v if v.isprintable() and "\\" not in v else _copy_escape(v) for v in column]
    return ["\\N" if v is None else str(v) for v in column]


def insert(table: str, columns: Sequence[str], data: list[list]) -> None:
    """Bulk insert of column lists: COPY, its text built column by column."""
    if not data or not data[0]:
        return
    text_columns = [_copy_column(column) for column in data]
    block = "\n".join(map("\t".join, zip(*text_columns, strict=True))) + "\n"
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(block)


def lock_months(months: Iterable[date]) -> None:
    """Serialise rollup writers per month: a rebuild's month and a dirty-hour run touching it wait for each
    other; different months go on side by side. Locks are taken in order, so two runs never wait on each other
    crosswise."""
    with connection.cursor() as cursor:
        for month in sorted(set(months)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_KEY, month.year * 12 + month.month])
