"""``manage.py hj212 parse``: one JSON object per frame, exit status 1 when a frame is refused (no database)."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from envgrid.monitoring.hj212.samples import SAMPLES

GOOD = [SAMPLES["standard_1062"].frame, SAMPLES["air_station_2051"].frame]
MODBUS = SAMPLES["field_modbus_crc"].frame


def run_parse(*args, stdin: bytes | None = None) -> tuple[list[dict], CommandError | None]:
    out = io.StringIO()
    error = None
    try:
        call_command("hj212", "parse", *args, stdout=out, stdin=io.BytesIO(stdin) if stdin is not None else None)
    except CommandError as exc:
        error = exc
    return [json.loads(line) for line in out.getvalue().splitlines()], error


def test_good_frames_from_a_file_print_their_fields_values_and_flags(tmp_path):
    path = tmp_path / "frames.txt"
    path.write_bytes(b"".join(GOOD))

    results, error = run_parse(str(path))

    assert error is None
    assert [result["cn"] for result in results] == ["1062", "2051"]
    standard, minute = results
    assert standard["flag"] == {"value": 5, "version": 2017, "split": False, "ack": True}
    assert standard["params"] == {"RtdInterval": 30}
    assert minute["data_time"] == "2022-05-13T16:26:00+08:00"
    assert minute["values"]["a34004"] == {"Avg": 14.0}
    assert minute["flags"]["a34004"] == "N"
    assert minute["warnings"] == ["MN is not the standard's 24 hex digits"]


def test_a_refused_frame_prints_its_error_and_the_command_exits_1():
    lines = GOOD[0] + MODBUS.replace(b"\r\n", b"\n") + b"\n   \n" + b"not a frame\n"

    results, error = run_parse(stdin=lines)

    assert [result["ok"] for result in results] == [True, False, False]
    assert [result["line"] for result in results] == [1, 2, 5]  # blank lines skipped, still counted
    assert results[1]["error"] == "bad_crc" and "MODBUS" in results[1]["message"]
    assert results[1]["frame"] == MODBUS[:80].decode()
    assert results[2]["error"] == "bad_header"
    assert error is not None and error.returncode == 1
    assert str(error) == "2 of 3 frames refused"


def test_lenient_mode_accepts_field_quirks():
    frame = SAMPLES["field_2005_three_char_st"].frame

    strict, strict_error = run_parse(stdin=frame)
    lenient, lenient_error = run_parse("--lenient", stdin=frame)

    assert strict[0]["error"] == "bad_field" and strict_error is not None
    assert lenient[0]["st"] == "101" and lenient_error is None


def test_a_raw_stream_goes_through_the_splitter():
    stream = b"garbage" + GOOD[0] + GOOD[1][:30]

    results, error = run_parse("--stream", stdin=stream)

    assert [(result["ok"], result.get("error")) for result in results] == [
        (False, "garbage"),
        (True, None),
        (False, "truncated"),
    ]
    assert results[0]["frame"] == "garbage"
    assert error is not None


def test_parse_is_the_registered_subcommand():
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("hj212", "nonsense")


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("hj212", "parse", str(tmp_path / "none.txt"))
