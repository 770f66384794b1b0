"""``manage.py aqi --mode daily|hourly [--standard CODE] [--output FILE] FILE``: AQI per HJ 633 for a CSV.

The CSV's indicator columns are named after HJ 633-2012 Table 1 (``SO2_24h``, ``NO2_24h``, ``PM10_24h``,
``CO_24h``, ``PM2.5_24h``, ``O3_1h``, ``O3_8h``, ``SO2_1h``, ``NO2_1h``, ``CO_1h``, ``PM10_1h``,
``PM2.5_1h``); every other column is passed through. Blank cells are missing values; a non-numeric,
negative or infinite cell is an error naming its row and column, and then nothing is written.

Which standard: ``--standard`` if given; else, when the CSV has a ``date`` (or else ``time``) column,
each row uses the standard in force on its date (Beijing time: a timestamp with an offset is
converted to Asia/Shanghai first, a naive one is taken as written); else the standard in force today.
A file whose rows span a change of standard says so on stderr, and every row names its ``standard``.

Output: the input rows, then ``IAQI_<indicator>`` for each indicator of the report present, ``AQI``,
``primary_pollutants`` (``PM2.5;PM10``), ``level``, ``category``, ``color_hex``, and three more:
``exceeding_pollutants``, ``standard`` and ``notes`` (over-800 and above-table cases).
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from envgrid.monitoring.aqi import CHINA_TZ, aqi_table
from envgrid.monitoring.standards.builtin import AQI_TABLES, aqi_table_by_code
from envgrid.monitoring.standards.records import ALL_INDICATORS

RESULT_COLUMNS = (
    "AQI",
    "primary_pollutants",
    "level",
    "category",
    "color_hex",
    "exceeding_pollutants",
    "standard",
    "notes",
)
DATE_COLUMNS = ("date", "time")
MAX_ERRORS = 20


class CsvError(Exception):
    """Cells that cannot be read; each message names its row and column."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def _parse_day(text: str) -> date:
    text = text.strip().replace("/", "-")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return date.fromisoformat(text[:10])
    if moment.tzinfo is not None:
        return moment.astimezone(CHINA_TZ).date()
    return moment.date()


def _numeric_column(name: str, cells: list[str], lines: list[int], errors: list[str]) -> np.ndarray:
    """Floats of one column, NaN for blank cells; bad cells are added to ``errors``."""
    values = np.full(len(cells), np.nan)
    for i, cell in enumerate(cells):
        text = cell.strip()
        if not text:
            continue
        try:
            value = float(text)
        except ValueError:
            value = None
        if value is None or not np.isfinite(value):
            errors.append(f"row {i + 1} (line {lines[i]}), column {name}: {cell!r} is not a number")
        elif value < 0:
            errors.append(f"row {i + 1} (line {lines[i]}), column {name}: {cell!r} is negative")
        else:
            values[i] = value
    return values


def read_concentrations(handle) -> tuple[list[str], list[list[str]], dict[str, np.ndarray], list | None]:
    """Header, raw rows, indicator columns as float arrays, and one date per row (or None)."""
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        raise CsvError(["the file is empty (no header row)"])
    header = [name.strip() for name in header]
    rows: list[list[str]] = []
    lines: list[int] = []
    errors: list[str] = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(header):
            errors.append(f"row {len(rows) + 1} (line {reader.line_num}): {len(row)} cells, header has {len(header)}")
            row = (row + [""] * len(header))[: len(header)]
        rows.append(row)
        lines.append(reader.line_num)
    indicators = [name for name in header if name in ALL_INDICATORS]
    if not indicators:
        raise CsvError([f"no indicator column; expected some of {', '.join(ALL_INDICATORS)}"])
    columns = {}
    for name in indicators:
        position = header.index(name)
        columns[name] = _numeric_column(name, [row[position] for row in rows], lines, errors)
    days = None
    date_column = next((name for name in DATE_COLUMNS if name in header), None)
    if date_column is not None:
        position = header.index(date_column)
        days = []
        for i, row in enumerate(rows):
            try:
                days.append(_parse_day(row[position]))
            except ValueError:
                errors.append(f"row {i + 1} (line {lines[i]}), column {date_column}: {row[position]!r} is not a date")
    if errors:
        raise CsvError(errors)
    return header, rows, columns, days


def _cell(value) -> str:
    if isinstance(value, float):
        return "" if np.isnan(value) else str(int(value))
    return str(value)


class Command(BaseCommand):
    help = "Compute the China AQI (HJ 633) for every row of a CSV of concentrations and write the rows back."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV with indicator columns named after HJ 633-2012 Table 1 ('-' for stdin)")
        parser.add_argument(
            "--mode", choices=("daily", "hourly"), required=True, help="日报 (daily) or 实时报 (hourly)"
        )
        parser.add_argument(
            "--standard",
            choices=sorted({t.code for t in AQI_TABLES}),
            help="Breakpoint table; default: by the date/time column, else the one in force today.",
        )
        parser.add_argument("--output", help="Write the CSV here instead of stdout (replaced only on success).")
        parser.add_argument(
            "--exact-inputs",
            action="store_true",
            help="Use concentrations as given instead of rounding them first (GB/T 8170).",
        )
        parser.add_argument(
            "--particles",
            choices=("1h", "24h", "both"),
            default="both",
            help="Hourly report: which particle values enter the AQI (HJ 633-2012 leaves it open).",
        )

    def handle(self, *args, file: str, mode: str, standard: str | None, output: str | None, **options):
        try:
            if file == "-":
                header, rows, columns, days = read_concentrations(sys.stdin)
            else:
                with open(file, encoding="utf-8-sig", newline="") as handle:
                    header, rows, columns, days = read_concentrations(handle)
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        except CsvError as exc:
            shown = exc.errors[:MAX_ERRORS]
            more = len(exc.errors) - len(shown)
            tail = f"\n… and {more} more" if more > 0 else ""
            raise CommandError(
                f"{file}: nothing written, {len(exc.errors)} error(s):\n" + "\n".join(shown) + tail
            ) from exc

        if mode == "hourly" and options["particles"] != "both":
            dropped = "24h" if options["particles"] == "1h" else "1h"
            columns = {k: v for k, v in columns.items() if not (k.startswith("PM") and k.endswith(dropped))}
        on_date = None if standard is not None else days
        try:
            result = aqi_table(columns, mode, standard, on_date=on_date, round_inputs=not options["exact_inputs"])
        except LookupError as exc:
            raise CommandError(f"{file}: nothing written: {exc}") from exc
        self._report_standards(result["standard"], mode)

        iaqi_columns = [key for key in result if key.startswith("IAQI_")]
        produced = set(iaqi_columns) | set(RESULT_COLUMNS)
        kept = [i for i, name in enumerate(header) if name not in produced]
        out_header = [header[i] for i in kept] + iaqi_columns + list(RESULT_COLUMNS)
        out_columns = [result[key] for key in iaqi_columns + list(RESULT_COLUMNS)]
        if output:
            self._write_file(Path(output), out_header, rows, kept, out_columns)
        else:
            writer = csv.writer(self.stdout, lineterminator="\n")
            self._write_rows(writer, out_header, rows, kept, out_columns)

    def _write_rows(self, writer, out_header, rows, kept, out_columns) -> None:
        writer.writerow(out_header)
        computed = zip(*(column.tolist() for column in out_columns), strict=True) if out_columns else ()
        for row, values in zip(rows, computed, strict=True):
            writer.writerow([row[i] for i in kept] + [_cell(v) for v in values])

    def _write_file(self, path: Path, out_header, rows, kept, out_columns) -> None:
        fd, temp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                self._write_rows(csv.writer(handle, lineterminator="\n"), out_header, rows, kept, out_columns)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        self.stderr.write(f"{len(rows)} rows written to {path}")

    def _report_standards(self, codes: np.ndarray, mode: str) -> None:
        counts = Counter(codes.tolist())
        if len(counts) > 1:
            parts = ", ".join(f"{n} rows by {code}" for code, n in sorted(counts.items()))
            self.stderr.write(f"Note: the rows span a change of AQI standard ({parts}).")
        for code in counts:
            table = aqi_table_by_code(code, mode)
            if table.provisional:
                self.stderr.write(f"Note: {code} breakpoints are provisional: {table.notes}")
