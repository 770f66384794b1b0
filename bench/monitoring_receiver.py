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
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
STATIONS = 500
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


def start_receiver(env: dict, port: int, loop: str) -> subprocess.Popen:
    log = tempfile.TemporaryFile()
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
            loop,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    log.seek(0)
    raise SystemExit("receiver did not start: " + log.read().decode()[-2000:])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Window:
    """Acknowledged frames and CPU seconds at the start and end of a round's measured window."""

    def __init__(self, receiver_pid: int):
        self.receiver_pid = receiver_pid
        self.marks: list[tuple[float, int, float, float]] = []

    def mark(self, result) -> None:
        self.marks.append((time.monotonic(), result.acked, cpu_seconds(self.receiver_pid), time.process_time()))

    @property
    def frames(self) -> int:
        return self.marks[1][1] - self.marks[0][1]

    @property
    def rate(self) -> float:
        return self.frames / (self.marks[1][0] - self.marks[0][0])

    @property
    def receiver_cpu(self) -> float:
        return self.marks[1][2] - self.marks[0][2]

    @property
    def simulator_cpu(self) -> float:
        return self.marks[1][3] - self.marks[0][3]


async def timed_simulation(port: int, players, seconds: float, warmup: float, start: datetime, window: Window):
    """Play the stations for ``warmup + seconds``; the window is the last ``seconds`` (all connected, warm)."""
    from envgrid.monitoring.simulator import SimResult, simulate

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    result = SimResult()
    loop.call_later(warmup, window.mark, result)

    def end() -> None:
        window.mark(result)
        stop.set()

    loop.call_later(warmup + seconds, end)
    return await simulate("127.0.0.1", port, players, minutes=10**6, speed=0, start=start, stop=stop, result=result)


def round_rows(start: datetime) -> list[list[tuple]]:
    """The readings the receiver stored in a round (data times from ``start`` on), grouped by transaction:
    a batch's rows share their ``received_at`` (one per ``readings_store`` call)."""
    from django.db import connection

    from envgrid.monitoring.choices import READING_COLUMNS

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT station_id, cn, data_time, {', '.join(READING_COLUMNS)}, flags, extras, received_at "
            "FROM monitoring_reading WHERE data_time >= %s AND data_time < %s ORDER BY received_at, id",
            [connection.ops.adapt_datetimefield_value(start), connection.ops.adapt_datetimefield_value(start + SPAN)],
        )
        rows = cursor.fetchall()
    batches: list[list[tuple]] = []
    last = object()
    for row in rows:
        if row[-1] != last:
            batches.append([])
            last = row[-1]
        batches[-1].append(row)
    return batches


def bare_insert(batches: list[list[tuple]], shift: timedelta, *, one_transaction: bool) -> float:
    """Rows per second of a plain ``executemany`` of the given rows (data times moved by ``shift`` so they
    are new) into monitoring_reading: in one transaction, or one transaction per receiver batch."""
    from django.db import connection, transaction

    from envgrid.monitoring.choices import READING_COLUMNS

    adapt = connection.ops.adapt_datetimefield_value
    postgres = connection.vendor == "postgresql"

    def prepared(row: tuple) -> tuple:
        data_time = row[2] if isinstance(row[2], datetime) else datetime.fromisoformat(row[2])
        if data_time.tzinfo is None:  # SQLite: naive UTC
            data_time = data_time.replace(tzinfo=UTC)
        return (row[0], row[1], adapt(data_time + shift), *row[3:])

    groups = [[prepared(row) for row in batch] for batch in batches]
    if one_transaction:
        groups = [[row for group in groups for row in group]]
    marker = "%s::jsonb" if postgres else "%s"
    sql = (
        f"INSERT INTO monitoring_reading (station_id, cn, data_time, {', '.join(READING_COLUMNS)}, flags, extras, "
        f"received_at) VALUES ({', '.join(['%s'] * (len(READING_COLUMNS) + 3))}, {marker}, {marker}, %s)"
    )
    if postgres:  # psycopg hands back jsonb columns as dicts
        groups = [[(*row[:-3], json.dumps(row[-3]), json.dumps(row[-2]), row[-1]) for row in group] for group in groups]
    count = sum(map(len, groups))
    began = time.perf_counter()
    for group in groups:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, group)
    return count / (time.perf_counter() - began)


SPAN = timedelta(days=100)  # a round's data times: [start, start + SPAN); the baseline's: the next SPAN


def run_backend(label: str, database_url: str, args) -> float:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "envgrid.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)  # settings require a key; a bench has no install
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from envgrid.monitoring.models import Reading, Station
    from envgrid.monitoring.receiver import loop_factory
    from envgrid.monitoring.simulator import SimStation, stations_simulated_ensure

    call_command("migrate", "monitoring", verbosity=0, interactive=False)  # and what it depends on
    stations = stations_simulated_ensure(count=STATIONS)
    players = [SimStation(s.mn, s.password) for s in stations]
    mn_ids = dict(Station.objects.values_list("mn", "id"))
    connections.close_all()

    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    receiver = start_receiver(env, port, args.loop)
    rates_rx, rates_batched, rates_one, batch_sizes = [], [], [], []
    lost_total = missing_total = acked_total = window_frames = 0
    rx_cpu = sim_cpu = 0.0
    base = datetime(2020, 1, 1, tzinfo=UTC)
    try:
        for round_number in range(args.rounds):
            start = base + 2 * SPAN * round_number
            window = Window(receiver.pid)
            with asyncio.Runner(loop_factory=loop_factory(args.loop)) as runner:
                result = runner.run(timed_simulation(port, players, args.seconds, args.warmup, start, window))
            rates_rx.append(window.rate)
            window_frames += window.frames
            rx_cpu += window.receiver_cpu
            sim_cpu += window.simulator_cpu
            lost_total += result.lost
            acked_total += result.acked
            stored = set(
                Reading.objects.filter(data_time__gte=start, data_time__lt=start + SPAN).values_list(
                    "station_id", "data_time"
                )
            )
            missing_total += sum((mn_ids[mn], moment) not in stored for mn, moment in result.acked_keys)
            batches = round_rows(start)
            batch_sizes += [len(batch) for batch in batches]
            # the baseline: the same rows, alternately in the receiver's transactions and in one
            for one in (round_number % 2 == 0, round_number % 2 == 1):
                rate = bare_insert(batches, SPAN * (1.5 if one else 1), one_transaction=one)
                (rates_one if one else rates_batched).append(rate)
            connections.close_all()
            print(
                f"  [{label}] round {round_number + 1}: receiver {rates_rx[-1]:,.0f}/s; bare executemany "
                f"{rates_batched[-1]:,.0f}/s in the receiver's transactions, {rates_one[-1]:,.0f}/s in one",
                flush=True,
            )
    finally:
        rx_rss = peak_rss_mb(receiver.pid)
        receiver.send_signal(signal.SIGTERM)
        receiver.wait(30)
    ratio = statistics.median(rates_rx) / statistics.median(rates_batched)
    ratio_one = statistics.median(rates_rx) / statistics.median(rates_one)

    def line(name, values):
        med, low, high = statistics.median(values), min(values), max(values)
        print(f"[{label}] {name}: median {med:,.0f}/s (min {low:,.0f}, max {high:,.0f})")

    line("receiver stored readings", rates_rx)
    line("bare executemany, the same rows in the receiver's transactions", rates_batched)
    line("bare executemany, the same rows in one transaction", rates_one)
    print(
        f"[{label}] receiver transactions: {len(batch_sizes):,}, mean {statistics.mean(batch_sizes):.0f} readings "
        f"(median {statistics.median(batch_sizes):.0f}, max {max(batch_sizes)})"
    )
    print(
        f"[{label}] frames acknowledged {acked_total:,}, lost {lost_total}, acknowledged but not stored {missing_total}"
    )
    print(
        f"[{label}] CPU per acknowledged frame in the measured windows: "
        f"receiver {rx_cpu / window_frames * 1e6:.0f} us, "
        f"simulator {sim_cpu / window_frames * 1e6:.0f} us; load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs; event loop {args.loop}"
    )
    print(
        f"[{label}] peak RSS: bench {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
        f"receiver {rx_rss:.0f} MB"
    )
    print(f"[{label}] ratio receiver / bare executemany in one transaction: {ratio_one:.2f}")
    print(f"[{label}] ratio receiver / bare executemany in the receiver's transactions: {ratio:.2f} (target >= 0.33)")
    if lost_total or missing_total:
        raise SystemExit(f"[{label}] FAILED: {lost_total} lost, {missing_total} acknowledged but not stored")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 s rounds (under a minute in all).")
    parser.add_argument("--seconds", type=float, default=None, help="Measured part of a round (default 10, quick 3).")
    parser.add_argument("--warmup", type=float, default=1.0, help="Seconds of each round before the measured part.")
    parser.add_argument("--rounds", type=int, default=3, help="Receiver rounds, each followed by its baseline.")
    parser.add_argument(
        "--postgres", default="", help="Run on this PostgreSQL database (dropped and created) instead of SQLite."
    )
    parser.add_argument(
        "--loop", choices=("auto", "uvloop", "asyncio"), default="auto", help="Event loop of both sides."
    )
    args = parser.parse_args()
    args.seconds = args.seconds or (3.0 if args.quick else 10.0)
    print(
        f"HJ 212 receiver bench: {STATIONS} stations, CN 2051 with Flag=5, {args.rounds} rounds of "
        f"{args.warmup:g} s warm-up + {args.seconds:g} s measured"
    )
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ENVGRID_DATA_DIR"] = tmp
        if args.postgres:
            fresh_postgres(args.postgres)
            label, ratio = "postgresql", run_backend("postgresql", args.postgres, args)
        else:
            label, ratio = "sqlite", run_backend("sqlite", f"sqlite:///{tmp}/bench.sqlite3", args)
    print(
        f"HEADLINE [{label}]: receiver stored readings/s = {ratio:.2f} × a bare executemany of the same rows in the "
        "same transactions (target >= 0.33)"
    )


if __name__ == "__main__":
    main()
