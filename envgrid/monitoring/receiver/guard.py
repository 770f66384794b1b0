"""The HJ 212 receiver's defences against password guessing: a growing back-off per MN and per peer address.

After ``failures`` wrong passwords for one key (``"mn:<MN>"`` or ``"peer:<address>"``) the key is refused for
``seconds``, without its password being checked; each further block of the same episode lasts twice as long
(at most ``max_factor`` × ``seconds``). An episode ends when the key has been quiet (no failure, no block) for
the longest back-off; its first block is reported once (``Backoff.failed`` says so) for the administrators.
Memory is bounded: at most ``max_keys`` keys are remembered, the least recently failed are forgotten first.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Backoff", "Block"]


@dataclass(slots=True)
class _Record:
    failures: int = 0  # wrong passwords since the last block ended
    level: int = 0  # blocks in this episode
    until: float = 0.0  # refused until this clock time
    last: float = 0.0  # time of the last failure


@dataclass(frozen=True, slots=True)
class Block:
    """A block that has just started: for how long, and whether it is the first of its episode."""

    key: str
    seconds: float
    first_of_episode: bool


class Backoff:
    """Wrong-password counts and blocks per key; ``blocked(key)`` is cheap (one dict look-up)."""

    def __init__(
        self,
        *,
        failures: int = 3,
        seconds: float = 60.0,
        max_factor: int = 64,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.failures = max(1, failures)
        self.seconds = seconds
        self.max_factor = max_factor
        self.max_keys = max_keys
        self.clock = clock
        self._records: dict[str, _Record] = {}

    def blocked(self, key: str) -> bool:
        record = self._records.get(key)
        return record is not None and record.until > self.clock()

    def failed(self, key: str) -> Block | None:
        """Count a wrong password for ``key``; the block it starts, if it reaches ``failures``."""
        now = self.clock()
        record = self._records.pop(key, None) or _Record()
        self._records[key] = record  # most recent last: the oldest are forgotten first
        record.last = now
        record.failures += 1
        if record.failures < self.failures:
            if len(self._records) > self.max_keys:
                del self._records[next(iter(self._records))]
            return None
        record.failures = 0
        record.level += 1
        seconds = self.seconds * min(2 ** (record.level - 1), self.max_factor)
        record.until = now + seconds
        return Block(key, seconds, record.level == 1)

    def prune(self) -> None:
        """Forget the keys whose episode is over (quiet for the longest back-off since their last block)."""
        now = self.clock()
        quiet = self.seconds * self.max_factor
        for key in [k for k, r in self._records.items() if r.until <= now and now - max(r.last, r.until) > quiet]:
            del self._records[key]

    def __len__(self) -> int:
        return len(self._records)
