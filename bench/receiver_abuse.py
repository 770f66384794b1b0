"""HJ 212 receiver under abuse (issue 11, must-show): honest stations' stored readings/s with and without attackers.

Run: ``.venv/bin/python bench/receiver_abuse.py [--quick] [--postgres URL]``.

Setup as ``bench/monitoring_receiver.py`` (whose machinery this reuses): a fresh database with 500 stations,
``manage.py hj212 serve`` in its own process, the 500 stations played from this process on loopback
(127.0.0.1), each waiting for its 9014 answer, as fast as answered. Rounds alternate: without attackers,
then with them, each a warm-up and a measured window on new data times. The attackers, from other loopback
addresses (127.0.0.2, 127.0.0.3), run beside the stations in this process:

- garbage: 1 MB of ``##x`` reject garbage, reconnecting whenever the receiver closes the connection;
- guesser: wrong passwords for the MN of a station that is uploading, one connection per guess, reconnecting;
- idle: 300 sockets opened at once, half of them dripping a byte every 2 s.

They start once the stations are connected and warm, in a process of their own at the lowest CPU priority
(``nice 19``): attackers run on other machines, and on this 2-core machine their own CPU time would otherwise be
taken from the simulator and the receiver and measured as the receiver's slowdown.

The receiver runs with its production defaults except: ``HJ212_MAX_CONNECTIONS_PER_PEER=600`` (the 500 honest
stations share one address here), ``HJ212_MAX_CONNECTIONS=700`` and ``HJ212_IDLE_SECONDS=2`` (so the idle
sockets meet both the cap and the timeout within a short window).

Printed: the honest stations' stored readings/s in both kinds of round and their ratio (target >= 0.8), frames
lost and acknowledged-but-not-stored (must be 0), rejected-frame rows written beside the attacking connections
(target <= 1 row per attacking connection burst), what became of the attacks, and the receiver's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from monitoring_receiver import SPAN, STATIONS, Window, free_port, fresh_postgres, peak_rss_mb, start_receiver  # noqa: E402

GARBAGE_BYTES = 1_000_000
IDLE_SOCKETS = 300
RECEIVER_ENV = {"HJ212_MAX_CONNECTIONS_PER_PEER": "600", "HJ212_MAX_CONNECTIONS": "700", "HJ212_IDLE_SECONDS": "2"}


@dataclass
class Attack:
    """What the attackers did in one round."""

    garbage_sent: int = 0
    garbage_connections: int = 0
    guesses: int = 0
    guess_connections: int = 0  # accepted (the rest were refused at once: the address was backed off)
    guess_refused: int = 0
    idle_opened: int = 0
    idle_refused: int = 0
    idle_closed: int = 0
    cpu_seconds: float = 0.0  # the attackers' own process


async def _closed_by_peer(reader: asyncio.StreamReader, timeout: float) -> bool:
    try:
        return await asyncio.wait_for(reader.read(4096), timeout) == b""
    except (TimeoutError, ConnectionError, RuntimeError):
        return False


async def garbage(port: int, attack: Attack, stop: asyncio.Event) -> None:
    chunk = b"##x" * 5000  # 15 kB
    while attack.garbage_sent < GARBAGE_BYTES and not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=("127.0.0.2", 0))
        except OSError:
            await asyncio.sleep(0.05)
            continue
        attack.garbage_connections += 1
        try:
            while attack.garbage_sent < GARBAGE_BYTES and not reader.at_eof():
                writer.write(chunk)
                await writer.drain()
                attack.garbage_sent += len(chunk)
                if await _closed_by_peer(reader, 0.01):
                    break
        except (ConnectionError, RuntimeError):  # RuntimeError: uvloop's write to a closed transport
            pass
        writer.close()


async def guesser(port: int, mn: str, attack: Attack, stop: asyncio.Event) -> None:
    from envgrid.monitoring.hj212.packet import CHINA, build_data_frame

    rng = random.Random(212)
    while not stop.is_set():
        guess = f"{rng.randrange(10**6):06d}"
        data = build_data_frame(
            st="22",
            cn="2051",
            pw=guess,
            mn=mn,
            data_time=datetime(2019, 1, 1, tzinfo=CHINA),
            values={"a34004": {"Avg": 999.0, "Flag": "N"}},
            flag=5,
        )
        attack.guesses += 1
        writer = None
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=("127.0.0.3", 0))
            writer.write(data)
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(4096), 2)
        except (OSError, TimeoutError, RuntimeError):
            answer = None
        if answer == b"":  # closed by the receiver at the wrong password (or the MN's back-off)
            attack.guess_connections += 1
        else:  # reset at once: the address is backed off (or the connection caps are reached)
            attack.guess_refused += 1
        if writer is not None:
            writer.close()
        await asyncio.sleep(0.02)


async def idle(port: int, attack: Attack, stop: asyncio.Event) -> None:
    async def one(n: int) -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=("127.0.0.4", 0))
        except OSError:
            attack.idle_refused += 1
            return
        attack.idle_opened += 1
        try:
            while not stop.is_set():
                if n % 2:
                    writer.write(b"#")  # the slow drip
                if await _closed_by_peer(reader, 2.0):
                    attack.idle_closed += 1
                    return
        except (ConnectionError, RuntimeError):
            attack.idle_closed += 1
        finally:
            writer.close()

    await asyncio.gather(*(one(n) for n in range(IDLE_SOCKETS)))


async def attack_for(port: int, mn: str, begin: float, end: float) -> Attack:
    """The three attackers from wall-clock time ``begin`` to ``end`` (the garbage one stops once its 1 MB is sent)."""
    attack, stop = Attack(), asyncio.Event()
    await asyncio.sleep(max(0.0, begin - time.time()))
    cpu = time.process_time()
    asyncio.get_running_loop().call_later(max(0.0, end - time.time()), stop.set)
    await asyncio.gather(garbage(port, attack, stop), guesser(port, mn, attack, stop), idle(port, attack, stop))
    attack.cpu_seconds = time.process_time() - cpu
    return attack


def attack_main(port: int, mn: str, begin: float, end: float, loop: str) -> None:
    """``--attack``: run the attackers in this process (their own event loop and CPU time, as separate clients
    would be), then print what they did as JSON for the bench process."""
    os.nice(19)  # real attackers run on their own machines: here they take only CPU time nobody else wants
    import django

    django.setup()  # the environment is the bench process's (database, settings module, secret key)
    from envgrid.monitoring.receiver import loop_factory

    with asyncio.Runner(loop_factory=loop_factory(loop)) as runner:
        attack = runner.run(attack_for(port, mn, begin, end))
    print(json.dumps(vars(attack)))


def start_attackers(port: int, mn: str, begin: float, end: float, loop: str) -> subprocess.Popen:
    command = [sys.executable, __file__, "--attack", f"{port},{mn},{begin},{end}", "--loop", loop]
    return subprocess.Popen(command, stdout=subprocess.PIPE, env={**os.environ, "LOG_LEVEL": "ERROR"})


async def play_round(port, players, seconds, warmup, start, window, attacked: bool, loop_kind: str):
    """Play the stations for ``warmup + seconds``; with ``attacked``, the attackers (in their own process, started
    now so that it is ready) attack during the measured window, once the stations are connected and warm."""
    from envgrid.monitoring.simulator import SimResult, simulate

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    result = SimResult()
    attackers: list[subprocess.Popen] = []
    if attacked:  # players[0] is one of the uploading stations: its password is the one guessed
        attackers.append(
            start_attackers(port, players[0].mn, time.time() + warmup, time.time() + warmup + seconds, loop_kind)
        )

    def begin() -> None:
        window.mark(result)

    def end() -> None:
        window.mark(result)
        stop.set()

    loop.call_later(warmup, begin)
    loop.call_later(warmup + seconds, end)
    sim = await simulate("127.0.0.1", port, players, minutes=10**6, speed=0, start=start, stop=stop, result=result)
    attack = None
    if attackers:
        out, _ = await loop.run_in_executor(None, attackers[0].communicate)
        attack = Attack(**json.loads(out.decode().strip().splitlines()[-1]))
    return sim, attack


def run_backend(label: str, database_url: str, args) -> float:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "envgrid.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from envgrid.monitoring.models import Reading, ReceiverStat, RejectedFrame, Station
    from envgrid.monitoring.receiver import loop_factory
    from envgrid.monitoring.simulator import SimStation, stations_simulated_ensure

    call_command("migrate", "monitoring", verbosity=0, interactive=False)
    stations = stations_simulated_ensure(count=STATIONS)
    players = [SimStation(s.mn, s.password) for s in stations]
    mn_ids = dict(Station.objects.values_list("mn", "id"))
    connections.close_all()

    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "ERROR", **RECEIVER_ENV}
    receiver = start_receiver(env, port, args.loop)
    rates = {False: [], True: []}
    cpu = {False: [], True: []}  # receiver CPU µs per acknowledged honest frame
    lost = missing = acked = 0
    rows = attacking_connections = 0
    attacks: list[Attack] = []
    rss_clean = 0.0
    base = datetime(2020, 1, 1, tzinfo=UTC)
    try:
        for number in range(2 * args.rounds):
            attacked = number % 2 == 1
            start = base + 2 * SPAN * number
            window = Window(receiver.pid)
            rows_before = RejectedFrame.objects.count()
            with asyncio.Runner(loop_factory=loop_factory(args.loop)) as runner:
                result, attack = runner.run(
                    play_round(port, players, args.seconds, args.warmup, start, window, attacked, args.loop)
                )
            rates[attacked].append(window.rate)
            cpu[attacked].append(window.receiver_cpu / max(window.frames, 1) * 1e6)
            lost += result.lost
            acked += result.acked
            stored = set(
                Reading.objects.filter(data_time__gte=start, data_time__lt=start + SPAN).values_list(
                    "station_id", "data_time"
                )
            )
            missing += sum((mn_ids[mn], moment) not in stored for mn, moment in result.acked_keys)
            if attacked:
                time.sleep(5.5)  # the receiver's housekeeping flushes the last bursts and saves its counters
                defences = dict(ReceiverStat.objects.get().defences)
                print(f"  [{label}] receiver's defences since start: {defences}")
                rows += RejectedFrame.objects.count() - rows_before
                by_code = Counter(RejectedFrame.objects.order_by("-pk")[:rows].values_list("code", flat=True))
                print(f"  [{label}] rejected-frame rows by reason: {dict(by_code)}")
                attacking_connections += attack.garbage_connections + attack.guesses + attack.idle_opened
                attacks.append(attack)
            else:
                rss_clean = max(rss_clean, peak_rss_mb(receiver.pid))
            connections.close_all()
            print(
                f"  [{label}] round {number + 1} ({'with' if attacked else 'without'} attackers): honest stations "
                f"{window.rate:,.0f} readings/s stored, {result.lost} frames lost",
                flush=True,
            )
    finally:
        rx_rss = peak_rss_mb(receiver.pid)
        receiver.send_signal(signal.SIGTERM)
        receiver.wait(30)
    clean, attacked_rate = statistics.median(rates[False]), statistics.median(rates[True])
    ratio = attacked_rate / clean
    print(f"[{label}] honest stations' stored readings/s: without attackers {clean:,.0f}, with {attacked_rate:,.0f}")
    print(
        f"[{label}] receiver CPU per honest frame: {statistics.median(cpu[False]):.0f} us without attackers, "
        f"{statistics.median(cpu[True]):.0f} us with; attackers' own CPU "
        f"{sum(a.cpu_seconds for a in attacks):.1f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"[{label}] frames acknowledged {acked:,}, lost {lost}, acknowledged but not stored {missing}")
    for n, a in enumerate(attacks, 1):
        print(
            f"[{label}] attack {n}: garbage {a.garbage_sent / 1e6:.2f} MB over {a.garbage_connections} connections; "
            f"{a.guesses} password guesses, each on its own connection; idle sockets "
            f"{a.idle_opened} opened, {a.idle_refused} refused, {a.idle_closed} seen closed by the receiver"
        )
    print(
        f"[{label}] rejected-frame rows written in attacked rounds: {rows:,} for {attacking_connections:,} attacking "
        f"connections ({rows / max(attacking_connections, 1):.2f} per connection burst, target <= 1)"
    )
    print(f"[{label}] receiver peak RSS: {rss_clean:.0f} MB after the first clean round, {rx_rss:.0f} MB in all")
    print(f"[{label}] ratio with / without attackers: {ratio:.2f} (target >= 0.8)")
    if lost or missing:
        raise SystemExit(f"[{label}] FAILED: {lost} lost, {missing} acknowledged but not stored")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="One round of each kind, 8 s measured (under a minute).")
    parser.add_argument("--seconds", type=float, default=None, help="Measured part of a round (default 10, quick 8).")
    parser.add_argument("--warmup", type=float, default=2.0, help="Seconds of each round before the measured part.")
    parser.add_argument("--rounds", type=int, default=None, help="Rounds of each kind (default 3, quick 1).")
    parser.add_argument("--postgres", default="", help="Run on this PostgreSQL database (dropped and created).")
    parser.add_argument("--loop", choices=("auto", "uvloop", "asyncio"), default="auto", help="Event loop.")
    parser.add_argument("--attack", default="", help=argparse.SUPPRESS)  # PORT,MN,SECONDS: the attackers' process
    args = parser.parse_args()
    if args.attack:
        port, mn, begin, end = args.attack.split(",")
        attack_main(int(port), mn, float(begin), float(end), args.loop)
        return
    args.seconds = args.seconds or (8.0 if args.quick else 10.0)
    args.rounds = args.rounds or (1 if args.quick else 3)
    print(
        f"HJ 212 receiver under abuse: {STATIONS} stations, {args.rounds} round(s) without and with attackers, "
        f"{args.warmup:g} s warm-up + {args.seconds:g} s measured"
    )
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")  # settings require one (issue 11, item 2)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ENVGRID_DATA_DIR"] = tmp
        if args.postgres:
            fresh_postgres(args.postgres)
            label, ratio = "postgresql", run_backend("postgresql", args.postgres, args)
        else:
            label, ratio = "sqlite", run_backend("sqlite", f"sqlite:///{tmp}/bench.sqlite3", args)
    print(f"HEADLINE [{label}]: honest stored readings/s with attackers = {ratio:.2f} × without (target >= 0.8)")


if __name__ == "__main__":
    main()
