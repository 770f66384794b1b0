"""Play HJ 212 stations against a receiver: CN 2051 minute data with Flag=5, each upload waiting for its 9014.

Values follow a plausible day in the district: particles higher at night and in the morning rush, NO2 and
CO with the rush hours, O3 peaking in the afternoon, temperature and humidity in opposite phase, plus a
per-station level and noise (seeded by the MN, so a run is repeatable). ``--episode`` drives the first
station through a pollution episode: PM up to five times the usual level for an hour of every three
simulated hours (in a finite run: through its middle third).

``speed`` is simulated minutes per real minute: 1 is real time (one upload per station per minute), 0 sends
as fast as the answers come (the load generator). ``minutes=0`` runs until stopped.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from envgrid.monitoring.hj212.errors import FrameError
from envgrid.monitoring.hj212.packet import build_data_frame, parse_frame

ST_AIR = "22"
FLAG_ACK = 5  # HJ 212-2017, acknowledge required


@dataclass(frozen=True)
class SimStation:
    mn: str
    password: str


@dataclass
class SimResult:
    """What a run did: frames sent, answered, and lost (no answer in time, or the connection failed)."""

    sent: int = 0
    acked: int = 0
    lost: int = 0
    acked_keys: list[tuple[str, datetime]] = field(default_factory=list)
    seconds: float = 0.0

    def describe(self) -> str:
        return f"sent {self.sent}, acknowledged {self.acked}, lost/unacknowledged {self.lost} in {self.seconds:.1f} s"


def _bump(hour: float, centre: float, width: float) -> float:
    distance = min(abs(hour - centre), 24 - abs(hour - centre))
    return math.exp(-((distance / width) ** 2))


def episode_factor(index: int, minutes: int) -> float:
    """How many times the usual PM level the episode station sends at its ``index``-th minute."""
    if minutes:
        start, length = minutes // 3, max(minutes // 3, 1)
        position = index - start
    else:
        start, length = 60, 60
        position = index % 180 - start
    if not 0 <= position < length:
        return 1.0
    return 1.0 + 4.0 * (1 - abs(2 * position / length - 1))  # a triangle up to 5x and back


def station_values(rng: random.Random, level: float, moment: datetime, pm_factor: float = 1.0) -> dict:
    """One minute of ambient-air and weather values for ``moment`` (China time)."""
    hour = moment.hour + moment.minute / 60
    particles = 1 + 0.5 * _bump(hour, 8, 2) + 0.6 * _bump(hour, 23, 3.5) - 0.3 * _bump(hour, 15, 3)
    rush = 1 + 0.6 * _bump(hour, 8, 1.5) + 0.5 * _bump(hour, 18, 1.5)
    sun = _bump(hour, 15, 3.5)

    def noisy(value: float, spread: float = 0.08) -> float:
        return round(max(value * rng.gauss(1, spread), 0.0), 1)

    pm25 = noisy(38 * level * particles * pm_factor)
    return {
        "a34004": {"Avg": pm25, "Flag": "N"},
        "a34002": {"Avg": noisy(pm25 * 1.6 + 12), "Flag": "N"},
        "a21026": {"Avg": noisy(7 * level), "Flag": "N"},
        "a21004": {"Avg": noisy(28 * level * rush), "Flag": "N"},
        "a21005": {"Avg": round(max(0.5 * level * rush * rng.gauss(1, 0.05), 0.05), 3), "Flag": "N"},
        "a05024": {"Avg": noisy(25 + 130 * sun), "Flag": "N"},
        "a01001": {"Avg": round(9 + 7 * math.sin((hour - 9) / 24 * 2 * math.pi) + rng.gauss(0, 0.3), 1), "Flag": "N"},
        "a01002": {"Avg": round(min(95, 55 - 20 * sun + rng.gauss(0, 2)), 1), "Flag": "N"},
        "a01006": {"Avg": round(101.3 + rng.gauss(0, 0.05), 2), "Flag": "N"},
        "a01007": {"Avg": round(abs(1.5 + 1.5 * sun + rng.gauss(0, 0.4)), 1), "Flag": "N"},
        "a01008": {"Avg": round((200 + 40 * math.sin(hour / 3) + rng.gauss(0, 10)) % 360, 0), "Flag": "N"},
    }


async def _read_answer(reader: asyncio.StreamReader, timeout: float) -> bytes:
    async with asyncio.timeout(timeout):  # not wait_for: that makes a task per frame
        return await reader.readuntil(b"\r\n")


async def _play_station(
    host: str,
    port: int,
    station: SimStation,
    *,
    index: int,
    start: datetime,
    minutes: int,
    speed: float,
    episode: bool,
    result: SimResult,
    ack_timeout: float,
    wall_start: float,
    stop: asyncio.Event,
) -> None:
    rng = random.Random(station.mn)
    level = rng.uniform(0.7, 1.4)
    reader = writer = None
    minute = 0
    while not stop.is_set() and (not minutes or minute < minutes):
        if speed:
            delay = wall_start + minute * 60 / speed - time.monotonic()
            if delay > 0:
                try:
                    await asyncio.wait_for(stop.wait(), delay)
                    break
                except TimeoutError:
                    pass
        moment = start + timedelta(minutes=minute)
        factor = episode_factor(minute, minutes) if episode and index == 0 else 1.0
        frame = build_data_frame(
            st=ST_AIR,
            cn="2051",
            pw=station.password,
            mn=station.mn,
            data_time=moment,
            values=station_values(rng, level, moment, factor),
            flag=FLAG_ACK,
            qn=moment + timedelta(seconds=5, milliseconds=index % 1000),
        )
        minute += 1
        result.sent += 1
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            writer.write(frame)
            await writer.drain()
            answer = parse_frame(await _read_answer(reader, ack_timeout))
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, FrameError):
            result.lost += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        if answer.cn == "9014" and answer.mn == station.mn:
            result.acked += 1
            result.acked_keys.append((station.mn, moment))
        else:
            result.lost += 1
    if writer is not None:
        writer.close()


async def simulate(
    host: str,
    port: int,
    stations: list[SimStation],
    *,
    minutes: int,
    speed: float = 0.0,
    episode: bool = False,
    start: datetime | None = None,
    ack_timeout: float = 10.0,
    stop: asyncio.Event | None = None,
) -> SimResult:
    """Play ``stations`` for ``minutes`` simulated minutes (0: until ``stop`` is set); see the module doc."""
    from django.utils import timezone

    if start is None:  # as fast as answered: the minutes up to now, so no data comes from the future
        start = timezone.now().replace(second=0, microsecond=0) - (
            timedelta(0) if speed else timedelta(minutes=minutes)
        )
    stop = stop or asyncio.Event()
    result = SimResult()
    began = time.monotonic()
    await asyncio.gather(
        *(
            _play_station(
                host,
                port,
                station,
                index=index,
                start=start,
                minutes=minutes,
                speed=speed,
                episode=episode,
                result=result,
                ack_timeout=ack_timeout,
                wall_start=began,
                stop=stop,
            )
            for index, station in enumerate(stations)
        )
    )
    result.seconds = time.monotonic() - began
    return result


def generated_mn(number: int) -> str:
    """A deterministic 24-hex MN for the ``number``-th simulated station beyond the registered ones."""
    return f"E5{number:022X}"


# --- ``manage.py hj212 simulate`` ---------------------------------------------------------------------


def add_simulate_arguments(parser) -> None:
    from django.conf import settings

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


def simulate_from_options(
    stdout, *, host: str, port: int, stations: int, minutes: int, speed: float, episode: bool, **options
):
    import signal

    from envgrid.monitoring.models import Station
    from envgrid.monitoring.services import stations_simulated_ensure

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
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        return await simulate(host, port, players, minutes=minutes, speed=speed, episode=episode, stop=stop)

    result = asyncio.run(run())
    stdout.write(result.describe())
    return result
