"""The load generator: simulated stations playing HJ 212 CN 2051 minute data with Flag=5 against a receiver,
each upload waiting for its 9014.

Each station is an ``asyncio.Protocol`` driven by callbacks, not a coroutine over streams: the load generator
shares the CPU with the receiver it measures, and a stream round trip (write, drain, readuntil, a timeout
scope) costs several times the work of the frame itself. For the same reason the values come from
``station_value_block`` (the model of ``station_values``, vectorised over blocks of minutes), and the frame is
one ``%`` format of a per-station template.
"""

from __future__ import annotations

import asyncio
import random
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from envgrid.monitoring.hj212.errors import FrameError
from envgrid.monitoring.hj212.packet import build_frame, format_china_time, parse_frame
from envgrid.monitoring.simulator.values import DECIMALS, FACTORS, episode_factor, station_value_block

ST_AIR = "22"
FLAG_ACK = 5  # HJ 212-2017 §6.3.2 Table 3: version 1, acknowledge required


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


BLOCK_MINUTES = 240  # values computed per station at a time (NumPy's cost is per call, not per value)
_RETRY_SECONDS = 0.5  # after a refused connection, before the next try


def _frame_template(station: SimStation) -> str:
    """The station's CN 2051 segment with ``%`` slots for QN, DataTime and the values (flags all N)."""
    mn, pw = station.mn.replace("%", "%%"), station.password.replace("%", "%%")
    items = ";".join(
        f"{code}-Avg=%.{decimals}f,{code}-Flag=N" for code, decimals in zip(FACTORS, DECIMALS, strict=True)
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
