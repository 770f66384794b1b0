"""Parse and build single HJ 212 frames (HJ 212-2017, with HJ/T 212-2005 and HJ 212-2025 Flag versions).

``parse_frame`` checks everything a frame carries, in this order, and refuses the frame with a
``FrameError`` at the first problem: ``##`` header, 4-digit length equal to the data segment's BYTE count,
the limit (1024 bytes in strict mode), CR LF after the CRC, the CRC (HJ 212-2017 Appendix A; hex compared
case-insensitively), UTF-8 without control characters, then the header fields and every CP item.

Values. Numbers are returned as ``float``, not ``Decimal``: the receiver stores floats, ``float()`` is
the fastest full check that a text is a number (``Decimal()`` costs more per value, and values are the
bulk of the work), and a double holds every value a device sends (<= 15 significant digits) without
loss of the decimal it was written as. Each number is still checked to be a plain finite
decimal (``nan``, ``inf``, ``1_0``, `` 1`` and non-ASCII digits, all accepted by ``float()``, are
refused). The text as sent is kept: ``Packet.cp_raw`` maps every CP key to its raw value, and
``Packet.segment`` is the whole data segment, so the exact decimal is never lost.

Times. QN, DataTime and the other CP times are China local time (UTC+8, no DST since 1991) and come
back as aware datetimes in Asia/Shanghai; ``Packet.qn`` keeps the QN text, which answers must echo.

Strict and lenient. ``strict=True`` (the default, and what the receiver uses) follows the standard's
text; ``strict=False`` accepts field quirks seen on real devices: data segments up to 9999 bytes, an ST
that is not 2 characters, unknown header fields (ignored), empty CP items, 17-digit CP times. Both
modes check the CRC: a tolerant CRC mode, if ever needed, must be an explicit per-device setting.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from envgrid.monitoring.hj212.crc import crc16, crc16_modbus
from envgrid.monitoring.hj212.errors import FrameError
from envgrid.monitoring.hj212.errors import FrameErrorCode as Code

__all__ = [
    "CHINA",
    "MAX_SEGMENT",
    "MAX_SEGMENT_LENIENT",
    "Packet",
    "Value",
    "build_data_ack",
    "build_data_frame",
    "build_frame",
    "build_notice_ack",
    "build_request_ack",
    "cp_items",
    "format_china_time",
    "parse_frame",
]

CHINA = ZoneInfo("Asia/Shanghai")
MAX_SEGMENT = 1024  # HJ 212-2017 §6.3.1 Table 2; field devices exceed it - lenient mode only
MAX_SEGMENT_LENIENT = 9999  # what 4 length digits can say
PROTOCOL_VERSIONS = {0: 2005, 1: 2017, 2: 2025}  # Flag >> 2 (HJ 212-2017 §6.3.2 Table 3; 2025 per public code)

Value = float | int | str | datetime

# CP keys (HJ 212-2017 §6.3.3, Table 4). Pollutant items are "<code>-<suffix>"; everything else is a parameter.
NUMBER_SUFFIXES = frozenset(
    {"Rtd", "Min", "Avg", "Max", "Cou", "ZsRtd", "ZsMin", "ZsAvg", "ZsMax", "Data", "DayData", "NightData", "RT"}
)
DATETIME_PARAMS = frozenset({"DataTime", "BeginTime", "EndTime", "SystemTime", "RestartTime"})
INTEGER_PARAMS = frozenset({"QnRtn", "ExeRtn", "RtdInterval", "MinInterval", "OverTime", "ReCount"})
# Header fields, in the order of HJ 212-2017 §6.3.2 Table 3.
HEADER_FIELDS = frozenset({"QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO"})
REQUIRED_FIELDS = ("ST", "CN", "PW", "MN")

_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))
_DATA_FLAGS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_NOT_SEPARATORS = bytes(sorted(set(range(256)) - set(b";,=")))  # bytes.translate deletes these
_UPPER_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# ST: two characters 0-9/A-Z (HJ 212-2017 §6.6.1.2 Table 5).
_STRICT_ST = frozenset(a + b for a in _UPPER_ALNUM for b in _UPPER_ALNUM)
_STANDARD_HEADER = re.compile(
    r"(?:QN=([^;]*);)?ST=([^;]*);CN=([^;]*);PW=([^;]*);MN=([^;]*)(?:;Flag=([^;]*))?(?:;PNUM=([^;]*);PNO=([^;]*))?"
)
_KEY_RE = re.compile(r"([A-Za-z0-9_]+)(?:-([A-Za-z]+))?")
_NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)  # \d: 0-9 only
# MN: 24 hex digits from an EPC-96 code (HJ 212-2017 §6.3.2 Table 3); other ids are accepted.
_HEX24_RE = re.compile(r"[0-9A-Fa-f]{24}")


@dataclass(slots=True, eq=False)
class Packet:
    """One parsed HJ 212 frame. Treat as read-only.

    ``values`` maps each pollutant (factor) code to its items, suffix -> value, e.g.
    ``{"a34004": {"Avg": 35.0, "Flag": "N"}}``; ``params`` holds the other CP keys (``DataTime``,
    ``RtdInterval``, ``QnRtn``…); ``cp_raw`` maps every CP key (``"a34004-Avg"``) to the text as sent.
    ``segment`` is the data segment as received (for a merged split message: part 1's).
    """

    segment: str
    st: str
    cn: str
    pw: str
    mn: str
    qn: str | None
    flag: int | None
    version: int
    pnum: int | None
    pno: int | None
    values: dict[str, dict[str, Value]]
    params: dict[str, Value]
    parts: tuple[Packet, ...] = ()  # for a message merged by SplitReassembler: its parts in PNO order

    @property
    def qn_time(self) -> datetime | None:
        """QN as an aware datetime in China time (checked while parsing; built when asked for)."""
        if self.qn is None:
            return None
        milliseconds = int(self.qn[14:])
        second = _china_second(self.qn[:14])
        return second.replace(microsecond=milliseconds * 1000) if milliseconds else second

    @property
    def split(self) -> bool:
        """Flag bit D (HJ 212-2017 Table 3): this is one part (PNO of PNUM) of a multi-packet message."""
        return bool(self.flag is not None and self.flag & 2)

    @property
    def needs_ack(self) -> bool:
        """Flag bit A (HJ 212-2017 Table 3): the sender expects an answer (9014 for data uploads)."""
        return bool(self.flag is not None and self.flag & 1)

    @property
    def data_time(self) -> datetime | None:
        """CP DataTime (Table 4): the start of the period for 2031/2041/2051/2061, the instant for 2011/2021."""
        return self.params.get("DataTime")  # type: ignore[return-value]

    @property
    def cp_raw(self) -> dict[str, str]:
        """Every CP key with its value as sent, e.g. ``{"a34004-Avg": "35.20"}`` (for a merged message: all parts')."""
        if self.parts:
            return {key: text for part in self.parts for key, text in part.cp_raw.items()}
        return cp_items(self.segment)

    @property
    def mn_is_standard(self) -> bool:
        """Whether MN is the standard's 24 hex digits (many devices send other ids; warn, do not refuse)."""
        return _HEX24_RE.fullmatch(self.mn) is not None

    def to_frame(self) -> bytes:
        """The frame again, with an upper-case CRC."""
        return build_frame(self.segment, max_length=MAX_SEGMENT_LENIENT)


# --- parsing -----------------------------------------------------------------------------------------


def parse_frame(frame: bytes, *, strict: bool = True) -> Packet:
    """Parse one whole frame (``##`` … CR LF); raise ``FrameError`` if anything in it is wrong."""
    if type(frame) is not bytes:
        frame = bytes(frame)
    segment = _checked_segment(frame, MAX_SEGMENT if strict else MAX_SEGMENT_LENIENT)
    if segment.isascii() and not segment.translate(None, _PRINTABLE_ASCII):  # the common case, in C
        text = segment.decode("ascii")
    else:
        text = _decoded(segment)

    cp_at = text.find("CP=&&")
    if cp_at < 0:
        raise FrameError(Code.MISSING_FIELD, "no CP=&&…&& data area")
    if len(text) < cp_at + 7 or not text.endswith("&&"):
        raise FrameError(Code.BAD_FIELD, "CP data area does not end with '&&' at the end of the data segment")
    if cp_at and text[cp_at - 1] != ";":
        raise FrameError(Code.BAD_FIELD, "no ';' before CP=&&", 6 + len(text[:cp_at].encode()))
    packet = _parse_header(text, text[: cp_at - 1] if cp_at else "", strict)
    body = text[cp_at + 5 : -2]
    if body:
        packet.values, packet.params = _parse_cp(body, strict)
    return packet


def _decoded(segment: bytes) -> str:
    """The segment as text (§6.3); ``bad_encoding`` for bytes that are not UTF-8 or for a control character."""
    try:
        text = segment.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = 6 + exc.start
        raise FrameError(
            Code.BAD_ENCODING, f"byte {offset} (0x{segment[exc.start]:02X}) is not valid UTF-8", offset
        ) from None
    if not text.isprintable():
        at = next(i for i, ch in enumerate(text) if not ch.isprintable())
        offset = 6 + len(text[:at].encode())
        raise FrameError(Code.BAD_ENCODING, f"control character U+{ord(text[at]):04X} at byte {offset}", offset)
    return text


def _checked_segment(frame: bytes, limit: int) -> bytes:
    """The data segment of ``frame`` once the framing, length and CRC are right (HJ 212-2017 Table 2)."""
    if frame[:2] != b"##":
        raise FrameError(Code.BAD_HEADER, f"frame starts with {frame[:2]!r}, not '##'", 0)
    digits = frame[2:6]
    if len(digits) != 4 or not digits.isdigit():
        raise FrameError(Code.BAD_LENGTH, f"length field {digits!r} is not 4 decimal digits", 2)
    length = int(digits)
    if length > limit:
        raise FrameError(Code.TOO_LONG, f"data segment of {length} bytes is over the {limit}-byte limit", 2)
    end = 6 + length
    size = len(frame)
    if size != end + 6:
        if size in (end + 4, end + 5) and not frame.endswith(b"\r\n"):
            raise FrameError(Code.MISSING_CRLF, f"frame ends at byte {size} without CR LF after the CRC", end + 4)
        raise FrameError(
            Code.LENGTH_MISMATCH,
            f"length field says {length} bytes but the frame carries {max(size - 12, 0)} between length and CRC",
            2,
        )
    if frame[end + 4 :] != b"\r\n":
        raise FrameError(Code.MISSING_CRLF, f"expected CR LF at byte {end + 4}, found {frame[end + 4 :]!r}", end + 4)
    segment = frame[6:end]
    crc = crc16(segment)
    declared = frame[end : end + 4]
    if declared.upper() != b"%04X" % crc:
        raise FrameError(Code.BAD_CRC, _crc_message(segment, declared, crc), end)
    return segment


def _crc_message(segment: bytes, declared: bytes, crc: int) -> str:
    message = f"CRC field {declared.decode('ascii', 'replace')!r} is not the data segment's HJ 212 CRC {crc:04X}"
    modbus = crc16_modbus(segment)
    swapped = ((modbus & 0xFF) << 8) | (modbus >> 8)
    if declared.upper() in (b"%04X" % modbus, b"%04X" % swapped):
        message += " (it is CRC-16/MODBUS, which HJ 212 does not use)"
    return message


def _parse_header(text: str, header: str, strict: bool) -> Packet:
    qn, st, cn, pw, mn, flag_text, pnum_text, pno_text = _header_fields(header, strict)
    if st not in _STRICT_ST and (strict or not (0 < len(st) <= 8 and st.isascii() and st.isalnum())):
        raise FrameError(Code.BAD_FIELD, f"ST={st[:40]!r} is not a 2-character system code")
    if len(cn) != 4 or not (cn.isdigit() and cn.isascii()):
        raise FrameError(Code.BAD_FIELD, f"CN={cn[:40]!r} is not a 4-digit command code")
    if not mn:
        raise FrameError(Code.BAD_FIELD, "MN is empty")
    if qn is not None:
        _check_qn(qn)
    flag, version = _FLAGS.get(flag_text) or _parse_flag(flag_text)
    pnum = pno = None
    if flag is not None and flag & 2 or pnum_text is not None or pno_text is not None:
        pnum, pno = _parse_parts(pnum_text, pno_text)
    return Packet(text, st, cn, pw, mn, qn, flag, version, pnum, pno, {}, {})


def _header_fields(header: str, strict: bool) -> tuple:
    """QN, ST, CN, PW, MN, Flag, PNUM, PNO as texts (None when absent); ST, CN, PW, MN required."""
    match = _STANDARD_HEADER.fullmatch(header)
    if match is not None:  # the standard's order, as almost every device sends it
        return match.groups()
    items = header.split(";") if header else []
    try:
        fields = dict([item.split("=", 1) for item in items])
    except ValueError:
        bad = next(item for item in items if "=" not in item)
        raise FrameError(Code.BAD_FIELD, f"header item {bad[:40]!r} has no '='") from None
    if len(fields) != len(items):
        keys = [item.split("=", 1)[0] for item in items]
        twice = next(key for i, key in enumerate(keys) if key in keys[:i])
        raise FrameError(Code.BAD_FIELD, f"header field {twice[:40]!r} appears twice")
    for key in REQUIRED_FIELDS:
        if key not in fields:
            raise FrameError(Code.MISSING_FIELD, f"header field {key} is missing")
    if strict and not fields.keys() <= HEADER_FIELDS:
        unknown = next(key for key in fields if key not in HEADER_FIELDS)
        raise FrameError(Code.BAD_FIELD, f"unknown header field {unknown[:40]!r}")
    get = fields.get
    return get("QN"), get("ST"), get("CN"), get("PW"), get("MN"), get("Flag"), get("PNUM"), get("PNO")


def _check_qn(qn: str) -> None:
    if len(qn) != 17 or not (qn.isdigit() and qn.isascii()):
        raise FrameError(Code.BAD_FIELD, f"QN={qn[:40]!r} is not 17 digits (YYYYMMDDhhmmsszzz)")
    if _china_second(qn[:14]) is None:
        raise FrameError(Code.BAD_DATETIME, f"QN={qn} is not a valid date and time")


def _parse_flag(text: str | None) -> tuple[int | None, int]:
    if text is None:
        return None, 2005  # HJ/T 212-2005 packets usually carry no Flag at all
    if not (0 < len(text) <= 3 and text.isascii() and text.isdigit()) or int(text) > 255:
        raise FrameError(Code.BAD_FIELD, f"Flag={text[:40]!r} is not an integer 0-255")
    flag = int(text)
    version = PROTOCOL_VERSIONS.get(flag >> 2)
    if version is None:
        raise FrameError(Code.BAD_FIELD, f"Flag={flag}: protocol version bits {flag >> 2} are not 2005/2017/2025")
    return flag, version


_FLAGS = {str(flag): (flag, PROTOCOL_VERSIONS[flag >> 2]) for flag in range(12)}


def _parse_parts(pnum_text: str | None, pno_text: str | None) -> tuple[int, int]:
    numbers = []
    for name, text in (("PNUM", pnum_text), ("PNO", pno_text)):
        if text is None:
            raise FrameError(Code.MISSING_FIELD, f"{name} is missing (both PNUM and PNO go with Flag bit D)")
        if not (0 < len(text) <= 4 and text.isascii() and text.isdigit()) or int(text) == 0:
            raise FrameError(Code.BAD_FIELD, f"{name}={text[:40]!r} is not a packet count/number 1-9999")
        numbers.append(int(text))
    pnum, pno = numbers
    if pno > pnum:
        raise FrameError(Code.BAD_FIELD, f"PNO={pno} is greater than PNUM={pnum}")
    return pnum, pno


def _parse_cp(body: str, strict: bool) -> tuple[dict[str, dict[str, Value]], dict[str, Value]]:
    """``values`` by pollutant and ``params`` of one CP body (the text between the ``&&``; HJ 212-2017 §6.3.3.1)."""
    if "&" in body:
        raise FrameError(Code.BAD_FIELD, "'&' inside the CP data area")
    # Fast path: when the separators alternate "=" and ";"/"," (every item is key=value), split on all
    # three at once and pair the pieces up. Anything else takes the item-by-item path, which says why.
    separators = body.encode().translate(None, _NOT_SEPARATORS).replace(b",", b";")
    if separators == b"=;" * (len(separators) >> 1) + b"=":
        flat = iter(body.replace(",", ";").replace("=", ";").split(";"))
        pairs = zip(flat, flat, strict=True)
        count = (len(separators) + 1) >> 1
    else:
        checked = _checked_pairs([item.split("=") for item in body.replace(",", ";").split(";")], strict)
        pairs, count = checked, len(checked)
    # float() also takes "1_000", " 1" and non-ASCII digits; such a body gets the full check of each number
    careful = "_" in body or " " in body or not body.isascii()
    specs = _STRICT_KEYS if strict else _LENIENT_KEYS
    groups: dict[str, dict[str, Value]] = {"": {}}  # "" collects the parameters
    code_now, group = None, {}
    for key, text in pairs:
        code, name, convert = specs.get(key) or _key_spec(key, strict)
        if convert is None:  # a number: the common case, kept inline
            try:
                value = float(text)
            except ValueError:
                raise _bad_value(key, text, "is not a number") from None
            if value - value or careful and not _NUMBER_RE.fullmatch(text):  # nan for nan and inf
                raise _bad_value(key, text, "is not a finite decimal number")
        elif convert is _data_flag:  # the other common case
            if text not in _DATA_FLAGS:
                raise _bad_value(key, text, "is not a 1-character data flag")
            value = text
        else:
            value = convert(key, text)
        if code is not code_now:  # the items of one pollutant usually come together; codes are interned
            code_now = code
            group = groups.get(code)
            if group is None:
                group = groups[code] = {}
        group[name] = value
    if sum(map(len, groups.values())) != count:
        _check_repeated_keys(body)
    params = groups.pop("")
    return groups, params


def _checked_pairs(pairs: list[list[str]], strict: bool) -> list[list[str]]:
    """The pairs without empty items (lenient mode); raise for an item that is not key=value."""
    kept = []
    for pair in pairs:
        if pair == [""] and not strict:
            continue
        if len(pair) != 2:
            item = "=".join(pair)
            problem = "is empty" if not item else "is not key=value"
            raise FrameError(Code.BAD_FIELD, f"CP item {item[:40]!r} {problem}")
        kept.append(pair)
    return kept


def _check_repeated_keys(body: str) -> None:
    """A key given twice is harmless if both say the same (seen in the field); refuse two different values."""
    seen: dict[str, str] = {}
    for key, text in (item.split("=") for item in body.replace(",", ";").split(";") if item):
        if seen.setdefault(key, text) != text:
            raise FrameError(Code.BAD_FIELD, f"CP key {key[:40]!r} appears twice with different values")


def cp_items(segment: str) -> dict[str, str]:
    """Every CP key of a data segment with its value as sent (``{"a34004-Avg": "35.20", …}``)."""
    body = segment[segment.find("CP=&&") + 5 : -2]
    return dict(item.split("=", 1) for item in body.replace(",", ";").split(";") if item)


def _bad_value(key: str, text: str, problem: str) -> FrameError:
    return FrameError(Code.BAD_VALUE, f"CP {key}={text[:40]!r} {problem}")


# --- CP keys: what each one holds, cached per key because the same few dozen keys come in every frame --


def _integer(key: str, text: str) -> int:
    if not (0 < len(text) <= 9 and text.isascii() and text.isdigit()):
        raise _bad_value(key, text, "is not a whole number")
    return int(text)


def _data_flag(key: str, text: str) -> str:
    if text not in _DATA_FLAGS:
        raise _bad_value(key, text, "is not a 1-character data flag")
    return text


def _instrument_flag(key: str, text: str) -> str:
    if not (0 < len(text) <= 4 and text.isascii() and text.isalnum()):
        raise _bad_value(key, text, "is not a 1-4 character instrument flag")
    return text


def _text(key: str, text: str) -> str:
    return text


def _cp_time(key: str, text: str) -> datetime:
    if len(text) != 14 or not (text.isdigit() and text.isascii()):
        raise FrameError(Code.BAD_DATETIME, f"CP {key}={text[:40]!r} is not 14 digits (YYYYMMDDhhmmss)")
    value = _china_second(text)
    if value is None:
        raise FrameError(Code.BAD_DATETIME, f"CP {key}={text} is not a valid date and time")
    return value


def _cp_time_lenient(key: str, text: str) -> datetime:
    if len(text) == 17 and text.isascii() and text.isdigit():  # some loggers append milliseconds
        try:
            return _china_datetime(text[:14], int(text[14:]) * 1000)
        except ValueError:
            raise FrameError(Code.BAD_DATETIME, f"CP {key}={text} is not a valid date and time") from None
    return _cp_time(key, text)


def _china_datetime(digits: str, microsecond: int) -> datetime:
    """``YYYYMMDDhhmmss`` (ASCII digits, checked by the caller) in China time; ValueError if no such time."""
    return datetime(
        int(digits[:4]),
        int(digits[4:6]),
        int(digits[6:8]),
        int(digits[8:10]),
        int(digits[10:12]),
        int(digits[12:14]),
        microsecond,
        tzinfo=CHINA,
    )


def _china_second(digits: str) -> datetime | None:
    """``_china_datetime(digits, 0)``, None for an impossible time; cached (frames share their times)."""
    value = _SECONDS.get(digits)
    if value is None:
        try:
            value = _china_datetime(digits, 0)
        except ValueError:
            return None
        if len(_SECONDS) >= _CACHE_SIZE:
            _SECONDS.clear()
        _SECONDS[digits] = value
    return value


_CACHE_SIZE = 4096
_SECONDS: dict[str, datetime] = {}
_STRICT_KEYS: dict[str, tuple] = {}
_LENIENT_KEYS: dict[str, tuple] = {}
_SUFFIX_CONVERTERS = {
    "RS": _integer,
    "Flag": _data_flag,
    "EFlag": _instrument_flag,
    "SampleTime": _cp_time,
}


def _key_spec(key: str, strict: bool) -> tuple:
    """``(pollutant code or "", item name, converter or None for a number)`` for a CP key."""
    match = _KEY_RE.fullmatch(key)
    if match is None:
        raise FrameError(Code.BAD_FIELD, f"CP key {key[:40]!r} is not a parameter name or <code>-<suffix>")
    code, suffix = match.groups()
    code = sys.intern(code)
    time_converter = _cp_time if strict else _cp_time_lenient
    if suffix is None:
        if key in DATETIME_PARAMS:
            spec = ("", key, time_converter)
        else:
            spec = ("", key, _integer if key in INTEGER_PARAMS else _text)
    elif suffix in NUMBER_SUFFIXES:
        spec = (code, suffix, None)
    elif suffix == "SampleTime":
        spec = (code, suffix, time_converter)
    else:
        spec = (code, suffix, _SUFFIX_CONVERTERS.get(suffix, _text))
    cache = _STRICT_KEYS if strict else _LENIENT_KEYS
    if len(cache) >= _CACHE_SIZE:  # junk keys from a fuzzer or a broken device must not grow it forever
        cache.clear()
    cache[key] = spec
    return spec


# --- building ----------------------------------------------------------------------------------------


def build_frame(segment: str, *, max_length: int = MAX_SEGMENT) -> bytes:
    """Wrap a data segment (``QN=…;…;CP=&&…&&``) as a frame: ``##``, byte length, segment, CRC, CR LF (Table 2)."""
    data = segment.encode("utf-8")
    if len(data) > max_length:
        raise ValueError(f"data segment of {len(data)} bytes is over the {max_length}-byte limit")
    return b"##%04d%s%04X\r\n" % (len(data), data, crc16(data))


def _reply_flag(packet: Packet) -> str:
    """Flag for an answer: the request's protocol version, no split, no ack (4 for 2017, as the standard)."""
    return "" if packet.flag is None else f"Flag={packet.flag & ~3};"


def _answer(packet: Packet, cn: str, cp: str) -> bytes:
    qn = "" if packet.qn is None else f"QN={packet.qn};"
    return build_frame(f"{qn}ST=91;CN={cn};PW={packet.pw};MN={packet.mn};{_reply_flag(packet)}CP=&&{cp}&&")


def build_data_ack(packet: Packet) -> bytes:
    """The 9014 data answer (§6.5.2) to an upload with Flag bit A set: ST=91, the upload's QN, PW and MN, empty CP."""
    return _answer(packet, "9014", "")


def build_notice_ack(packet: Packet) -> bytes:
    """The 9013 notification answer (HJ 212-2017 §6.5.3; e.g. to 1013, a site asking for time calibration)."""
    return _answer(packet, "9013", "")


def build_request_ack(packet: Packet, qn_rtn: int) -> bytes:
    """The 9011 request answer a site sends to a host request; ``qn_rtn`` 1 = ready … 9 = CRC error (Table 7)."""
    return _answer(packet, "9011", f"QnRtn={int(qn_rtn)}")


def format_china_time(moment: datetime, *, milliseconds: bool = False) -> str:
    """An aware datetime as HJ 212 writes it, in China time: ``YYYYMMDDhhmmss`` (``zzz`` added for QN)."""
    if moment.tzinfo is None:
        raise ValueError("HJ 212 times need an aware datetime")
    local = moment.astimezone(CHINA)
    text = local.strftime("%Y%m%d%H%M%S")
    return f"{text}{local.microsecond // 1000:03d}" if milliseconds else text


def _format_value(value: Value, decimals: int) -> str:
    if isinstance(value, datetime):
        return format_china_time(value)
    if isinstance(value, float):
        text = f"{value:.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return str(value)


def build_data_frame(
    *,
    st: str,
    cn: str,
    pw: str,
    mn: str,
    data_time: datetime,
    values: dict[str, dict[str, Value]],
    flag: int | None = 4,
    qn: str | datetime | None = None,
    params: dict[str, Value] | None = None,
    pnum: int | None = None,
    pno: int | None = None,
    decimals: int = 3,
) -> bytes:
    """A data upload frame, e.g. minute data for the simulator.

    ``values`` is ``{"a34004": {"Avg": 35.2, "Flag": "N"}, …}``, written pollutant by pollutant (``;``)
    with the items of one pollutant joined by ``,``. Floats are written with at most ``decimals``
    decimals; give a ``str`` or ``Decimal`` for exact control. ``qn`` may be the 17-digit text or a
    datetime; ``flag=None`` leaves Flag out (a 2005-style packet); ``pnum``/``pno`` make a split part and
    set Flag bit D. ValueError if the segment comes out over 1024 bytes: split it into parts then.
    """
    header = []
    if qn is not None:
        header.append(f"QN={qn if isinstance(qn, str) else format_china_time(qn, milliseconds=True)}")
    header += [f"ST={st}", f"CN={cn}", f"PW={pw}", f"MN={mn}"]
    if flag is not None or pnum is not None:
        header.append(f"Flag={(flag or 0) | (2 if pnum is not None else 0)}")
    if pnum is not None:
        header += [f"PNUM={pnum}", f"PNO={pno}"]
    cp = [f"DataTime={format_china_time(data_time)}"]
    cp += [f"{key}={_format_value(value, decimals)}" for key, value in (params or {}).items()]
    for code, items in values.items():
        if items:
            cp.append(",".join(f"{code}-{suffix}={_format_value(v, decimals)}" for suffix, v in items.items()))
    return build_frame(";".join(header) + ";CP=&&" + ";".join(cp) + "&&")
