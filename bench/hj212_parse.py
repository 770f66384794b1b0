"""HJ 212 frame parsing: EnvGrid's parse_frame (full validation) against a bare split parser, and a fuzz run.

Run: ``.venv/bin/python bench/hj212_parse.py [--quick]``. No database, no network.

Data (seeded): 200,000 minute-data frames (CN 2051; 20,000 with --quick) from 500 stations, in arrival
order (each station once a minute, 400 minutes): 70 % air micro-stations (ST 22, 8-12 factors,
Avg + Flag), 30 % flue-gas sources (ST 31, 8-12 factors, Min/Avg/Max, sometimes Cou, + Flag); values
with 0-3 decimals, 5 % of the flags not N, Flag 4 or 5, a 24-hex MN, QN 1-50 s after DataTime with
milliseconds. Frames are 350-1030 bytes, about 540 on average.

Figures, measured in alternating rounds on the same frames ((a) and (b) also interleaved in blocks of
500 frames within each round, so that load from other processes falls on both alike):
(a) EnvGrid ``parse_frame``: header, length, CRC, CRLF, UTF-8, every header field, every CP item
    checked and converted (numbers to float, times to aware datetimes);
(b) baseline: a bare split parser: decode, split on ';' '&&' ',' '=' into the same nested dicts of
    strings; no length, no CRC, no check of anything (what a quick in-house parser does);
(c) the CRC alone: the textbook 256-entry table loop against EnvGrid's folded ``crc16``;
plus the receiver's path (``FrameSplitter`` over 64 KiB chunks, then ``parse_frame``).
The headline is (a) as a fraction of (b) (target >= 0.5).

Fuzz: 1,000,000 inputs (50,000 with --quick): random bytes, valid frames with byte edits, and valid
frames whose segment was edited (token swaps such as nan, 1_0, '&', '=', bad dates) and then given a
correct length and CRC so the input reaches the deep checks. Each goes through ``parse_frame`` (strict,
and lenient for a quarter) and, concatenated, through one ``FrameSplitter`` in random-size chunks.
Every outcome must be a Packet whose rebuilt frame parses the same, or a FrameError; anything else
is an unexpected exception and fails the run. The splitter's buffer is checked after every feed.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

# Run as a plain script from any directory: make the project importable without installing it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from envgrid.monitoring.hj212.crc import crc16, crc16_table  # noqa: E402
from envgrid.monitoring.hj212.errors import FrameError  # noqa: E402
from envgrid.monitoring.hj212.packet import CHINA, Packet, build_data_frame, parse_frame  # noqa: E402
from envgrid.monitoring.hj212.samples import SAMPLES  # noqa: E402
from envgrid.monitoring.hj212.stream import FrameSplitter  # noqa: E402

SEED = 20261127
AIR = ["a34004", "a34002", "a21026", "a21004", "a21005", "a05024", "a01001", "a01002", "a01006", "a01007", "a01008"]
AIR += ["a34001", "a24088"]
FLUE = ["a34013", "a21026", "a21002", "a21003", "a21004", "a19001", "a01011", "a01012", "a01013", "a01014"]
FLUE += ["a00000", "a21005", "a24088"]
RARE_FLAGS = "FMSDCTB"


# --- data ---------------------------------------------------------------------------------------------


def make_frames(rng: random.Random, n: int) -> list[bytes]:
    """Minute data in arrival order: every station once a minute, each with its own upload delay."""
    stations = [(f"{rng.getrandbits(96):024X}", rng.random() < 0.7, rng.uniform(1, 50)) for _ in range(500)]
    start = datetime(2026, 11, 1, tzinfo=CHINA)
    frames: list[bytes] = []
    for minute in range(n):
        data_time = start + timedelta(minutes=minute)
        for mn, is_air, delay in stations:
            frame = minute_frame(rng, mn, is_air, data_time, data_time + timedelta(seconds=delay + rng.random()))
            frames.append(frame)
            if len(frames) == n:
                return frames
    return frames


def minute_frame(rng: random.Random, mn: str, is_air: bool, data_time: datetime, qn: datetime) -> bytes:
    while True:
        codes = rng.sample(AIR if is_air else FLUE, rng.randint(8, 12))
        try:
            return build_data_frame(
                st="22" if is_air else "31",
                cn="2051",
                pw="123456",
                mn=mn,
                data_time=data_time,
                qn=qn,
                flag=rng.choice((4, 5)),
                values={code: reading(rng, is_air) for code in codes},
            )
        except ValueError:  # over 1024 bytes: real loggers split such data; draw again
            continue


def reading(rng: random.Random, is_air: bool) -> dict:
    decimals = rng.randint(0, 3)
    flag = "N" if rng.random() < 0.95 else rng.choice(RARE_FLAGS)
    if is_air:
        return {"Avg": f"{rng.uniform(0, 300):.{decimals}f}", "Flag": flag}
    low = rng.uniform(0, 100)
    items = {
        "Min": f"{low:.{decimals}f}",
        "Avg": f"{low * 1.2:.{decimals}f}",
        "Max": f"{low * 1.5:.{decimals}f}",
    }
    if rng.random() < 0.3:
        items["Cou"] = f"{rng.uniform(0, 5000):.{decimals}f}"
    items["Flag"] = flag
    return items


# --- the baseline ---------------------------------------------------------------------------------------


def bare_split(frame: bytes) -> tuple[dict, dict, dict]:
    """Header fields, other CP keys and {code: {suffix: text}}; no checks at all."""
    text = frame[6:-6].decode()
    head, _, cp = text.partition(";CP=&&")
    header = dict(item.split("=", 1) for item in head.split(";"))
    values: dict[str, dict[str, str]] = {}
    params = {}
    for group in cp[:-2].split(";"):
        for item in group.split(","):
            key, _, value = item.partition("=")
            code, dash, suffix = key.partition("-")
            if dash:
                values.setdefault(code, {})[suffix] = value
            else:
                params[key] = value
    return header, params, values


# --- timing ---------------------------------------------------------------------------------------------


def rate(func, items) -> float:
    start = time.perf_counter()
    for item in items:
        func(item)
    return len(items) / (time.perf_counter() - start)


def paired_rates(first, second, items, block: int = 500) -> tuple[float, float]:
    """Rates of two functions over the same items, interleaved block by block (in turn first), so a
    neighbour's load on this shared machine falls on both alike."""
    spent = [0.0, 0.0]
    for number, at in enumerate(range(0, len(items), block)):
        chunk = items[at : at + block]
        order = ((0, first), (1, second)) if number % 2 == 0 else ((1, second), (0, first))
        for slot, func in order:
            start = time.perf_counter()
            for item in chunk:
                func(item)
            spent[slot] += time.perf_counter() - start
    return len(items) / spent[0], len(items) / spent[1]


def stream_rate(frames: list[bytes]) -> float:
    stream = b"".join(frames)
    start = time.perf_counter()
    splitter = FrameSplitter()
    parsed = 0
    for at in range(0, len(stream), 65536):
        for frame in splitter.feed(stream[at : at + 65536]):
            parse_frame(frame)
            parsed += 1
    elapsed = time.perf_counter() - start
    assert parsed == len(frames)
    return parsed / elapsed


def summary(name: str, samples: list[float], baseline: list[float] | None = None, against: str = "") -> str:
    line = (
        f"{name:<48} median {statistics.median(samples):>11,.0f} frames/s"
        f"  min {min(samples):>11,.0f}  max {max(samples):>11,.0f}"
    )
    if baseline is not None:
        line += f"  ratio {statistics.median(samples) / statistics.median(baseline):6.2f}× {against}"
    return line


def agreement(frames: list[bytes]) -> int:
    """Frames where EnvGrid and the bare split disagree on a value (must be none)."""
    mismatches = 0
    for frame in frames:
        packet = parse_frame(frame)
        header, _, values = bare_split(frame)
        same = header["MN"] == packet.mn and values.keys() == packet.values.keys()
        for code, items in values.items():
            for suffix, text in items.items():
                expected = text if suffix == "Flag" else float(text)
                same = same and packet.values[code][suffix] == expected
        mismatches += not same
    return mismatches


# --- fuzzing --------------------------------------------------------------------------------------------

NASTY = [
    b"",
    b"nan",
    b"inf",
    b"-1e999",
    b"1_0",
    b" 1",
    "١".encode(),
    b"&",
    b"&&",
    b"=",
    b";",
    b",",
    b"-",
    b"CP=&&",
    b"##",
    b"\r\n",
    b"\x00",
    b"\xff",
    b"Flag=7",
    b"PNUM=2;PNO=3",
    b"9" * 30,
    b"20261301000000",
    "数据".encode(),
    b"QN=",
    b"a34004-Flag=N",
    b"DataTime=",
    b"ST=",
    b"Flag=255",
    b"a34004-Avg=1,a34004-Avg=2",
    b"=;=",
]


def framed(segment: bytes) -> bytes:
    return b"##%04d%s%04X\r\n" % (len(segment) % 10000, segment, crc16(segment))


PLAUSIBLE = [b"0", b"-12.5", b"1e3", b".5", b"N", b"D", b"20261101081000", b"20261101081000123", b"123456", b"x"]
PRINTABLE = bytes(range(0x20, 0x7F))


def fuzz_input(rng: random.Random, pool: list[bytes]) -> bytes:
    kind = rng.random()
    if kind < 0.15:
        return rng.randbytes(rng.randrange(1200))
    if kind < 0.25:
        return b"##%04d" % rng.randrange(10000) + rng.randbytes(rng.randrange(1100))
    frame = rng.choice(pool)
    segment = bytearray(frame[6:-6])
    for _ in range(rng.randint(1, 3)):
        edit_segment(rng, segment)
    if kind < 0.4:  # edited, with the old length and CRC
        return frame[:6] + bytes(segment) + frame[-6:]
    return framed(bytes(segment))


def edit_segment(rng: random.Random, segment: bytearray) -> None:
    at = rng.randrange(len(segment) + 1)
    edit = rng.random()
    if edit < 0.4:  # swap a value (after an "=") for a nasty or a plausible one
        at = segment.find(b"=", at)
        end = min((i for i in (segment.find(sep, at + 1) for sep in b";,&") if i >= 0), default=len(segment))
        segment[at + 1 : end] = rng.choice(NASTY if rng.random() < 0.5 else PLAUSIBLE)
    elif edit < 0.55:
        segment[at : at + 1] = bytes([rng.choice(PRINTABLE) if rng.random() < 0.8 else rng.randrange(256)])
    elif edit < 0.65:
        segment[at:at] = bytes(rng.choice(PRINTABLE) for _ in range(rng.randint(1, 4)))
    elif edit < 0.75:
        del segment[at : at + rng.randint(1, 8)]
    elif edit < 0.95:
        segment[at : at + rng.randrange(12)] = rng.choice(NASTY)
    else:
        del segment[at:]


def check(frame: bytes, strict: bool, outcomes: Counter, unexpected: list) -> None:
    try:
        packet = parse_frame(frame, strict=strict)
        again = parse_frame(packet.to_frame(), strict=strict)
        if not isinstance(packet, Packet) or again.values != packet.values or again.params != packet.params:
            raise AssertionError("a rebuilt frame parses differently")
        outcomes["ok"] += 1
    except FrameError as error:
        outcomes[error.code.value] += 1
    except Exception as exc:  # noqa: BLE001 - counting them is the point
        outcomes["UNEXPECTED"] += 1
        if len(unexpected) < 5:
            unexpected.append((repr(exc), frame[:200]))


def fuzz(rng: random.Random, pool: list[bytes], n: int) -> tuple[Counter, Counter, list, int, float]:
    outcomes: Counter = Counter()
    stream_outcomes: Counter = Counter()
    unexpected: list = []
    splitter = FrameSplitter()
    max_buffered = 0
    start = time.perf_counter()
    for batch_start in range(0, n, 10_000):
        batch = [fuzz_input(rng, pool) for _ in range(min(10_000, n - batch_start))]
        for i, data in enumerate(batch):
            check(data, True, outcomes, unexpected)
            if i % 4 == 0:
                check(data, False, Counter(), unexpected)
        stream = b"".join(batch)
        at = 0
        while at < len(stream):
            step = rng.randint(1, 4096)
            for item in splitter.feed(stream[at : at + step]):
                if isinstance(item, FrameError):
                    stream_outcomes[item.code.value] += 1
                else:
                    check(item, True, stream_outcomes, unexpected)
            max_buffered = max(max_buffered, splitter.buffered)
            at += step
    for item in splitter.finish():
        stream_outcomes[item.code.value] += 1
    return outcomes, stream_outcomes, unexpected, max_buffered, time.perf_counter() - start


def shares(outcomes: Counter) -> str:
    total = sum(outcomes.values())
    return ", ".join(f"{code} {count / total:.1%}" for code, count in outcomes.most_common())


# --- main -----------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames, rounds and fuzz inputs (under a minute)")
    args = parser.parse_args()
    rounds = 3 if args.quick else 5
    n_frames = 20_000 if args.quick else 200_000
    n_fuzz = 50_000 if args.quick else 1_000_000
    n_table = n_frames // 10  # the per-byte table loop is slow

    rng = random.Random(SEED)
    started = time.perf_counter()
    frames = make_frames(rng, n_frames)
    segments = [frame[6:-6] for frame in frames]
    sizes = [len(frame) for frame in frames]
    print(
        f"{n_frames:,} frames generated in {time.perf_counter() - started:.1f} s: mean {statistics.mean(sizes):.0f}"
        f" bytes (min {min(sizes)}, max {max(sizes)}), {rounds} alternating rounds"
    )
    mismatches = agreement(frames[:2000])
    print(f"agreement: EnvGrid and the bare split give the same values on 2,000 frames, {mismatches} mismatches")

    bare, full, receiver, table, folded = [], [], [], [], []
    for _ in range(rounds):
        bare_rate, full_rate = paired_rates(bare_split, parse_frame, frames)
        bare.append(bare_rate)
        full.append(full_rate)
        receiver.append(stream_rate(frames))
        table.append(rate(crc16_table, segments[:n_table]))
        folded.append(rate(crc16, segments))

    print(summary("(b) baseline: bare split, no checks", bare))
    print(summary("(a) EnvGrid parse_frame, full validation", full, bare, "bare split"))
    print(summary("    EnvGrid FrameSplitter + parse_frame", receiver, bare, "bare split"))
    print(summary("(c) CRC alone: 256-entry table loop", table))
    print(summary("(c) CRC alone: EnvGrid crc16 (folded)", folded, table, "table loop"))

    pool = frames[:2000] + [sample.frame for sample in SAMPLES.values()]
    outcomes, stream_outcomes, unexpected, max_buffered, seconds = fuzz(rng, pool, n_fuzz)
    print(
        f"fuzz: {n_fuzz:,} inputs in {seconds:.1f} s ({n_fuzz / seconds:,.0f}/s), each through parse_frame "
        f"(+ lenient for 1 in 4) and one FrameSplitter; unexpected exceptions: {outcomes['UNEXPECTED']}"
        f" + {stream_outcomes['UNEXPECTED']} (must be 0)"
    )
    print(f"fuzz parse_frame outcomes: {shares(outcomes)}")
    print(f"fuzz splitter outcomes ({sum(stream_outcomes.values()):,} items): {shares(stream_outcomes)}")
    print(f"fuzz splitter buffer: max {max_buffered} bytes after a feed (bound {FrameSplitter().max_buffered})")
    for message, data in unexpected:
        print(f"  UNEXPECTED {message} on {data!r}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    headline = statistics.median(full) / statistics.median(bare)
    print(
        f"HEADLINE: EnvGrid full-validation parse runs at {headline:.2f}× the bare split rate (target ≥ 0.5), "
        f"{statistics.median(full):,.0f} frames/s"
    )
    if unexpected or mismatches or max_buffered > FrameSplitter().max_buffered:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
