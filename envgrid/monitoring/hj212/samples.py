"""Public HJ 212 frames checked with the HJ 212-2017 Appendix A CRC: for tests, the docs and the field engineer.

Each sample says where it comes from and what ``parse_frame`` must answer in strict and in lenient
mode (None = accepted, else the ``FrameError`` code). The CR LF that logs and READMEs drop is restored.
"""

from __future__ import annotations

from typing import NamedTuple


class Sample(NamedTuple):
    frame: bytes
    source: str
    strict_error: str | None
    lenient_error: str | None


SAMPLES: dict[str, Sample] = {
    "standard_1062": Sample(
        (
            b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterv"
            b"al=30&&1C80"
            b"\r\n"
        ),
        "HJ 212-2017 Appendix A: the worked CRC example of the standard (1062, Flag=5)",
        None,
        None,
    ),
    "air_station_2051": Sample(
        (
            b"##0411QN=20220513162608370;ST=22;CN=2051;PW=123456;MN=JLYP01_AIR01_0001;Flag=4;CP=&&DataTime=2022051"
            b"3162600;a21004-Avg=4,a21004-Flag=N;a05024-Avg=63,a05024-Flag=N;a21026-Avg=6,a21026-Flag=N;a21005-Avg"
            b"=0.427,a21005-Flag=N;a34004-Avg=14,a34004-Flag=N;a34002-Avg=31,a34002-Flag=N;a01007-Avg=1,a01007-Fla"
            b"g=N;a01008-Avg=11,a01008-Flag=N;a01001-Avg=17,a01001-Flag=N;a01002-Avg=85,a01002-Flag=N;a01006-Avg=9"
            b"5,a01006-Flag=N&&D641"
            b"\r\n"
        ),
        "flash520/hj212 example/client/client.go: ST=22 minute data, non-EPC MN",
        None,
        None,
    ),
    "water_2011_flag8_lowercase_crc": Sample(
        (
            b"##0435QN=20210301111100112;ST=21;CN=2011;PW=123456;MN=ZLDSZ20210127;Flag=8;CP=&&DataTime=20210301111"
            b"100;w01001-Rtd=8.33,w01001-Flag=N;w01009-Rtd=10.15,w01009-Flag=N;w01010-Rtd=9.7,w01010-Flag=N;w01014"
            b"-Rtd=1425,w01014-Flag=N;w01003-Rtd=13.10,w01003-Flag=N;w21011-Rtd=0,w21011-Flag=N;w21001-Rtd=3.56316"
            b"8,w21001-Flag=N;w21003-Rtd=0.09055002,w21003-Flag=N;w01019-Rtd=4.102818,w01019-Flag=N;w01008-Rtd=0,w"
            b"01008-Flag=N;w23002-Rtd=0,w23002-Flag=N&&7d00"
            b"\r\n"
        ),
        "chenqi92/alltobs-hj212 README.md: ST=21, Flag=8 (2025), CRC written in lower case",
        None,
        None,
    ),
    "no_qn_17_digit_datatime": Sample(
        (
            b"##0109ST=32;CN=2011;PW=123456;MN=NJGDKYYC202101q0001w0001;CP=&&DataTime=20210305003817000;ele01-Rtd="
            b"1;ele02-Rtd=0&&8c41"
            b"\r\n"
        ),
        "chenqi92/alltobs-hj212 README.md: no QN/Flag, DataTime with milliseconds",
        "bad_datetime",
        None,
    ),
    "request_answer_9011": Sample(
        (
            b"##0094QN=20231008125115215;ST=22;CN=9011;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&QnRtn=1&&"
            b"CC01"
            b"\r\n"
        ),
        "liruoyu2008/HJ212Interpreter README.md",
        None,
        None,
    ),
    "logger_restart_2081": Sample(
        (
            b"##0137QN=20231008130452757;ST=22;CN=2081;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&DataTime="
            b"20231008130452;RestartTime=20231007130452&&3AC0"
            b"\r\n"
        ),
        "liruoyu2008/HJ212Interpreter README.md",
        None,
        None,
    ),
    "realtime_2011_sampletime": Sample(
        (
            b"##0162QN=20231008123340461;ST=22;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&DataTime="
            b"20231008123340;w01008-SampleTime=20231008123340,w01008-Rtd=123.456&&F441"
            b"\r\n"
        ),
        "liruoyu2008/HJ212Interpreter README.md",
        None,
        None,
    ),
    "field_2005_three_char_st": Sample(
        (
            b"##0234ST=101;CN=2011;PW=123456;MN=41050022000017;CP=&&DataTime=20200922110000;a34010-Rtd=2.017,a3401"
            b"0-Flag=N;a34009-Rtd=0.522,a34009-Flag=N;ua19004-Rtd=2.017,ua19004-Flag=N;ua19005-Rtd=0.522,ua19005-F"
            b"lag=N;ua19003-Rtd=2.539,ua19003-Flag=N&&3300"
            b"\r\n"
        ),
        "tonyxia2016/HJ212Receiver rx.log: 2005-style field device, ST=101",
        "bad_field",
        None,
    ),
    "field_2005_source": Sample(
        (
            b"##0872ST=31;CN=2011;PW=123456;MN=88888880000001;CP=&&DataTime=20200921174057;831-Rtd=3.128,831-Flag="
            b"N;121-Rtd=3.915,121-Flag=N;023-Rtd=0.000,023-Flag=N;802-Rtd=0.000,802-Flag=N;803-Rtd=0.000,803-Flag="
            b"N;808-Rtd=0.589,808-Flag=N;801-Rtd=0.349,801-Flag=N;811-Rtd=102.472,811-Flag=N;810-Rtd=128.061,810-F"
            b"lag=N;812-Rtd=0.000,812-Flag=N;806-Rtd=19.333,806-Flag=N;039-Rtd=22.242,039-Flag=N;805-Rtd=51.768,80"
            b"5-Flag=N;817-Rtd=0.000,817-Flag=N;a99948-Rtd=452.341,a99948-Flag=N;a99949-Rtd=130.582,a99949-Flag=N;"
            b"804-Rtd=345.387,804-Flag=N;040-Rtd=0.000,040-Flag=N;028-Rtd=0.000,028-Flag=N;029-Rtd=0.000,029-Flag="
            b"N;030-Rtd=0.000,030-Flag=N;041-Rtd=0.000,041-Flag=N;809-Rtd=0.000,809-Flag=N;814-Rtd=3.555,814-Flag="
            b"N;038-Rtd=0.000,038-Flag=N;816-Rtd=0.000,816-Flag=N;813-Rtd=0.000,813-Flag=N;033-Rtd=0.000,033-Flag="
            b"N;036-Rtd=0.000,036-Flag=N;807-Rtd=0.000,807-Flag=N;815-Rtd=0.000,815-Flag=N&&7700"
            b"\r\n"
        ),
        "tonyxia2016/HJ212Receiver rx.log: 2005-style field device, old factor codes",
        None,
        None,
    ),
    "field_modbus_crc": Sample(
        (
            b"##0868ST=31;CN=2011;PW=123456;MN=4201003;CP=&&DataTime=20200923111707;112-Rtd=11.285,112-Flag=N;121-"
            b"Rtd=27.702,121-Flag=N;023-Rtd=4.372,023-Flag=N;802-Rtd=12.668,802-Flag=N;803-Rtd=4.314,803-Flag=N;80"
            b"8-Rtd=0.000,808-Flag=N;801-Rtd=2.920,801-Flag=N;811-Rtd=266.765,811-Flag=N;810-Rtd=44.881,810-Flag=N"
            b";812-Rtd=1.508,812-Flag=N;806-Rtd=10.850,806-Flag=N;039-Rtd=14.531,039-Flag=N;805-Rtd=23.591,805-Fla"
            b"g=N;817-Rtd=1.583,817-Flag=N;a99949-Rtd=786.913,a99949-Flag=N;a99948-Rtd=267.765,a99948-Flag=N;804-R"
            b"td=140.124,804-Flag=N;040-Rtd=0.000,040-Flag=N;028-Rtd=0.160,028-Flag=N;029-Rtd=4.685,029-Flag=N;030"
            b"-Rtd=40.235,030-Flag=N;041-Rtd=0.000,041-Flag=N;809-Rtd=1.615,809-Flag=N;814-Rtd=4.697,814-Flag=N;03"
            b"8-Rtd=0.881,038-Flag=N;816-Rtd=1.284,816-Flag=N;813-Rtd=2.116,813-Flag=N;033-Rtd=0.000,033-Flag=N;03"
            b"6-Rtd=0.000,036-Flag=N;807-Rtd=0.000,807-Flag=N;815-Rtd=0.721,815-Flag=N&&A6EC"
            b"\r\n"
        ),
        "tonyxia2016/HJ212Receiver rx.log: a device sending CRC-16/MODBUS, low byte first",
        "bad_crc",
        "bad_crc",
    ),
}
