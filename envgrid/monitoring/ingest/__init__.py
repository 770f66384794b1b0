"""Readings from files (CSV, Excel) and from the JSON API: validated row by row, then stored in one transaction
by ``readings_import``.

Every row is checked for its station (MN known and active), its time (Asia/Shanghai local time unless an offset
is given; not in the future), its units (declared per column header such as ``PM2.5 (ug/m3)`` or
``CO (mg/m3)``: converted to the stored unit, or refused when no exact conversion exists, e.g. ppb) and a
plausible range per factor. Errors name the row, the column and the reason. An import is all-or-nothing unless
the caller keeps the good rows; then the bad rows come back as the report. Readings already stored (same
station, command and time) are kept as they are and counted as duplicates, as the HJ 212 receiver does.

``units`` holds the factors and conversions, ``validation`` the checks of one reading, ``readers`` the file and
JSON readers, ``services`` the store and the template; the spreadsheet machinery is ``envgrid.core.spreadsheets``.
"""

from envgrid.core.errors import PermissionDenied
from envgrid.core.spreadsheets import ImportResult, RowError, errors_as_csv
from envgrid.monitoring.ingest.readers import readings_from_json, readings_from_table
from envgrid.monitoring.ingest.services import readings_import, template_example, template_headers, template_xlsx
from envgrid.monitoring.ingest.units import FACTORS, POLLUTANTS, Conversion, Factor, conversion_for, normalise_unit
from envgrid.monitoring.ingest.validation import (
    DEFAULT_INTERVAL,
    INTERVALS,
    LOCAL_TZ,
    MAX_FILE_BYTES,
    ReadingBatch,
    ReadingRow,
    ReadingsInvalid,
    ReadingsUnreadable,
    checked_value,
    parse_interval,
    parse_number,
    parse_time,
)

__all__ = [
    "DEFAULT_INTERVAL",
    "FACTORS",
    "INTERVALS",
    "LOCAL_TZ",
    "MAX_FILE_BYTES",
    "POLLUTANTS",
    "Conversion",
    "Factor",
    "ImportResult",
    "PermissionDenied",
    "ReadingBatch",
    "ReadingRow",
    "ReadingsInvalid",
    "ReadingsUnreadable",
    "RowError",
    "checked_value",
    "conversion_for",
    "errors_as_csv",
    "normalise_unit",
    "parse_interval",
    "parse_number",
    "parse_time",
    "readings_from_json",
    "readings_from_table",
    "readings_import",
    "template_example",
    "template_headers",
    "template_xlsx",
]
