"""The simulator against a real receiver: every upload answered and stored, values shaped by the day."""

import asyncio
import io
import random
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import numpy as np
import pytest
from django.core.management import call_command

from envgrid.monitoring.hj212.packet import CHINA, build_data_ack, build_frame, parse_frame
from envgrid.monitoring.models import Reading, Station
from envgrid.monitoring.simulator import (
    FACTORS,
    SimResult,
    SimStation,
    episode_factor,
    simulate,
    station_value_block,
    station_values,
    stations_simulated_ensure,
)
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


# --- the load generator's model and its bookkeeping ------------------------------------------------------


def test_the_vectorised_block_follows_the_same_day_as_station_values():
    rng, np_rng = random.Random(2), np.random.default_rng(2)
    for hour in (3, 8, 15, 23):
        moment = START.replace(hour=hour)
        scalar = [station_values(rng, 1.0, moment) for _ in range(400)]
        block = np.vstack([station_value_block(np_rng, 1.0, moment, [1.0]) for _ in range(400)])
        for column, code in enumerate(FACTORS):
            expected = sum(values[code]["Avg"] for values in scalar) / len(scalar)
            assert block[:, column].mean() == pytest.approx(expected, rel=0.05, abs=0.5), (code, hour)
    day = station_value_block(np_rng, 1.0, START, [1.0] * 1440)  # one row per minute of the day
    assert day.shape == (1440, len(FACTORS))
    ozone = day[:, FACTORS.index("a05024")]
    assert ozone[15 * 60 : 16 * 60].mean() > 2 * ozone[3 * 60 : 4 * 60].mean()


def test_the_episode_multiplies_the_block_particles():
    calm = station_value_block(np.random.default_rng(3), 1.0, START, [1.0] * 60)
    episode = station_value_block(np.random.default_rng(3), 1.0, START, [5.0] * 60)

    assert episode[:, 0].mean() == pytest.approx(5 * calm[:, 0].mean(), rel=0.02)


def run_simulation(**kwargs) -> SimResult:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, simulate(**kwargs)).result(timeout=60)


class FakeReceiver:
    """A TCP server on loopback that reads uploads and answers each with ``answer(frame)`` (None: silence)."""

    def __init__(self, answer):
        self.answer = answer
        self.frames = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self.talk, args=(conn,), daemon=True).start()

    def talk(self, conn):
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
            while b"\r\n" in data:
                line, data = data.split(b"\r\n", 1)
                packet = parse_frame(line + b"\r\n")
                self.frames.append(packet)
                reply = self.answer(packet)
                if reply:
                    conn.sendall(reply)

    def close(self):
        self.server.close()


PLAYERS = [SimStation("E50000000000000000000001", "sim000001"), SimStation("E50000000000000000000002", "sim000002")]


def test_uploads_carry_every_factor_and_are_answered_by_any_valid_9014():
    rx = FakeReceiver(lambda p: build_frame(f"QN={p.qn};ST=91;CN=9014;PW={p.pw};MN={p.mn};CP=&&&&"))  # no Flag
    try:
        result = run_simulation(host="127.0.0.1", port=rx.port, stations=PLAYERS, minutes=3, start=START)
    finally:
        rx.close()

    assert (result.sent, result.acked, result.lost) == (6, 6, 0)
    assert sorted(result.acked_keys) == sorted((p.mn, START + timedelta(minutes=m)) for p in PLAYERS for m in range(3))
    first = rx.frames[0]
    assert (first.cn, first.st, first.flag, first.needs_ack) == ("2051", "22", 5, True)
    assert set(first.values) == set(FACTORS)
    assert all(items["Flag"] == "N" and isinstance(items["Avg"], float) for items in first.values.values())


def test_an_answer_for_another_upload_is_not_counted_as_an_acknowledgement():
    rx = FakeReceiver(lambda p: build_frame(f"QN=20200101000000000;ST=91;CN=9014;PW={p.pw};MN={p.mn};CP=&&&&"))
    try:
        result = run_simulation(host="127.0.0.1", port=rx.port, stations=PLAYERS[:1], minutes=2, start=START)
    finally:
        rx.close()

    assert (result.sent, result.acked, result.lost) == (2, 0, 2)


def test_unanswered_uploads_time_out_as_lost_and_the_station_carries_on():
    rx = FakeReceiver(lambda p: None)
    try:
        result = run_simulation(
            host="127.0.0.1", port=rx.port, stations=PLAYERS[:1], minutes=2, start=START, ack_timeout=0.3
        )
    finally:
        rx.close()

    assert (result.sent, result.acked, result.lost) == (2, 0, 2)
    assert len(rx.frames) == 2  # the second upload went out on a new connection


def test_no_receiver_every_upload_lost_and_no_error():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed again: nothing listens there

    result = run_simulation(host="127.0.0.1", port=port, stations=PLAYERS, minutes=2, start=START)

    assert (result.sent, result.acked, result.lost) == (4, 0, 4)


def test_real_time_speed_paces_the_uploads():
    rx = FakeReceiver(lambda p: build_data_ack(p))
    try:
        result = run_simulation(host="127.0.0.1", port=rx.port, stations=PLAYERS[:1], minutes=3, speed=600)
    finally:
        rx.close()

    assert result.acked == 3
    assert result.seconds >= 0.19  # minute 2 is due 0.2 s after the start at 600 simulated minutes per minute


@pytest.mark.django_db(transaction=True)
def test_the_simulate_command_plays_the_registered_stations():
    stations_simulated_ensure(count=2)
    out = io.StringIO()
    with running_receiver() as rx, ThreadPoolExecutor(1) as pool:
        args = ["simulate", "--port", str(rx.port), "--minutes", "3", "--loop", "asyncio"]
        pool.submit(call_command, "hj212", *args, stdout=out).result(timeout=60)

    assert "Simulating 2 stations" in out.getvalue()
    assert "sent 6, acknowledged 6, lost/unacknowledged 0" in out.getvalue()
    assert Reading.objects.count() == 6
