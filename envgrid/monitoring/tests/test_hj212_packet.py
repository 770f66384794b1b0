"""parse_frame and the frame builders: the standard's examples, public samples, every refusal, and fuzzing."""

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envgrid.monitoring.hj212.crc import crc16, crc16_modbus
from envgrid.monitoring.hj212.errors import FrameError
from envgrid.monitoring.hj212.packet import (
    CHINA,
    Packet,
    build_data_ack,
    build_data_frame,
    build_frame,
    build_notice_ack,
    build_request_ack,
    parse_frame,
)
from envgrid.monitoring.hj212.samples import SAMPLES

STANDARD_FRAME = SAMPLES["standard_1062"].frame
HEADER = "QN=20261101081502123;ST=22;CN=2051;PW=123456;MN=010000A8900016F000169DC0;Flag=4"
MINUTE_CP = "DataTime=20261101081000;a34004-Avg=35.20,a34004-Flag=N;a21026-Avg=6,a21026-Flag=D"


def frame_of(segment: str) -> bytes:
    """A frame with the right length and CRC around any segment (so the test reaches the check it means)."""
    return build_frame(segment, max_length=9999)


def raw_frame_of(segment: bytes) -> bytes:
    return b"##%04d%s%04X\r\n" % (len(segment), segment, crc16(segment))


def refusal(frame: bytes, *, strict: bool = True) -> FrameError:
    with pytest.raises(FrameError) as caught:
        parse_frame(frame, strict=strict)
    return caught.value


# --- what must be accepted ------------------------------------------------------------------------------


def test_the_standards_worked_frame_parses_with_every_header_field():
    packet = parse_frame(STANDARD_FRAME)

    assert (packet.st, packet.cn, packet.pw, packet.mn) == ("32", "1062", "100000", "010000A8900016F000169DC0")
    assert packet.qn == "20160801085857223"
    assert packet.qn_time == datetime(2016, 8, 1, 8, 58, 57, 223000, tzinfo=CHINA)
    assert (packet.flag, packet.version, packet.split, packet.needs_ack) == (5, 2017, False, True)
    assert packet.params == {"RtdInterval": 30}
    assert packet.values == {}
    assert packet.mn_is_standard
    assert packet.to_frame() == STANDARD_FRAME


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_public_samples_get_the_verdict_recorded_for_them(name):
    sample = SAMPLES[name]
    for strict, expected in ((True, sample.strict_error), (False, sample.lenient_error)):
        try:
            parse_frame(sample.frame, strict=strict)
            outcome = None
        except FrameError as error:
            outcome = error.code

        assert outcome == expected, (strict, outcome)


def test_minute_data_come_back_as_floats_with_flags_and_the_raw_text_kept():
    packet = parse_frame(frame_of(f"{HEADER};CP=&&{MINUTE_CP}&&"))

    assert packet.data_time == datetime(2026, 11, 1, 8, 10, tzinfo=CHINA)
    assert packet.values == {"a34004": {"Avg": 35.2, "Flag": "N"}, "a21026": {"Avg": 6.0, "Flag": "D"}}
    assert packet.cp_raw["a34004-Avg"] == "35.20"
    assert packet.data_time.utcoffset() == timedelta(hours=8)


def test_a_lower_case_crc_is_accepted():
    frame = STANDARD_FRAME.replace(b"1C80", b"1c80")

    assert parse_frame(frame).cn == "1062"
    assert parse_frame(SAMPLES["water_2011_flag8_lowercase_crc"].frame).version == 2025


def test_a_2005_packet_without_qn_or_flag_is_version_2005_and_wants_no_answer():
    packet = parse_frame(
        frame_of("ST=32;CN=2011;PW=123456;MN=88888880000001;CP=&&DataTime=20200921174057;011-Rtd=3.1&&")
    )

    assert (packet.qn, packet.qn_time, packet.flag) == (None, None, None)
    assert (packet.version, packet.split, packet.needs_ack) == (2005, False, False)
    assert packet.values == {"011": {"Rtd": 3.1}}
    assert not packet.mn_is_standard


@pytest.mark.parametrize(
    ("flag", "version", "split", "ack"),
    [
        (0, 2005, False, False),
        (1, 2005, False, True),
        (4, 2017, False, False),
        (5, 2017, False, True),
        (6, 2017, True, False),
        (7, 2017, True, True),
        (8, 2025, False, False),
        (9, 2025, False, True),
        (11, 2025, True, True),
    ],
)
def test_flag_decodes_into_version_split_and_ack(flag, version, split, ack):
    parts = ";PNUM=3;PNO=2" if split else ""
    packet = parse_frame(frame_of(f"QN=20261101081502123;ST=22;CN=2011;PW=1;MN=M;Flag={flag}{parts};CP=&&&&"))

    assert (packet.flag, packet.version, packet.split, packet.needs_ack) == (flag, version, split, ack)
    assert (packet.pnum, packet.pno) == ((3, 2) if split else (None, None))


def test_a_key_given_twice_with_the_same_value_is_accepted():
    packet = parse_frame(frame_of(f"{HEADER};CP=&&a05002-Cou=0.00,a05002-Flag=N;a24088-Cou=1,a05002-Flag=N&&"))

    assert packet.values["a05002"] == {"Cou": 0.0, "Flag": "N"}


def test_cp_items_of_every_kind_are_converted():
    cp = (
        "DataTime=20261101081000;QnRtn=1;PolId=w01018;SB1-RS=1,SB1-RT=23.5;w01018-ZsAvg=1.5e2,w01018-EFlag=Ab1;"
        "w01018-SampleTime=20261101080500;i12001-Info=站点;LA-Data=-3.5"
    )
    packet = parse_frame(frame_of(f"{HEADER};CP=&&{cp}&&"))

    assert packet.params == {"DataTime": datetime(2026, 11, 1, 8, 10, tzinfo=CHINA), "QnRtn": 1, "PolId": "w01018"}
    assert packet.values["SB1"] == {"RS": 1, "RT": 23.5}
    assert packet.values["w01018"] == {
        "ZsAvg": 150.0,
        "EFlag": "Ab1",
        "SampleTime": datetime(2026, 11, 1, 8, 5, tzinfo=CHINA),
    }
    assert packet.values["i12001"] == {"Info": "站点"}
    assert packet.values["LA"] == {"Data": -3.5}


def test_lenient_mode_accepts_field_quirks_that_strict_mode_refuses():
    quirky = frame_of("ST=101;CN=2011;PW=1;MN=M;Extra=1;CP=&&DataTime=20210305003817123;a34004-Rtd=1,a34004-Flag=N;&&")

    assert refusal(quirky).code == "bad_field"
    packet = parse_frame(quirky, strict=False)
    assert packet.st == "101"
    assert packet.data_time == datetime(2021, 3, 5, 0, 38, 17, 123000, tzinfo=CHINA)
    assert packet.values == {"a34004": {"Rtd": 1.0, "Flag": "N"}}


# --- what must be refused, one error code at a time -------------------------------------------------------


def test_bad_header():
    error = refusal(b"$#" + STANDARD_FRAME[2:])

    assert (error.code, error.offset) == ("bad_header", 0)


@pytest.mark.parametrize("length", [b"01a1", b"101\x00", b"-101", b" 101", b"\xd9\xa1\xd9\xa1"])
def test_bad_length_field(length):
    assert refusal(b"##" + length + STANDARD_FRAME[6:]).code == "bad_length"


def test_too_long_in_strict_mode_only():
    segment = f"{HEADER};CP=&&PolId={'x' * (1025 - len(HEADER) - 14)}&&"
    frame = frame_of(segment)
    assert len(segment.encode()) == 1025

    assert refusal(frame).code == "too_long"
    assert parse_frame(frame, strict=False).params["PolId"].startswith("xxx")


def test_a_length_field_that_disagrees_with_the_segment_is_refused():
    assert refusal(b"##0100" + STANDARD_FRAME[6:]).code == "length_mismatch"
    assert refusal(b"##0102" + STANDARD_FRAME[6:]).code == "length_mismatch"
    assert refusal(b"##0101").code == "length_mismatch"


def test_the_length_counts_bytes_not_characters():
    segment = f"{HEADER};CP=&&i12001-Info=扬尘监测点&&"
    good = frame_of(segment)
    counted_in_characters = b"##%04d" % len(segment) + good[6:]

    assert parse_frame(good).values["i12001"]["Info"] == "扬尘监测点"
    assert refusal(counted_in_characters).code == "length_mismatch"


@pytest.mark.parametrize("ending", [b"", b"\n", b"\r", b"\n\r", b"\r\r"])
def test_missing_crlf(ending):
    assert refusal(STANDARD_FRAME[:-2] + ending).code == "missing_crlf"


def test_a_wrong_crc_is_refused_and_the_message_names_both_values():
    error = refusal(STANDARD_FRAME.replace(b"1C80", b"1C08"))

    assert error.code == "bad_crc"
    assert "1C08" in error.message and "1C80" in error.message
    assert error.offset == 107


@pytest.mark.parametrize("swap", [False, True])
def test_a_modbus_crc_in_either_byte_order_is_refused_and_recognised(swap):
    segment = STANDARD_FRAME[6:-6]
    modbus = crc16_modbus(segment)
    if swap:
        modbus = ((modbus & 0xFF) << 8) | (modbus >> 8)

    error = refusal(b"##0101" + segment + b"%04X\r\n" % modbus)

    assert error.code == "bad_crc"
    assert "MODBUS" in error.message


def test_a_crc_that_is_not_hex_is_refused():
    assert refusal(STANDARD_FRAME.replace(b"1C80", b"ZZZZ")).code == "bad_crc"
    assert refusal(STANDARD_FRAME.replace(b"1C80", b" 1C8")).code == "bad_crc"


def test_bytes_that_are_not_utf8_are_refused_with_their_offset():
    error = refusal(raw_frame_of(HEADER.encode() + b";CP=&&i12001-Info=\xff\xfe&&"))

    assert error.code == "bad_encoding"
    assert error.offset == 6 + len(HEADER) + len(";CP=&&i12001-Info=")


@pytest.mark.parametrize("control", ["\x00", "\t", "\n", "\x1b"])
def test_control_characters_in_the_segment_are_refused(control):
    assert refusal(frame_of(f"{HEADER};CP=&&PolId=a{control}b&&")).code == "bad_encoding"


@pytest.mark.parametrize(
    "segment",
    [
        "QN=20261101081502123;ST=22;CN=2051;PW=1;Flag=4;CP=&&&&",  # no MN
        "QN=20261101081502123;CN=2051;PW=1;MN=M;Flag=4;CP=&&&&",  # no ST
        "QN=20261101081502123;ST=22;CN=2051;MN=M;PW=1;Flag=4",  # no CP
        "QN=20261101081502123;ST=22;CN=2051;PW=1;MN=M;Flag=7;CP=&&&&",  # split without PNUM/PNO
        "QN=20261101081502123;ST=22;CN=2051;PW=1;MN=M;Flag=7;PNUM=2;CP=&&&&",  # PNO missing
    ],
)
def test_missing_field(segment):
    assert refusal(frame_of(segment)).code == "missing_field"


@pytest.mark.parametrize(
    "segment",
    [
        "QN=1;ST=22;CN=2051;PW=1;MN=M;Flag=4;CP=&&&&",  # QN not 17 digits
        "ST=2;CN=2051;PW=1;MN=M;CP=&&&&",  # ST of one character
        "ST=2a;CN=2051;PW=1;MN=M;CP=&&&&",  # lower case ST
        "ST=22;CN=20511;PW=1;MN=M;CP=&&&&",
        "ST=22;CN=2051;PW=1;MN=;CP=&&&&",
        "ST=22;CN=2051;ST=22;PW=1;MN=M;CP=&&&&",  # a header field twice
        "ST=22;CN=2051;PW=1;MN=M;Foo=1;CP=&&&&",  # unknown in strict mode
        "ST=22;CN=2051;PW=1;MN=M;Flag=12;CP=&&&&",  # version bits 3
        "ST=22;CN=2051;PW=1;MN=M;Flag=256;CP=&&&&",
        "ST=22;CN=2051;PW=1;MN=M;Flag=x;CP=&&&&",
        "ST=22;CN=2051;PW=1;MN=M;Flag=6;PNUM=2;PNO=3;CP=&&&&",  # PNO > PNUM
        "ST=22;CN=2051;PW=1;MN=M;Flag=6;PNUM=0;PNO=0;CP=&&&&",
        "ST=22;CN=2051;PW=1;MN=M;Flag=5CP=&&&&",  # HJ 212-2017 C.19's typo: no ';'
        "ST=22;CN=2051;PW=1;MN=M;CP=&&a34004-Avg=1&",  # CP not closed
        "ST=22;CN=2051;PW=1;MN=M;CP=&&a34004-Avg=1&&b=2&&",  # '&' inside CP
        "ST=22;CN=2051;PW=1;MN=M;CP=&&a34004-Avg&&",  # item without '='
        "ST=22;CN=2051;PW=1;MN=M;CP=&&a34004-Avg=1=2&&",
        "ST=22;CN=2051;PW=1;MN=M;CP=&&a34004-Avg=1;;a21026-Avg=2&&",  # empty item (strict)
        "ST=22;CN=2051;PW=1;MN=M;CP=&&=1&&",  # empty key
        "ST=22;CN=2051;PW=1;MN=M;CP=&&a 34004-Avg=1&&",
        "ST=22;CN=2051;PW=1;MN=M;CP=&&a34004-Avg=1,a34004-Avg=2&&",  # a key twice, two values
    ],
)
def test_bad_field(segment):
    assert refusal(frame_of(segment)).code == "bad_field"


@pytest.mark.parametrize(
    "segment",
    [
        "QN=20160230085857223;ST=22;CN=2051;PW=1;MN=M;Flag=4;CP=&&&&",  # 30 February
        "ST=22;CN=2051;PW=1;MN=M;CP=&&DataTime=20261301000000&&",  # month 13
        "ST=22;CN=2051;PW=1;MN=M;CP=&&DataTime=20261101246000&&",  # hour 24
        "ST=22;CN=2051;PW=1;MN=M;CP=&&DataTime=2026110108100&&",  # 13 digits
        "ST=22;CN=2051;PW=1;MN=M;CP=&&DataTime=20261101081000000&&",  # 17 digits (strict)
        "ST=22;CN=2051;PW=1;MN=M;CP=&&DataTime=2026-11-01 08:10&&",
        "ST=22;CN=2051;PW=1;MN=M;CP=&&a34004-SampleTime=00000000000000&&",
    ],
)
def test_bad_datetime(segment):
    assert refusal(frame_of(segment)).code == "bad_datetime"


@pytest.mark.parametrize(
    "item",
    [
        "a34004-Avg=abc",
        "a34004-Avg=",
        "a34004-Avg=nan",
        "a34004-Avg=-inf",
        "a34004-Avg=Infinity",
        "a34004-Avg=1e999",
        "a34004-Avg=1_000",
        "a34004-Avg= 12",
        "a34004-Avg=١٢",
        "a34004-Avg=0x10",
        "a34004-Flag=NN",
        "a34004-Flag=",
        "a34004-Flag=é",
        "a34004-EFlag=ABCDE",
        "SB1-RS=-1",
        "QnRtn=x",
        "RtdInterval=3.5",
    ],
)
def test_bad_value(item):
    error = refusal(frame_of(f"ST=22;CN=2051;PW=1;MN=M;CP=&&{item}&&"))

    assert error.code == "bad_value"
    assert item.split("=")[0] in error.message


def test_parse_frame_takes_bytearray_and_memoryview():
    assert parse_frame(bytearray(STANDARD_FRAME)).cn == "1062"
    assert parse_frame(memoryview(STANDARD_FRAME)).cn == "1062"


# --- builders -------------------------------------------------------------------------------------------


def test_build_frame_adds_byte_length_crc_and_crlf():
    assert build_frame(STANDARD_FRAME[6:-6].decode()) == STANDARD_FRAME
    assert build_frame("i12001-Info=站")[:6] == b"##0015"  # 12 ASCII bytes and 3 UTF-8 bytes
    with pytest.raises(ValueError, match="1025 bytes"):
        build_frame("x" * 1025)


def test_the_data_ack_echoes_qn_pw_and_mn_with_st_91_cn_9014_and_flag_4():
    upload = parse_frame(frame_of(f"{HEADER[:-1]}5;CP=&&{MINUTE_CP}&&"))

    ack = build_data_ack(upload)

    assert ack == frame_of("QN=20261101081502123;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&")
    assert parse_frame(ack).needs_ack is False


def test_answers_keep_the_protocol_version_and_drop_fields_the_request_lacks():
    packet_2025 = parse_frame(frame_of("QN=20261101081502123;ST=21;CN=2011;PW=1;MN=M;Flag=9;CP=&&&&"))
    packet_2005 = parse_frame(frame_of("ST=32;CN=2011;PW=1;MN=M;CP=&&&&"))

    assert b";Flag=8;CP=&&&&" in build_data_ack(packet_2025)
    assert build_data_ack(packet_2005) == frame_of("ST=91;CN=9014;PW=1;MN=M;CP=&&&&")


def test_request_and_notice_answers():
    request = parse_frame(STANDARD_FRAME)

    assert parse_frame(build_request_ack(request, 1)).params == {"QnRtn": 1}
    assert parse_frame(build_request_ack(request, 9)).cn == "9011"
    assert parse_frame(build_notice_ack(request)).cn == "9013"


def test_build_data_frame_round_trips_through_parse_frame():
    moment = datetime(2026, 11, 1, 0, 10, tzinfo=UTC)  # 08:10 in China
    frame = build_data_frame(
        st="22",
        cn="2051",
        pw="123456",
        mn="010000A8900016F000169DC0",
        data_time=moment,
        qn=moment + timedelta(seconds=2, milliseconds=7),
        flag=5,
        values={"a34004": {"Avg": 35.25, "Flag": "N"}, "a05024": {"Min": 0.1, "Avg": -0.0, "Max": 120, "Flag": "C"}},
    )

    packet = parse_frame(frame)
    assert b"DataTime=20261101081000;a34004-Avg=35.25,a34004-Flag=N;a05024-Min=0.1,a05024-Avg=0" in frame
    assert packet.qn == "20261101081002007"
    assert packet.data_time == moment
    assert packet.values == {
        "a34004": {"Avg": 35.25, "Flag": "N"},
        "a05024": {"Min": 0.1, "Avg": 0.0, "Max": 120.0, "Flag": "C"},
    }
    assert packet.needs_ack


def test_build_data_frame_makes_split_parts_and_refuses_naive_times():
    part = parse_frame(
        build_data_frame(
            st="22", cn="2051", pw="1", mn="M", data_time=datetime(2026, 1, 1, tzinfo=CHINA), values={}, pnum=2, pno=1
        )
    )
    assert (part.split, part.pnum, part.pno, part.flag) == (True, 2, 1, 6)
    old_style = parse_frame(
        build_data_frame(
            st="32", cn="2011", pw="1", mn="M", data_time=datetime(2026, 1, 1, tzinfo=CHINA), values={}, flag=None
        )
    )
    assert (old_style.flag, old_style.version, old_style.qn) == (None, 2005, None)
    with pytest.raises(ValueError, match="aware"):
        build_data_frame(st="22", cn="2051", pw="1", mn="M", data_time=datetime(2026, 1, 1), values={})  # noqa: DTZ001


# --- fuzzing ------------------------------------------------------------------------------------------------

VALID_FRAMES = [sample.frame for sample in SAMPLES.values() if sample.lenient_error is None] + [
    frame_of(f"{HEADER};CP=&&{MINUTE_CP}&&"),
    frame_of(f"QN=20261101081502123;ST=22;CN=2051;PW=1;MN=M;Flag=7;PNUM=2;PNO=1;CP=&&{MINUTE_CP}&&"),
]
NASTY_TOKENS = [
    "",
    "nan",
    "inf",
    "-1e999",
    "1_0",
    " 1",
    "١",
    "&",
    "&&",
    "=",
    ";",
    ",",
    "-",
    "CP=&&",
    "##",
    "\r\n",
    "\x00",
    "Flag=7",
    "PNUM=2;PNO=3",
    "9" * 30,
    "20261301000000",
    "é",
    "数据",
    "QN=",
    "a34004-Flag=N",
    "DataTime=",
]


def check_outcome(frame: bytes) -> None:
    """parse_frame gives a Packet that survives a round trip, or a FrameError; never anything else."""
    for strict in (True, False):
        try:
            packet = parse_frame(frame, strict=strict)
        except FrameError as error:
            assert error.code.value and error.message
            continue
        assert isinstance(packet, Packet)
        again = parse_frame(packet.to_frame(), strict=strict)
        assert again.segment == packet.segment
        assert again.values == packet.values and again.params == packet.params
        for items in packet.values.values():
            assert all(math.isfinite(value) for value in items.values() if isinstance(value, float))


@st.composite
def mutated_frames(draw):
    """A valid frame with byte edits, token swaps, and (usually) a repaired length and CRC to get past them."""
    frame = bytearray(draw(st.sampled_from(VALID_FRAMES)))
    segment = frame[6:-6]
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(segment)))
        edit = draw(st.sampled_from(["replace", "insert", "delete", "token", "truncate"]))
        if edit == "replace" and at < len(segment):
            segment[at] = draw(st.integers(0, 255))
        elif edit == "insert":
            segment[at:at] = draw(st.binary(min_size=1, max_size=4))
        elif edit == "delete":
            del segment[at : at + draw(st.integers(1, 8))]
        elif edit == "token":
            end = at + draw(st.integers(0, 12))
            segment[at:end] = draw(st.sampled_from(NASTY_TOKENS)).encode()
        elif edit == "truncate":
            del segment[at:]
    if draw(st.booleans()):
        return bytes(frame[:6] + segment + frame[-6:])  # the length and CRC now disagree
    return raw_frame_of(bytes(segment))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=1200))
def test_arbitrary_bytes_give_a_packet_or_a_frame_error(data):
    check_outcome(data)
    check_outcome(b"##%04d" % len(data) + data)


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_frames())
def test_mutated_valid_frames_give_a_packet_or_a_frame_error(frame):
    check_outcome(frame)
