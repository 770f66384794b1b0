"""Cut a TCP byte stream into HJ 212 frames, and put split (PNUM/PNO) messages back together.

``FrameSplitter`` does framing only (HJ 212-2017 §6.3.1 Table 2): find ``##``, read 4 length digits, wait for the
rest, check the CR LF where the length says it is. It hands out whole frames as bytes for
``parse_frame`` (which checks the CRC and everything else) and reports what it refuses as
``FrameError`` items in the same list, in stream order, so the receiver can log each with its peer.

Memory stays bounded whatever a peer sends: between two ``feed`` calls the splitter keeps at most one
unfinished frame (``max_segment + 11`` bytes); garbage is counted and dropped, not kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from envgrid.monitoring.hj212.errors import FrameError
from envgrid.monitoring.hj212.errors import FrameErrorCode as Code
from envgrid.monitoring.hj212.packet import MAX_SEGMENT, Packet

__all__ = ["FrameSplitter", "SplitReassembler"]

_RAW_KEPT = 256  # bytes of garbage kept in the error for the reject log
_SEPARATORS = b"\r\n"  # blank lines between frames are not worth an error


class FrameSplitter:
    """Incremental framing of one connection's bytes: ``feed(data)`` returns frames and refusals."""

    def __init__(self, *, max_segment: int = MAX_SEGMENT):
        if not 0 <= max_segment <= 9999:
            raise ValueError("max_segment must be 0-9999 (4 length digits)")
        self.max_segment = max_segment
        self.max_buffered = max_segment + 11  # one frame short of its last byte
        self._buf = bytearray()
        self._stream_offset = 0  # stream offset of _buf[0]
        self._clean_until = 0  # stream offset up to which the pending frame is known to hold no CR/LF
        self._skipping = False  # after a refused frame, bytes up to the next "##" belong to it
        self._garbage = 0  # bytes dropped since the last frame, not yet reported
        self._garbage_is_junk = False  # False while they are only CR/LF between frames (not worth an error)
        self._garbage_at = 0
        self._garbage_head = bytearray()
        self.frames = 0  # counters for the receiver's status page
        self.refused = 0
        self.dropped_bytes = 0

    @property
    def buffered(self) -> int:
        """Bytes held for an unfinished frame (never more than ``max_buffered`` after ``feed``)."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes | FrameError]:
        """Add received bytes; return the whole frames and the refusals they complete, in stream order."""
        if not self._buf and not self._garbage and type(data) is bytes:
            frame = self._whole_frame(data)
            if frame is not None:
                return [frame]
        buf = self._buf
        buf += data
        out: list[bytes | FrameError] = []
        pos, end = 0, len(buf)
        while pos < end:
            start = buf.find(b"##", pos)
            if start < 0:
                keep = 1 if buf[end - 1] == 0x23 else 0  # a final "#" may be the first half of "##"
                self._drop(buf, pos, end - keep)
                pos = end - keep
                break
            while start + 2 < end and buf[start + 2] == 0x23:  # "###…": the header is the last "##"
                start += 1
            if start > pos:
                self._drop(buf, pos, start)
                pos = start
            step = self._frame_at(buf, pos, end)
            if step is None:  # unfinished: wait for more bytes
                break
            self._report_garbage(out)  # only now: a "##" that turns out to be "###" adds to the garbage
            consumed, item = step
            out.append(item)
            pos += consumed
        del buf[:pos]
        self._stream_offset += pos
        return out

    def finish(self) -> list[FrameError]:
        """The connection closed: report unreported garbage and an unfinished frame, and reset."""
        out: list[FrameError] = []
        buf = self._buf
        if buf[:2] == b"##":
            self._report_garbage(out)
            out.append(self._refuse(Code.TRUNCATED, f"stream ended {len(buf)} bytes into a frame", buf, 0))
            self.dropped_bytes += len(buf) - 1
        elif buf:
            self._drop(buf, 0, len(buf))
        self._report_garbage(out)
        self._stream_offset += len(buf)
        buf.clear()
        self._skipping = False
        return out

    # --- internals -----------------------------------------------------------------------------------

    def _whole_frame(self, data: bytes) -> bytes | None:
        """``data`` itself when it is exactly one well-framed frame and nothing is pending: the common case
        (a device writes one frame and waits for its answer), which the general loop below would also
        return whole, with the same counters, but at several times the cost. None: take the general path."""
        size = len(data)
        digits = data[2:6]
        if size < 12 or data[:2] != b"##" or not digits.isdigit() or data[-2:] != b"\r\n":
            return None
        length = int(digits)
        if length > self.max_segment or size != length + 12:
            return None
        if data.find(b"\r", 6, size - 2) >= 0 or data.find(b"\n", 6, size - 2) >= 0:
            return None
        self.frames += 1
        self._skipping = False
        self._stream_offset += size
        self._clean_until = self._stream_offset
        return data

    def _frame_at(self, buf: bytearray, pos: int, end: int) -> tuple[int, bytes | FrameError] | None:
        """``(bytes consumed, frame or refusal)`` for the frame starting at ``pos``, or None if unfinished."""
        digits = bytes(buf[pos + 2 : min(pos + 6, end)])
        if digits and not digits.isdigit():
            return 1, self._refuse(Code.BAD_LENGTH, f"length field {digits!r} is not 4 decimal digits", buf, pos)
        if len(digits) < 4:
            return None
        length = int(digits)
        if length > self.max_segment:
            message = f"frame claims a {length}-byte data segment, over the {self.max_segment}-byte limit"
            return 1, self._refuse(Code.TOO_LONG, message, buf, pos)
        total = length + 12
        # A data segment and its CRC never hold CR or LF: one there means the length field is wrong, so
        # refuse now instead of waiting (perhaps forever) for bytes the sender will not send.
        # Bytes already scanned (for a frame fed in small pieces) are not scanned again.
        body_end = min(end, pos + length + 10)
        scan_from = max(pos + 6, self._clean_until - self._stream_offset)
        for stray in (buf.find(b"\r", scan_from, body_end), buf.find(b"\n", scan_from, body_end)):
            if stray >= 0:
                message = f"CR/LF {stray - pos} bytes into a frame that claims a {length}-byte data segment"
                return 1, self._refuse(Code.LENGTH_MISMATCH, message, buf, pos)
        self._clean_until = self._stream_offset + body_end
        if end - pos < total:
            return None
        if buf[pos + total - 2 : pos + total] != b"\r\n":
            message = f"no CR LF after the {length}-byte data segment and CRC"
            return 1, self._refuse(Code.MISSING_CRLF, message, buf, pos)
        self.frames += 1
        self._skipping = False
        return total, bytes(buf[pos : pos + total])

    def _refuse(self, code: Code, message: str, buf: bytearray, pos: int) -> FrameError:
        """The error for the frame at ``pos``; its bytes up to the next "##" are then dropped silently."""
        self.refused += 1
        self.dropped_bytes += 1  # the caller consumes the first byte; _drop counts the rest
        self._skipping = True
        raw = bytes(buf[pos : pos + self.max_buffered + 1])
        return FrameError(code, message, self._stream_offset + pos, raw=raw)

    def _drop(self, buf: bytearray, start: int, stop: int) -> None:
        if stop <= start:
            return
        self.dropped_bytes += stop - start
        if self._skipping:
            return
        if not self._garbage:
            self._garbage_at = self._stream_offset + start
        self._garbage += stop - start
        self._garbage_is_junk = self._garbage_is_junk or bool(buf[start:stop].strip(_SEPARATORS))
        room = _RAW_KEPT - len(self._garbage_head)
        if room > 0:
            self._garbage_head += buf[start : start + min(room, stop - start)]

    def _report_garbage(self, out: list) -> None:
        if not self._garbage:
            return
        if self._garbage_is_junk:
            self.refused += 1
            message = f"{self._garbage} bytes before the next '##' dropped"
            out.append(FrameError(Code.GARBAGE, message, self._garbage_at, raw=bytes(self._garbage_head)))
        self._garbage = 0
        self._garbage_is_junk = False
        self._garbage_head.clear()


# --- split messages -----------------------------------------------------------------------------------


@dataclass
class _Group:
    started: float
    pnum: int
    parts: dict[int, Packet] = field(default_factory=dict)


class SplitReassembler:
    """Collect the parts of split messages (Flag bit D, HJ 212-2017 Table 3) until all PNO 1..PNUM are in.

    Parts belong together when MN, QN and CN match (and PNUM). ``add`` returns the merged message
    when its last part arrives, a non-split packet at once, and None while parts are missing; a
    repeated PNO is ignored. Call ``expire`` now and then: it drops groups older than ``timeout``
    seconds and returns one ``split_expired`` error for each. At most ``max_groups`` groups are
    held; beyond that the oldest is dropped and reported by the next ``expire``.
    """

    def __init__(self, *, timeout: float = 120.0, max_groups: int = 1000, clock: Callable[[], float] = time.monotonic):
        self.timeout = timeout
        self.max_groups = max_groups
        self.clock = clock
        self.duplicates = 0
        self._groups: dict[tuple, _Group] = {}
        self._evicted: list[FrameError] = []

    def __len__(self) -> int:
        return len(self._groups)

    def add(self, packet: Packet, *, now: float | None = None) -> Packet | None:
        """Take one parsed packet; the whole message once complete (``FrameError`` if its parts disagree)."""
        if not packet.split:
            return packet
        now = self.clock() if now is None else now
        key = (packet.mn, packet.qn, packet.cn)
        group = self._groups.get(key)
        if group is not None and (group.pnum != packet.pnum or now - group.started > self.timeout):
            self._evicted.append(_expired_error(key, self._groups.pop(key)))
            group = None
        if group is None:
            if len(self._groups) >= self.max_groups:
                oldest = next(iter(self._groups))
                self._evicted.append(_expired_error(oldest, self._groups.pop(oldest)))
            group = self._groups[key] = _Group(now, packet.pnum)
        if packet.pno in group.parts:
            self.duplicates += 1
            return None
        group.parts[packet.pno] = packet
        if len(group.parts) < group.pnum:
            return None
        del self._groups[key]
        return merge_parts([group.parts[pno] for pno in range(1, group.pnum + 1)])

    def expire(self, *, now: float | None = None) -> list[FrameError]:
        """Drop the groups that waited longer than ``timeout``; one ``split_expired`` error per group."""
        now = self.clock() if now is None else now
        dropped, self._evicted = self._evicted, []
        for key in [key for key, group in self._groups.items() if now - group.started > self.timeout]:
            dropped.append(_expired_error(key, self._groups.pop(key)))
        return dropped


def _expired_error(key: tuple, group: _Group) -> FrameError:
    mn, qn, cn = key
    missing = sorted(set(range(1, group.pnum + 1)) - group.parts.keys())
    shown = ",".join(map(str, missing[:20])) + ("…" if len(missing) > 20 else "")
    message = f"split message MN={mn} QN={qn} CN={cn}: {len(missing)} of {group.pnum} parts missing (PNO {shown})"
    return FrameError(Code.SPLIT_EXPIRED, message)


def merge_parts(parts: list[Packet]) -> Packet:
    """One packet with the CP data of all ``parts`` (in PNO order); ``FrameError`` if two disagree."""
    values: dict[str, dict] = {}
    params: dict = {}
    for part in parts:
        for code, items in part.values.items():
            _merge_into(values.setdefault(code, {}), items, part, code + "-")
        _merge_into(params, part.params, part, "")
    first = parts[0]
    return replace(first, values=values, params=params, pno=None, parts=tuple(parts))


def _merge_into(target: dict, items: dict, part: Packet, prefix: str) -> None:
    for name, value in items.items():
        if target.setdefault(name, value) != value:
            message = f"split message MN={part.mn} QN={part.qn}: PNO {part.pno} gives another {prefix}{name}"
            raise FrameError(Code.SPLIT_CONFLICT, message)
