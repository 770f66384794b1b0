"""The rollup SQL that both databases run: hours written by the database (one ``INSERT … SELECT`` per source,
``ON CONFLICT DO NOTHING``), the valid 1-h values read back as one array, ranges deleted. What differs between
the databases is in the dialect modules ``sqlite.py`` and ``postgresql.py`` (``dialect()`` picks one)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from types import ModuleType

import numpy as np
from django.db import IntegrityError, connection, transaction

from envgrid.monitoring import standards
from envgrid.monitoring.models import HourlyRollup, Reading, Station
from envgrid.monitoring.rollups import postgresql, sqlite
from envgrid.monitoring.rollups.clock import CHINA_OFFSET_HOURS, day_of, first_hour, hour_datetime
from envgrid.monitoring.rollups.fields import FACTOR_CODES, HOURLY_COLUMNS, HOURLY_SOURCES, POLLUTANTS, USABLE_FLAGS

READINGS = Reading._meta.db_table
HOURS = HourlyRollup._meta.db_table
STATIONS = Station._meta.db_table


def dialect() -> ModuleType:
    """The SQL dialect module of the default database."""
    return postgresql if connection.vendor == "postgresql" else sqlite


def db_time(moment: datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def station_filter(station_ids: Sequence[int] | None) -> str:
    """``AND station_id IN (…)`` with the ids inlined (integers), so the (station, time) indexes serve the range
    and no parameter limit applies."""
    if station_ids is None:
        return ""
    if not station_ids:
        return " AND 1 = 0"
    return f" AND station_id IN ({', '.join(str(int(i)) for i in station_ids)})"


def usable_sql(column: str) -> str:
    """The value of a pollutant column when its HJ 212 data flag is usable (or absent), else NULL."""
    usable = ", ".join(f"'{flag}'" for flag in USABLE_FLAGS)
    return f"CASE WHEN COALESCE({dialect().flag(FACTOR_CODES[column])}, 'N') IN ({usable}) THEN {column} END"


def minimum_sql(statistic: str, default: int, h0: int, h1: int, column: str = "data_time") -> str:
    """The validity minimum of ``statistic`` in force on each hour's (Beijing) day, as a SQL ``CASE`` on the
    hour's time ``column`` over the rule sets that overlap the hours ``h0 <= hour < h1``."""
    lo, hi = day_of((h0 + CHINA_OFFSET_HOURS) // 24), day_of((h1 - 1 + CHINA_OFFSET_HOURS) // 24) + timedelta(days=1)
    literal = dialect().hour_literal
    cases = []
    for version in standards.versions_between("validity", lo, hi):
        minimum = int(standards.validity_minimum(version, statistic, default=default))
        bounds = []
        if version.effective_from > lo:
            bounds.append(f"{column} >= {literal(first_hour(version.effective_from))}")
        if version.effective_to and version.effective_to < hi:
            bounds.append(f"{column} < {literal(first_hour(version.effective_to))}")
        cases.append(f"WHEN {' AND '.join(bounds) or '1 = 1'} THEN {minimum}")
    return f"(CASE {' '.join(cases)} ELSE {int(default)} END)" if cases else str(int(default))


def valid_hour_sql(minutes: Sequence[str], minimum: str) -> str:
    """An hour is valid when some pollutant has usable data and each one that has reaches the 1-h minimum."""
    some = " OR ".join(f"{m} > 0" for m in minutes)
    each = " AND ".join(f"({m} = 0 OR {m} >= {minimum})" for m in minutes)
    return f"CASE WHEN ({some}) AND {each} THEN TRUE ELSE FALSE END"


def insert_device_hours(station_ids: Sequence[int], t0, t1, h0: int, h1: int, *, may_conflict: bool) -> None:
    """Device hourly data (CN 2061) as hours, in the database: one reading is the hour, so nothing to group;
    a value covers 60 minutes when its flag is usable. Hours already written (kept before the retention cutoff)
    are left alone. On SQLite the usable values are materialized once, so each flag is read once per reading.

    Into an emptied range the insert first goes without the conflict clause (it costs a third of the insert on
    PostgreSQL); two device hourly readings labelled within one hour make it fail and go again with it."""
    params: list = [t0, t1]
    where = f"cn = 2061 AND data_time >= %s AND data_time < %s{station_filter(station_ids)}"
    values = [f"v_{c}" for c in POLLUTANTS]
    usable = ", ".join(f"{usable_sql(c)} AS v_{c}" for c in POLLUTANTS)
    minutes = ", ".join(f"CASE WHEN v_{c} IS NOT NULL THEN 60 ELSE 0 END" for c in POLLUTANTS)
    minimum = minimum_sql("1h_mean", 45, h0, h1, column="hour")
    valid = f"CASE WHEN COALESCE({', '.join(values)}) IS NOT NULL AND 60 >= {minimum} THEN TRUE ELSE FALSE END"
    sql = (
        f"WITH r AS {dialect().MATERIALIZED}(SELECT station_id, {dialect().hour_label('data_time')} AS hour, "
        f"{usable} FROM {READINGS} WHERE {where}) "
        f"INSERT INTO {HOURS} ({', '.join(HOURLY_COLUMNS)}) "
        f"SELECT station_id, hour, 2061, 1, {valid}, {', '.join(values)}, {minutes} "
        "FROM r WHERE 1 = 1"
    )
    on_conflict = " ON CONFLICT (station_id, data_time) DO NOTHING"
    with connection.cursor() as cursor:
        if not may_conflict:
            try:
                with transaction.atomic():
                    cursor.execute(sql, params)
                return
            except IntegrityError:
                pass
        cursor.execute(sql + on_conflict, params)


def insert_grouped_hours(cn: int, station_ids: Sequence[int], t0, t1, h0: int, h1: int) -> None:
    """Minute (CN 2051) or real-time (CN 2011) data as hours: the mean of the usable values and their minutes
    (values × the station's interval, at most 60), for hours no better source has written."""
    params: list = [cn, t0, t1]
    where = f"cn = %s AND data_time >= %s AND data_time < %s{station_filter(station_ids)}"
    interval = "CASE WHEN s.interval_minutes >= 1 THEN s.interval_minutes ELSE 1 END"
    least = dialect().least
    grouped = ", ".join(
        f"AVG(v_{c}) AS {c}, {least('60', f'COUNT(v_{c}) * MAX({interval})')} AS minutes_{c}" for c in POLLUTANTS
    )
    values = ", ".join(f"{usable_sql(c)} AS v_{c}" for c in POLLUTANTS)
    minutes = [f"minutes_{c}" for c in POLLUTANTS]
    valid = valid_hour_sql(minutes, minimum_sql("1h_mean", 45, h0, h1, column="hour"))
    sql = (
        f"INSERT INTO {HOURS} ({', '.join(HOURLY_COLUMNS)}) "
        f"SELECT station_id, hour, {int(cn)}, samples, {valid}, {', '.join(POLLUTANTS)}, {', '.join(minutes)} FROM ("
        f"SELECT r.station_id, r.hour, COUNT(*) AS samples, {grouped} FROM ("
        f"SELECT station_id, {dialect().hour_label('data_time')} AS hour, {values} FROM {READINGS} WHERE {where}"
        f") r JOIN {STATIONS} s ON s.id = r.station_id GROUP BY r.station_id, r.hour"
        ") g WHERE 1 = 1 ON CONFLICT (station_id, data_time) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def write_hours(station_ids: Sequence[int], h_start: int, h_end: int, cutoff_hour: int) -> None:
    """Replace the hourly rollups of ``h_start <= hour < h_end`` from the readings, all in the database: device
    hourly data first, then minute data, then real-time data, each only where no better source wrote the hour.
    Before the retention cutoff a stored hour is replaced only by device hourly data: it is kept against what
    is left of its minutes (an hour with no stored rollup is still made from them)."""
    start, end = db_time(hour_datetime(h_start)), db_time(hour_datetime(h_end))
    fresh = max(h_start, min(cutoff_hour, h_end))  # first hour whose stored rollup is always recomputed
    fresh_time = db_time(hour_datetime(fresh))
    delete_range(HOURS, "data_time", fresh_time, end, station_ids)
    if fresh > h_start:
        params: list = [start, fresh_time]
        sql = (
            f"DELETE FROM {HOURS} WHERE data_time >= %s AND data_time < %s"
            f"{station_filter(station_ids)} AND EXISTS (SELECT 1 FROM {READINGS} r WHERE "
            f"r.station_id = {HOURS}.station_id AND r.cn = 2061 "
            f"AND r.data_time = {HOURS}.data_time)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    insert_device_hours(station_ids, start, end, h_start, h_end, may_conflict=fresh > h_start)
    for cn in HOURLY_SOURCES[1:]:
        insert_grouped_hours(cn, station_ids, start, end, h_start, h_end)


def hour_values(station_ids: Sequence[int], h0: int, h1: int) -> np.ndarray:
    """Stored hours of ``h0 <= hour < h1``: (station, epoch hour, then the valid 1-h value of each pollutant)."""
    minimum = minimum_sql("1h_mean", 45, h0, h1)
    values = ", ".join(f"CASE WHEN minutes_{c} >= {minimum} THEN {c} END" for c in POLLUTANTS)
    params: list = [db_time(hour_datetime(h0)), db_time(hour_datetime(h1))]
    sql = (
        f"SELECT station_id, {dialect().epoch_hour('data_time')}, {values} FROM {HOURS} "
        f"WHERE data_time >= %s AND data_time < %s{station_filter(station_ids)}"
    )
    return dialect().fetch_array(sql, params, 2 + len(POLLUTANTS))


def delete_range(table: str, column: str, low, high, station_ids: Sequence[int] | None) -> int:
    """Delete a table's rows of ``low <= column < high`` (of the stations, None: all); returns the rows."""
    params: list = [low, high]
    sql = f"DELETE FROM {table} WHERE {column} >= %s AND {column} < %s{station_filter(station_ids)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
