"""FrameSplitter (TCP stream framing) and SplitReassembler (PNUM/PNO messages)."""

from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envgrid.monitoring.hj212.errors import FrameError
from envgrid.monitoring.hj212.packet import CHINA, build_data_frame, build_frame, parse_frame
from envgrid.monitoring.hj212.samples import SAMPLES
from envgrid.monitoring.hj212.stream import FrameSplitter, SplitReassembler

FRAME = SAMPLES["standard_1062"].frame
OTHER = SAMPLES["air_station_2051"].frame


def summary(items):
    """Frames as bytes, refusals as (code, offset): comparable lists."""
    return [item if isinstance(item, bytes) else (item.code.value, item.offset) for item in items]


def feed_in_pieces(data: bytes, cuts: list[int], splitter: FrameSplitter | None = None):
    splitter = splitter or FrameSplitter()
    out, start = [], 0
    for cut in sorted(set(cuts)) + [len(data)]:
        out += splitter.feed(data[start:cut])
        assert splitter.buffered <= splitter.max_buffered
        start = cut
    return out + splitter.finish()


# --- FrameSplitter ------------------------------------------------------------------------------------


def test_one_frame_in_one_chunk():
    splitter = FrameSplitter()

    assert splitter.feed(FRAME) == [FRAME]
    assert splitter.buffered == 0


def test_two_frames_in_one_chunk():
    assert FrameSplitter().feed(FRAME + OTHER) == [FRAME, OTHER]


def test_a_frame_fed_byte_by_byte_comes_out_once_at_its_last_byte():
    splitter = FrameSplitter()
    outputs = [splitter.feed(FRAME[i : i + 1]) for i in range(len(FRAME))]

    assert outputs[:-1] == [[]] * (len(FRAME) - 1)
    assert outputs[-1] == [FRAME]


def test_garbage_before_a_frame_is_one_error_with_its_byte_count_even_across_feeds():
    splitter = FrameSplitter()

    first = splitter.feed(b"AT+CSQ\r\nOK")
    second = splitter.feed(b"\x00\xff#x" + FRAME)

    assert first == []
    assert summary(second) == [("garbage", 0), FRAME]
    assert second[0].message == "14 bytes before the next '##' dropped"
    assert second[0].raw == b"AT+CSQ\r\nOK\x00\xff#x"


def test_blank_lines_between_frames_are_not_reported():
    assert FrameSplitter().feed(FRAME + b"\r\n\n" + OTHER + b"\n") == [FRAME, OTHER]


def test_extra_hashes_before_a_header_are_garbage():
    assert summary(FrameSplitter().feed(b"#" + FRAME)) == [("garbage", 0), FRAME]
    assert summary(FrameSplitter().feed(b"###" + FRAME)) == [("garbage", 0), FRAME]


def test_a_header_without_length_digits_is_refused_and_the_next_frame_recovered():
    out = FrameSplitter().feed(b"##ab;QN=" + FRAME)

    assert summary(out) == [("bad_length", 0), FRAME]
    assert out[0].raw.startswith(b"##ab;QN=##0101")


def test_a_claim_over_the_limit_is_refused_at_once_and_the_next_frame_recovered():
    splitter = FrameSplitter()

    out = splitter.feed(b"##9999QN=1;" + FRAME)

    assert summary(out) == [("too_long", 0), FRAME]
    assert "9999-byte" in out[0].message


def test_a_length_too_long_for_its_frame_is_refused_as_soon_as_crlf_shows():
    short_claim = b"##0500" + FRAME[6:]  # claims 500 bytes, carries 101 and waits for no more
    splitter = FrameSplitter()

    out = splitter.feed(short_claim)

    assert summary(out) == [("length_mismatch", 0)]
    assert splitter.feed(OTHER) == [OTHER]


def test_a_frame_without_crlf_where_its_length_says_is_refused():
    broken = b"##0101" + FRAME[6:-2] + b"XX"

    assert summary(FrameSplitter().feed(broken + FRAME)) == [("missing_crlf", 0), FRAME]


def test_refusal_offsets_count_from_the_start_of_the_stream():
    splitter = FrameSplitter()
    splitter.feed(FRAME)

    out = splitter.feed(b"junk" + b"##0a" + FRAME)

    assert summary(out) == [("garbage", len(FRAME)), ("bad_length", len(FRAME) + 4), FRAME]


def test_finish_reports_an_unfinished_frame_and_unreported_garbage():
    splitter = FrameSplitter()
    splitter.feed(FRAME[:50])
    assert summary(splitter.finish()) == [("truncated", 0)]

    splitter.feed(b"trailing junk")
    assert summary(splitter.finish()) == [("garbage", 50)]
    assert splitter.buffered == 0


def test_memory_stays_bounded_whatever_arrives():
    splitter = FrameSplitter()

    splitter.feed(b"x" * 1_000_000)
    assert splitter.buffered == 0
    splitter.feed(b"#" * 3)
    assert splitter.buffered <= 2
    assert splitter.feed(b"##1024" + b"a" * 1029) == []  # one byte short of a whole 1024-byte frame
    assert splitter.buffered == splitter.max_buffered == 1035
    out = splitter.feed(b"b")
    assert summary(out) == [("garbage", 0), ("missing_crlf", 1_000_003)]
    assert out[0].message == "1000003 bytes before the next '##' dropped"
    assert len(out[0].raw) == 256
    assert splitter.buffered == 0


def test_max_segment_can_be_raised_for_devices_that_exceed_1024():
    big = build_frame("PolId=" + "x" * 1100, max_length=9999)

    assert summary(FrameSplitter().feed(big)) == [("too_long", 0)]
    assert FrameSplitter(max_segment=9999).feed(big) == [big]


def test_counters_for_the_status_page():
    splitter = FrameSplitter()
    splitter.feed(b"xx" + FRAME + b"##ab" + OTHER)

    assert (splitter.frames, splitter.refused, splitter.dropped_bytes) == (2, 2, 6)


@st.composite
def streams(draw):
    pieces = draw(
        st.lists(
            st.one_of(
                st.sampled_from([FRAME, OTHER, b"\r\n", b"#", b"##", b"##0", b"##9999", b"##0500", FRAME[:40]]),
                st.binary(max_size=40),
            ),
            max_size=12,
        )
    )
    data = b"".join(pieces)
    cuts = draw(st.lists(st.integers(0, len(data)), max_size=10))
    return data, cuts


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(streams())
def test_the_output_does_not_depend_on_how_the_stream_is_cut_and_memory_stays_bounded(stream):
    data, cuts = stream

    in_pieces = feed_in_pieces(data, cuts)
    byte_by_byte = feed_in_pieces(data, list(range(len(data))))
    at_once = FrameSplitter().feed(data)

    assert summary(in_pieces) == summary(byte_by_byte)
    assert summary(at_once) == summary(in_pieces)[: len(at_once)]
    for item in in_pieces:
        assert isinstance(item, bytes | FrameError)
        if isinstance(item, bytes):
            assert item.startswith(b"##") and item.endswith(b"\r\n") and len(item) == int(item[2:6]) + 12


@st.composite
def pieces(draw):
    return draw(
        st.lists(
            st.one_of(
                st.sampled_from([FRAME, OTHER, FRAME + OTHER, b"\r\n", b"##", b"##0500", FRAME[:40], FRAME[40:]]),
                st.sampled_from([FRAME.replace(b"CN=", b"C\rN"), b"##" + FRAME[2:].replace(b"0", b"1", 1)]),
                st.binary(max_size=40),
            ),
            max_size=12,
        )
    )


def counters(splitter: FrameSplitter) -> tuple:
    return splitter.frames, splitter.refused, splitter.dropped_bytes, splitter.buffered


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(pieces())
def test_whole_frames_fed_one_per_call_take_the_fast_path_with_the_same_output_and_counters(chunks):
    # A device writes one frame and waits: most feeds are exactly one frame, which the splitter returns
    # without the general scan. Feeding the same bytes a piece at a time or a byte at a time must not differ.
    fast, slow = FrameSplitter(), FrameSplitter()
    fast_out = [item for chunk in chunks for item in fast.feed(chunk)]
    slow_out = [item for byte in b"".join(chunks) for item in slow.feed(bytes([byte]))]

    assert summary(fast_out) == summary(slow_out)
    assert counters(fast) == counters(slow)
    assert summary(fast.finish()) == summary(slow.finish())


def test_a_whole_frame_after_unreported_garbage_comes_after_the_garbage_error():
    splitter = FrameSplitter()

    assert splitter.feed(b"junk") == []
    out = splitter.feed(FRAME)
    assert summary(out) == [("garbage", 0), FRAME]
    assert summary(splitter.feed(FRAME)) == [FRAME]
    assert summary(splitter.feed(b"xy" + OTHER)) == [("garbage", 4 + 2 * len(FRAME)), OTHER]


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.binary(max_size=3000), max_size=8))
def test_arbitrary_bytes_never_grow_the_buffer_past_one_frame(chunks):
    splitter = FrameSplitter()
    for chunk in chunks:
        for item in splitter.feed(chunk):
            assert isinstance(item, bytes | FrameError)
        assert splitter.buffered <= splitter.max_buffered
    assert all(isinstance(item, FrameError) for item in splitter.finish())


# --- SplitReassembler -----------------------------------------------------------------------------------

QN = "20261101081502123"


def part(pno: int, values: dict, *, pnum: int = 3, qn: str = QN, cn: str = "2051", mn: str = "M") -> object:
    return parse_frame(
        build_data_frame(
            st="22",
            cn=cn,
            pw="1",
            mn=mn,
            qn=qn,
            flag=5,
            data_time=datetime(2026, 11, 1, 8, 10, tzinfo=CHINA),
            values=values,
            pnum=pnum,
            pno=pno,
        )
    )


PARTS = {
    1: {"a34004": {"Avg": 35.0, "Flag": "N"}},
    2: {"a34002": {"Avg": 60.0, "Flag": "N"}},
    3: {"a21026": {"Avg": 6.0, "Flag": "D"}},
}


def test_parts_arriving_out_of_order_merge_when_the_last_one_is_in():
    reassembler = SplitReassembler()

    assert reassembler.add(part(3, PARTS[3]), now=0) is None
    assert reassembler.add(part(1, PARTS[1]), now=1) is None
    merged = reassembler.add(part(2, PARTS[2]), now=2)

    assert merged.values == {**PARTS[1], **PARTS[2], **PARTS[3]}
    assert merged.data_time == datetime(2026, 11, 1, 8, 10, tzinfo=CHINA)
    assert [p.pno for p in merged.parts] == [1, 2, 3]
    assert (merged.pnum, merged.pno, merged.qn) == (3, None, QN)
    assert merged.cp_raw["a21026-Flag"] == "D"
    assert len(reassembler) == 0


def test_a_repeated_part_is_ignored():
    reassembler = SplitReassembler()
    reassembler.add(part(1, PARTS[1]), now=0)

    assert reassembler.add(part(1, PARTS[1]), now=1) is None
    assert reassembler.add(part(2, PARTS[2]), now=2) is None
    assert reassembler.add(part(3, PARTS[3]), now=3) is not None
    assert reassembler.duplicates == 1


def test_a_packet_that_is_not_split_passes_straight_through():
    packet = parse_frame(FRAME)

    assert SplitReassembler().add(packet) is packet


def test_parts_of_different_messages_do_not_mix():
    reassembler = SplitReassembler()
    reassembler.add(part(1, PARTS[1], pnum=2), now=0)
    reassembler.add(part(1, PARTS[1], pnum=2, cn="2061"), now=0)
    reassembler.add(part(1, PARTS[1], pnum=2, mn="OTHER"), now=0)

    merged = reassembler.add(part(2, PARTS[2], pnum=2, cn="2061"), now=1)

    assert merged.cn == "2061"
    assert len(reassembler) == 2


def test_parts_that_disagree_on_a_value_are_refused():
    reassembler = SplitReassembler()
    reassembler.add(part(1, PARTS[1], pnum=2), now=0)

    with pytest.raises(FrameError) as caught:
        reassembler.add(part(2, {"a34004": {"Avg": 36.0}}, pnum=2), now=1)
    assert caught.value.code == "split_conflict"


def test_incomplete_messages_expire_after_the_timeout():
    reassembler = SplitReassembler(timeout=60)
    reassembler.add(part(2, PARTS[2]), now=0)

    assert reassembler.expire(now=60) == []
    expired = reassembler.expire(now=61)

    assert [error.code for error in expired] == ["split_expired"]
    assert "2 of 3 parts missing (PNO 1,3)" in expired[0].message
    assert len(reassembler) == 0


def test_a_late_part_of_an_expired_message_starts_again():
    reassembler = SplitReassembler(timeout=60)
    reassembler.add(part(1, PARTS[1], pnum=2), now=0)

    assert reassembler.add(part(2, PARTS[2], pnum=2), now=100) is None
    assert [error.code for error in reassembler.expire(now=100)] == ["split_expired"]
    assert len(reassembler) == 1


def test_the_number_of_open_messages_is_bounded():
    reassembler = SplitReassembler(max_groups=2)
    for number in range(3):
        reassembler.add(part(1, PARTS[1], qn=f"2026110108150212{number}"), now=number)

    assert len(reassembler) == 2
    assert [error.code for error in reassembler.expire(now=3)] == ["split_expired"]
