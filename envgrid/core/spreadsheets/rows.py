"""What an import reports: one error per bad cell or row, the refusals, and the result of a run."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _

from envgrid.core.errors import DomainError
from envgrid.core.spreadsheets.writer import csv_safe

#: How many changes a result previews, and how many errors a stored report keeps.
MAX_PREVIEW = 500
MAX_ERRORS = 2000


@dataclass(frozen=True)
class RowError:
    """One problem with an uploaded row. ``row`` is the spreadsheet row as Excel shows it (the header is row 1;
    0 means the file as a whole) or, for a JSON list, the position from 0. ``column`` names the column: its
    letter for sheets whose headers are matched by name (``header`` then says which), else its header or field
    ("" for the whole row). ``value`` is the cell as found, ``code`` a stable word tests and reports match on."""

    row: int
    column: str
    message: str
    code: str = "invalid"
    header: str = ""
    value: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def bad_rows(errors: Sequence[RowError]) -> int:
    """How many distinct rows the errors name."""
    return len({e.row for e in errors})


def refusal_message(errors: Sequence[RowError], total: int) -> str:
    return _("%(bad)d of %(total)d rows have errors; nothing was imported.") % {"bad": bad_rows(errors), "total": total}


class FileRefused(DomainError):
    """The file as a whole cannot be read (format, size, no header, a required column missing)."""

    http_status = 400

    def __init__(self, errors: Sequence[RowError], *, code: str = "import_unreadable"):
        self.errors = list(errors)
        super().__init__(code, "; ".join(e.message for e in self.errors), details={"errors": self.as_dicts()})

    def as_dicts(self) -> list[dict]:
        return [e.as_dict() for e in self.errors]


class RowsRefused(DomainError):
    """Rows failed their checks and the import is all-or-nothing: nothing was written. ``errors`` lists them."""

    http_status = 400

    def __init__(self, errors: Sequence[RowError], *, total: int, code: str = "import_invalid", message: str = ""):
        self.errors = list(errors)
        super().__init__(
            code, message or refusal_message(self.errors, total), details={"errors": [e.as_dict() for e in errors]}
        )


def refuse_if_errors(errors: Sequence[RowError], *, total: int, keep_good: bool = False, refusal=RowsRefused) -> None:
    """The commit rule: any error refuses the whole file (``refusal``, a ``RowsRefused``-like class) unless
    ``keep_good``, when the good rows are written and the errors come back as the report."""
    if errors and not keep_good:
        raise refusal(sorted(errors, key=lambda e: e.row), total=total)


@dataclass
class ImportResult:
    """What an import did — or, for a dry run, would do. ``created`` counts new records (stored readings),
    ``duplicates`` records already there and kept as they were."""

    kind: str = ""
    dry_run: bool = False
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    ended: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    written: bool = False

    @property
    def error_rows(self) -> int:
        return bad_rows(self.errors)

    def summary(self) -> dict:
        return {
            "total_rows": self.total_rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates": self.duplicates,
            "ended": self.ended,
            "skipped": self.skipped,
            "error_rows": self.error_rows,
            "written": self.written,
            "dry_run": self.dry_run,
        }

    def preview(self, change: dict) -> None:
        if len(self.changes) < MAX_PREVIEW:
            self.changes.append(change)


def errors_as_csv(errors: Sequence[RowError]) -> str:
    """An error report as CSV text (row, column, code, message); formula-like text neutralised."""

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "code", "message"])
    for error in errors:
        writer.writerow([csv_safe(v) for v in (error.row, error.column, error.code, error.message)])
    return out.getvalue()
