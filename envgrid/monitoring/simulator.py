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
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from envgrid.monitoring.hj212.errors import FrameError
from envgrid.monitoring.hj212.packet import CHINA, build_frame, format_china_time, parse_frame

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


# --- the load generator ---------------------------------------------------------------------------------
#
# Each station is an ``asyncio.Protocol`` driven by callbacks, not a coroutine over streams: the load
# generator shares the CPU with the receiver it measures, and a stream round trip (write, drain, readuntil,
# a timeout scope) costs several times the work of the frame itself. For the same reason the values come
# from ``station_value_block`` (the model of ``station_values``, vectorised over blocks of minutes), and
# the frame is one ``%`` format of a per-station template.

FACTORS = ("a34004", "a34002", "a21026", "a21004", "a21005", "a05024", "a01001", "a01002", "a01006", "a01007", "a01008")
_DECIMALS = (1, 1, 1, 1, 3, 1, 1, 1, 2, 1, 0)
BLOCK_MINUTES = 240  # values computed per station at a time (NumPy's cost is per call, not per value)
_RETRY_SECONDS = 0.5  # after a refused connection, before the next try


def _bumps(hours, centre: float, width: float):
    import numpy as np

    distance = np.abs(hours - centre)
    distance = np.minimum(distance, 24 - distance)
    return np.exp(-((distance / width) ** 2))


def station_value_block(rng, level: float, first: datetime, pm_factors):
    """``station_values`` for ``len(pm_factors)`` consecutive minutes from ``first`` (China time), at once.

    The same model (diurnal shapes, noise, rounding), computed with NumPy over the block; ``rng`` is a
    ``numpy.random.Generator``. A float array: rows are minutes, columns ``FACTORS``.
    """
    import numpy as np

    local = first.astimezone(CHINA)
    count = len(pm_factors)
    hours = (local.hour + local.minute / 60 + local.second / 3600 + np.arange(count) / 60) % 24
    particles = 1 + 0.5 * _bumps(hours, 8, 2) + 0.6 * _bumps(hours, 23, 3.5) - 0.3 * _bumps(hours, 15, 3)
    rush = 1 + 0.6 * _bumps(hours, 8, 1.5) + 0.5 * _bumps(hours, 18, 1.5)
    sun = _bumps(hours, 15, 3.5)
    noise = rng.standard_normal((len(FACTORS), count))

    def noisy(value, row: int, spread: float = 0.08):
        return np.round(np.maximum(value * (1 + spread * noise[row]), 0.0), 1)

    pm25 = noisy(38 * level * particles * np.asarray(pm_factors, dtype=float), 0)
    columns = [
        pm25,
        noisy(pm25 * 1.6 + 12, 1),
        noisy(np.full(count, 7 * level), 2),
        noisy(28 * level * rush, 3),
        np.round(np.maximum(0.5 * level * rush * (1 + 0.05 * noise[4]), 0.05), 3),
        noisy(25 + 130 * sun, 5),
        np.round(9 + 7 * np.sin((hours - 9) / 24 * 2 * np.pi) + 0.3 * noise[6], 1),
        np.round(np.minimum(95, 55 - 20 * sun + 2 * noise[7]), 1),
        np.round(101.3 + 0.05 * noise[8], 2),
        np.round(np.abs(1.5 + 1.5 * sun + 0.4 * noise[9]), 1),
        np.round((200 + 40 * np.sin(hours / 3) + 10 * noise[10]) % 360, 0),
    ]
    return np.column_stack(columns)


def _frame_template(station: SimStation) -> str:
    """The station's CN 2051 segment with ``%`` slots for QN, DataTime and the values (flags all N)."""
    mn, pw = station.mn.replace("%", "%%"), station.password.replace("%", "%%")
    items = ";".join(
        f"{code}-Avg=%.{decimals}f,{code}-Flag=N" for code, decimals in zip(FACTORS, _DECIMALS, strict=True)
    )
    return f"QN=%s;ST={ST_AIR};CN=2051;PW={pw};MN={mn};Flag={FLAG_ACK};CP=&&DataTime=%s;{items}&&"


class _Clock:
    """The HJ 212 texts of each simulated minute, shared by all the stations of a run."""

    def __init__(self, start: datetime):
        self.start = start.replace(microsecond=0)
        self._texts: dict[int, tuple[str, str]] = {}

    def texts(self, minute: int) -> tuple[str, str]:
        """``(DataTime, QN without its milliseconds)``: the minute, and 5 s into it (as the devices do)."""
        texts = self._texts.get(minute)
        if texts is None:
            if len(self._texts) > 4 * BLOCK_MINUTES:
                self._texts.clear()
            moment = self.start + timedelta(minutes=minute)
            texts = self._texts[minute] = (
                format_china_time(moment),
                format_china_time(moment + timedelta(seconds=5)),
            )
        return texts


class _Run:
    """What the stations of one ``simulate`` call share."""

    def __init__(self, loop, host, port, *, clock, minutes, speed, episode, result, ack_timeout, stop):
        self.loop = loop
        self.host, self.port = host, port
        self.clock = clock
        self.minutes = minutes
        self.speed = speed
        self.episode = episode
        self.result = result
        self.ack_timeout = ack_timeout
        self.stop = stop
        self.wall_start = time.monotonic()
        self.active = 0
        self.done = loop.create_future()


class _Link(asyncio.Protocol):
    """One TCP connection of a simulated station: cuts the answers at CR LF and hands them over."""

    def __init__(self, player: _Player):
        self.player = player
        self.transport: asyncio.Transport | None = None
        self.buffer = b""

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        player = self.player
        while True:
            end = buffer.find(b"\r\n")
            if end < 0:
                break
            answer, buffer = buffer[: end + 2], buffer[end + 2 :]
            if player.waiting and player.link is self:
                player.answered(answer)
        self.buffer = buffer[-2048:]  # a peer sending junk without CR LF does not grow it

    def connection_lost(self, exc) -> None:
        self.player.unlinked(self)


class _Player:
    """One simulated station: send a minute, wait for its 9014, send the next (or wait for its time)."""

    def __init__(self, run: _Run, station: SimStation, index: int):
        import numpy as np

        self.run = run
        self.station = station
        self.index = index
        self.level = random.Random(station.mn).uniform(0.7, 1.4)
        self.rng = np.random.default_rng(zlib.crc32(station.mn.encode()))
        self.template = _frame_template(station)
        self.ack_head = f"ST=91;CN=9014;PW={station.password};MN={station.mn};Flag={FLAG_ACK & ~3};CP=&&&&"
        self.millis = f"{index % 1000:03d}"
        self.minute = 0
        self.block = None  # NumPy array of the values of minutes block_start, block_start + 1, …
        self.block_start = 0
        self.link: _Link | None = None
        self.transport: asyncio.Transport | None = None
        self.waiting = False  # a frame is out and its answer not yet in
        self.deadline = 0.0
        self.expected = b""
        self.moment_minute = 0
        self.acked_minutes: list[int] = []
        self.handle: asyncio.Handle | None = None
        self.finished = False

    # --- sending ---------------------------------------------------------------------------------------

    def next(self) -> None:
        """Send the next minute now, at its time (real-time runs), or finish."""
        run = self.run
        if self.finished:
            return
        if run.stop.is_set() or (run.minutes and self.minute >= run.minutes):
            self.finish()
            return
        if run.speed:
            delay = run.wall_start + self.minute * 60 / run.speed - time.monotonic()
            if delay > 0:
                self.handle = run.loop.call_later(delay, self.send)
                return
        self.send()

    def send(self) -> None:
        self.handle = None
        if self.finished:
            return
        if self.transport is None or self.transport.is_closing():
            self.link = self.transport = None
            self.run.loop.create_task(self.connect_and_send())
            return
        minute = self.minute
        self.minute += 1
        offset = minute - self.block_start
        if self.block is None or not 0 <= offset < len(self.block):
            self.refill(minute)
            offset = 0
        data_time, qn_second = self.run.clock.texts(minute)
        qn = qn_second + self.millis
        frame = build_frame(self.template % (qn, data_time, *self.block[offset].tolist()))
        self.expected = build_frame(f"QN={qn};{self.ack_head}")
        self.moment_minute = minute
        self.waiting = True
        self.deadline = self.run.loop.time() + self.run.ack_timeout
        self.run.result.sent += 1
        self.transport.write(frame)

    def refill(self, minute: int) -> None:
        run = self.run
        count = min(BLOCK_MINUTES, 2 * len(self.block)) if self.block is not None else 16  # short runs stay cheap
        if run.minutes:
            count = max(1, min(count, run.minutes - minute))
        if run.episode and self.index == 0:
            factors = [episode_factor(m, run.minutes) for m in range(minute, minute + count)]
        else:
            factors = [1.0] * count
        self.block = station_value_block(self.rng, self.level, run.clock.start + timedelta(minutes=minute), factors)
        self.block_start = minute

    async def connect_and_send(self) -> None:
        run = self.run
        try:
            _, link = await run.loop.create_connection(lambda: _Link(self), run.host, run.port)
        except OSError:
            run.result.sent += 1  # the upload this connection was for is lost
            run.result.lost += 1
            self.minute += 1
            if not self.finished:
                self.handle = run.loop.call_later(_RETRY_SECONDS, self.next)
            return
        if self.finished:
            link.transport.close()
            return
        self.linked(link)
        self.send()

    # --- answers ---------------------------------------------------------------------------------------

    def linked(self, link: _Link) -> None:
        self.link = link
        self.transport = link.transport

    def unlinked(self, link: _Link) -> None:
        if link is not self.link:  # an old connection, already given up
            return
        self.link = self.transport = None
        if self.waiting:  # the upload in flight is lost; carry on with the next minute (reconnecting)
            self.waiting = False
            self.run.result.lost += 1
            self.next()

    def answered(self, answer: bytes) -> None:
        result = self.run.result
        self.waiting = False
        if answer == self.expected or self.answer_matches(answer):
            result.acked += 1
            self.acked_minutes.append(self.moment_minute)  # made into result.acked_keys at the end of the run
        else:
            result.lost += 1
        self.next()

    def answer_matches(self, answer: bytes) -> bool:
        """Not the answer built here byte for byte: accept any valid 9014 for this station and upload."""
        try:
            packet = parse_frame(answer)
        except FrameError:
            return False
        expected = parse_frame(self.expected)
        return (packet.cn, packet.mn, packet.qn) == ("9014", self.station.mn, expected.qn)

    def timed_out(self) -> None:
        self.waiting = False
        self.run.result.lost += 1
        if self.transport is not None:
            self.transport.abort()  # a late answer must not be taken for the next upload's
        self.link = self.transport = None
        self.next()

    def finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        if self.handle is not None:
            self.handle.cancel()
        if self.transport is not None:
            self.transport.close()
        self.run.active -= 1
        if not self.run.active and not self.run.done.done():
            self.run.done.set_result(None)


async def _watch(run: _Run, players: list[_Player]) -> None:
    """Time out unanswered uploads (checked a few times per ``ack_timeout``)."""
    tick = min(0.5, run.ack_timeout / 4)
    while True:
        await asyncio.sleep(tick)
        now = run.loop.time()
        for player in players:
            if player.waiting and now > player.deadline:
                player.timed_out()


async def _finish_when_stopped(run: _Run, players: list[_Player]) -> None:
    """Once ``stop`` is set, stations not waiting for an answer finish; the others after their answer."""
    await run.stop.wait()
    for player in players:
        if not player.waiting:
            player.finish()


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
    result: SimResult | None = None,
) -> SimResult:
    """Play ``stations`` for ``minutes`` simulated minutes (0: until ``stop`` is set); see the module doc.

    The counts go to ``result`` (a new ``SimResult`` if none is given: pass one to watch them as they grow)."""
    from django.utils import timezone

    if start is None:  # as fast as answered: the minutes up to now, so no data comes from the future
        start = timezone.now().replace(second=0, microsecond=0) - (
            timedelta(0) if speed else timedelta(minutes=minutes)
        )
    stop = stop or asyncio.Event()
    result = result if result is not None else SimResult()
    began = time.monotonic()
    loop = asyncio.get_running_loop()
    run = _Run(
        loop,
        host,
        port,
        clock=_Clock(start),
        minutes=minutes,
        speed=speed,
        episode=episode,
        result=result,
        ack_timeout=ack_timeout,
        stop=stop,
    )
    players = [_Player(run, station, index) for index, station in enumerate(stations)]
    run.active = len(players)
    if not players:
        run.done.set_result(None)
    for player in players:
        player.next()
    watchers = [loop.create_task(_watch(run, players)), loop.create_task(_finish_when_stopped(run, players))]
    try:
        await run.done
    finally:
        for watcher in watchers:
            watcher.cancel()
        for player in players:
            player.finish()
            mn, first = player.station.mn, run.clock.start
            result.acked_keys += [(mn, first + timedelta(minutes=minute)) for minute in player.acked_minutes]
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
    parser.add_argument(
        "--loop", choices=("auto", "uvloop", "asyncio"), default="auto", help="Event loop: uvloop if installed (auto)."
    )


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
    import signal
    import threading

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
        running = asyncio.get_running_loop()
        if threading.current_thread() is threading.main_thread():  # signals reach the main thread only
            for sig in (signal.SIGTERM, signal.SIGINT):
                running.add_signal_handler(sig, stop.set)
        return await simulate(host, port, players, minutes=minutes, speed=speed, episode=episode, stop=stop)

    from envgrid.monitoring.receiver import loop_factory

    with asyncio.Runner(loop_factory=loop_factory(loop)) as runner:
        result = runner.run(run())
    stdout.write(result.describe())
    return result
