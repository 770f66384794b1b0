"""What every Excel import shares: reading the sheet, the row errors, the result, progress reports."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from envgrid.sources.imports.columns import CellError, Column, header_map, normalise_header

#: How many rows pass between two progress reports, and how many changes a result previews.
PROGRESS_EVERY = 1000
MAX_PREVIEW = 500
MAX_ERRORS = 2000

Progress = Callable[[int, int], None]


@dataclass
class RowError:
    """One problem: the Excel row number (1-based, as Excel shows it), the column letter and header, the
    value found and the reason. ``row`` 0 means the file as a whole."""

    row: int
    column: str
    header: str
    reason: str
    value: str = ""
    code: str = "invalid"

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class ImportResult:
    """What an import did — or, for a dry run, would do."""

    kind: str
    dry_run: bool
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ended: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    written: bool = False

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})

    def summary(self) -> dict:
        return {
            "total_rows": self.total_rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "ended": self.ended,
            "skipped": self.skipped,
            "error_rows": self.error_rows,
            "written": self.written,
            "dry_run": self.dry_run,
        }

    def preview(self, change: dict) -> None:
        if len(self.changes) < MAX_PREVIEW:
            self.changes.append(change)


class FileRefused(Exception):
    """The file as a whole cannot be read (not an xlsx, no header, a required column missing)."""

    def __init__(self, errors: list[RowError]):
        super().__init__(errors[0].reason)
        self.errors = errors


@dataclass
class Sheet:
    """The header's columns by position, and the data rows as value tuples with their Excel row number."""

    positions: list[tuple[int, Column]]
    rows: Iterator[tuple[int, tuple]]
    total_rows: int
    close: Callable[[], None]


def open_sheet(data: bytes, columns: list[Column]) -> Sheet:
    """Open the first worksheet read-only; match its first row against ``columns``."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise FileRefused(
            [RowError(0, "", "", _("The file is not an Excel workbook (.xlsx)."), code="not_xlsx")]
        ) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        workbook.close()
        raise FileRefused([RowError(0, "", "", _("The worksheet is empty."), code="empty")])
    known = header_map(columns)
    positions, seen = [], set()
    for index, name in enumerate(header):
        column = known.get(normalise_header(name))
        if column is not None and column.key not in seen:
            positions.append((index, column))
            seen.add(column.key)
    missing = [c for c in columns if c.required and c.key not in seen]
    if missing:
        workbook.close()
        raise FileRefused(
            [
                RowError(
                    1,
                    "",
                    c.header(),
                    _("The required column %(name)s is missing from the first row.") % {"name": c.header()},
                    code="column_missing",
                )
                for c in missing
            ]
        )
    total = max((sheet.max_row or 1) - 1, 0)

    def numbered() -> Iterator[tuple[int, tuple]]:
        for number, values in enumerate(rows, start=2):
            if values and any(v is not None and v != "" for v in values):
                yield number, values

    return Sheet(positions=positions, rows=numbered(), total_rows=total, close=workbook.close)


def parse_row(number: int, values: tuple, positions: list[tuple[int, Column]], errors: list[RowError]) -> dict:
    """The row's cells by column key (blank cells left out); each bad cell adds a RowError."""
    parsed: dict[str, Any] = {}
    width = len(values)
    for index, column in positions:
        value = values[index] if index < width else None
        if value is None or (isinstance(value, str) and not value.strip()):
            if column.required:
                errors.append(
                    RowError(
                        number,
                        get_column_letter(index + 1),
                        column.header(),
                        _("Required; the cell is empty."),
                        code="required",
                    )
                )
            continue
        try:
            parsed[column.key] = column.parse(value)
        except CellError as exc:
            errors.append(
                RowError(number, get_column_letter(index + 1), column.header(), exc.reason, str(value)[:100], exc.code)
            )
    return parsed


def column_letter(positions: list[tuple[int, Column]], key: str) -> tuple[str, str]:
    """(letter, header) of a column in this file; ("", header) when the file lacks it."""
    for index, column in positions:
        if column.key == key:
            return get_column_letter(index + 1), column.header()
    return "", key


def chunked(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
