"""readings_store and frames_reject: mapping, flags, idempotent duplicates, refusals logged and not stored."""

from datetime import datetime, timedelta

import pytest

from envgrid.monitoring.hj212.packet import CHINA, build_data_frame, parse_frame
from envgrid.monitoring.models import Reading, RejectedFrame, Station
from envgrid.monitoring.services import Reject, frames_reject, readings_store, station_create
from envgrid.monitoring.signals import readings_stored

pytestmark = pytest.mark.django_db

MN = "010000A8900016F000169DC0"
PW = "123456"
T0 = datetime(2026, 11, 27, 8, 40, tzinfo=CHINA)


@pytest.fixture
def station():
    return station_create(mn=MN, password=PW, name="Test micro-station", lon=116.4, lat=39.9)


def minute_packet(*, mn=MN, pw=PW, cn="2051", data_time=T0, values=None, flag=5):
    values = values or {
        "a34004": {"Avg": 35.2, "Flag": "N"},
        "a34002": {"Avg": 61.0, "Flag": "N"},
        "a21005": {"Avg": 0.8, "Flag": "D"},
        "a05024": {"Avg": 88.0, "Flag": "N"},
        "a01008": {"Avg": 270.0, "Flag": "N"},
        "a24088": {"Avg": 0.31, "Flag": "N"},
    }
    return parse_frame(
        build_data_frame(st="22", cn=cn, pw=pw, mn=mn, data_time=data_time, values=values, flag=flag, qn=T0)
    )


def test_minute_data_is_mapped_to_columns_with_flags_and_extras(station):
    result = readings_store([minute_packet()])

    assert result.accepted == [True]
    assert (result.stored, result.duplicates) == (1, 0)
    reading = Reading.objects.get()
    assert reading.station == station
    assert (reading.cn, reading.data_time) == (2051, T0)
    assert (reading.pm25, reading.pm10, reading.co, reading.o3, reading.wind_direction) == (35.2, 61.0, 0.8, 88.0, 270)
    assert reading.so2 is None and reading.temperature is None
    assert reading.flags == {"a34004": "N", "a34002": "N", "a21005": "D", "a05024": "N", "a01008": "N", "a24088": "N"}
    assert reading.extras == {"a24088": 0.31}


def test_realtime_data_reads_rtd_values(station):
    readings_store([minute_packet(cn="2011", values={"a34004": {"Rtd": 12.5, "Flag": "N"}})])

    assert Reading.objects.get().pm25 == 12.5


def test_station_last_seen_version_and_flagged_state_are_updated(station):
    readings_store([minute_packet()])

    station.refresh_from_db()
    assert station.last_seen_at is not None
    assert station.protocol_version == 2017
    assert station.last_data_flagged is True  # CO carried flag D


def test_a_resent_frame_is_idempotent(station):
    first = readings_store([minute_packet()])
    again = readings_store([minute_packet(values={"a34004": {"Avg": 99.0, "Flag": "N"}}), minute_packet()])

    assert (first.stored, again.stored, again.duplicates) == (1, 0, 2)
    assert again.accepted == [True, True]
    assert Reading.objects.count() == 1
    assert Reading.objects.get().pm25 == 35.2  # the first stored value stays


def test_same_time_different_command_is_another_reading(station):
    readings_store([minute_packet(cn="2051"), minute_packet(cn="2061")])

    assert sorted(Reading.objects.values_list("cn", flat=True)) == [2051, 2061]


@pytest.mark.parametrize(
    ("mn", "pw", "code"), [("FFFF00000000000000000000", PW, "unknown_mn"), (MN, "999999", "bad_password")]
)
def test_unknown_mn_or_wrong_password_is_refused_logged_and_not_stored(station, mn, pw, code):
    result = readings_store([minute_packet(mn=mn, pw=pw)], peers=["10.0.0.7:5555"])

    assert result.accepted == [False]
    assert Reading.objects.count() == 0
    rejected = RejectedFrame.objects.get()
    assert (rejected.code, rejected.peer, rejected.mn) == (code, "10.0.0.7:5555", mn)
    assert rejected.raw.startswith("##")
    station.refresh_from_db()
    assert station.last_seen_at is None


def test_inactive_station_is_refused(station):
    Station.objects.filter(pk=station.pk).update(is_active=False)

    result = readings_store([minute_packet()])

    assert result.accepted == [False]
    assert Reading.objects.count() == 0
    assert RejectedFrame.objects.get().code == "inactive_station"


def test_a_mixed_batch_stores_only_the_good_packets(station):
    packets = [minute_packet(), minute_packet(pw="bad"), minute_packet(data_time=T0.replace(minute=41))]

    result = readings_store(packets)

    assert result.accepted == [True, False, True]
    assert Reading.objects.count() == 2
    assert RejectedFrame.objects.count() == 1


def test_other_commands_are_accepted_but_not_stored(station):
    packet = parse_frame(build_data_frame(st="22", cn="2081", pw=PW, mn=MN, data_time=T0, values={}, flag=5))

    result = readings_store([packet])

    assert result.accepted == [True]
    assert (result.stored, result.ignored) == (0, 1)
    assert Reading.objects.count() == 0


def test_a_non_reading_upload_updates_last_seen_but_keeps_the_flagged_state(station):
    readings_store([minute_packet()])  # CO flagged D
    heartbeat = parse_frame(build_data_frame(st="22", cn="2081", pw=PW, mn=MN, data_time=T0, values={}, flag=5))

    readings_store([heartbeat])

    station.refresh_from_db()
    assert station.last_data_flagged is True


def test_frames_reject_escapes_and_truncates_raw_bytes():
    frames_reject([Reject("garbage", "junk", "1.2.3.4:5", raw=b"\x00\xff" + b"x" * 500)])

    rejected = RejectedFrame.objects.get()
    assert rejected.raw.startswith("\\x00\\xff")
    assert len(rejected.raw) == 2 * 4 + 198


# --- the batch path the receiver uses: many statements, signal, groups of stations ---------------------


def test_a_batch_larger_than_one_statement_is_stored_whole_and_counted(station):
    # 1,200 readings: more rows than one INSERT takes (500), and far more parameters than Django's 999
    packets = [minute_packet(data_time=T0 + timedelta(minutes=i)) for i in range(1200)]
    packets += packets[:7]  # sent again in the same batch

    result = readings_store(packets)

    assert (result.stored, result.duplicates) == (1200, 7)
    assert Reading.objects.count() == 1200
    assert Reading.objects.order_by("data_time").last().data_time == T0 + timedelta(minutes=1199)
    assert len(result.keys) == 1207


def test_readings_stored_is_sent_after_commit_with_every_row_unless_the_caller_sends_it(
    station, django_capture_on_commit_callbacks
):
    heard = []

    def listener(sender, readings, **kwargs):
        heard.append(list(readings))

    readings_stored.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = readings_store([minute_packet(), minute_packet(data_time=T0.replace(minute=41))])
            assert heard == []  # not before the commit
        assert heard == [[(station.pk, 2051, T0), (station.pk, 2051, T0.replace(minute=41))]]
        assert result.keys == heard[0]

        with django_capture_on_commit_callbacks(execute=True):
            result = readings_store([minute_packet(data_time=T0.replace(minute=42))], notify=False)
        assert len(heard) == 1  # not sent: the receiver sends it itself, with result.keys
        assert result.keys == [(station.pk, 2051, T0.replace(minute=42))]
    finally:
        readings_stored.disconnect(listener)


def test_stations_of_one_batch_are_marked_seen_by_version_and_flagged_state(station):
    other = station_create(mn="010000A8900016F000169DC1", password=PW, name="Second", lon=116.41, lat=39.91)
    old = station_create(mn="010000A8900016F000169DC2", password=PW, name="2005 logger", lon=116.42, lat=39.92)
    clean = {"a34004": {"Avg": 30.0, "Flag": "N"}}

    readings_store(
        [
            minute_packet(),  # CO flagged D
            minute_packet(mn=other.mn, values=clean),
            minute_packet(mn=old.mn, values=clean, flag=None),
        ],
        received_at=T0,
    )

    states = {s.mn: (s.last_seen_at, s.protocol_version, s.last_data_flagged) for s in Station.objects.all()}
    assert states == {MN: (T0, 2017, True), other.mn: (T0, 2017, False), old.mn: (T0, 2005, False)}
