"""The HJ 212 receiver end to end on loopback: answers only after commit, refusals kept with reason and peer."""

import asyncio
import importlib.util
import socket
import threading
import time
from contextlib import contextmanager
from datetime import datetime

import pytest

from conftest import require_or_skip
from envgrid.monitoring.hj212.packet import CHINA, build_data_frame, build_frame, parse_frame
from envgrid.monitoring.models import Reading, ReceiverStat, RejectedFrame
from envgrid.monitoring.receiver import Receiver, loop_factory
from envgrid.monitoring.services import station_create
from envgrid.monitoring.signals import readings_stored

pytestmark = pytest.mark.django_db(transaction=True)

MN = "010000A8900016F000169DC0"
PW = "123456"
T0 = datetime(2026, 11, 27, 8, 40, tzinfo=CHINA)


@pytest.fixture
def station():
    return station_create(mn=MN, password=PW, name="Loopback station", lon=116.4, lat=39.9)


@pytest.fixture
def receiver(station):
    with running_receiver() as rx:
        yield rx


@contextmanager
def running_receiver(loop_kind="asyncio", **options):
    """A receiver on a free loopback port, in its own thread and event loop, using the test database."""
    rx = Receiver("127.0.0.1", 0, **{"stat_seconds": 0.2, "linger": 0.001, **options})
    loop = loop_factory(loop_kind)()
    thread = threading.Thread(target=loop.run_until_complete, args=(rx.run(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not rx.started.is_set():
        assert time.monotonic() < deadline, "receiver did not start"
        time.sleep(0.01)
    try:
        yield rx
    finally:
        loop.call_soon_threadsafe(rx.stop)
        thread.join(10)
        loop.close()


def frame(minute=40, *, pw=PW, flag=5, pm25=35.2, qn=None, pnum=None, pno=None, values=None):
    return build_data_frame(
        st="22",
        cn="2051",
        pw=pw,
        mn=MN,
        data_time=T0.replace(minute=minute),
        values=values or {"a34004": {"Avg": pm25, "Flag": "N"}},
        flag=flag,
        qn=qn or T0.replace(minute=minute, second=5),
        pnum=pnum,
        pno=pno,
    )


def connect(rx) -> socket.socket:
    return socket.create_connection(("127.0.0.1", rx.port), timeout=5)


def read_answers(sock: socket.socket, count: int) -> list:
    data = b""
    while data.count(b"\r\n") < count:
        chunk = sock.recv(4096)
        assert chunk, "connection closed before the answers came"
        data += chunk
    return [parse_frame(line + b"\r\n") for line in data.split(b"\r\n") if line]


def wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_an_acknowledged_frame_is_stored_before_the_answer_arrives(receiver):
    sock = connect(receiver)
    data = frame()
    for start in range(0, len(data), 7):  # partial writes
        sock.sendall(data[start : start + 7])
        time.sleep(0.001)

    [answer] = read_answers(sock, 1)

    assert (answer.cn, answer.st, answer.mn, answer.qn) == ("9014", "91", MN, parse_frame(data).qn)
    reading = Reading.objects.get()  # queried only after the answer was read
    assert reading.pm25 == 35.2


def test_garbage_and_a_bad_crc_are_refused_and_the_good_frame_between_them_stored(receiver):
    sock = connect(receiver)
    good = frame(41)
    bad_crc = frame(42)[:-6] + b"0000\r\n"

    sock.sendall(b"hello garbage\r\n" + bad_crc + good)
    [answer] = read_answers(sock, 1)

    assert answer.qn == parse_frame(good).qn
    assert list(Reading.objects.values_list("data_time", flat=True)) == [T0.replace(minute=41)]
    wait_for(lambda: RejectedFrame.objects.count() == 2)
    rejected = {r.code: r for r in RejectedFrame.objects.all()}
    assert set(rejected) == {"garbage", "bad_crc"}
    peer = f"127.0.0.1:{sock.getsockname()[1]}"
    assert {r.peer for r in rejected.values()} == {peer}
    assert rejected["bad_crc"].raw.startswith("##")


def test_a_split_message_is_stored_once_all_parts_are_in(receiver):
    sock = connect(receiver)
    qn = T0.replace(minute=43, second=1)
    part1 = frame(43, flag=5, qn=qn, pnum=2, pno=1, values={"a34004": {"Avg": 20.0, "Flag": "N"}})
    part2 = frame(43, flag=5, qn=qn, pnum=2, pno=2, values={"a34002": {"Avg": 40.0, "Flag": "N"}})

    sock.sendall(part1)
    sock.settimeout(0.3)
    with pytest.raises(TimeoutError):
        sock.recv(100)  # no answer before the whole message is committed
    sock.settimeout(5)
    sock.sendall(part2)
    answers = read_answers(sock, 2)

    assert [a.cn for a in answers] == ["9014", "9014"]
    reading = Reading.objects.get()
    assert (reading.pm25, reading.pm10) == (20.0, 40.0)


def test_a_duplicate_is_answered_but_stored_once(receiver):
    sock = connect(receiver)

    sock.sendall(frame(44) + frame(44, pm25=99.0))
    answers = read_answers(sock, 2)

    assert len(answers) == 2
    assert list(Reading.objects.values_list("pm25", flat=True)) == [35.2]


def test_a_wrong_password_gets_no_answer_and_is_logged(receiver):
    sock = connect(receiver)

    sock.sendall(frame(45, pw="000000") + frame(46))
    assert sock.recv(4096) == b""  # a wrong password closes the connection: nothing after it is taken
    sock = connect(receiver)
    sock.sendall(frame(46))
    [answer] = read_answers(sock, 1)

    assert answer.qn == parse_frame(frame(46)).qn
    assert list(Reading.objects.values_list("data_time", flat=True)) == [T0.replace(minute=46)]
    wait_for(lambda: RejectedFrame.objects.filter(code="bad_password").exists())
    assert RejectedFrame.objects.get().mn == MN


def test_a_frame_without_ack_flag_is_stored_without_answer(receiver):
    sock = connect(receiver)

    sock.sendall(frame(47, flag=4))

    wait_for(lambda: Reading.objects.exists())
    sock.settimeout(0.3)
    with pytest.raises(TimeoutError):
        sock.recv(100)


def test_arbitrary_bytes_store_nothing_and_the_receiver_keeps_serving(receiver):
    sock = connect(receiver)
    junk = bytes(range(256)) * 8 + b"##9999" + b"##0010abc" + build_frame("QN=1;ST=22;CP=&&&&")

    sock.sendall(junk + frame(48))
    read_answers(sock, 1)

    assert Reading.objects.count() == 1
    wait_for(lambda: RejectedFrame.objects.count() >= 2)


def test_shutdown_saves_the_counters(receiver):
    sock = connect(receiver)
    sock.sendall(frame(49))
    read_answers(sock, 1)

    wait_for(lambda: ReceiverStat.objects.filter(frames_total__gte=1).exists())
    stat = ReceiverStat.objects.get()
    assert stat.connections_total >= 1


def test_a_burst_bigger_than_the_queue_limit_is_throttled_not_lost(station):
    with running_receiver(batch_size=2) as rx:  # at most 40 packets queued before reading pauses
        sock = connect(rx)
        burst = b"".join(
            frame(minute % 60, qn=T0.replace(hour=minute // 60 % 24, minute=minute % 60)) for minute in range(300)
        )
        sock.sendall(burst)

        answers = read_answers(sock, 300)

    assert len(answers) == 300
    assert Reading.objects.count() == 60  # 300 uploads of 60 distinct minutes: the rest are duplicates


# --- group commit, readings_stored, the event loop -----------------------------------------------------


@contextmanager
def listening(listener):
    readings_stored.connect(listener)
    try:
        yield
    finally:
        readings_stored.disconnect(listener)


def test_answers_do_not_wait_for_readings_stored_which_comes_once_for_several_batches(station):
    heard = []
    with listening(lambda sender, readings, **kwargs: heard.append(sorted(readings))):
        with running_receiver(notify_seconds=1.5) as rx:
            sock = connect(rx)
            for minute in (10, 11, 12):  # three uploads, each answered before the next: three transactions
                sock.sendall(frame(minute))
                read_answers(sock, 1)

            assert heard == []  # answered, stored, and the receivers not run yet
            assert Reading.objects.count() == 3
            wait_for(lambda: heard)

    assert heard == [[(station.pk, 2051, T0.replace(minute=minute)) for minute in (10, 11, 12)]]


def test_a_failing_readings_stored_receiver_does_not_stop_the_answers(station):
    def broken(sender, readings, **kwargs):
        raise RuntimeError("rollups are down")

    with listening(broken), running_receiver(notify_seconds=0.05) as rx:
        sock = connect(rx)
        sock.sendall(frame(20))
        read_answers(sock, 1)
        time.sleep(0.2)  # the receiver ran, and failed
        sock.sendall(frame(21))
        read_answers(sock, 1)

    assert Reading.objects.count() == 2


def test_uploads_arriving_together_are_committed_together(station):
    with running_receiver(linger=0.002, max_linger=0.05) as rx:
        sockets = [connect(rx) for _ in range(20)]
        for minute, sock in enumerate(sockets):
            sock.sendall(frame(minute))
        for sock in sockets:
            read_answers(sock, 1)

    assert Reading.objects.count() == 20
    transactions = Reading.objects.values("received_at").distinct().count()  # one received_at per batch
    assert transactions < 20


def test_the_receiver_runs_on_uvloop_when_installed(station):
    require_or_skip(importlib.util.find_spec("uvloop") is not None, "uvloop (pip install -e '.[fast]')")
    with running_receiver(loop_kind="uvloop") as rx:
        sock = connect(rx)
        sock.sendall(frame(30) + frame(31, pw="000000"))
        [answer] = read_answers(sock, 1)

    assert answer.qn == parse_frame(frame(30)).qn
    assert Reading.objects.count() == 1
    assert RejectedFrame.objects.get().code == "bad_password"


def test_loop_factory_names():
    assert loop_factory("asyncio") is asyncio.new_event_loop
    with pytest.raises(ValueError, match="not one of"):
        loop_factory("trio")


@pytest.mark.sqlite_only
def test_on_sqlite_the_writer_leaves_wal_checkpoints_to_the_checkpoint_thread():
    from django.db import connection

    from envgrid.monitoring.receiver.server import _checkpoint

    rx = Receiver("127.0.0.1", 0)
    rx._tune_sqlite()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == 0
    _checkpoint()  # runs (and does not fail) whatever the journal mode
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint=1000")
