"""Reading an upload: an Excel .xlsx workbook (its first sheet) or a CSV file (UTF-8 or GB18030, as Excel in
China saves it), header first; the header matched against the columns by name; cells parsed row by row, each
bad cell a ``RowError`` naming its row and column."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from envgrid.core.spreadsheets.columns import CellError, Column, header_map, normalise_header
from envgrid.core.spreadsheets.rows import FileRefused, RowError

MAX_BYTES = 50 * 1024 * 1024
#: How many rows pass between two progress reports.
PROGRESS_EVERY = 1000
#: ``progress(done, total)``: called by an importer every ``PROGRESS_EVERY`` rows and once at the end.
Progress = Callable[[int, int], None]


def refused(message: str, code: str, row: int = 0, *, refusal=FileRefused) -> FileRefused:
    return refusal([RowError(row, "", message, code=code)])


@dataclass
class Table:
    """An upload's rows as value tuples, header first; ``total_rows`` counts the data rows (for an .xlsx, as
    its dimension says, blank rows included)."""

    rows: Iterator[tuple]
    total_rows: int
    close: Callable[[], None]


def open_table(
    content: bytes, filename: str = "upload.xlsx", *, max_bytes: int = MAX_BYTES, refusal=FileRefused
) -> Table:
    """The rows of an .xlsx or .csv (.txt) upload; ``refusal`` (a ``FileRefused`` class, so that an app can
    raise its own) when the file cannot be read."""
    if len(content) > max_bytes:
        message = _("The file is larger than %(mb)d MB.") % {"mb": max_bytes >> 20}
        raise refused(message, "file_too_large", refusal=refusal)
    name = filename.lower()
    if name.endswith((".csv", ".txt")):
        return _csv_table(content, refusal)
    if name.endswith(".xlsx"):
        return _xlsx_table(content, refusal)
    message = _("Upload a .csv or .xlsx file (old .xls files: save as .xlsx first).")
    raise refused(message, "bad_format", refusal=refusal)


def _xlsx_table(content: bytes, refusal) -> Table:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        message = _("The Excel file cannot be read: %(error)s") % {"error": exc}
        raise refused(message, "bad_format", refusal=refusal) from None
    sheet = workbook.worksheets[0]
    total = max((sheet.max_row or 1) - 1, 0)
    return Table(rows=sheet.iter_rows(values_only=True), total_rows=total, close=workbook.close)


def _csv_table(content: bytes, refusal) -> Table:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise refused(_("The file is neither UTF-8 nor GB18030 text."), "bad_encoding", refusal=refusal)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows = [tuple(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    return Table(rows=iter(rows), total_rows=max(len(rows) - 1, 0), close=lambda: None)


def is_blank(values: Sequence) -> bool:
    return not values or all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


@dataclass
class Sheet:
    """The header's columns by position, and the non-blank data rows with their spreadsheet row number."""

    positions: list[tuple[int, Column]]
    rows: Iterator[tuple[int, tuple]]
    total_rows: int
    close: Callable[[], None]


def open_sheet(
    content: bytes,
    columns: Sequence[Column],
    *,
    filename: str = "upload.xlsx",
    max_bytes: int = MAX_BYTES,
    refusal=FileRefused,
) -> Sheet:
    """Open an upload and match its first row against ``columns``; a required column missing refuses the
    file, naming every one."""
    table = open_table(content, filename, max_bytes=max_bytes, refusal=refusal)
    header = next(table.rows, None)
    if header is None:
        table.close()
        raise refused(_("The worksheet is empty."), "empty_file", 1, refusal=refusal)
    known = header_map(list(columns))
    positions, seen = [], set()
    for index, name in enumerate(header):
        column = known.get(normalise_header(name))
        if column is not None and column.key not in seen:
            positions.append((index, column))
            seen.add(column.key)
    missing = [c for c in columns if c.required and c.key not in seen]
    if missing:
        table.close()
        message = _("The required column %(name)s is missing from the first row.")
        raise refusal([RowError(1, "", message % {"name": c.header()}, "missing_column", c.header()) for c in missing])

    def numbered() -> Iterator[tuple[int, tuple]]:
        for number, values in enumerate(table.rows, start=2):
            if not is_blank(values):
                yield number, values

    return Sheet(positions=positions, rows=numbered(), total_rows=table.total_rows, close=table.close)


def parse_row(number: int, values: tuple, positions: list[tuple[int, Column]], errors: list[RowError]) -> dict:
    """The row's cells by column key, parsed (blank cells left out); each bad cell adds a RowError."""
    parsed: dict[str, Any] = {}
    width = len(values)
    for index, column in positions:
        value = values[index] if index < width else None
        if value is None or (isinstance(value, str) and not value.strip()):
            if column.required:
                letter = get_column_letter(index + 1)
                errors.append(RowError(number, letter, _("Required; the cell is empty."), "required", column.header()))
            continue
        try:
            parsed[column.key] = column.parse(value) if column.parse else value
        except CellError as exc:
            errors.append(
                RowError(number, get_column_letter(index + 1), exc.reason, exc.code, column.header(), str(value)[:100])
            )
    return parsed


def read_records(
    content: bytes,
    columns: Sequence[Column],
    *,
    max_rows: int = 20_000,
    max_bytes: int = MAX_BYTES,
    refusal=FileRefused,
) -> list[tuple[int, dict]]:
    """(row number, {key: cell}) of every non-blank row of an .xlsx upload, every matched column present (blank
    cells as None, text trimmed); for imports that check each row against the database themselves."""
    sheet = open_sheet(content, columns, max_bytes=max_bytes, refusal=refusal)
    found: list[tuple[int, dict]] = []
    try:
        for number, values in sheet.rows:
            cells = {c.key: (values[i] if i < len(values) else None) for i, c in sheet.positions}
            cells = {k: (v.strip() if isinstance(v, str) else v) for k, v in cells.items()}
            if is_blank(list(cells.values())):
                continue
            found.append((number, cells))
            if len(found) > max_rows:
                message = _("At most %(n)d rows per file.") % {"n": max_rows}
                raise refused(message, "too_many_rows", number, refusal=refusal)
    finally:
        sheet.close()
    return found


def column_letter(positions: list[tuple[int, Column]], key: str) -> tuple[str, str]:
    """(letter, header) of a column in this file; ("", key) when the file lacks it."""
    for index, column in positions:
        if column.key == key:
            return get_column_letter(index + 1), column.header()
    return "", key


def chunked(items: Iterable, size: int) -> Iterator[list]:
    """``items`` in lists of ``size`` (the last one shorter), without reading ahead more than one list."""
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
