"""The simulated stations' values: a plausible day in the district (particles higher at night and in the
morning rush, NO2 and CO with the rush hours, O3 peaking in the afternoon, temperature and humidity in opposite
phase), a per-station level and noise, and the pollution episode; one minute at a time (``station_values``) or
vectorised over blocks of minutes (``station_value_block``, what the load generator uses)."""

from __future__ import annotations

import math
import random
from datetime import datetime

from envgrid.monitoring.hj212.packet import CHINA

FACTORS = ("a34004", "a34002", "a21026", "a21004", "a21005", "a05024", "a01001", "a01002", "a01006", "a01007", "a01008")
DECIMALS = (1, 1, 1, 1, 3, 1, 1, 1, 2, 1, 0)


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
