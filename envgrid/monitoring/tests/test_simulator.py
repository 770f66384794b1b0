"""The simulator against a real receiver: every upload answered and stored, values shaped by the day."""

import asyncio
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest

from envgrid.monitoring.hj212.packet import CHINA
from envgrid.monitoring.models import Reading, Station
from envgrid.monitoring.services import stations_simulated_ensure
from envgrid.monitoring.simulator import SimStation, episode_factor, simulate, station_values
from envgrid.monitoring.tests.test_receiver import running_receiver

START = datetime(2026, 11, 27, 0, 0, tzinfo=CHINA)


@pytest.mark.django_db(transaction=True)
def test_simulated_stations_are_all_answered_and_stored():
    stations = stations_simulated_ensure(count=3)
    with running_receiver() as rx:
        players = [SimStation(s.mn, s.password) for s in stations]

        # In a thread of its own: other tests (Playwright) may leave an event loop running in this one.
        with ThreadPoolExecutor(1) as pool:
            run = pool.submit(
                asyncio.run, simulate("127.0.0.1", rx.port, players, minutes=5, start=START, episode=True)
            )
            result = run.result(timeout=60)

    assert (result.sent, result.acked, result.lost) == (15, 15, 0)
    stored = set(Reading.objects.values_list("station__mn", "data_time"))
    assert set(result.acked_keys) <= stored
    assert Reading.objects.filter(cn=2051).count() == 15
    assert Station.objects.filter(last_seen_at__isnull=False).count() == 3


@pytest.mark.django_db
def test_generated_stations_are_registered_once():
    first = stations_simulated_ensure(count=2)
    again = stations_simulated_ensure(count=2)

    assert [s.mn for s in first] == [s.mn for s in again]
    assert Station.objects.count() == 2


def test_ozone_peaks_in_the_afternoon_and_particles_at_night():
    rng = random.Random(1)

    def mean(hour, code):
        return sum(station_values(rng, 1.0, START.replace(hour=hour))[code]["Avg"] for _ in range(200)) / 200

    assert mean(15, "a05024") > 2 * mean(3, "a05024")
    assert mean(23, "a34004") > 1.3 * mean(15, "a34004")


def test_the_episode_rises_to_five_times_and_ends():
    factors = [episode_factor(i, 90) for i in range(90)]

    assert factors[0] == factors[-1] == 1.0
    assert max(factors) == pytest.approx(5.0)
    assert episode_factor(90, 0) == pytest.approx(5.0)  # an endless run: every three hours
