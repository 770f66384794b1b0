"""The HJ 212 receiver: an asyncio TCP server that answers uploads only once their data is committed.

Per connection (an ``asyncio.Protocol``, cheaper per frame than streams): a ``FrameSplitter`` cuts the
byte stream, ``parse_frame`` (strict) checks each frame, MN and PW are checked against an in-memory copy of
the stations (refreshed every ``cache_seconds``), and a ``SplitReassembler`` merges PNUM/PNO messages.

Group commit. Good packets and refusals are queued for ONE writer task, which takes everything that
arrived while the previous batch was being committed (at most ``batch_size`` packets; when few are
queued it lingers, up to ``max_linger``, for the rest of the wave: see ``_gather``) and stores it with
``readings_store`` in one transaction, in one worker thread (a one-thread pool: one database connection,
kept open; on SQLite its WAL checkpoints are done by another thread, see ``_tune_sqlite``), so the event
loop never waits on the disk and a slow disk makes batches bigger instead of stalling connections. Each queued
packet remembers its connection; the 9014 answers (Flag bit A, §6.5.2) of a batch are handed to the event loop as
soon as its transaction is committed: an acknowledged upload is always stored. ``readings_stored`` is sent
by the receiver itself, once per ``notify_seconds`` for all the readings committed meanwhile, after their
answers: its receivers (rollups, alerts) neither delay the answers nor run once per batch. SIGTERM/SIGINT
stop accepting and reading, store what was taken, answer it, then close.

The event loop is uvloop when it is installed (``--loop``): it costs less per read and write than asyncio's
own (``bench/monitoring_receiver.py``).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections, connections
from django.utils import timezone

from envgrid.monitoring.choices import BAD_PASSWORD, INACTIVE_STATION, UNKNOWN_MN
from envgrid.monitoring.hj212.errors import FrameError
from envgrid.monitoring.hj212.packet import build_data_ack, parse_frame
from envgrid.monitoring.models import Station
from envgrid.monitoring.receiver.connection import Connection, Item
from envgrid.monitoring.selectors import station_credentials
from envgrid.monitoring.services import Reject, StoreResult, frames_reject, readings_store, receiver_stat_save
from envgrid.monitoring.signals import readings_stored

logger = logging.getLogger("envgrid.monitoring.receiver")


class Receiver:
    """One HJ 212 receiver; ``await run()`` serves until ``stop()`` (or a signal, with ``handle_signals``)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 9212,
        *,
        batch_size: int = 500,
        linger: float = 0.002,
        max_linger: float = 0.02,
        cache_seconds: float = 30.0,
        stat_seconds: float = 5.0,
        idle_timeout: float = 600.0,
        notify_seconds: float = 1.0,
        checkpoint_seconds: float = 1.0,
    ):
        self.host, self.port = host, port
        self.batch_size = batch_size
        self.linger = linger
        self.max_linger = max_linger
        self.cache_seconds = cache_seconds
        self.stat_seconds = stat_seconds
        self.idle_timeout = idle_timeout
        self.notify_seconds = notify_seconds
        self.checkpoint_seconds = checkpoint_seconds
        self.stations: dict = {}
        self.counters = Counter()
        self.rejects = Counter()
        self.started = asyncio.Event()
        self._pending: list[Item] = []  # accepted packets waiting for the writer, in arrival order
        self._pending_rejects: list[Reject] = []
        self._unnotified: list[tuple] = []  # keys of committed readings not yet sent with readings_stored
        self._notify_due: asyncio.TimerHandle | None = None
        self._work: asyncio.Event | None = None  # set when something is pending
        self._closing = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hj212-writer")
        self._checkpointer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hj212-checkpoint")
        self._tuned_connection = None  # the writer's SQLite connection once its automatic checkpoints are off
        self._stopping: asyncio.Event | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[Connection] = set()
        self._paused: set[Connection] = set()
        self.max_queued = 20 * batch_size  # beyond this, connections stop being read until the writer catches up
        self._started_at = timezone.now()

    # --- life cycle ----------------------------------------------------------------------------------

    async def run(self, *, handle_signals: bool = False) -> None:
        self._stopping = asyncio.Event()
        self._work = asyncio.Event()
        loop = self._loop = asyncio.get_running_loop()
        if handle_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self._stopping.set)
        await self._refresh_stations()
        self._server = await loop.create_server(lambda: Connection(self), self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        writer = asyncio.create_task(self._writer())
        housekeeping = asyncio.create_task(self._housekeeping())
        checkpoints = asyncio.create_task(self._checkpoints()) if connections["default"].vendor == "sqlite" else None
        self.started.set()
        logger.info("HJ 212 receiver listening on %s:%s", self.host, self.port)
        try:
            await self._stopping.wait()
        finally:
            self._server.close()
            housekeeping.cancel()
            if checkpoints is not None:
                checkpoints.cancel()
            for connection in list(self._connections):  # take nothing more; what was taken is stored and answered
                connection.transport.pause_reading()
            self._closing = True  # the writer stores what is pending, then ends
            self._work.set()
            await writer
            for connection in list(self._connections):
                connection.transport.close()
            await self._save_stats()
            await loop.run_in_executor(self._executor, connections.close_all)
            await loop.run_in_executor(self._checkpointer, connections.close_all)
            self._executor.shutdown(wait=True)
            self._checkpointer.shutdown(wait=True)

    def stop(self) -> None:
        """Ask ``run`` to stop (from another thread: through ``loop.call_soon_threadsafe``)."""
        if self._stopping is not None:
            self._stopping.set()

    # --- connections ---------------------------------------------------------------------------------

    def _opened(self, connection: Connection) -> None:
        self._connections.add(connection)
        self.counters["connections_total"] += 1
        self.counters["connections_open"] += 1

    def _closed(self, connection: Connection) -> None:
        self._connections.discard(connection)
        self._paused.discard(connection)
        self.counters["connections_open"] -= 1

    def _take(self, item: bytes | FrameError, connection: Connection) -> None:
        """Check one frame from the splitter; queue it for the writer or as a refusal."""
        if type(item) is not bytes:
            self._reject(item.code, item.message, connection.peer, item.raw)
            return
        self.counters["frames_total"] += 1
        try:
            packet = parse_frame(item)
        except FrameError as error:
            self._reject(error.code, error.message, connection.peer, item)
            return
        station = self.stations.get(packet.mn)
        if station is None:
            message = f"MN {packet.mn[:40]!r} is not a registered station"
            self._reject(UNKNOWN_MN, message, connection.peer, item, packet.mn)
            return
        if station.password != packet.pw:
            self._reject(BAD_PASSWORD, f"wrong password for MN {packet.mn}", connection.peer, item, packet.mn)
            return
        if not station.is_active:
            self._reject(INACTIVE_STATION, f"station {packet.mn} is not active", connection.peer, item, packet.mn)
            return
        if packet.flag is not None and packet.flag & 2:  # one part of a split message
            try:
                packet = connection.reassembler.add(packet)
            except FrameError as error:
                self._reject(error.code, error.message, connection.peer, item, packet.mn)
                return
            if packet is None:
                return
        pending = self._pending
        pending.append(Item(packet, connection))
        if not self._work.is_set():
            self._work.set()
        if len(pending) > self.max_queued and not connection.closed:
            connection.transport.pause_reading()  # the disk is behind: stop taking, let TCP push back
            self._paused.add(connection)

    def _reject(self, code: str, message: str, peer: str, raw: bytes, mn: str = "") -> None:
        self.rejects[str(code)] += 1
        self._pending_rejects.append(Reject(str(code), message, peer, mn, raw, timezone.now()))
        if not self._work.is_set():
            self._work.set()

    # --- the writer ----------------------------------------------------------------------------------

    async def _writer(self) -> None:
        loop = asyncio.get_running_loop()
        work = self._work
        while True:
            await work.wait()
            if self.linger and not self._closing:
                await self._gather()
            work.clear()
            items = self._pending[: self.batch_size]
            del self._pending[: self.batch_size]
            rejects, self._pending_rejects = self._pending_rejects, []
            if self._pending:
                work.set()
            if items or rejects:
                await self._write(loop, items, rejects)
            if self._unnotified and (self._notify_due is None or self._closing):
                await self._notify(loop)
            if self._paused and len(self._pending) < self.max_queued // 2 and not self._stopping.is_set():
                for connection in self._paused:
                    if not connection.closed:
                        connection.transport.resume_reading()
                self._paused.clear()
            if self._closing and not self._pending and not self._pending_rejects and not self._unnotified:
                return

    async def _gather(self) -> None:
        """Linger while uploads are still coming in, so a wave of them is one transaction, not many small ones.

        After the answers of a batch go out, its stations send their next uploads within a few ms. The writer
        waits ``linger`` at least, then more steps of ``linger`` while the batch is under a quarter of the open
        connections (and ``batch_size``), at most ``max_linger`` in all: fewer commits, the same data."""
        loop = self._loop
        deadline = loop.time() + self.max_linger
        target = min(self.batch_size, max(1, len(self._connections) // 4))
        while True:
            await asyncio.sleep(self.linger)
            if len(self._pending) >= target or loop.time() >= deadline or self._closing:
                return

    async def _notify(self, loop) -> None:
        """Send ``readings_stored`` for the readings committed since the last time, in the writer thread."""
        keys, self._unnotified = self._unnotified, []
        if self._notify_due is not None:
            self._notify_due.cancel()
            self._notify_due = None
        try:
            await loop.run_in_executor(self._executor, _send_readings_stored, keys)
        except Exception:  # the data is stored and answered; a receiver's failure is its own
            logger.exception("HJ 212 receiver: a readings_stored receiver failed on %s readings", len(keys))

    async def _write(self, loop, items: list[Item], rejects: list[Reject]) -> None:
        """Store one batch in the writer thread; its answers go out from the commit (``_answer``)."""
        try:
            await loop.run_in_executor(self._executor, self._store, loop, items, rejects)
        except Exception:  # the database is down or refuses: answer nothing, the devices resend
            logger.exception("HJ 212 receiver: storing a batch of %s packets failed", len(items))

    def _store(self, loop, items: list[Item], rejects: list[Reject]) -> None:
        """In the writer thread: the batch's readings in one transaction, answered as soon as it is committed
        (``readings_store`` commits before it returns); then the refusals."""
        try:
            self._tune_sqlite()
            if items:
                result = readings_store(
                    [item.packet for item in items],
                    peers=[item.connection.peer for item in items],
                    stations=self.stations,
                    notify=False,  # readings_stored is sent by _notify, at most once per notify_seconds
                )
                loop.call_soon_threadsafe(self._answer, items, result)
            if rejects:
                frames_reject(rejects)
        except Exception:
            connections.close_all()  # a broken connection is opened again for the next batch
            raise

    def _tune_sqlite(self) -> None:
        """SQLite: no automatic checkpoint on the writer's commits (``_checkpoints`` does them, beside it).

        In WAL mode the commit that takes the log past 1,000 pages copies it into the database file and
        syncs it, and the batch's answers wait for that; readings of hundreds of stations touch a page of
        each index per station, so that is every few batches. Checkpointing from another connection
        instead does the same copying in bigger, cheaper runs, off the path of the answers."""
        connection = connections["default"]
        if connection.vendor != "sqlite":
            return
        connection.ensure_connection()
        if connection.connection is not self._tuned_connection:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_autocheckpoint=0")
            self._tuned_connection = connection.connection

    async def _checkpoints(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.checkpoint_seconds)
            try:
                await loop.run_in_executor(self._checkpointer, _checkpoint)
            except Exception:
                logger.exception("HJ 212 receiver: WAL checkpoint failed")

    def _answer(self, items: list[Item], result: StoreResult) -> None:
        """In the event loop, once a batch is committed: answer the accepted packets that asked for it."""
        answers: dict[Connection, list[bytes]] = {}
        for accepted, item in zip(result.accepted, items, strict=True):
            if accepted:
                packet = item.packet
                for part in packet.parts or (packet,):
                    if part.flag is not None and part.flag & 1:
                        answers.setdefault(item.connection, []).append(build_data_ack(part))
        for connection, frames in answers.items():
            connection.answer(frames)
        if result.keys:
            self._unnotified += result.keys
            if self._notify_due is None:
                self._notify_due = self._loop.call_later(self.notify_seconds, self._notify_now)
        self.counters["readings_stored"] += result.stored
        self.counters["duplicates"] += result.duplicates
        for reject in result.rejects:
            self.rejects[reject.code] += 1

    def _notify_now(self) -> None:
        self._notify_due = None
        self._work.set()  # the writer sends readings_stored between two batches

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


def _send_readings_stored(keys: list[tuple]) -> None:
    if readings_stored.has_listeners():
        readings_stored.send(sender=Station, readings=keys)


def _checkpoint() -> None:
    """Copy the SQLite write-ahead log into the database as far as readers allow (never blocks the writer)."""
    with connections["default"].cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


def _load_stations() -> dict:
    close_old_connections()
    return station_credentials()
