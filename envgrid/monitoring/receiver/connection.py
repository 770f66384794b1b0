"""One device connection of the HJ 212 receiver (an ``asyncio.Protocol``, cheaper per frame than streams):
framing as bytes arrive, frames handed to the receiver, answers written once their data is committed.

A connection also keeps what the receiver's defences need: its refusals, aggregated into one burst per reason
until it sends a good frame or closes (``bursts``), the time of its last complete frame (the idle timeout: bytes
that complete no frame do not count), and the packets it has waiting for the writer, so that ``shut`` closes it
only once those are answered."""

from __future__ import annotations

import asyncio
import ipaddress
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from envgrid.monitoring.hj212.packet import Packet
from envgrid.monitoring.hj212.stream import FrameSplitter, SplitReassembler

if TYPE_CHECKING:
    from envgrid.monitoring.receiver.server import Receiver
    from envgrid.monitoring.services import Reject


_SLICE_FROM = 8192  # reads bigger than this are framed in slices of _SLICE bytes
_SLICE = 2048


@dataclass(slots=True)
class Item:
    """One accepted packet waiting for the writer, with the connection its answer goes to."""

    packet: Packet
    connection: Connection


class Connection(asyncio.Protocol):
    """One device connection: framing, parsing and authentication as bytes arrive; answers once committed."""

    def __init__(self, receiver: Receiver):
        self.receiver = receiver
        self.splitter = FrameSplitter()
        self.reassembler = SplitReassembler()
        self.transport: asyncio.Transport | None = None
        self.peer = ""  # "address:port"
        self.host = ""  # the address alone (connection caps, back-off, allowed peers)
        self.address = None  # ``host`` as an ipaddress object, None if it is not one
        self.registered = False  # counted by the receiver (False: refused at once by a cap or a back-off)
        self.closed = False
        self.closing = False  # shut: reads nothing more, closes once its queued packets are answered
        self.outstanding = 0  # packets of this connection queued for the writer and not answered yet
        self.refusals = 0
        self.trusted: set[str] = set()  # MNs whose password this connection gave (exempt from their back-off)
        self.bursts: dict[str, Reject] = {}  # refusals not yet queued for storage, one aggregate per reason
        self.last_active = time.monotonic()  # last complete frame (or the connection's start)

    def connection_made(self, transport) -> None:
        self.transport = transport
        address = transport.get_extra_info("peername")
        if isinstance(address, tuple):
            self.host = str(address[0])
            self.peer = f"{address[0]}:{address[1]}"
            try:
                self.address = ipaddress.ip_address(self.host)
            except ValueError:
                self.address = None
        else:
            self.host = self.peer = str(address)
        if self.receiver._opened(self):
            self.registered = True
        else:
            self.closing = True
            transport.abort()

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        take = self.receiver._take
        # A device sends a frame (at most 1,035 bytes) and waits: a bigger read is framed a slice at a time, so
        # that a flood stops being looked at once the connection is shut, not after the whole read is framed.
        step = len(data) if len(data) <= _SLICE_FROM else _SLICE
        for start in range(0, len(data), step):
            for item in self.splitter.feed(data[start : start + step] if step < len(data) else data):
                take(item, self)
                if self.closing:
                    return
        if len(self.reassembler):
            for error in self.reassembler.expire():
                self.receiver._reject(self, error.code, error.message, b"")

    def connection_lost(self, exc) -> None:
        self.closed = True
        if self.registered:
            for error in self.splitter.finish():
                self.receiver._reject(self, error.code, error.message, error.raw)
        self.receiver._closed(self)

    def shut(self) -> None:
        """Read nothing more; close once the packets already queued are answered (at once if there are none)."""
        if self.closing or self.closed:
            return
        self.closing = True
        try:
            self.transport.pause_reading()
        except RuntimeError:  # already paused (the writer's back-pressure)
            pass
        if not self.outstanding:
            self.transport.close()

    def answer(self, frames: list[bytes]) -> None:
        if not self.closed and frames:
            self.transport.write(frames[0] if len(frames) == 1 else b"".join(frames))
