"""The HJ 212 CRC (HJ 212-2017 Appendix A): check values, and the fast versions equal to the standard's bit loop."""

import random

from hypothesis import given
from hypothesis import strategies as st

from envgrid.monitoring.hj212.crc import crc16, crc16_hex, crc16_modbus, crc16_reference, crc16_table

STANDARD_SEGMENT = (
    b"QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&"
)


def test_check_value_of_123456789_is_2F80():
    assert crc16_hex(b"123456789") == "2F80"
    assert crc16_reference(b"123456789") == crc16_table(b"123456789") == 0x2F80


def test_check_value_of_empty_input_is_FFFF():
    assert crc16_hex(b"") == "FFFF"
    assert crc16_reference(b"") == crc16_table(b"") == 0xFFFF


def test_the_standards_worked_packet_gives_1C80_not_the_misprinted_1C08():
    assert len(STANDARD_SEGMENT) == 101  # the frame says ##0101

    assert crc16_hex(STANDARD_SEGMENT) == "1C80"


def test_hj212_crc_is_not_crc16_modbus():
    assert crc16_modbus(b"123456789") == 0x4B37
    assert crc16_modbus(STANDARD_SEGMENT) == 0x0759
    assert crc16(b"123456789") != crc16_modbus(b"123456789")


def test_the_hex_form_is_four_upper_case_hex_digits_high_byte_first():
    for b in range(256):
        text = crc16_hex(bytes([b]))

        assert len(text) == 4 and set(text) <= set("0123456789ABCDEF")
        assert int(text, 16) == crc16_reference(bytes([b]))


def test_all_three_implementations_agree_on_every_length_up_to_300():
    rng = random.Random(212)
    for length in range(301):
        data = rng.randbytes(length)

        assert crc16(data) == crc16_table(data) == crc16_reference(data), length


@given(st.binary(max_size=2100))
def test_table_and_folded_crc_equal_the_reference_bit_loop(data):
    expected = crc16_reference(data)

    assert crc16_table(data) == expected
    assert crc16(data) == expected
