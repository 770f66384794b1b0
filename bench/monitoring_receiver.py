"""HJ 212 receiver end to end (issue 4, must-show (c)): stored readings/s beside a bare executemany.

Run: ``.venv/bin/python bench/monitoring_receiver.py [--quick] [--postgres URL]``.

Setup: a fresh database, migrated, with 500 registered stations: a temporary SQLite file, or with
``--postgres postgres://…/NAME`` a PostgreSQL database NAME, dropped and created (one backend per run).
The receiver runs as ``manage.py hj212 serve`` in its own process (as in production); the simulator in
this process plays 500 stations on loopback, each sending CN 2051 minute data (11 factors with flags,
Flag=5) and waiting for the 9014 answer before the next frame, as fast as answered, for a bounded time.

Figures, in alternating rounds (3; each on new data times):
(a) receiver: readings stored per second (frames acknowledged / wall time of the round);
(b) baseline: a bare ``executemany`` of rows of the same shape into the same table (monitoring_reading,
    with its unique index), one transaction, as many rows as (a) stored;
then zero frames lost, and every acknowledged frame found in the table. The last line is (a)/(b)
(target >= 1/3). Peak RSS of this process and of the receiver are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
STATIONS = 500
LOOP = os.environ.get("BENCH_LOOP", "auto")
PROFILE = os.environ.get("BENCH_RX_PROFILE", "")  # a file name: profile the receiver process into it


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_postgres(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def start_receiver(env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            *(["-m", "cProfile", "-o", PROFILE] if PROFILE else []),
            "manage.py",
            "hj212",
            "serve",
            "--port",
            str(port),
            "--loop",
            LOOP,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("receiver did not start: " + process.stderr.read().decode()[-2000:])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def timed_simulation(port: int, players, seconds: float, start: datetime):
    from envgrid.monitoring.simulator import simulate

    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(seconds, stop.set)
    return await simulate("127.0.0.1", port, players, minutes=10**6, speed=0, start=start, stop=stop)


def bare_insert(station_ids: list[int], count: int, start: datetime) -> float:
    """Rows per second of a plain executemany of ``count`` readings into monitoring_reading, one transaction."""
    from django.db import connection, transaction

    from envgrid.monitoring.choices import READING_COLUMNS

    flags = json.dumps({code: "N" for code in ("a34004", "a34002", "a21026", "a21004", "a21005", "a05024")})
    adapt = connection.ops.adapt_datetimefield_value
    now = adapt(datetime.now(start.tzinfo))
    rows = []
    for index in range(count):
        minute, station = divmod(index, len(station_ids))
        values = [round(20 + (index * 7919 % 1000) / 10, 1) for _ in READING_COLUMNS]
        rows.append((station_ids[station], 2051, adapt(start + timedelta(minutes=minute)), *values, flags, "{}", now))
    marker = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    sql = (
        f"INSERT INTO monitoring_reading (station_id, cn, data_time, {', '.join(READING_COLUMNS)}, flags, extras, "
        f"received_at) VALUES ({', '.join(['%s'] * (len(READING_COLUMNS) + 3))}, {marker}, {marker}, %s)"
    )
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return count / (time.perf_counter() - began)


def run_backend(label: str, database_url: str, args) -> float:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "envgrid.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from envgrid.monitoring.models import Reading, Station
    from envgrid.monitoring.services import stations_simulated_ensure
    from envgrid.monitoring.simulator import SimStation

    call_command("migrate", "monitoring", verbosity=0, interactive=False)  # and what it depends on
    stations = stations_simulated_ensure(count=STATIONS)
    players = [SimStation(s.mn, s.password) for s in stations]
    mn_ids = dict(Station.objects.values_list("mn", "id"))
    connections.close_all()

    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    receiver = start_receiver(env, port)
    rates_rx, rates_bare, lost_total, missing_total, acked_total = [], [], 0, 0, 0
    rx_cpu_round = sim_cpu_round = 0.0
    base = datetime(2020, 1, 1, tzinfo=datetime.now().astimezone().tzinfo)
    try:
        for round_number in range(3):
            start = base + timedelta(days=200 * round_number)
            from envgrid.monitoring.receiver import loop_factory

            rx_cpu0, sim_cpu0 = cpu_seconds(receiver.pid), time.process_time()
            with asyncio.Runner(loop_factory=loop_factory(args.loop)) as runner:
                result = runner.run(timed_simulation(port, players, args.seconds, start))
            rx_cpu_round += cpu_seconds(receiver.pid) - rx_cpu0
            sim_cpu_round += time.process_time() - sim_cpu0
            rates_rx.append(result.acked / result.seconds)
            lost_total += result.lost
            acked_total += result.acked
            stored = set(
                Reading.objects.filter(data_time__gte=start, data_time__lt=start + timedelta(days=100)).values_list(
                    "station_id", "data_time"
                )
            )
            missing_total += sum((mn_ids[mn], moment) not in stored for mn, moment in result.acked_keys)
            bare_start = start + timedelta(days=100)
            rates_bare.append(bare_insert(list(mn_ids.values()), max(result.acked, 1000), bare_start))
            connections.close_all()
            print(f"  [{label}] round {round_number + 1}: receiver {rates_rx[-1]:,.0f}/s, bare {rates_bare[-1]:,.0f}/s")
    finally:
        rx_rss = peak_rss_mb(receiver.pid)
        rx_cpu = cpu_seconds(receiver.pid)
        receiver.send_signal(signal.SIGTERM)
        receiver.wait(30)
    ratio = statistics.median(rates_rx) / statistics.median(rates_bare)

    def line(name, values):
        med, low, high = statistics.median(values), min(values), max(values)
        print(f"[{label}] {name}: median {med:,.0f}/s (min {low:,.0f}, max {high:,.0f})")

    line("receiver stored readings", rates_rx)
    line("bare executemany", rates_bare)
    print(
        f"[{label}] frames acknowledged {acked_total:,}, lost {lost_total}, acknowledged but not stored {missing_total}"
    )
    print(
        f"[{label}] peak RSS: bench {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
        f"receiver {rx_rss:.0f} MB; CPU seconds: bench (simulator + baseline) {time.process_time():.1f}, "
        f"receiver {rx_cpu:.1f}"
    )
    print(
        f"[{label}] CPU per acknowledged frame during the rounds: receiver {rx_cpu_round / acked_total * 1e6:.0f} us, "
        f"simulator {sim_cpu_round / acked_total * 1e6:.0f} us; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"[{label}] ratio receiver / bare executemany: {ratio:.2f} (target >= 0.33)")
    if lost_total or missing_total:
        raise SystemExit(f"[{label}] FAILED: {lost_total} lost, {missing_total} acknowledged but not stored")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 s rounds (under a minute in all).")
    parser.add_argument("--seconds", type=float, default=None, help="Length of a receiver round (default 10, quick 3).")
    parser.add_argument(
        "--postgres", default="", help="Run on this PostgreSQL database (dropped and created) instead of SQLite."
    )
    args = parser.parse_args()
    args.loop = LOOP
    args.seconds = args.seconds or (3.0 if args.quick else 10.0)
    print(f"HJ 212 receiver bench: {STATIONS} stations, CN 2051 with Flag=5, rounds of {args.seconds:.0f} s")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ENVGRID_DATA_DIR"] = tmp
        if args.postgres:
            fresh_postgres(args.postgres)
            label, ratio = "postgresql", run_backend("postgresql", args.postgres, args)
        else:
            label, ratio = "sqlite", run_backend("sqlite", f"sqlite:///{tmp}/bench.sqlite3", args)
    print(f"headline [{label}]: receiver stored readings/s as a fraction of a bare executemany: {ratio:.2f}")


if __name__ == "__main__":
    main()
