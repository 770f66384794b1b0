"""The spreadsheet toolkit: the writer never writes a formula from text, keeps numbers as numbers and local
times without a zone; the reader names the row and the column of a bad cell in .xlsx and .csv alike; the
commit rule refuses the whole file or keeps the good rows and reports the bad ones."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook

from envgrid.core import spreadsheets as s
from envgrid.core.spreadsheets.templates import template_workbook

CHINA = ZoneInfo("Asia/Shanghai")


def read_back(content: bytes):
    return load_workbook(io.BytesIO(content)).worksheets[0]


def written(values: list) -> list:
    """The cells of one row written through the core writer and read back with openpyxl."""
    book = s.new_workbook()
    s.add_sheet(book, "t", [(f"c{i}", 10) for i in range(len(values))], [values])
    return list(read_back(s.workbook_bytes(book))[2])


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_starts_like_a_formula_is_written_as_text(start):
    text = f"{start}SUM(A1:A9)"
    cell = written([text])[0]
    # XML reads a carriage return back as a line feed; the point is the type and the quote prefix
    assert (cell.value.replace("\n", "\r"), cell.data_type) == (text, "s")
    assert cell.quotePrefix


def test_a_plain_formula_would_be_a_formula_without_the_writer():
    """The control: openpyxl alone writes "=…" as a formula, which is why the writer exists."""
    book = Workbook()
    book.active.append(["=1+1"])
    out = io.BytesIO()
    book.save(out)
    assert read_back(out.getvalue())["A1"].data_type == "f"
    assert read_back(s.workbook_bytes(s.neutralise(book)))["A1"].data_type == "s"


def test_numbers_stay_numbers_and_negative_numbers_too():
    cells = written([42, -7, -0.5, 3.25, "plain", "-"])
    assert [(c.value, c.data_type) for c in cells[:4]] == [(42, "n"), (-7, "n"), (-0.5, "n"), (3.25, "n")]
    assert (cells[4].value, cells[4].data_type, cells[4].quotePrefix) == ("plain", "s", False)
    assert (cells[5].value, cells[5].data_type) == ("-", "s")


def test_aware_times_are_written_in_local_time_without_a_zone():
    moment = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)
    cell = written([moment])[0]
    assert cell.value == dt.datetime(2026, 11, 21, 0, 30, tzinfo=CHINA).replace(tzinfo=None)
    assert cell.number_format == s.DATETIME_FORMAT


def test_the_response_names_the_file_and_the_one_content_type(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    book = Workbook()
    book.active.append(["@cmd"])
    response = s.xlsx_response(book, "report.xlsx", stamp=True)
    assert response["Content-Type"] == s.XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith('attachment; filename="report-')
    assert read_back(response.content)["A1"].data_type == "s"


COLUMNS = [
    s.Column("code", "编码", "Code", s.text(10), required=True),
    s.Column("share", "比例", "Share", s.number(0, 100)),
    s.Column("on", "启用", "Enabled", s.yes_no),
    s.Column("since", "日期", "Since", s.day),
]
ROWS = [["A-1", 10, "是", "2026-11-20"], ["A-2", "很多", "也许", "2026/11/21"], ["A-3", 30, "否", "2026年11月22日"]]


def xlsx(header, rows) -> bytes:
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(header, rows, encoding="utf-8-sig") -> bytes:
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    return "\n".join(lines).encode(encoding)


def read(content: bytes, filename: str):
    sheet = s.open_sheet(content, COLUMNS, filename=filename)
    errors: list[s.RowError] = []
    parsed = [(number, s.parse_row(number, values, sheet.positions, errors)) for number, values in sheet.rows]
    sheet.close()
    return parsed, errors


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("f.xlsx", xlsx(["编码", "Share", "启用", "日期"], ROWS)),
        ("f.csv", csv_bytes(["编码", "Share", "启用", "日期"], ROWS)),
        ("f.csv", csv_bytes(["编码", "Share", "启用", "日期"], ROWS, encoding="gb18030")),
    ],
)
def test_the_reader_names_the_row_and_column_of_each_bad_cell_in_xlsx_and_csv(filename, content):
    parsed, errors = read(content, filename)

    assert [(e.row, e.column, e.header, e.code) for e in errors] == [
        (3, "B", s.Column("share", "比例", "Share").header(), "invalid"),
        (3, "C", s.Column("on", "启用", "Enabled").header(), "invalid"),
    ]
    assert errors[0].value == "很多" and "很多" in errors[0].message
    good = dict(parsed)
    assert good[2] == {"code": "A-1", "share": 10.0, "on": True, "since": dt.date(2026, 11, 20)}
    assert good[4] == {"code": "A-3", "share": 30.0, "on": False, "since": dt.date(2026, 11, 22)}


def test_a_missing_required_column_and_a_file_that_is_no_workbook_are_refused_by_name():
    with pytest.raises(s.FileRefused) as missing:
        s.open_sheet(xlsx(["比例"], [[1]]), COLUMNS)
    assert (missing.value.errors[0].row, missing.value.errors[0].code) == (1, "missing_column")
    assert "编码" in missing.value.message or "Code" in missing.value.message
    with pytest.raises(s.FileRefused) as broken:
        s.open_sheet(b"not a zip", COLUMNS)
    assert broken.value.errors[0].code == "bad_format"


def test_all_or_nothing_refuses_the_file_and_keep_good_returns_the_bad_rows_as_the_report():
    _parsed, errors = read(xlsx(["编码", "比例", "启用", "日期"], ROWS), "f.xlsx")

    with pytest.raises(s.RowsRefused) as refused:
        s.refuse_if_errors(errors, total=3)
    assert refused.value.code == "import_invalid"
    assert "1 of 3 rows" in refused.value.message or "3" in refused.value.message
    assert [(e["row"], e["column"]) for e in refused.value.details["errors"]] == [(3, "B"), (3, "C")]

    s.refuse_if_errors(errors, total=3, keep_good=True)  # no exception: the good rows go on
    result = s.ImportResult(total_rows=3, created=2, errors=errors)
    assert (result.error_rows, result.summary()["created"]) == (1, 2)
    assert s.errors_as_csv(result.errors).splitlines()[1].startswith("3,B,invalid,")
    assert "'=cmd" in s.errors_as_csv([s.RowError(2, "=cmd", "bad")])


def test_read_records_keeps_every_matched_column_and_skips_blank_rows():
    columns = [s.Column("unit", "单位", aliases=("值班单位",), required=True), s.Column("note", "备注")]
    content = xlsx(
        ["值班单位", "备注", "别的"], [[" 分局 ", None, "x"], [None, None, "only other"], ["街道", "夜班", None]]
    )
    assert s.read_records(content, columns) == [
        (2, {"unit": "分局", "note": None}),
        (4, {"unit": "街道", "note": "夜班"}),
    ]


def test_the_template_has_the_headers_an_example_and_a_help_sheet_with_the_notes():
    columns = [
        s.Column("unit", "单位", required=True, example="=不是公式"),
        s.Column("day", "日期", example="2026-11-20"),
    ]
    book = load_workbook(io.BytesIO(template_workbook(columns, title="值班表", notes=["每行一人。"])))
    sheet, help_sheet = book.worksheets
    assert [c.value for c in sheet[1]] == ["单位", "日期"]
    assert (sheet["A2"].value, sheet["A2"].data_type) == ("=不是公式", "s")
    assert "每行一人。" in [row[0] for row in help_sheet.iter_rows(values_only=True)]
