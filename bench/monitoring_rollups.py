"""Rollups and daily AQI for 100 stations × 1 year of hourly data (issue #4, bench (d)).

Run: ``.venv/bin/python bench/monitoring_rollups.py [--quick] [--postgres URL]``.

A scratch database (SQLite in a temporary directory, or a scratch PostgreSQL database ``envgrid_bench_rollups``
on the server given, dropped afterwards) gets 100 stations and one year of device hourly data (CN 2061, seeded:
diurnal PM and O3 cycles, episodes, 2 % of hours missing, 0.5 % of values flagged). Then, alternately, at
least three times each:

- **EnvGrid**: ``rollups_rebuild`` — hourly rollups with coverage and 1-h validity (in the database, one
  ``INSERT … SELECT`` per source), daily rollups with O3 8-h windows, GB 3095 validity and the daily AQI (NumPy),
  monthly rollups with percentiles — from the readings, in its default configuration (on PostgreSQL months are
  rebuilt by ``rollup_workers()`` connections at once; the one-connection time is printed beside it);
- **plain SQL**: the same GROUP BYs (station-hour means and counts with the same flag test from the readings,
  station-day means of the valid hours, station-month means of the valid days) as ``INSERT … SELECT`` into
  scratch tables on the same database — no AQI, no moving means, no validity beyond the counts;
- **DuckDB**: the same three GROUP BYs over the same rows loaded into an in-memory DuckDB (load time printed
  apart).

The target is EnvGrid no slower than the plain SQL. The hourly AQI (实时报) is not stored: it is computed on
read, so the bench also times the reads that need it (one station's year of hours, every station's latest AQI).
Last, an incremental update: one late hour of one station is changed, marked dirty as the ``readings_stored``
receiver does, and the dirty-hour task runs; the bench prints what was recomputed (it must be that station's
day and month only).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SEED = 20261127
START = date(2025, 7, 1)  # a year across the 2026-03-01 change of standards: each day by its own table


def configure(postgres: str | None) -> str | None:
    os.environ["ENVGRID_DATA_DIR"] = tempfile.mkdtemp(prefix="envgrid-bench-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "envgrid.settings"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ["ENVGRID_MINUTE_RETENTION_DAYS"] = "100000"
    scratch = None
    if postgres:
        import psycopg

        base = postgres.rsplit("/", 1)[0]
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS envgrid_bench_rollups")
            conn.execute("CREATE DATABASE envgrid_bench_rollups")
        os.environ["DATABASE_URL"] = base + "/envgrid_bench_rollups"
        scratch = base
    import django

    django.setup()
    from django.conf import settings

    settings.ENVGRID_MINUTE_RETENTION_DAYS = 100000  # the bench year is history: nothing is purged
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return scratch


def generate(stations: int, days: int) -> dict[str, np.ndarray]:
    """One year of hourly values per station (seeded), as columns."""
    rng = np.random.default_rng(SEED)
    hours = days * 24
    t = np.arange(hours)
    local_hour = (t + 8) % 24
    season = 1 + 0.6 * np.cos(2 * np.pi * t / (365 * 24))  # winter high
    episodes = np.zeros(hours)
    for start in rng.integers(0, hours - 72, 12):
        episodes[start : start + 72] += rng.uniform(40, 150)
    cols: dict[str, np.ndarray] = {}
    base = rng.uniform(0.7, 1.3, (stations, 1))
    diurnal = 1 + 0.3 * np.cos(2 * np.pi * (local_hour - 8) / 24)
    cols["pm25"] = np.round(base * (35 * season * diurnal + episodes) + rng.gamma(2, 4, (stations, hours)), 1)
    cols["pm10"] = np.round(cols["pm25"] * 1.7 + rng.gamma(2, 6, (stations, hours)), 1)
    cols["so2"] = np.round(base * 9 * season + rng.gamma(2, 1.5, (stations, hours)), 1)
    cols["no2"] = np.round(base * 32 * diurnal + rng.gamma(2, 4, (stations, hours)), 1)
    cols["co"] = np.round(base * 0.8 * season + rng.gamma(2, 0.08, (stations, hours)), 2)
    o3_diurnal = np.clip(np.sin(np.pi * (local_hour - 7) / 14), 0, None)
    cols["o3"] = np.round(20 + 160 * o3_diurnal * (2 - season) * base + rng.gamma(2, 5, (stations, hours)), 1)
    cols["missing"] = rng.random((stations, hours)) < 0.02
    cols["flagged"] = rng.random((stations, hours)) < 0.005
    return cols


def load_readings(cols: dict[str, np.ndarray], station_ids: list[int], first_hour: datetime) -> int:
    """Insert the hourly readings as the receiver's raw path does (multi-row, one transaction)."""
    from django.db import connection, transaction

    stations, hours = cols["pm25"].shape
    adapt = connection.ops.adapt_datetimefield_value
    stamps = [adapt(first_hour + timedelta(hours=h)) for h in range(hours)]
    received = adapt(datetime(2026, 11, 27, tzinfo=UTC))
    ok_flags = '{"a34004":"N","a34002":"N","a21026":"N","a21004":"N","a21005":"N","a05024":"N"}'
    bad_flags = '{"a34004":"C","a34002":"N","a21026":"N","a21004":"N","a21005":"N","a05024":"N"}'
    json_marker = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    sql = (
        "INSERT INTO monitoring_reading (station_id, cn, data_time, pm25, pm10, so2, no2, co, o3, flags, extras, "
        f"received_at) VALUES (%s, 2061, %s, %s, %s, %s, %s, %s, %s, {json_marker}, {json_marker}, %s)"
    )
    values = [cols[c].tolist() for c in ("pm25", "pm10", "so2", "no2", "co", "o3")]
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for s, station_id in enumerate(station_ids):
            rows = [
                (
                    station_id,
                    stamps[h],
                    *(v[s][h] for v in values),
                    bad_flags if cols["flagged"][s, h] else ok_flags,
                    "{}",
                    received,
                )
                for h in range(hours)
                if not cols["missing"][s, h]
            ]
            cursor.executemany(sql, rows)
            count += len(rows)
    return count


def clear_rollups() -> None:
    """Empty the rollup tables before a rebuild (not timed), as the plain SQL's tables start empty: TRUNCATE on
    PostgreSQL (a DELETE would leave the dead rows for the next round's inserts to step over)."""
    from django.db import connection, transaction

    tables = ("monitoring_hourlyrollup", "monitoring_dailyrollup", "monitoring_monthlyrollup")
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
            return
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")


def settle() -> None:
    """After the bulk load, leave the database as production keeps it: SQLite gets EnvGrid's nightly ANALYZE,
    PostgreSQL the VACUUM ANALYZE that autovacuum would run (hint bits set, statistics current)."""
    from django.db import connection

    from envgrid.core.maintenance import database_analyze

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        database_analyze()


def run_envgrid(since: date, until: date, workers: int | None = None) -> tuple[float, object]:
    from envgrid.monitoring.rollups import rollups_rebuild

    clear_rollups()
    t0 = time.perf_counter()
    result = rollups_rebuild(since=since, until=until, workers=workers)
    return time.perf_counter() - t0, result


def time_reads(station_ids: list[int], since: date, until: date) -> tuple[float, float, int]:
    """The reads that compute the hourly AQI: one station's hours over the whole range (a year's chart), and
    every station's latest AQI at the end of the range (the map)."""
    from envgrid.monitoring.rollups import hourly_aqi, latest_aqi

    start = datetime(since.year, since.month, since.day, tzinfo=UTC) - timedelta(hours=8)
    end = datetime(until.year, until.month, until.day, tzinfo=UTC) - timedelta(hours=8)
    t0 = time.perf_counter()
    hours = hourly_aqi(station_ids[:1], start, end)
    series = time.perf_counter() - t0
    t0 = time.perf_counter()
    colours = latest_aqi(now=end)
    assert len(colours) == len(station_ids), f"latest AQI for {len(colours)} of {len(station_ids)} stations"
    return series, time.perf_counter() - t0, len(hours)


def plain_sql_statements(vendor: str) -> list[str]:
    """The same GROUP BYs as plain SQL: hours from readings, days from valid hours, months from valid days."""
    if vendor == "postgresql":
        hour = "CAST(FLOOR(EXTRACT(EPOCH FROM data_time) / 3600) AS BIGINT)"
        flag = "(flags ->> '{code}')"
    else:
        hour = "CAST(strftime('%s', data_time) AS INTEGER) / 3600"
        flag = "json_extract(flags, '$.{code}')"
    codes = {"pm25": "a34004", "pm10": "a34002", "so2": "a21026", "no2": "a21004", "co": "a21005", "o3": "a05024"}
    hour_cols = ", ".join(
        f"SUM(CASE WHEN {c} IS NOT NULL AND COALESCE({flag.format(code=k)}, 'N') = 'N' THEN {c} END) AS s_{c}, "
        f"COUNT(CASE WHEN {c} IS NOT NULL AND COALESCE({flag.format(code=k)}, 'N') = 'N' THEN 1 END) AS n_{c}"
        for c, k in codes.items()
    )
    day_cols = ", ".join(
        f"AVG(CASE WHEN n_{c} > 0 THEN s_{c} / n_{c} END) AS {c}, COUNT(CASE WHEN n_{c} > 0 THEN 1 END) AS h_{c}"
        for c in codes
    )
    month_cols = ", ".join(
        f"AVG(CASE WHEN h_{c} >= 20 THEN {c} END) AS {c}, COUNT(CASE WHEN h_{c} >= 20 THEN 1 END)" for c in codes
    )
    hour_names = ", ".join(f"s_{c}, n_{c}" for c in codes)
    day_names = ", ".join(f"{c}, h_{c}" for c in codes)
    month_names = ", ".join(f"{c}, d_{c}" for c in codes)
    real = "DOUBLE" if vendor == "duckdb" else "DOUBLE PRECISION" if vendor == "postgresql" else "REAL"
    return [
        "DROP TABLE IF EXISTS bench_hour",
        "DROP TABLE IF EXISTS bench_day",
        "DROP TABLE IF EXISTS bench_month",
        # keyed like the rollup tables: one row per (station, period)
        "CREATE TABLE bench_hour (station_id INTEGER, hour BIGINT, samples INTEGER, "
        + ", ".join(f"s_{c} {real}, n_{c} INTEGER" for c in codes)
        + ", PRIMARY KEY (station_id, hour))",
        "CREATE TABLE bench_day (station_id INTEGER, day BIGINT, "
        + ", ".join(f"{c} {real}, h_{c} INTEGER" for c in codes)
        + ", PRIMARY KEY (station_id, day))",
        "CREATE TABLE bench_month (station_id INTEGER, month BIGINT, "
        + ", ".join(f"{c} {real}, d_{c} INTEGER" for c in codes)
        + ", PRIMARY KEY (station_id, month))",
        f"INSERT INTO bench_hour (station_id, hour, samples, {hour_names}) SELECT station_id, {hour} AS hour, "
        f"COUNT(*), {hour_cols} FROM monitoring_reading WHERE cn IN (2061, 2051, 2011) GROUP BY station_id, hour",
        f"INSERT INTO bench_day (station_id, day, {day_names}) SELECT station_id, (hour + 8) / 24, {day_cols} "
        "FROM bench_hour GROUP BY station_id, (hour + 8) / 24",
        f"INSERT INTO bench_month (station_id, month, {month_names}) SELECT station_id, day / 30, {month_cols} "
        "FROM bench_day GROUP BY station_id, day / 30",
    ]


def run_plain_sql(expected_groups: int) -> float:
    from django.db import connection, transaction

    statements = plain_sql_statements(connection.vendor)
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            # No parameters: the driver gets the text as is (strftime('%s') stays '%s'; doubling it to '%%s'
            # made SQLite's hour 0 for every reading, one group per station instead of one per station-hour).
            cursor.execute(sql)
        cursor.execute("SELECT COUNT(*) FROM bench_hour")
        groups = cursor.fetchone()[0]
    elapsed = time.perf_counter() - t0
    assert groups >= expected_groups, f"plain SQL made {groups} station-hours, expected {expected_groups}"
    return elapsed


def duckdb_load():
    """Copy the same readings into an in-memory DuckDB through a CSV file (flags kept as JSON text)."""
    import csv

    import duckdb
    from django.db import connection

    path = Path(tempfile.mkdtemp(prefix="envgrid-duck-")) / "readings.csv"
    flags = "CAST(flags AS TEXT)" if connection.vendor == "postgresql" else "flags"
    with connection.cursor() as cursor, path.open("w", newline="") as out:
        cursor.execute(
            f"SELECT station_id, cn, data_time, pm25, pm10, so2, no2, co, o3, {flags} FROM monitoring_reading"
        )
        writer = csv.writer(out)
        while rows := cursor.fetchmany(50_000):
            writer.writerows(rows)
    db = duckdb.connect()
    db.execute(
        "CREATE TABLE monitoring_reading AS SELECT * FROM read_csv(?, header = false, columns = {"
        "'station_id': 'INTEGER', 'cn': 'INTEGER', 'data_time': 'TIMESTAMPTZ', 'pm25': 'DOUBLE', 'pm10': 'DOUBLE', "
        "'so2': 'DOUBLE', 'no2': 'DOUBLE', 'co': 'DOUBLE', 'o3': 'DOUBLE', 'flags': 'VARCHAR'})",
        [str(path)],
    )
    path.unlink()
    return db


def run_duckdb(db) -> float:
    hour = "CAST(FLOOR(epoch(data_time) / 3600) AS BIGINT)"  # noqa: S608
    statements = plain_sql_statements("duckdb")
    statements = [
        s.replace("CAST(strftime('%s', data_time) AS INTEGER) / 3600", hour)
        .replace("json_extract(flags, '$.", "json_extract_string(flags, '$.")
        .replace("(hour + 8) / 24", "(hour + 8) // 24")
        .replace("day / 30", "day // 30")
        .replace("s_pm25 / n_pm25", "s_pm25 / n_pm25")
        for s in statements
    ]
    t0 = time.perf_counter()
    for sql in statements:
        db.execute(sql)
    return time.perf_counter() - t0


def incremental(station_id: int, late_hour: datetime) -> tuple[float, object]:
    from django.db import connection

    from envgrid.monitoring.models import Reading
    from envgrid.monitoring.rollups import rollups_mark_dirty, rollups_process_dirty

    Reading.objects.filter(station_id=station_id, cn=2061, data_time=late_hour).update(pm25=250.0)
    rollups_mark_dirty(readings=[(station_id, 2061, late_hour)])
    t0 = time.perf_counter()
    result = rollups_process_dirty()
    elapsed = time.perf_counter() - t0
    del connection
    return elapsed, result


def line(name: str, values: list[float], unit: str = "s") -> str:
    return f"{name:<48} median {statistics.median(values):8.3f} {unit}  min {min(values):8.3f}  max {max(values):8.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 stations × 60 days")
    parser.add_argument("--postgres", metavar="URL", help="e.g. postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    scratch = configure(args.postgres)
    from django.db import connection

    from envgrid.monitoring.models import DailyRollup, HourlyRollup, MonthlyRollup, Station

    n_stations, n_days = (20, 60) if args.quick else (100, 365)
    factors = {
        "a34004": "ug/m3",
        "a34002": "ug/m3",
        "a21026": "ug/m3",
        "a21004": "ug/m3",
        "a21005": "mg/m3",
        "a05024": "ug/m3",
    }
    Station.objects.bulk_create(
        Station(mn=f"BENCH{n:019d}", password="1", name=f"bench {n}", lon=113.6, lat=34.7, factors=factors)
        for n in range(n_stations)
    )
    ids = list(Station.objects.order_by("pk").values_list("pk", flat=True))
    first_hour = datetime(START.year, START.month, START.day, tzinfo=UTC) - timedelta(hours=8)
    cols = generate(n_stations, n_days)
    t0 = time.perf_counter()
    count = load_readings(cols, ids, first_hour)
    print(
        f"backend {connection.vendor}; {n_stations} stations × {n_days} days: {count:,} hourly readings "
        f"loaded in {time.perf_counter() - t0:.1f} s"
    )
    settle()
    until = START + timedelta(days=n_days)

    from envgrid.monitoring.rollups import rollup_workers

    parallel = connection.vendor == "postgresql" and rollup_workers() > 1
    envgrid_times, serial_times, plain_times, duck_times = [], [], [], []
    db = None
    load_t0 = time.perf_counter()
    try:
        db = duckdb_load()
        print(f"duckdb: same rows loaded in {time.perf_counter() - load_t0:.1f} s (not in the figure)")
    except ImportError as exc:
        print(f"duckdb: not available ({exc})")
    result = None
    for _ in range(args.rounds):
        if parallel:
            serial_times.append(run_envgrid(START, until, workers=1)[0])
        elapsed, result = run_envgrid(START, until)
        envgrid_times.append(elapsed)
        plain_times.append(run_plain_sql(HourlyRollup.objects.count()))
        if db is not None:
            duck_times.append(run_duckdb(db))
    valid_days = DailyRollup.objects.filter(valid=True).count()
    print(
        f"rollups written: {HourlyRollup.objects.count():,} hours, {DailyRollup.objects.count():,} days, "
        f"{MonthlyRollup.objects.count():,} months; valid days {valid_days:,}"
    )
    label = f"EnvGrid rollups + daily AQI ({rollup_workers() if parallel else 1} conn.)"
    print(line(label, envgrid_times))
    if serial_times:
        print(line("EnvGrid rollups + daily AQI (1 connection)", serial_times))
    print(line("plain SQL GROUP BY hour/day/month (same DB)", plain_times))
    if duck_times:
        print(line("DuckDB GROUP BY hour/day/month (in memory)", duck_times))
    rows_per_s = count / statistics.median(envgrid_times)
    print(f"EnvGrid throughput: {rows_per_s:,.0f} readings/s")

    series, latest, n_hours = time_reads(ids, START, until)
    print(
        f"hourly AQI on read: one station's {n_hours:,} hours {series:.3f} s; latest AQI of {n_stations} "
        f"stations (the map) {latest:.3f} s"
    )

    late = first_hour + timedelta(days=n_days // 2, hours=10)  # 10:00 Beijing of a mid-year day
    inc_times = []
    for _ in range(args.rounds):
        elapsed, inc = incremental(ids[n_stations // 2], late)
        inc_times.append(elapsed)
    print(line("incremental: one late hour → dirty task", inc_times))
    print(
        f"incremental recomputed: station-days {sorted((s, d.isoformat()) for s, d in inc.station_days)}; "
        f"{inc.hours} hourly rows, {inc.days} daily rows, {inc.months} monthly rows"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:,.0f} MB")
    if duck_times:
        print(f"DuckDB vs plain SQL: {statistics.median(plain_times) / statistics.median(duck_times):.1f}× faster")
    ratio = statistics.median(plain_times) / statistics.median(envgrid_times)
    print(f"HEADLINE EnvGrid rollups vs plain SQL GROUP BY: {ratio:.2f}× (≥ 1.0 is the target)")
    del result
    if scratch:
        import psycopg

        connection.close()
        with psycopg.connect(scratch + "/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS envgrid_bench_rollups")


if __name__ == "__main__":
    main()
