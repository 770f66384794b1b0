"""``manage.py hj212 simulate``: the stations to play (registering generated MNs when more are asked for than
are registered) and the run from the command line."""

from __future__ import annotations

import asyncio
import signal
import threading

from django.conf import settings

from envgrid.monitoring.models import Station
from envgrid.monitoring.receiver import LOOPS, loop_factory
from envgrid.monitoring.services import station_create
from envgrid.monitoring.simulator.player import SimResult, SimStation, simulate


def generated_mn(number: int) -> str:
    """A deterministic 24-hex MN for the ``number``-th simulated station beyond the registered ones."""
    return f"E5{number:022X}"


def stations_simulated_ensure(*, count: int, lon: float = 0.0, lat: float = 0.0) -> list[Station]:
    """Make sure ``count`` active stations exist, registering generated MNs (``E5…``) for the simulator."""
    stations = list(Station.objects.filter(is_active=True).order_by("mn")[:count])
    number = 0
    known = set(Station.objects.values_list("mn", flat=True))
    while len(stations) < count:
        number += 1
        mn = generated_mn(number)
        if mn in known:
            continue
        stations.append(
            station_create(mn=mn, password=f"sim{number:06d}", name=f"Simulated station {number}", lon=lon, lat=lat)
        )
    return stations


def add_simulate_arguments(parser) -> None:
    parser.add_argument("--host", default=settings.HJ212_HOST, help="The receiver's address (default: HJ212_HOST).")
    parser.add_argument(
        "--port", type=int, default=settings.HJ212_PORT, help="The receiver's port (default: HJ212_PORT)."
    )
    parser.add_argument(
        "--stations",
        type=int,
        default=0,
        help="How many stations to play (default: every active one); beyond those, generated MNs are registered.",
    )
    parser.add_argument("--minutes", type=int, default=60, help="Simulated minutes per station; 0 runs until stopped.")
    parser.add_argument(
        "--speed",
        type=float,
        default=0.0,
        help="Simulated minutes per real minute: 1 is real time, 0 (default) is as fast as answered.",
    )
    parser.add_argument("--episode", action="store_true", help="Drive the first station through a pollution episode.")
    parser.add_argument("--loop", choices=LOOPS, default="auto", help="Event loop: uvloop if installed (auto).")


def simulate_from_options(
    stdout,
    *,
    host: str,
    port: int,
    stations: int,
    minutes: int,
    speed: float,
    episode: bool,
    loop: str = "auto",
    **options,
):
    if stations:
        rows = stations_simulated_ensure(count=stations)
    else:
        rows = list(Station.objects.filter(is_active=True).order_by("mn"))
    players = [SimStation(row.mn, row.password) for row in rows]
    stdout.write(
        f"Simulating {len(players)} stations against {host}:{port}, "
        f"{minutes or 'endless'} minutes, speed {speed or 'max'}."
    )
    stdout.flush()

    async def run() -> SimResult:
        stop = asyncio.Event()
        running = asyncio.get_running_loop()
        if threading.current_thread() is threading.main_thread():  # signals reach the main thread only
            for sig in (signal.SIGTERM, signal.SIGINT):
                running.add_signal_handler(sig, stop.set)
        return await simulate(host, port, players, minutes=minutes, speed=speed, episode=episode, stop=stop)

    with asyncio.Runner(loop_factory=loop_factory(loop)) as runner:
        result = runner.run(run())
    stdout.write(result.describe())
    return result
