"""Why a frame was refused: one exception class with a stable code, for logs, reject tables and tests."""

from __future__ import annotations

from enum import StrEnum


class FrameErrorCode(StrEnum):
    # framing (parse_frame and FrameSplitter)
    BAD_HEADER = "bad_header"  # the frame does not start with "##"
    BAD_LENGTH = "bad_length"  # the length field is not 4 ASCII digits
    TOO_LONG = "too_long"  # the declared data segment is longer than the limit (1024 in strict mode)
    LENGTH_MISMATCH = "length_mismatch"  # the frame's size does not match its length field
    MISSING_CRLF = "missing_crlf"  # no CR LF right after the CRC
    BAD_CRC = "bad_crc"  # the CRC field is not the HJ 212 CRC of the data segment (QnRtn 9, Table 7)
    BAD_ENCODING = "bad_encoding"  # not UTF-8, or a control character inside the data segment
    # data segment (parse_frame)
    MISSING_FIELD = "missing_field"  # ST, CN, PW, MN or CP absent; PNUM/PNO absent in a split packet
    BAD_FIELD = "bad_field"  # a header field or CP item is malformed, duplicated or unknown
    BAD_DATETIME = "bad_datetime"  # QN, DataTime, SampleTime… not a valid date and time
    BAD_VALUE = "bad_value"  # a CP value is not what its key requires (a finite number, a 1-char flag…)
    # stream (FrameSplitter) and multi-packet messages (SplitReassembler)
    GARBAGE = "garbage"  # bytes before the next "##", dropped
    TRUNCATED = "truncated"  # the stream ended inside a frame
    SPLIT_CONFLICT = "split_conflict"  # two parts of one split message disagree on a value
    SPLIT_EXPIRED = "split_expired"  # not every part of a split message arrived in time


class FrameError(ValueError):
    """A frame (or a run of stream bytes) that is refused, with a stable ``code`` and a message for people.

    ``offset`` is a byte offset: into the frame for ``parse_frame``, into the stream for ``FrameSplitter``.
    ``raw`` holds (the start of) the refused bytes when the splitter refuses them, for the reject log.
    """

    def __init__(self, code: FrameErrorCode | str, message: str, offset: int | None = None, *, raw: bytes = b""):
        super().__init__(message)
        self.code = FrameErrorCode(code)
        self.message = message
        self.offset = offset
        self.raw = raw

    def __repr__(self) -> str:
        return f"FrameError({self.code.value!r}, {self.message!r}, offset={self.offset!r})"
