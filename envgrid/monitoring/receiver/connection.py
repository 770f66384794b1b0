"""One device connection of the HJ 212 receiver (an ``asyncio.Protocol``, cheaper per frame than streams):
framing as bytes arrive, frames handed to the receiver, answers written once their data is committed."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from envgrid.monitoring.hj212.packet import Packet
from envgrid.monitoring.hj212.stream import FrameSplitter, SplitReassembler

if TYPE_CHECKING:
    from envgrid.monitoring.receiver.server import Receiver


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
            self.transport.write(frames[0] if len(frames) == 1 else b"".join(frames))
