"""A seeded random source whose sequence stays the same across Python versions.

Python only promises that ``Random.random()`` repeats for a given seed; ``randint``, ``choice``,
``shuffle`` and ``sample`` may change their algorithm between releases. Everything here is built
on ``random()`` alone so that one seed gives the same demo district on every interpreter.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


class SeededRandom:
    """Uniform draws, integers, choices and shuffles derived only from ``random.Random.random``."""

    def __init__(self, seed: int):
        self._random = random.Random(seed)

    def random(self) -> float:
        return self._random.random()

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self._random.random()

    def randint(self, low: int, high: int) -> int:
        """An integer in [low, high], both ends included."""
        return low + min(int(self._random.random() * (high - low + 1)), high - low)

    def choice(self, items: Sequence[T]) -> T:
        return items[self.randint(0, len(items) - 1)]

    def shuffled(self, items: Sequence[T]) -> list[T]:
        """A new list with the items in random order (Fisher–Yates)."""
        out = list(items)
        for i in range(len(out) - 1, 0, -1):
            j = self.randint(0, i)
            out[i], out[j] = out[j], out[i]
        return out

    def digits(self, count: int) -> str:
        return "".join(str(self.randint(0, 9)) for _ in range(count))
