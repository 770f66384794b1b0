"""Reading and writing the app's Excel sheets: a header row matched by name (Chinese or English), then one
record per row; every problem is reported with its row number, column and reason."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from envgrid.emergency.errors import EmergencyError, EmergencyErrorCode

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its key in code, its header in the template, the other headers accepted."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    example: object = ""


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


def _norm(text) -> str:
    return "".join(str(text or "").split()).lower().replace("（", "(").replace("）", ")")


def read_rows(content: bytes, columns: Sequence[Column]) -> list[tuple[int, dict]]:
    """(row number, {key: cell value}) of every non-empty data row of the first sheet. Refuses a file that
    is not an .xlsx workbook or lacks a required column, naming it."""
    if len(content) > MAX_BYTES:
        raise EmergencyError(EmergencyErrorCode.IMPORT_UNREADABLE, _("The file is larger than 10 MB."))
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError) as exc:
        raise EmergencyError(
            EmergencyErrorCode.IMPORT_UNREADABLE, _("This is not an Excel workbook (.xlsx): %(e)s") % {"e": exc}
        ) from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None) or ()
        wanted = {}
        for col in columns:
            for name in (col.header, col.key, *col.aliases):
                wanted[_norm(name)] = col.key
        positions: dict[str, int] = {}
        for index, title in enumerate(header):
            key = wanted.get(_norm(title))
            if key and key not in positions:
                positions[key] = index
        missing = [c.header for c in columns if c.required and c.key not in positions]
        if missing:
            raise EmergencyError(
                EmergencyErrorCode.IMPORT_UNREADABLE,
                _("The first row must name the columns; missing: %(cols)s.") % {"cols": "、".join(missing)},
            )
        found: list[tuple[int, dict]] = []
        for number, cells in enumerate(rows, start=2):
            values = {key: (cells[i] if i < len(cells) else None) for key, i in positions.items()}
            values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
            if all(v in (None, "") for v in values.values()):
                continue
            found.append((number, values))
            if len(found) > MAX_ROWS:
                raise EmergencyError(
                    EmergencyErrorCode.IMPORT_UNREADABLE, _("At most %(n)d rows per file.") % {"n": MAX_ROWS}
                )
        return found
    finally:
        book.close()


def parse_date(value) -> dt.date:
    """A date cell, or text such as 2026-11-20, 2026/11/20, 20261120 or 2026年11月20日."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip().replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-")
    for pattern in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 — a calendar date, no time
        except ValueError:
            continue
    raise ValueError(_("“%(v)s” is not a date (e.g. 2026-11-20).") % {"v": value})


TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓", "禁止"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "", "不禁止"}


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = _norm("" if value is None else value)
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(_("Write 是 or 否, not “%(v)s”.") % {"v": value})


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def template_workbook(columns: Sequence[Column], *, title: str, notes: Sequence[str] = ()) -> bytes:
    """A template: the header row (required columns in bold, tinted), one example row, and a notes sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    tint = PatternFill("solid", fgColor="FFF2CC")
    for index, col in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=col.header)
        if col.required:
            cell.font, cell.fill = Font(bold=True), tint
        sheet.cell(row=2, column=index, value=col.example)
        sheet.column_dimensions[cell.column_letter].width = max(12, len(col.header) * 2 + 4)
    if notes:
        info = book.create_sheet(_("Notes")[:31])
        for row, line in enumerate(notes, start=1):
            info.cell(row=row, column=1, value=line)
        info.column_dimensions["A"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def raise_if_errors(errors: list[RowError], total: int) -> None:
    if errors:
        from envgrid.emergency.errors import ImportInvalid

        bad_rows = len({e.row for e in errors})
        raise ImportInvalid(
            _("%(bad)d of %(total)d rows have errors; nothing was imported.") % {"bad": bad_rows, "total": total},
            [e.as_dict() for e in errors],
        )
