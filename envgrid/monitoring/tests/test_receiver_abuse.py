"""The HJ 212 receiver under abuse, on loopback (issue 11, item 1): a reject flood is one row per burst and
closes the connection, wrong passwords close it and back off per MN and per address (administrators told
once), allowed peer addresses, connection caps, the idle timeout that a slow drip does not reset, the PW mask
on the receiver page, the purge of old rejected frames."""

import asyncio
import socket
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.utils import timezone

from envgrid.core.choices import Role
from envgrid.monitoring.models import Reading, RejectedFrame
from envgrid.monitoring.receiver import Receiver
from envgrid.monitoring.receiver.guard import Backoff
from envgrid.monitoring.services import Reject, frames_reject, station_update
from envgrid.monitoring.tasks import purge_rejected_frames
from envgrid.monitoring.tests.test_receiver import MN, frame, read_answers, running_receiver, wait_for
from envgrid.monitoring.tests.test_receiver import station as station  # noqa: F401  (the fixture)
from envgrid.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


def connect_from(rx, source: str = "127.0.0.1") -> socket.socket:
    """A connection to the receiver from a given loopback address (Linux answers on all of 127/8)."""
    return socket.create_connection(("127.0.0.1", rx.port), timeout=5, source_address=(source, 0))


def is_closed(sock: socket.socket, within: float = 3.0) -> bool:
    """True if the receiver closed (or reset) the connection within ``within`` seconds, False if it stays open."""
    sock.settimeout(within)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def user(username: str, role: str):
    return get_user_model().objects.create_user(username=username, password="x-Secret-9", role=role)


# --- reject flood ----------------------------------------------------------------------------------------


def test_a_reject_flood_is_one_row_with_its_count_and_the_connection_is_closed_after_n(station):
    with running_receiver(max_refusals=20) as rx:
        sock = connect_from(rx)
        sock.sendall(b"##x" * 1000)  # 3,000 bytes: 1,000 refusals before this fix, 1,000 rows

        assert is_closed(sock)
        wait_for(lambda: RejectedFrame.objects.exists())
        time.sleep(0.3)

    [row] = RejectedFrame.objects.all()
    assert (row.code, row.count) == ("bad_length", 20)
    assert row.raw.startswith("##x") and row.last_received_at >= row.received_at


def test_refusals_of_a_connection_between_good_frames_are_one_row_per_reason(station):
    with running_receiver() as rx:
        sock = connect_from(rx)
        bad_crc = frame(42)[:-6] + b"0000\r\n"
        sock.sendall(b"##x##y" + bad_crc + bad_crc + frame(43))
        read_answers(sock, 1)
        wait_for(lambda: RejectedFrame.objects.count() == 2)

    assert dict(RejectedFrame.objects.values_list("code", "count")) == {"bad_length": 2, "bad_crc": 2}
    assert Reading.objects.count() == 1


def test_the_refusal_queue_is_bounded_and_what_overflows_is_counted():
    rx = Receiver("127.0.0.1", 0, reject_queue=3)
    rx._work = asyncio.Event()

    class Peer:
        def __init__(self, n):
            self.bursts = {"bad_crc": Reject("bad_crc", "x", f"10.0.0.{n}:1", count=5)}

    for n in range(10):
        rx._flush(Peer(n))

    assert len(rx._pending_rejects) == 3
    assert rx.counters["rejects_dropped"] == 7 * 5


# --- password guessing -----------------------------------------------------------------------------------


def test_a_wrong_password_closes_and_after_k_the_mn_and_the_address_are_refused_without_checking(station):
    admin, dispatcher = user("rx-admin", Role.ADMIN), user("rx-dispatcher", Role.DISPATCHER)
    with running_receiver(auth_failures=3, auth_backoff_seconds=60) as rx:
        device = connect_from(rx, "127.0.0.4")  # the station itself, connected before the guessing starts
        device.sendall(frame(50))
        read_answers(device, 1)
        for minute in range(3):
            sock = connect_from(rx)
            sock.sendall(frame(minute, pw=f"00000{minute}") + frame(30))
            assert is_closed(sock)  # closed at the wrong password: the good frame after it is not taken

        right = connect_from(rx, "127.0.0.2")  # another address, the right password: this MN is blocked
        right.sendall(frame(31))
        assert is_closed(right)
        assert is_closed(connect_from(rx))  # the guessing address is refused at once
        other = connect_from(rx, "127.0.0.3")
        other.sendall(frame(32, pw="999999"))  # refused as blocked: not counted, not notified again
        assert is_closed(other)
        device.sendall(frame(51))
        assert read_answers(device, 1)[0].cn == "9014"  # the back-off does not lock the device itself out
        wait_for(lambda: RejectedFrame.objects.filter(code="auth_backoff").count() == 2)
        wait_for(lambda: Notification.objects.count() >= 2)
        time.sleep(0.3)

    assert sorted(Reading.objects.values_list("data_time__minute", flat=True)) == [50, 51]
    assert RejectedFrame.objects.filter(code="bad_password").count() == 3
    assert set(RejectedFrame.objects.filter(code="auth_backoff").values_list("mn", flat=True)) == {MN}
    told = Notification.objects.filter(verb="hj212.auth_backoff")
    assert told.count() == 2 and set(told.values_list("recipient", flat=True)) == {admin.pk}  # MN and address
    assert not Notification.objects.filter(recipient=dispatcher).exists()


def test_the_back_off_grows_with_each_block_of_an_episode_and_is_then_forgotten():
    now = [0.0]
    backoff = Backoff(failures=2, seconds=10, max_factor=4, clock=lambda: now[0])

    assert backoff.failed("mn:A") is None
    first = backoff.failed("mn:A")
    assert (first.seconds, first.first_of_episode) == (10, True) and backoff.blocked("mn:A")
    now[0] = 11
    assert not backoff.blocked("mn:A")
    backoff.failed("mn:A")
    second = backoff.failed("mn:A")
    assert (second.seconds, second.first_of_episode) == (20, False)
    now[0] = 11 + 20 + 41
    backoff.prune()
    assert len(backoff) == 0


def test_a_station_with_allowed_peers_is_refused_from_other_addresses(station):
    admin = user("rx-admin", Role.ADMIN)
    station_update(actor=admin, station=station, allowed_peers="127.0.0.2, 10.1.0.0/16")
    with pytest.raises(ValidationError):
        station_update(actor=admin, station=station, allowed_peers="127.0.0.2 not-an-address")

    with running_receiver() as rx:
        elsewhere = connect_from(rx, "127.0.0.1")
        elsewhere.sendall(frame(40))
        assert is_closed(elsewhere)
        allowed = connect_from(rx, "127.0.0.2")
        allowed.sendall(frame(41))
        [answer] = read_answers(allowed, 1)
        wait_for(lambda: RejectedFrame.objects.exists())

    assert answer.cn == "9014"
    assert Reading.objects.count() == 1
    assert RejectedFrame.objects.get().code == "peer_not_allowed"


# --- connections -----------------------------------------------------------------------------------------


def test_connections_are_capped_in_all_and_per_address(station):
    with running_receiver(max_connections=3, max_connections_per_peer=2) as rx:
        kept = [connect_from(rx), connect_from(rx)]
        over_peer = connect_from(rx)
        assert is_closed(over_peer, 1)
        kept.append(connect_from(rx, "127.0.0.2"))
        over_total = connect_from(rx, "127.0.0.3")
        assert is_closed(over_total, 1)
        assert not any(is_closed(sock, 0.2) for sock in kept)
        kept[0].close()
        wait_for(lambda: rx.counters["connections_open"] == 2)
        again = connect_from(rx, "127.0.0.3")
        again.sendall(frame(45))
        assert read_answers(again, 1)[0].cn == "9014"

    assert rx.counters["connections_refused_cap"] == 2


def test_a_slow_drip_without_a_complete_frame_is_closed_after_the_idle_window(station):
    with running_receiver(idle_timeout=1.0) as rx:
        drip, talker = connect_from(rx), connect_from(rx)
        drip.sendall(b"##0100")
        started = time.monotonic()
        closed = False
        for minute in range(12):  # 2.4 s: a byte every 0.2 s, and a whole frame every 0.2 s on the other
            try:
                drip.sendall(b"a")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            talker.sendall(frame(minute))
            read_answers(talker, 1)
            time.sleep(0.2)
        closed = closed or is_closed(drip, 1)
        elapsed = time.monotonic() - started

        assert closed and elapsed < 3.5
        assert not is_closed(talker, 0.1)  # complete frames keep a connection open

    assert rx.counters["connections_closed_idle"] >= 1


# --- the receiver page and retention ----------------------------------------------------------------------


def test_the_receiver_page_masks_pw_for_everyone_but_administrators():
    frames_reject(
        [Reject("bad_password", "wrong password", "10.0.0.9:5000", MN, b"##0100QN=1;PW=654321;MN=" + MN.encode())]
    )
    admin, dispatcher = Client(), Client()
    admin.force_login(user("rx-admin", Role.ADMIN))
    dispatcher.force_login(user("rx-dispatcher", Role.DISPATCHER))

    seen_by_dispatcher = dispatcher.get("/monitoring/receiver/").content.decode()
    seen_by_admin = admin.get("/monitoring/receiver/").content.decode()

    assert "PW=******;" in seen_by_dispatcher and "654321" not in seen_by_dispatcher
    assert "PW=654321;" in seen_by_admin


@override_settings(HJ212_REJECT_RETENTION_DAYS=30)
def test_the_daily_job_purges_rejected_frames_older_than_the_retention():
    now = timezone.now()
    frames_reject(
        [
            Reject("bad_crc", "old", "10.0.0.1:1", received_at=now - timedelta(days=31)),
            Reject("bad_crc", "recent", "10.0.0.1:1", received_at=now - timedelta(days=29)),
        ]
    )

    assert purge_rejected_frames.call_local() == 1
    assert list(RejectedFrame.objects.values_list("message", flat=True)) == ["recent"]
