"""Writing workbooks for people: one content type, write-only sheets that stream long lists in constant
memory, local times without a zone (Excel has none), and no formula injection — a text cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written as text, never as a formula."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from envgrid.core.formats import local_naive

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: A text starting with one of these would be read as a formula (or DDE) by a spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F7A4D")


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_safe(value: Any) -> Any:
    """``value`` for a CSV cell: formula-like text gets a leading apostrophe (CSV has no cell types)."""
    return f"'{value}" if is_formula_like(value) else value


def text_cell(cell) -> None:
    """Make ``cell`` hold its value as text: string type (not a formula) and Excel's quote prefix, so that
    editing the cell does not turn it into one either."""
    cell.data_type = "s"
    cell.quotePrefix = True


def safe_cell(sheet, value: Any) -> Any:
    """``value`` ready for ``sheet.append`` on a write-only sheet: formula-like text as a text cell, aware
    datetimes in local time, dates and datetimes with a readable format; anything else as it is."""
    if isinstance(value, str):
        if not value.startswith(FORMULA_STARTS):
            return value
        cell = WriteOnlyCell(sheet, value=value)
        text_cell(cell)
        return cell
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=local_naive(value) if timezone.is_aware(value) else value)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return value


def safe_row(sheet, values: Iterable[Any]) -> list:
    return [safe_cell(sheet, value) for value in values]


def new_workbook() -> Workbook:
    """A write-only workbook (rows stream through; call ``add_sheet`` for each sheet)."""
    return Workbook(write_only=True)


def add_sheet(
    book: Workbook,
    title: str,
    columns: Sequence[tuple[str, int]],
    rows: Iterable[Iterable[Any]] = (),
    *,
    freeze: bool = True,
):
    """A sheet with a styled header row of (name, width) columns, then ``rows`` written safely; returns the
    sheet so that more rows can be added with ``append_row``."""
    sheet = book.create_sheet(title[:31])
    for index, (_name, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    if freeze:
        sheet.freeze_panes = "A2"
    header = []
    for name, _width in columns:
        cell = WriteOnlyCell(sheet, value=name)
        if is_formula_like(name):
            text_cell(cell)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, Alignment(vertical="center")
        header.append(cell)
    sheet.append(header)
    for row in rows:
        append_row(sheet, row)
    return sheet


def append_row(sheet, values: Iterable[Any]) -> None:
    sheet.append(safe_row(sheet, values))


def workbook_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def neutralise(book: Workbook) -> Workbook:
    """Make every formula-like text cell of an ordinary (not write-only) workbook a text cell."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type in ("s", "f") and is_formula_like(cell.value):
                    text_cell(cell)
    return book


def xlsx_response(content: bytes | Workbook, filename: str, *, stamp: bool = False) -> HttpResponse:
    """An .xlsx download. ``content`` is the file or a workbook (ordinary workbooks are neutralised first);
    ``stamp`` adds the local time to the name (``cases.xlsx`` → ``cases-20261120-0930.xlsx``)."""
    if isinstance(content, Workbook):
        content = workbook_bytes(content if content.write_only else neutralise(content))
    if stamp:
        stem = filename.removesuffix(".xlsx")
        filename = f"{stem}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
