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

Abuse (docs/hj212-receiver.md "Abuse"): connections are capped in all and per peer address; a connection that
sends no complete frame for ``idle_timeout`` is closed; refusals are aggregated per connection and reason
(one ``RejectedFrame`` per burst, with its count), a connection is closed after ``max_refusals`` of them, and
at most ``reject_queue`` refusal rows wait for the writer, which stores them only when readings are not
waiting (the rest are counted and dropped). A wrong password closes the connection; repeated ones refuse
that MN and that peer address for a growing while (``guard.Backoff``), and the administrators are told
once per episode. A station with allowed peer addresses is refused from any other.

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

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

from envgrid.monitoring.choices import (
    AUTH_BACKOFF,
    BAD_PASSWORD,
    DEFENCE_LABELS,
    INACTIVE_STATION,
    PEER_NOT_ALLOWED,
    UNKNOWN_MN,
)
from envgrid.monitoring.hj212.errors import FrameError
from envgrid.monitoring.hj212.packet import build_data_ack, parse_frame
from envgrid.monitoring.models import Station, peer_networks
from envgrid.monitoring.receiver.connection import Connection, Item
from envgrid.monitoring.receiver.guard import Backoff, Block
from envgrid.monitoring.selectors import station_credentials
from envgrid.monitoring.services import (
    Reject,
    StoreResult,
    frames_reject,
    readings_store,
    receiver_abuse_notify,
    receiver_stat_save,
)
from envgrid.monitoring.signals import readings_stored

logger = logging.getLogger("envgrid.monitoring.receiver")

DEFENCES = tuple(DEFENCE_LABELS)  # the counters of what the defences did, saved with the receiver's status
REJECTS_PER_BATCH = 200  # most refusal rows the writer stores at once, after a batch of readings


def _setting(value, name: str):
    return getattr(settings, name) if value is None else value


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
        idle_timeout: float | None = None,
        notify_seconds: float = 1.0,
        checkpoint_seconds: float = 1.0,
        max_connections: int | None = None,
        max_connections_per_peer: int | None = None,
        max_refusals: int | None = None,
        reject_queue: int | None = None,
        auth_failures: int | None = None,
        auth_backoff_seconds: float | None = None,
    ):
        """Options left at None are read from the settings (``HJ212_IDLE_SECONDS``, ``HJ212_MAX_CONNECTIONS``,
        ``HJ212_MAX_CONNECTIONS_PER_PEER``, ``HJ212_MAX_REFUSALS_PER_CONNECTION``, ``HJ212_REJECT_QUEUE``,
        ``HJ212_AUTH_FAILURES``, ``HJ212_AUTH_BACKOFF_SECONDS``)."""
        self.host, self.port = host, port
        self.batch_size = batch_size
        self.linger = linger
        self.max_linger = max_linger
        self.cache_seconds = cache_seconds
        self.stat_seconds = stat_seconds
        self.idle_timeout = _setting(idle_timeout, "HJ212_IDLE_SECONDS")
        self.max_connections = _setting(max_connections, "HJ212_MAX_CONNECTIONS")
        self.max_connections_per_peer = _setting(max_connections_per_peer, "HJ212_MAX_CONNECTIONS_PER_PEER")
        self.max_refusals = _setting(max_refusals, "HJ212_MAX_REFUSALS_PER_CONNECTION")
        self.reject_queue = _setting(reject_queue, "HJ212_REJECT_QUEUE")
        self.backoff = Backoff(
            failures=_setting(auth_failures, "HJ212_AUTH_FAILURES"),
            seconds=_setting(auth_backoff_seconds, "HJ212_AUTH_BACKOFF_SECONDS"),
        )
        self._per_peer: Counter = Counter()
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
                self._flush(connection)  # its refusals so far are stored too
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

    def _opened(self, connection: Connection) -> bool:
        """Count a new connection; False (the connection is dropped at once) over a cap or from a blocked peer."""
        host = connection.host
        if self.backoff.blocked("peer:" + host):
            self.counters["connections_refused_backoff"] += 1
            return False
        if len(self._connections) >= self.max_connections or self._per_peer[host] >= self.max_connections_per_peer:
            self.counters["connections_refused_cap"] += 1
            return False
        self._per_peer[host] += 1
        self._connections.add(connection)
        self.counters["connections_total"] += 1
        self.counters["connections_open"] += 1
        return True

    def _closed(self, connection: Connection) -> None:
        if not connection.registered:
            return
        self._flush(connection)
        self._connections.discard(connection)
        self._paused.discard(connection)
        self.counters["connections_open"] -= 1
        host = connection.host
        self._per_peer[host] -= 1
        if self._per_peer[host] <= 0:
            del self._per_peer[host]

    def _take(self, item: bytes | FrameError, connection: Connection) -> None:
        """Check one frame from the splitter; queue it for the writer or as a refusal."""
        if type(item) is not bytes:
            self._reject(connection, item.code, item.message, item.raw)
            return
        self.counters["frames_total"] += 1
        connection.last_active = time.monotonic()  # a complete frame: bytes alone do not keep a connection
        try:
            packet = parse_frame(item)
        except FrameError as error:
            self._reject(connection, error.code, error.message, item)
            return
        station = self.stations.get(packet.mn)
        if station is None:
            message = f"MN {packet.mn[:40]!r} is not a registered station"
            self._reject(connection, UNKNOWN_MN, message, item, packet.mn)
            return
        if not self._authenticate(connection, station, packet, item):
            return
        if connection.bursts:  # a good frame ends the connection's burst of refusals
            self._flush(connection)
        if packet.flag is not None and packet.flag & 2:  # one part of a split message
            try:
                packet = connection.reassembler.add(packet)
            except FrameError as error:
                self._reject(connection, error.code, error.message, item, packet.mn)
                return
            if packet is None:
                return
        pending = self._pending
        pending.append(Item(packet, connection))
        connection.outstanding += 1
        if not self._work.is_set():
            self._work.set()
        if len(pending) > self.max_queued and not connection.closed:
            connection.transport.pause_reading()  # the disk is behind: stop taking, let TCP push back
            self._paused.add(connection)

    def _authenticate(self, connection: Connection, station, packet, item: bytes) -> bool:
        """Back-off, allowed peers, password, active: True if the packet may go on. Any refusal here closes the
        connection; a wrong password also counts towards the back-off of its MN and of the peer address. The
        back-off does not stop a connection that already authenticated that MN (the device itself, connected
        before someone started guessing its password elsewhere)."""
        mn = packet.mn
        trusted = mn in connection.trusted  # this connection already gave this MN's password: a guesser elsewhere
        if not trusted and (self.backoff.blocked("mn:" + mn) or self.backoff.blocked("peer:" + connection.host)):
            message = f"MN {mn} or address {connection.host} refused for a while after wrong passwords"
            self._reject(connection, AUTH_BACKOFF, message, item, mn)
        elif station.networks and (
            connection.address is None or not any(connection.address in n for n in station.networks)
        ):
            self._reject(connection, PEER_NOT_ALLOWED, f"MN {mn} may not upload from {connection.host}", item, mn)
        elif station.password != packet.pw:
            self._reject(connection, BAD_PASSWORD, f"wrong password for MN {mn}", item, mn)
            for key, what in (("mn:" + mn, "MN"), ("peer:" + connection.host, "address")):
                block = self.backoff.failed(key)
                if block is not None and block.first_of_episode:
                    self._tell_admins(block, what, connection.peer)
        elif not station.is_active:
            self._reject(connection, INACTIVE_STATION, f"station {mn} is not active", item, mn)
            return False
        else:
            if not trusted:
                connection.trusted.add(mn)
            return True
        connection.shut()
        return False

    def _reject(self, connection: Connection, code: str, message: str, raw: bytes, mn: str = "") -> None:
        """Count a refusal into its connection's burst of that reason; close the connection after too many."""
        code = str(code)
        self.rejects[code] += 1
        now = timezone.now()
        burst = connection.bursts.get(code)
        if burst is None:
            connection.bursts[code] = Reject(code, message, connection.peer, mn, raw, now)
        else:
            burst.count += 1
            burst.last_received_at = now
        connection.refusals += 1
        if connection.refusals >= self.max_refusals and not connection.closing:
            self.counters["connections_closed_refusals"] += 1
            connection.shut()

    def _flush(self, connection: Connection) -> None:
        """Queue a connection's refusal bursts for the writer; beyond ``reject_queue`` they are counted, dropped."""
        bursts = list(connection.bursts.values())
        connection.bursts.clear()
        room = max(0, self.reject_queue - len(self._pending_rejects))
        for dropped in bursts[room:]:
            self.counters["rejects_dropped"] += dropped.count
        if room:
            self._pending_rejects += bursts[:room]
            if not self._work.is_set():
                self._work.set()

    def _tell_admins(self, block: Block, what: str, peer: str) -> None:
        subject = block.key.partition(":")[2]
        logger.warning("HJ 212 receiver: %s %s refused for %.0f s after wrong passwords", what, subject, block.seconds)

        def send() -> None:
            try:
                receiver_abuse_notify(what=what, subject=subject, seconds=block.seconds, peer=peer)
            except Exception:
                logger.exception("HJ 212 receiver: telling the administrators failed")

        self._loop.run_in_executor(self._executor, send)

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
            rejects = []
            if self._pending_rejects and (not self._pending or self._closing):  # readings first
                rejects = self._pending_rejects[:REJECTS_PER_BATCH]
                del self._pending_rejects[:REJECTS_PER_BATCH]
            if self._pending or self._pending_rejects:
                work.set()
            if items or rejects:
                await self._write(loop, items, rejects)
            if self._unnotified and (self._notify_due is None or self._closing):
                await self._notify(loop)
            if self._paused and len(self._pending) < self.max_queued // 2 and not self._stopping.is_set():
                for connection in self._paused:
                    if not connection.closing and not connection.closed:
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
            item.connection.outstanding -= 1
            if accepted:
                packet = item.packet
                for part in packet.parts or (packet,):
                    if part.flag is not None and part.flag & 1:
                        answers.setdefault(item.connection, []).append(build_data_ack(part))
        for connection, frames in answers.items():
            connection.answer(frames)
        for item in items:
            connection = item.connection
            if connection.closing and not connection.outstanding and not connection.closed:
                connection.transport.close()  # shut: its last answers are written first
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
            for connection in list(self._connections):
                if now - connection.last_active > self.idle_timeout:
                    self.counters["connections_closed_idle"] += 1
                    connection.transport.close()
                elif connection.bursts:
                    self._flush(connection)
            self.backoff.prune()
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
        counters["defences"] = {name: self.counters[name] for name in DEFENCES if self.counters[name]}
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
    stations = station_credentials()
    for station in stations.values():
        try:
            station.networks = peer_networks(station.allowed_peers)
        except ValueError:  # saved past the validator: refuse every address rather than none
            logger.error("HJ 212 receiver: station %s has an invalid allowed-peer list", station.mn)
            station.networks = (peer_networks("0.0.0.0/32")[0],)
    return stations
