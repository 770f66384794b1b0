"""``manage.py hj212 SUBCOMMAND``: the HJ 212 tools.

``hj212 parse [FILE] [--stream] [--lenient]`` is the field engineer's decoder: it reads frames from FILE
(or stdin), one frame per line (CR LF or LF; surrounding blanks ignored) or, with ``--stream``, as a raw
byte capture cut by the receiver's own ``FrameSplitter``, and prints one JSON object per frame. The exit
status is 1 if any frame was refused.

Adding a subcommand (``serve``, ``simulate``…) is one method: ``handle_<name>(self, **options)``, whose
docstring's first line becomes the help; give it arguments with ``add_<name>_arguments(self, parser)``.
Both are found by name, there is nothing to register.
"""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from datetime import datetime
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError

from envgrid.monitoring.hj212.errors import FrameError
from envgrid.monitoring.hj212.packet import MAX_SEGMENT, MAX_SEGMENT_LENIENT, Packet, parse_frame
from envgrid.monitoring.hj212.stream import FrameSplitter

READ_CHUNK = 64 * 1024
SHOWN_FRAME_CHARS = 80


class Command(BaseCommand):
    help = "HJ 212 tools. `hj212 parse` decodes frames into JSON lines."
    stealth_options = ("stdin",)  # a binary file object instead of sys.stdin (tests)

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        for name in self.subcommand_names():
            doc = getattr(self, f"handle_{name}").__doc__ or ""
            subparser = subparsers.add_parser(name, help=doc.strip().split("\n")[0], description=doc.strip())
            add_arguments = getattr(self, f"add_{name}_arguments", None)
            if add_arguments is not None:
                add_arguments(subparser)

    @classmethod
    def subcommand_names(cls) -> list[str]:
        return sorted(name.removeprefix("handle_") for name in dir(cls) if name.startswith("handle_"))

    def handle(self, *args, subcommand: str, **options):
        return getattr(self, f"handle_{subcommand}")(**options)

    # --- parse -----------------------------------------------------------------------------------------

    def add_parse_arguments(self, parser):
        parser.add_argument("file", nargs="?", default="-", help="File of frames (default: stdin).")
        parser.add_argument(
            "--stream", action="store_true", help="Read a raw byte stream (e.g. a TCP capture), not lines."
        )
        parser.add_argument(
            "--lenient",
            action="store_true",
            help="Accept field quirks (over 1024 bytes, 3-char ST, 17-digit DataTime…); the CRC is still checked.",
        )

    def handle_parse(self, *, file: str, stream: bool, lenient: bool, stdin: IO[bytes] | None = None, **options):
        """Decode HJ 212 frames and print one JSON object per frame; exit status 1 if any was refused."""
        total = refused = 0
        try:
            opened = nullcontext(stdin or sys.stdin.buffer) if file == "-" else open(file, "rb")
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        with opened as source:
            results = _stream_results(source, not lenient) if stream else _line_results(source, not lenient)
            for result in results:
                total += 1
                refused += not result["ok"]
                self.stdout.write(json.dumps(result, ensure_ascii=False, default=_json_default))
        if refused:
            raise CommandError(f"{refused} of {total} frames refused", returncode=1)

    # --- serve and simulate: thin wrappers over envgrid.monitoring.receiver / simulator ---------------

    def add_serve_arguments(self, parser):
        from envgrid.monitoring.receiver import add_serve_arguments

        add_serve_arguments(parser)

    def handle_serve(self, **options):
        """Run the HJ 212 receiver (asyncio TCP server) until SIGTERM/SIGINT."""
        from envgrid.monitoring.receiver import serve_from_options

        serve_from_options(self.stdout, **_own(options))

    def add_simulate_arguments(self, parser):
        from envgrid.monitoring.simulator import add_simulate_arguments

        add_simulate_arguments(parser)

    def handle_simulate(self, **options):
        """Play stations sending CN 2051 minute data (Flag=5) against a receiver, counting unanswered uploads."""
        from envgrid.monitoring.simulator import simulate_from_options

        simulate_from_options(self.stdout, **_own(options))


def _own(options: dict) -> dict:
    """The subcommand's options without the streams ``call_command`` passes along (``stdout=``, ``stderr=``)."""
    return {name: value for name, value in options.items() if name not in ("stdout", "stderr")}


def _line_results(source: IO[bytes], strict: bool):
    for number, line in enumerate(source, 1):
        line = line.strip()
        if not line:
            continue
        frame = line + b"\r\n"
        try:
            result = packet_summary(parse_frame(frame, strict=strict))
        except FrameError as error:
            result = error_summary(error, frame)
        yield {"line": number, **result}


def _stream_results(source: IO[bytes], strict: bool):
    splitter = FrameSplitter(max_segment=MAX_SEGMENT if strict else MAX_SEGMENT_LENIENT)
    while chunk := source.read(READ_CHUNK):
        for item in splitter.feed(chunk):
            yield _stream_item(item, strict)
    for error in splitter.finish():
        yield error_summary(error, error.raw)


def _stream_item(item: bytes | FrameError, strict: bool) -> dict[str, Any]:
    if isinstance(item, FrameError):
        return error_summary(item, item.raw)
    try:
        return packet_summary(parse_frame(item, strict=strict))
    except FrameError as error:
        return error_summary(error, item)


def packet_summary(packet: Packet) -> dict[str, Any]:
    """What the field engineer wants to see of a parsed frame (JSON-ready except datetimes)."""
    values = {code: {name: v for name, v in items.items() if name != "Flag"} for code, items in packet.values.items()}
    flags = {code: items["Flag"] for code, items in packet.values.items() if "Flag" in items}
    summary: dict[str, Any] = {
        "ok": True,
        "st": packet.st,
        "cn": packet.cn,
        "mn": packet.mn,
        "qn": packet.qn,
        "flag": {"value": packet.flag, "version": packet.version, "split": packet.split, "ack": packet.needs_ack},
        "data_time": packet.data_time,
        "values": values,
        "flags": flags,
        "params": {key: value for key, value in packet.params.items() if key != "DataTime"},
        "warnings": [] if packet.mn_is_standard else ["MN is not the standard's 24 hex digits"],
    }
    if packet.pnum is not None:
        summary["pnum"], summary["pno"] = packet.pnum, packet.pno
    return summary


def error_summary(error: FrameError, frame: bytes) -> dict[str, Any]:
    return {
        "ok": False,
        "error": error.code.value,
        "message": error.message,
        "offset": error.offset,
        "frame": frame[:SHOWN_FRAME_CHARS].decode("utf-8", "backslashreplace"),
    }


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {value!r}")
