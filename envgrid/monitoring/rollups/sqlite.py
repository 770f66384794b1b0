"""The SQLite dialect of the rollup SQL: the fragments, bulk reads and writes that differ from PostgreSQL's
(``postgresql.py`` has the same names). Chosen by ``sql.dialect()``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import numpy as np
from django.db import connection

from envgrid.monitoring.rollups.clock import hour_datetime
from envgrid.monitoring.rollups.maths import array_from_cursor

#: SQLite would copy each flag test into every expression that reads it: materialize the usable values once.
MATERIALIZED = "MATERIALIZED "


def epoch_hour(column: str) -> str:
    return f"CAST(strftime('%%s', {column}) AS INTEGER) / 3600"


def flag(code: str) -> str:
    return f"json_extract(flags, '$.{code}')"


def hour_label(column: str) -> str:
    """The start of the hour of a stored time, in the column's own storage format (so it compares equal):
    'YYYY-MM-DD HH:MM:SS[.ffffff]', a time already on the hour (device hourly data) is its own label."""
    label = f"strftime('%%Y-%%m-%%d %%H:00:00', {column})"
    return f"CASE WHEN substr({column}, 15) = '00:00' THEN {column} ELSE {label} END"


def least(a: str, b: str) -> str:
    return f"MIN({a}, {b})"


def hour_literal(hour: int) -> str:
    """An epoch hour as a SQL literal of the datetime column (our own values only, never user input)."""
    return f"'{connection.ops.adapt_datetimefield_value(hour_datetime(hour))}'"


def fetch_array(sql: str, params: list, width: int) -> np.ndarray:
    """The rows of a numeric query as one float64 array, fetched in batches."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return array_from_cursor(cursor, width)


def insert(table: str, columns: Sequence[str], data: list[list]) -> None:
    """Bulk insert of column lists through the driver's own ``executemany`` (one prepared statement)."""
    if not data or not data[0]:
        return
    rows = list(zip(*data, strict=True))
    marks = ", ".join(["?"] * len(columns))
    with connection.cursor() as cursor:
        cursor.cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def lock_months(months: Iterable[date]) -> None:
    """Nothing to do: SQLite serialises writers already."""
