"""Readings from CSV/Excel files and the upload page: each bad row named by row, column and reason; nothing stored
on error unless the good rows are kept; units converted or refused; duplicates kept as stored; the signal after
the commit; the downloadable template uploads as it is."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import translation
from openpyxl import Workbook, load_workbook

from envgrid.core.models import AuditEvent
from envgrid.monitoring import ingest
from envgrid.monitoring.models import Reading, Station
from envgrid.monitoring.signals import readings_stored
from envgrid.monitoring.tests.test_web_support import district, people, stations  # noqa: F401

pytestmark = pytest.mark.django_db

CHINA = ZoneInfo("Asia/Shanghai")
HEAD = "MN,data_time,PM2.5 (ug/m3),PM10 (ug/m3),CO (mg/m3)\n"


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def table(content: str, **kwargs) -> ingest.ReadingBatch:
    return ingest.readings_from_table(csv_bytes(content), filename="r.csv", **kwargs)


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English (the UI default is Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def mn(stations) -> str:
    return stations[2].mn


def test_a_good_file_is_stored_in_local_time_with_the_default_hourly_command(people, stations, mn):
    batch = table(HEAD + f"{mn},2026-05-01 08:00,35,62,0.8\n{mn},2026-05-01 09:00,41,70,\n")

    result = ingest.readings_import(batch=batch, actor=people["admin"])

    assert (result.total_rows, result.created, result.duplicates, result.errors) == (2, 2, 0, [])
    first, second = Reading.objects.filter(station__mn=mn).order_by("data_time")
    assert first.data_time == datetime(2026, 5, 1, 8, tzinfo=CHINA)
    assert (first.cn, first.pm25, first.pm10, first.co) == (2061, 35.0, 62.0, 0.8)
    assert second.co is None


def test_every_bad_cell_is_named_by_row_column_and_reason_and_nothing_is_stored(people, mn):
    content = HEAD + (
        f"{mn},2026-05-01 08:00,35,62,0.8\n"  # row 2: good
        "FFFF0000,2026-05-01 08:00,35,62,0.8\n"  # row 3: unknown station
        f"{mn},yesterday,35,62,0.8\n"  # row 4: time
        f"{mn},2026-05-01 10:00,abc,62,0.8\n"  # row 5: not a number
        f"{mn},2026-05-01 11:00,35,-9999,0.8\n"  # row 6: sentinel outside the range
        f"{mn},2026-05-01 08:00,36,60,0.7\n"  # row 7: same reading as row 2
        f"{mn},2026-05-01 12:00,,,\n"  # row 8: no value
    )
    batch = table(content)

    with pytest.raises(ingest.ReadingsInvalid) as refused:
        ingest.readings_import(batch=batch, actor=people["admin"])

    found = {(e.row, e.column, e.code) for e in refused.value.errors}
    assert found == {
        (3, "MN", "bad_station"),
        (4, "data_time", "bad_time"),
        (5, "PM2.5 (ug/m3)", "bad_value"),
        (6, "PM10 (ug/m3)", "bad_value"),
        (7, "", "duplicate_row"),
        (8, "", "no_values"),
    }
    messages = {e.row: e.message for e in refused.value.errors}
    assert "FFFF0000" in messages[3] and "yesterday" in messages[4] and "abc" in messages[5]
    assert "-9999" in messages[6] and "0–10000" in messages[6] and "row 2" in messages[7]
    assert refused.value.code == "readings_invalid"
    assert Reading.objects.count() == 0
    assert not AuditEvent.objects.filter(action="monitoring.readings_imported").exists()


def test_keeping_the_good_rows_stores_them_and_reports_the_others(people, mn):
    batch = table(HEAD + f"{mn},2026-05-01 08:00,35,62,0.8\n{mn},2026-05-01 09:00,35,62,500\n")

    result = ingest.readings_import(batch=batch, actor=people["dispatcher"], keep_good=True)

    assert (result.created, [(e.row, e.column, e.code) for e in result.errors]) == (
        1,
        [(3, "CO (mg/m3)", "bad_value")],
    )
    assert list(Reading.objects.values_list("data_time", flat=True)) == [datetime(2026, 5, 1, 8, tzinfo=CHINA)]
    event = AuditEvent.objects.get(action="monitoring.readings_imported")
    assert (event.actor, event.after["stored"], event.after["rejected_rows"]) == (people["dispatcher"], 1, 1)


@pytest.mark.parametrize(
    ("header", "cell", "column", "stored"),
    [
        ("PM2.5 (mg/m3)", "0.035", "pm25", 35.0),
        ("PM2.5 (µg/m³)", "35", "pm25", 35.0),
        ("PM2.5（ug/m3）", "35", "pm25", 35.0),
        ("CO (ug/m3)", "800", "co", 0.8),
        ("CO (mg/m³)", "0.8", "co", 0.8),
        ("O3 (ng/m3)", "96000", "o3", 96.0),
        ("温度 (K)", "293.15", "temperature", 20.0),
        ("气压 (hPa)", "1012", "pressure", 101.2),
        ("风速 (km/h)", "36", "wind_speed", 10.0),
        ("湿度", "55", "humidity", 55.0),
        ("a34004 (ug/m3)", "35", "pm25", 35.0),
    ],
)
def test_units_declared_in_the_header_are_converted_exactly(people, mn, header, cell, column, stored):
    batch = table(f"MN,data_time,{header}\n{mn},2026-05-01 08:00,{cell}\n")

    ingest.readings_import(batch=batch, actor=people["admin"])

    assert getattr(Reading.objects.get(), column) == stored


@pytest.mark.parametrize(
    ("header", "code", "words"),
    [
        ("NO2 (ppb)", "bad_unit", "mixing ratio"),
        ("CO (ppm)", "bad_unit", "mixing ratio"),
        ("PM2.5", "bad_unit", "needs its unit"),
        ("PM2.5 (m/s)", "bad_unit", "not a unit of PM2.5"),
        ("PM2.5 (furlongs)", "bad_unit", "Unknown unit"),
        ("benzene (ug/m3)", "unknown_column", "Unknown column"),
    ],
)
def test_a_unit_that_cannot_be_converted_refuses_the_file_at_its_header(mn, header, code, words):
    with pytest.raises(ingest.ReadingsUnreadable) as refused:
        table(f"MN,data_time,{header}\n{mn},2026-05-01 08:00,35\n")

    (error,) = refused.value.errors
    assert (error.row, error.column, error.code) == (1, header, code)
    assert words in error.message


def test_a_header_without_mn_or_time_or_with_a_repeated_column_is_refused(mn):
    with pytest.raises(ingest.ReadingsUnreadable) as refused:
        table("station,PM2.5 (ug/m3),PM25 (ug/m3)\nx,1,2\n")
    assert {(e.column, e.code) for e in refused.value.errors} == {
        ("PM25 (ug/m3)", "duplicate_column"),
        ("MN", "missing_column"),
        ("data_time", "missing_column"),
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-05-01 08:00", datetime(2026, 5, 1, 8, tzinfo=CHINA)),
        ("2026/5/1 8:00", datetime(2026, 5, 1, 8, tzinfo=CHINA)),
        ("2026-05-01T08:00:00+08:00", datetime(2026, 5, 1, 8, tzinfo=CHINA)),
        ("2026-05-01T00:00:00Z", datetime(2026, 5, 1, 8, tzinfo=CHINA)),
        ("2026-05-01T02:00:00+02:00", datetime(2026, 5, 1, 8, tzinfo=CHINA)),
        ("20260501080000", datetime(2026, 5, 1, 8, tzinfo=CHINA)),
        ("2026年5月1日 08:00", datetime(2026, 5, 1, 8, tzinfo=CHINA)),
    ],
)
def test_times_are_beijing_time_unless_an_offset_is_given(text, expected):
    assert ingest.parse_time(text, now=datetime(2026, 6, 1, tzinfo=CHINA)) == expected


@pytest.mark.parametrize("text", ["2026-02-30 08:00", "2026-05-01 25:00", "08:00", "2027-01-01 00:00", "1999-12-31"])
def test_impossible_future_or_ancient_times_are_refused(text):
    with pytest.raises(ValueError):
        ingest.parse_time(text, now=datetime(2026, 6, 1, tzinfo=CHINA))


def test_an_inactive_station_is_refused(people, stations):
    station = stations[3]
    Station.objects.filter(pk=station.pk).update(is_active=False)

    batch = table(HEAD + f"{station.mn},2026-05-01 08:00,35,62,0.8\n")

    assert [(e.row, e.code) for e in batch.errors] == [(2, "bad_station")]
    assert "not active" in batch.errors[0].message


def test_rows_already_stored_are_kept_and_counted_as_duplicates(people, mn):
    first = table(HEAD + f"{mn},2026-05-01 08:00,35,62,0.8\n")
    ingest.readings_import(batch=first, actor=people["admin"])
    again = table(HEAD + f"{mn},2026-05-01 08:00,99,99,0.9\n{mn},2026-05-01 09:00,40,60,0.7\n")

    result = ingest.readings_import(batch=again, actor=people["admin"])

    assert (result.created, result.duplicates) == (1, 1)
    assert Reading.objects.get(data_time=datetime(2026, 5, 1, 8, tzinfo=CHINA)).pm25 == 35.0


def test_readings_stored_is_sent_after_the_commit_with_every_row(
    people, stations, mn, django_capture_on_commit_callbacks
):
    heard = []

    def listener(sender, readings, **kwargs):
        heard.append(list(readings))

    readings_stored.connect(listener)
    try:
        batch = table(
            HEAD + f"{mn},2026-05-01 08:00,35,62,0.8\n{mn},2026-05-01 09:00,40,60,0.7\n", default_interval="minute"
        )
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            ingest.readings_import(batch=batch, actor=people["admin"])
        assert heard == []  # not before the commit
        for callback in callbacks:
            callback()
    finally:
        readings_stored.disconnect(listener)
    station = Station.objects.get(mn=mn)
    assert heard == [
        [
            (station.pk, 2051, datetime(2026, 5, 1, 8, tzinfo=CHINA)),
            (station.pk, 2051, datetime(2026, 5, 1, 9, tzinfo=CHINA)),
        ]
    ]


def test_a_cn_column_overrides_the_default_interval(people, mn):
    batch = table(
        f"MN,data_time,CN,PM2.5 (ug/m3)\n{mn},2026-05-01 08:00,minute,35\n{mn},2026-05-01 08:00,2031,30\n"
        f"{mn},2026-05-01 09:00,weekly,30\n"
    )
    assert [(e.row, e.column, e.code) for e in batch.errors] == [(4, "CN", "bad_interval")]
    assert sorted(r.cn for r in batch.rows) == [2031, 2051]


def test_excel_cells_with_dates_and_numbers_and_gb18030_csv_are_read(people, mn):
    book = Workbook()
    sheet = book.active
    sheet.append(["MN", "监测时间", "PM2.5 (ug/m3)", "CO (mg/m3)"])
    sheet.append([mn, datetime(2026, 5, 1, 8, 0, tzinfo=CHINA).replace(tzinfo=None), 35.1, 0.8])  # Excel: naive
    sheet.append([None, None, None, None])  # blank rows are skipped
    sheet.append([mn, "2026-05-01 09:00", 40, None])
    buffer = io.BytesIO()
    book.save(buffer)

    batch = ingest.readings_from_table(buffer.getvalue(), filename="r.xlsx")
    chinese = ingest.readings_from_table(
        csv_bytes(f"MN,时间,PM2.5 (ug/m3)\n{mn},2026-05-01 10:00,50\n", "gb18030"), filename="导出.csv"
    )

    assert batch.errors == [] and chinese.errors == []
    assert [(r.row, r.data_time, r.values) for r in batch.rows] == [
        (2, datetime(2026, 5, 1, 8, tzinfo=CHINA), {"pm25": 35.1, "co": 0.8}),
        (4, datetime(2026, 5, 1, 9, tzinfo=CHINA), {"pm25": 40.0}),
    ]
    assert chinese.rows[0].values == {"pm25": 50.0}


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("r.xls", b"\xd0\xcf\x11\xe0", "bad_format"),
        ("r.xlsx", b"not a zip", "bad_format"),
        ("r.csv", b"", "empty_file"),
        ("r.csv", HEAD.encode(), "no_rows"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(name, content, code):
    with pytest.raises(ingest.ReadingsUnreadable) as refused:
        ingest.readings_from_table(content, filename=name)
    assert refused.value.errors[0].code == code


def test_someone_who_may_not_import_is_refused_and_nothing_is_stored(people, mn):
    batch = table(HEAD + f"{mn},2026-05-01 08:00,35,62,0.8\n")
    with pytest.raises(ingest.PermissionDenied):
        ingest.readings_import(batch=batch, actor=people["leader"])
    assert Reading.objects.count() == 0


# --- the upload page -----------------------------------------------------------------------------------


def upload(client, content: bytes, name="r.csv", **fields):
    file = io.BytesIO(content)
    file.name = name
    return client.post("/monitoring/upload/", {"file": file, "interval": "hour", **fields})


@pytest.fixture
def admin_client(people):
    client = Client()
    client.force_login(people["admin"])
    return client


def test_the_upload_page_stores_a_good_file_and_says_how_many(admin_client, mn):
    answer = upload(admin_client, csv_bytes(HEAD + f"{mn},2026-05-01 08:00,35,62,0.8\n"))

    assert answer.status_code == 200
    page = answer.content.decode()
    assert 'data-testid="upload-result" data-stored="1" data-duplicates="0"' in page
    assert Reading.objects.count() == 1


def test_the_upload_page_lists_the_errors_and_stores_nothing(admin_client, mn):
    answer = upload(
        admin_client, csv_bytes(HEAD + f"{mn},2026-05-01 08:00,35,62,0.8\n{mn},2026-05-01 09:00,x,62,0.8\n")
    )

    assert answer.status_code == 400
    page = answer.content.decode()
    assert 'data-row="3" data-column="PM2.5 (ug/m3)" data-code="bad_value"' in page
    assert 'data-code="readings_invalid"' in page
    assert 'download="readings-errors.csv"' in page
    assert Reading.objects.count() == 0


def test_the_upload_page_keeps_the_good_rows_when_asked(admin_client, mn):
    answer = upload(
        admin_client,
        csv_bytes(HEAD + f"{mn},2026-05-01 08:00,35,62,0.8\n{mn},2026-05-01 09:00,x,62,0.8\n"),
        keep_good="on",
    )

    assert answer.status_code == 200
    page = answer.content.decode()
    assert 'data-stored="1"' in page and 'data-row="3"' in page
    assert Reading.objects.count() == 1


def test_the_upload_page_refuses_a_bad_header_naming_the_column(admin_client, mn):
    answer = upload(admin_client, csv_bytes(f"MN,data_time,NO2 (ppb)\n{mn},2026-05-01 08:00,20\n"))

    assert answer.status_code == 400
    assert 'data-row="1" data-column="NO2 (ppb)" data-code="bad_unit"' in answer.content.decode()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_downloaded_template_uploads_as_it_is(admin_client, stations, fmt):
    template = admin_client.get(f"/monitoring/upload/template.{fmt}")
    assert template.status_code == 200
    content = b"".join(template.streaming_content) if template.streaming else template.content
    if fmt == "xlsx":
        header = [c.value for c in next(load_workbook(io.BytesIO(content)).active.iter_rows(max_row=1))]
        assert header == ingest.template_headers()

    answer = upload(admin_client, content, name=f"template.{fmt}")

    assert answer.status_code == 200, answer.content.decode()[:2000]
    reading = Reading.objects.get()
    assert reading.station.mn == stations[0].mn and reading.pm25 == 35.0 and reading.wind_direction == 225.0


def test_a_template_of_another_format_is_not_found(admin_client):
    assert admin_client.get("/monitoring/upload/template.pdf").status_code == 404


def test_yesterdays_hours_upload_and_a_time_in_the_future_is_refused(admin_client, mn):
    from django.utils import timezone

    now = timezone.localtime()
    past = (now - timedelta(days=1)).strftime("%Y-%m-%d %H:00")
    future = (now + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    answer = upload(admin_client, csv_bytes(HEAD + f"{mn},{past},35,62,0.8\n{mn},{future},35,62,0.8\n"))
    assert 'data-row="3" data-column="data_time" data-code="bad_time"' in answer.content.decode()


@pytest.mark.parametrize("raw", ["1_000", "nan", "inf", "-Infinity", True, "35 ug", float("nan")])
def test_cells_that_are_not_finite_plain_numbers_are_refused(raw):
    for unit in ("ug/m3", "mg/m3"):  # the plain path and the converting path
        conversion = ingest.conversion_for(ingest.FACTORS["pm25"], unit)
        with pytest.raises(ValueError, match="not a number"):
            ingest.checked_value(conversion, raw)


@pytest.mark.parametrize(
    ("raw", "unit", "expected"), [(1.1, "mg/m3", 1100.0), ("0.0351", "mg/m3", 35.1), (35, "ug/m3", 35.0)]
)
def test_conversions_are_exact_decimals(raw, unit, expected):
    assert ingest.checked_value(ingest.conversion_for(ingest.FACTORS["pm25"], unit), raw) == expected
