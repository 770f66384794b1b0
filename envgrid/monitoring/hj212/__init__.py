"""The HJ 212 protocol layer, pure Python (no models, no database): CRC, frames, stream framing.

- ``crc``: the HJ 212 CRC (not Modbus), ``crc16`` / ``crc16_hex``.
- ``packet``: ``parse_frame(frame, strict=True) -> Packet`` and the builders (``build_frame``,
  ``build_data_ack``, ``build_request_ack``, ``build_notice_ack``, ``build_data_frame``).
- ``stream``: ``FrameSplitter`` for a TCP byte stream, ``SplitReassembler`` for PNUM/PNO messages.
- ``errors``: ``FrameError`` with a stable ``FrameErrorCode``.
- ``samples``: public sample frames with the verdict each must get.
"""

from envgrid.monitoring.hj212.crc import crc16, crc16_hex
from envgrid.monitoring.hj212.errors import FrameError, FrameErrorCode
from envgrid.monitoring.hj212.packet import (
    Packet,
    build_data_ack,
    build_data_frame,
    build_frame,
    build_notice_ack,
    build_request_ack,
    parse_frame,
)
from envgrid.monitoring.hj212.stream import FrameSplitter, SplitReassembler

__all__ = [
    "FrameError",
    "FrameErrorCode",
    "FrameSplitter",
    "Packet",
    "SplitReassembler",
    "build_data_ack",
    "build_data_frame",
    "build_frame",
    "build_notice_ack",
    "build_request_ack",
    "crc16",
    "crc16_hex",
    "parse_frame",
]
