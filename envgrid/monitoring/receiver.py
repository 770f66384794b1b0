"""The HJ 212 receiver: an asyncio TCP server that answers uploads only once their data is committed.

Per connection (an ``asyncio.Protocol``, cheaper per frame than streams): a ``FrameSplitter`` cuts the
byte stream, ``parse_frame`` (strict) checks each frame, MN and PW are checked against an in-memory copy of
the stations (refreshed every ``cache_seconds``), and a ``SplitReassembler`` merges PNUM/PNO messages.
Good packets and refusals go to ONE writer task, which takes whatever has queued up (at most
``batch_size`` packets, waiting ``linger`` seconds for more) and runs ``readings_store`` in one worker
thread (a one-thread pool: one database connection), so the event loop never waits on the disk and a
slow disk makes batches bigger instead of stalling connections. Each queued packet remembers its
connection, and the writer writes the 9014 answer (Flag bit A) only after the batch holding the packet
is committed: an acknowledged upload is always stored. SIGTERM/SIGINT stop accepting and reading, store
what was taken, answer it, then close.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import close_old_connections, connections
from django.utils import timezone

from envgrid.monitoring.choices import BAD_PASSWORD, INACTIVE_STATION, UNKNOWN_MN
from envgrid.monitoring.hj212.errors import FrameError
from envgrid.monitoring.hj212.packet import Packet, build_data_ack, parse_frame
from envgrid.monitoring.hj212.stream import FrameSplitter, SplitReassembler
from envgrid.monitoring.selectors import station_credentials
from envgrid.monitoring.services import Reject, frames_reject, readings_store, receiver_stat_save

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class _Item:
    packet: Packet | None
    reject: Reject | None
    connection: _Connection | None


class _Connection(asyncio.Protocol):
    """One device connection: framing, parsing and authentication as bytes arrive; answers once committed."""

    def __init__(self, receiver: Receiver):
        self.receiver = receiver
        self.splitter = FrameSplitter()
        self.reassembler = SplitReassembler()
        self.transport: asyncio.Transport | None = None
        self.peer = ""
        self.closed = False
        self.last_active = time.monotonic()

    def connection_made(self, transport) -> None:
        self.transport = transport
        address = transport.get_extra_info("peername")
        self.peer = f"{address[0]}:{address[1]}" if isinstance(address, tuple) else str(address)
        self.receiver._opened(self)

    def data_received(self, data: bytes) -> None:
        self.last_active = time.monotonic()
        take = self.receiver._take
        for item in self.splitter.feed(data):
            take(item, self)
        if len(self.reassembler):
            for error in self.reassembler.expire():
                self.receiver._reject(error.code, error.message, self.peer, b"")

    def connection_lost(self, exc) -> None:
        self.closed = True
        for error in self.splitter.finish():
            self.receiver._reject(error.code, error.message, self.peer, error.raw)
        self.receiver._closed(self)

    def answer(self, frames: list[bytes]) -> None:
        if not self.closed and frames:
            self.transport.write(b"".join(frames))


class Receiver:
    """One HJ 212 receiver; ``await run()`` serves until ``stop()`` (or a signal, with ``handle_signals``)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 9212,
        *,
        batch_size: int = 500,
        linger: float = 0.002,
        cache_seconds: float = 30.0,
        stat_seconds: float = 5.0,
        idle_timeout: float = 600.0,
    ):
        self.host, self.port = host, port
        self.batch_size = batch_size
        self.linger = linger
        self.cache_seconds = cache_seconds
        self.stat_seconds = stat_seconds
        self.idle_timeout = idle_timeout
        self.stations: dict = {}
        self.counters = Counter()
        self.rejects = Counter()
        self.started = asyncio.Event()
        self._queue: asyncio.Queue[_Item] | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hj212-writer")
        self._stopping: asyncio.Event | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[_Connection] = set()
        self._paused: set[_Connection] = set()
        self.max_queued = 20 * batch_size  # beyond this, connections stop being read until the writer catches up
        self._started_at = timezone.now()

    # --- life cycle ----------------------------------------------------------------------------------

    async def run(self, *, handle_signals: bool = False) -> None:
        self._stopping = asyncio.Event()
        self._queue = asyncio.Queue()
        loop = asyncio.get_running_loop()
        if handle_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self._stopping.set)
        await self._refresh_stations()
        self._server = await loop.create_server(lambda: _Connection(self), self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        writer = asyncio.create_task(self._writer())
        housekeeping = asyncio.create_task(self._housekeeping())
        self.started.set()
        logger.info("HJ 212 receiver listening on %s:%s", self.host, self.port)
        try:
            await self._stopping.wait()
        finally:
            self._server.close()
            housekeeping.cancel()
            for connection in list(self._connections):  # take nothing more; what was taken is stored and answered
                connection.transport.pause_reading()
            self._queue.put_nowait(_Item(None, None, None))  # the writer's stop mark, after everything queued
            await writer
            for connection in list(self._connections):
                connection.transport.close()
            await self._save_stats()
            await loop.run_in_executor(self._executor, connections.close_all)
            self._executor.shutdown(wait=True)

    def stop(self) -> None:
        """Ask ``run`` to stop (from another thread: through ``loop.call_soon_threadsafe``)."""
        if self._stopping is not None:
            self._stopping.set()

    # --- connections ---------------------------------------------------------------------------------

    def _opened(self, connection: _Connection) -> None:
        self._connections.add(connection)
        self.counters["connections_total"] += 1
        self.counters["connections_open"] += 1

    def _closed(self, connection: _Connection) -> None:
        self._connections.discard(connection)
        self._paused.discard(connection)
        self.counters["connections_open"] -= 1

    def _take(self, item: bytes | FrameError, connection: _Connection) -> None:
        """Check one frame from the splitter; queue it for the writer or as a refusal."""
        peer = connection.peer
        if isinstance(item, FrameError):
            self._reject(item.code, item.message, peer, item.raw)
            return
        self.counters["frames_total"] += 1
        try:
            packet = parse_frame(item)
        except FrameError as error:
            self._reject(error.code, error.message, peer, item)
            return
        station = self.stations.get(packet.mn)
        if station is None:
            self._reject(UNKNOWN_MN, f"MN {packet.mn[:40]!r} is not a registered station", peer, item, packet.mn)
            return
        if station.password != packet.pw:
            self._reject(BAD_PASSWORD, f"wrong password for MN {packet.mn}", peer, item, packet.mn)
            return
        if not station.is_active:
            self._reject(INACTIVE_STATION, f"station {packet.mn} is not active", peer, item, packet.mn)
            return
        try:
            whole = connection.reassembler.add(packet)
        except FrameError as error:
            self._reject(error.code, error.message, peer, item, packet.mn)
            return
        if whole is not None:
            self._queue.put_nowait(_Item(whole, None, connection))
            if self._queue.qsize() > self.max_queued and not connection.closed:
                connection.transport.pause_reading()  # the disk is behind: stop taking, let TCP push back
                self._paused.add(connection)

    def _reject(self, code: str, message: str, peer: str, raw: bytes, mn: str = "") -> None:
        self.rejects[str(code)] += 1
        self._queue.put_nowait(_Item(None, Reject(str(code), message, peer, mn, raw, timezone.now()), None))

    # --- the writer ----------------------------------------------------------------------------------

    async def _writer(self) -> None:
        loop = asyncio.get_running_loop()
        queue = self._queue
        stopping = False
        while not stopping:
            batch = [await queue.get()]
            if self.linger and queue.qsize() < self.batch_size:
                await asyncio.sleep(self.linger)  # let the answers just sent bring the next uploads in
            while len(batch) < self.batch_size and not queue.empty():
                batch.append(queue.get_nowait())
            items = [item for item in batch if item.packet is not None or item.reject is not None]
            stopping = len(items) < len(batch)
            if items:
                await self._write(loop, items)
            if self._paused and queue.qsize() < self.max_queued // 2 and not self._stopping.is_set():
                for connection in self._paused:
                    if not connection.closed:
                        connection.transport.resume_reading()
                self._paused.clear()

    async def _write(self, loop, items: list[_Item]) -> None:
        """Store one batch in the writer thread, then answer the accepted packets that asked for it."""
        stored = [item for item in items if item.packet is not None]
        rejects = [item.reject for item in items if item.reject is not None]
        try:
            result = await loop.run_in_executor(self._executor, self._store, stored, rejects)
        except Exception:  # the database is down or refuses: answer nothing, the devices resend
            logger.exception("HJ 212 receiver: storing a batch of %s packets failed", len(stored))
            return
        if result is None:
            return
        answers: dict[_Connection, list[bytes]] = {}
        for accepted, item in zip(result.accepted, stored, strict=True):
            if accepted:
                packet = item.packet
                frames = [build_data_ack(part) for part in packet.parts or (packet,) if part.needs_ack]
                if frames:
                    answers.setdefault(item.connection, []).extend(frames)
        for connection, frames in answers.items():
            connection.answer(frames)
        self.counters["readings_stored"] += result.stored
        self.counters["duplicates"] += result.duplicates
        for reject in result.rejects:
            self.rejects[reject.code] += 1

    def _store(self, items: list[_Item], rejects: list[Reject]):
        close_old_connections()
        if rejects:
            frames_reject(rejects)
        if not items:
            return None
        return readings_store([item.packet for item in items], peers=[item.connection.peer for item in items])

    # --- housekeeping --------------------------------------------------------------------------------

    async def _housekeeping(self) -> None:
        last_refresh = time.monotonic()
        last_frames, last_time = 0, time.monotonic()
        while True:
            await asyncio.sleep(self.stat_seconds)
            now = time.monotonic()
            frames = self.counters["frames_total"]
            self.counters["frames_per_minute"] = round((frames - last_frames) * 60 / max(now - last_time, 1e-6), 1)
            last_frames, last_time = frames, now
            for connection in [c for c in self._connections if now - c.last_active > self.idle_timeout]:
                connection.transport.close()
            try:
                if now - last_refresh >= self.cache_seconds:
                    await self._refresh_stations()
                    last_refresh = now
                await self._save_stats()
            except Exception:
                logger.exception("HJ 212 receiver housekeeping failed")

    async def _refresh_stations(self) -> None:
        loop = asyncio.get_running_loop()
        self.stations = await loop.run_in_executor(self._executor, _load_stations)

    async def _save_stats(self) -> None:
        counters = {
            name: self.counters[name]
            for name in (
                "connections_open",
                "connections_total",
                "frames_total",
                "frames_per_minute",
                "readings_stored",
            )
        }
        counters["rejects"] = dict(self.rejects)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            self._executor,
            lambda: receiver_stat_save(name=f"{self.host}:{self.port}", started_at=self._started_at, counters=counters),
        )


def _load_stations() -> dict:
    close_old_connections()
    return station_credentials()


def serve(host: str, port: int, **options) -> None:
    """Run a receiver in this thread until SIGTERM or SIGINT."""
    asyncio.run(Receiver(host, port, **options).run(handle_signals=True))


# --- ``manage.py hj212 serve`` ------------------------------------------------------------------------


def add_serve_arguments(parser) -> None:
    from django.conf import settings

    parser.add_argument("--host", default=settings.HJ212_HOST, help="Address to listen on (default: HJ212_HOST).")
    parser.add_argument("--port", type=int, default=settings.HJ212_PORT, help="TCP port (default: HJ212_PORT).")
    parser.add_argument(
        "--batch-size", type=int, default=settings.HJ212_BATCH_SIZE, help="Most packets stored per transaction."
    )


def serve_from_options(stdout, *, host: str, port: int, batch_size: int, **options) -> None:
    stdout.write(f"HJ 212 receiver on {host}:{port} (Ctrl-C or SIGTERM stops it after storing what it took).")
    stdout.flush()
    serve(host, port, batch_size=batch_size)
