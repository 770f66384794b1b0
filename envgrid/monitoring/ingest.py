"""Readings from files (CSV, Excel) and from the JSON API: validated row by row, then stored in one transaction
by ``readings_import``.

Every row is checked for its station (MN known and active), its time (Asia/Shanghai local time unless an offset
is given; not in the future), its units (declared per column header such as ``PM2.5 (ug/m3)`` or
``CO (mg/m3)``: converted to the stored unit, or refused when no exact conversion exists, e.g. ppb) and a
plausible range per factor. Errors name the row, the column and the reason. An import is all-or-nothing unless
the caller keeps the good rows; then the bad rows come back as the report. Readings already stored (same
station, command and time) are kept as they are and counted as duplicates, as the HJ 212 receiver does.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.core.errors import DomainError, PermissionDenied
from envgrid.core.services import audit_record
from envgrid.monitoring.choices import READING_COLUMNS, ReadingCommand
from envgrid.monitoring.models import Station
from envgrid.monitoring.selectors import can_import_readings
from envgrid.monitoring.services import _insert_readings
from envgrid.monitoring.signals import readings_stored

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_JSON_ROWS = 10_000
FUTURE_TOLERANCE = timedelta(minutes=10)
EARLIEST = datetime(2000, 1, 1, tzinfo=LOCAL_TZ)

INTERVALS = {
    "realtime": ReadingCommand.REALTIME,
    "minute": ReadingCommand.MINUTE,
    "hour": ReadingCommand.HOUR,
    "day": ReadingCommand.DAY,
}
DEFAULT_INTERVAL = "hour"


# --- factors, units and ranges -------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    """A stored reading column: the names a header may use, its stored unit and its plausible range (in that
    unit). The ranges catch gross errors — a wrong unit, a sentinel such as -9999 — not exceedances."""

    column: str
    label: str
    names: tuple[str, ...]
    quantity: str
    unit: str
    low: Decimal
    high: Decimal


def _factor(column, label, names, quantity, unit, low, high) -> Factor:
    return Factor(column, label, names, quantity, unit, Decimal(low), Decimal(high))


FACTORS: dict[str, Factor] = {
    f.column: f
    for f in (
        _factor("pm25", "PM2.5", ("pm2.5", "pm25", "pm2_5", "a34004"), "mass", "ug/m3", 0, 2000),
        _factor("pm10", "PM10", ("pm10", "a34002"), "mass", "ug/m3", 0, 10000),
        _factor("so2", "SO2", ("so2", "二氧化硫", "a21026"), "mass", "ug/m3", 0, 10000),
        _factor("no2", "NO2", ("no2", "二氧化氮", "a21004"), "mass", "ug/m3", 0, 3000),
        _factor("co", "CO", ("co", "一氧化碳", "a21005"), "mass", "mg/m3", 0, 200),
        _factor("o3", "O3", ("o3", "臭氧", "a05024"), "mass", "ug/m3", 0, 2000),
        _factor("temperature", "温度", ("temperature", "温度", "气温", "a01001"), "temperature", "degC", -60, 60),
        _factor("humidity", "湿度", ("humidity", "湿度", "相对湿度", "a01002"), "humidity", "%", 0, 100),
        _factor("pressure", "气压", ("pressure", "气压", "a01006"), "pressure", "kPa", 50, 110),
        _factor("wind_speed", "风速", ("wind speed", "wind_speed", "风速", "a01007"), "speed", "m/s", 0, 80),
        _factor(
            "wind_direction", "风向", ("wind direction", "wind_direction", "风向", "a01008"), "angle", "deg", 0, 360
        ),
    )
}
assert tuple(FACTORS) == READING_COLUMNS  # one stored column per factor, in the insert's order
POLLUTANTS = ("pm25", "pm10", "so2", "no2", "co", "o3")

# unit spelling (normalised) -> (quantity, multiply-by to reach the quantity's base unit, offset added after)
# Base units: mass ug/m3, temperature degC, humidity %, pressure kPa, speed m/s, angle deg.
UNITS: dict[str, tuple[str, Decimal, Decimal]] = {
    "ug/m3": ("mass", Decimal(1), Decimal(0)),
    "mg/m3": ("mass", Decimal(1000), Decimal(0)),
    "ng/m3": ("mass", Decimal("0.001"), Decimal(0)),
    "degc": ("temperature", Decimal(1), Decimal(0)),
    "c": ("temperature", Decimal(1), Decimal(0)),
    "k": ("temperature", Decimal(1), Decimal("-273.15")),
    "%": ("humidity", Decimal(1), Decimal(0)),
    "%rh": ("humidity", Decimal(1), Decimal(0)),
    "kpa": ("pressure", Decimal(1), Decimal(0)),
    "hpa": ("pressure", Decimal("0.1"), Decimal(0)),
    "mbar": ("pressure", Decimal("0.1"), Decimal(0)),
    "pa": ("pressure", Decimal("0.001"), Decimal(0)),
    "m/s": ("speed", Decimal(1), Decimal(0)),
    "km/h": ("speed", Decimal(1) / Decimal("3.6"), Decimal(0)),
    "deg": ("angle", Decimal(1), Decimal(0)),
}
# Mixing ratios need the temperature and pressure of the sample to become a mass concentration: refused.
MIXING_RATIOS = {"ppm", "ppb", "ppt", "mol/mol"}


def normalise_unit(text: str) -> str:
    """``µg/m³`` and ``ug/m3`` alike: lower case, micro signs as u, superscripts as digits, no spaces."""
    text = text.strip().lower().replace("µ", "u").replace("μ", "u").replace("³", "3").replace(" ", "")
    text = text.replace("℃", "degc").replace("°c", "degc").replace("°", "deg").replace("度", "deg")
    return {"m/s2": "m/s", "kph": "km/h", "degrees": "deg", "ug/m^3": "ug/m3", "mg/m^3": "mg/m3"}.get(text, text)


@dataclass(frozen=True)
class Conversion:
    """How to turn values of a column (in its declared unit) into the stored unit of its factor."""

    factor: Factor
    unit: str
    scale: Decimal
    offset: Decimal

    @property
    def is_identity(self) -> bool:
        return self.scale == 1 and self.offset == 0

    def apply(self, value: Decimal) -> Decimal:
        return value * self.scale + self.offset


def conversion_for(factor: Factor, unit: str | None) -> Conversion:
    """The conversion from ``unit`` (None: the stored unit) to the factor's stored unit; ``ValueError`` with
    the reason when the unit is unknown, of another quantity or not convertible."""
    if unit is None or unit.strip() == "":
        if factor.column in POLLUTANTS:
            raise ValueError(_("%(factor)s needs its unit in the header, e.g. “%(factor)s (%(unit)s)”.")
                             % {"factor": factor.label, "unit": factor.unit})  # fmt: skip
        unit = factor.unit
    key = normalise_unit(unit)
    if key in MIXING_RATIOS:
        raise ValueError(
            _("%(unit)s is a mixing ratio: it cannot be converted to %(target)s without the sample's temperature and "
              "pressure. Convert the values to %(target)s first.") % {"unit": unit, "target": factor.unit}
        )  # fmt: skip
    known = UNITS.get(key)
    if known is None:
        raise ValueError(_("Unknown unit “%(unit)s” for %(factor)s; use %(target)s.")
                         % {"unit": unit, "factor": factor.label, "target": factor.unit})  # fmt: skip
    quantity, scale, offset = known
    if quantity != factor.quantity:
        raise ValueError(_("%(unit)s is not a unit of %(factor)s; use %(target)s.")
                         % {"unit": unit, "factor": factor.label, "target": factor.unit})  # fmt: skip
    target_scale, target_offset = UNITS[normalise_unit(factor.unit)][1:]
    # value_in_base = v * scale + offset; stored = (value_in_base - target_offset) / target_scale
    return Conversion(factor, unit, scale / target_scale, (offset - target_offset) / target_scale)


# --- errors and results --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row (or one cell) was refused. ``row`` is the spreadsheet row number (the header is row 1) for
    files and the position in the list (from 0) for JSON; ``column`` is the header or field ("" = whole row)."""

    row: int
    column: str
    code: str
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class ReadingRow:
    """One validated reading, in stored units."""

    row: int
    station_id: int
    cn: int
    data_time: datetime
    values: dict[str, float]


@dataclass
class ReadingBatch:
    """What the validation of a file or a JSON list found: the good rows and the errors."""

    rows: list[ReadingRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total: int = 0
    source: str = ""

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})


@dataclass
class ImportResult:
    """What ``readings_import`` did: rows read, readings stored, duplicates already stored, refused rows."""

    total: int
    stored: int
    duplicates: int
    rejected: list[RowError]

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "rejected_rows": len({e.row for e in self.rejected}),
            "errors": [e.as_dict() for e in self.rejected],
        }


class ReadingsInvalid(DomainError):
    """Rows failed validation and the import is all-or-nothing: nothing was stored. ``details["errors"]``
    lists every error (row, column, code, message)."""

    def __init__(self, errors: Sequence[RowError], *, total: int):
        bad = len({e.row for e in errors})
        super().__init__(
            "readings_invalid",
            _("%(bad)d of %(total)d rows are invalid; nothing was stored.") % {"bad": bad, "total": total},
            details={"errors": [e.as_dict() for e in errors]},
        )
        self.errors = list(errors)


class ReadingsUnreadable(DomainError):
    """The file or request as a whole cannot be read (format, header, size): nothing was stored."""

    def __init__(self, errors: Sequence[RowError]):
        super().__init__(
            "readings_unreadable",
            "; ".join(e.message for e in errors),
            details={"errors": [e.as_dict() for e in errors]},
        )
        self.errors = list(errors)


# --- cells ---------------------------------------------------------------------------------------------

_DATE_TIME = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?$")  # HJ 212 DataTime: YYYYMMDDhhmm[ss]


def parse_time(value, *, now: datetime) -> datetime:
    """A reading time as an aware datetime: Excel dates/times and texts such as ``2026-05-01 08:00``,
    ``2026/5/1 8:00``, ``2026-05-01T08:00:00+08:00`` or ``20260501080000``; no offset means Beijing time."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str) and value.strip():
        moment = _parse_time_text(value.strip())
    else:
        raise ValueError(_("The time is missing."))
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=LOCAL_TZ)
    if moment > now + FUTURE_TOLERANCE:
        raise ValueError(_("%(time)s is in the future.") % {"time": moment.astimezone(LOCAL_TZ).isoformat()})
    if moment < EARLIEST:
        raise ValueError(_("%(time)s is before 2000.") % {"time": moment.isoformat()})
    return moment


def _parse_time_text(text: str) -> datetime:
    match = _COMPACT.match(text)
    if match:
        parts = [int(p) if p else 0 for p in match.groups()]
        return _make_time(*parts, offset=None, text=text)
    match = _DATE_TIME.match(text)
    if not match:
        raise ValueError(
            _("“%(value)s” is not a time; write e.g. 2026-05-01 08:00 (Beijing time) or 2026-05-01T08:00:00+08:00.")
            % {"value": text[:40]}
        )
    *parts, offset = match.groups()
    return _make_time(*(int(p) if p else 0 for p in parts), offset=offset, text=text)


def _make_time(year, month, day, hour, minute, second, *, offset: str | None, text: str) -> datetime:
    """The time in its offset's zone, or Beijing time without one."""
    zone = LOCAL_TZ
    if offset == "Z":
        zone = UTC
    elif offset:
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        zone = dt_timezone(delta if offset[0] == "+" else -delta)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:
        raise ValueError(_("“%(value)s” is not a valid date or time.") % {"value": text[:40]}) from None


def parse_number(value) -> Decimal | None:
    """A cell's number as an exact decimal (None when blank); ``ValueError`` when it is not a finite number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(_("“%(value)s” is not a number.") % {"value": value})
    text = repr(value) if isinstance(value, float) else str(value).strip()
    try:
        if "_" in text:  # Decimal() would take "1_000"
            raise InvalidOperation
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("“%(value)s” is not a number.") % {"value": text[:40]}) from None
    if not number.is_finite():
        raise ValueError(_("“%(value)s” is not a number.") % {"value": text[:40]})
    return number


def _checked_value(conversion: Conversion, raw) -> float | None:
    """The cell converted to the stored unit and checked against the plausible range."""
    factor = conversion.factor
    if conversion.is_identity:
        value = _plain_number(raw)  # the common case: no conversion, so no decimal arithmetic is needed
        if value is None:
            return None
        inside = float(factor.low) <= value <= float(factor.high)
    else:
        number = parse_number(raw)
        if number is None:
            return None
        converted = conversion.apply(number)
        inside = factor.low <= converted <= factor.high
        value = float(converted)
    if not inside:
        raise ValueError(
            _("%(value)s is outside the plausible range of %(factor)s (%(low)s–%(high)s %(unit)s).")
            % {"value": f"{raw} {conversion.unit}", "factor": factor.label, "low": factor.low, "high": factor.high,
               "unit": factor.unit}
        )  # fmt: skip
    return value


def _plain_number(raw) -> float | None:
    """A cell as a float without conversion (None when blank); ``ValueError`` when not a finite number."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(_("“%(value)s” is not a number.") % {"value": raw})
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw).strip()
        if not text:
            return None
        try:
            if "_" in text:  # float() would take "1_000"
                raise ValueError
            value = float(text)
        except ValueError:
            raise ValueError(_("“%(value)s” is not a number.") % {"value": text[:40]}) from None
    if not math.isfinite(value):
        raise ValueError(_("“%(value)s” is not a number.") % {"value": str(raw)[:40]})
    return value


# --- stations and commands -----------------------------------------------------------------------------


class StationLookup:
    """MN → station (and id → station) for a batch, loaded in one query."""

    def __init__(self, *, mns: Iterable[str] = (), ids: Iterable[int] = ()):
        mns, ids = {m for m in mns if m}, {i for i in ids if i}
        queryset = Station.objects.filter(mn__in=mns) if mns else Station.objects.none()
        if ids:
            queryset = queryset | Station.objects.filter(pk__in=ids)
        stations = list(queryset.only("id", "mn", "is_active"))
        self.by_mn = {s.mn: s for s in stations}
        self.by_id = {s.pk: s for s in stations}

    def check(self, station: Station | None, shown: str) -> Station:
        if station is None:
            raise ValueError(_("No station with %(what)s is registered.") % {"what": shown})
        if not station.is_active:
            raise ValueError(_("Station %(mn)s is not active.") % {"mn": station.mn})
        return station


def parse_interval(value, default: int) -> int:
    """A command from ``cn`` numbers (2011/2051/2061/2031) or interval words (realtime/minute/hour/day)."""
    if value is None or value == "":
        return default
    text = str(value).strip().lower()
    if text in INTERVALS:
        return int(INTERVALS[text])
    if text.isdigit() and int(text) in ReadingCommand.values:
        return int(text)
    raise ValueError(
        _("“%(value)s” is not a data interval; use realtime, minute, hour or day (CN 2011, 2051, 2061, 2031).")
        % {"value": text[:20]}
    )


# --- tables (CSV, Excel) -------------------------------------------------------------------------------

_HEADER = re.compile(r"^(?P<name>.*?)\s*(?:[(（\[](?P<unit>[^)）\]]*)[)）\]])?\s*$")
MN_NAMES = {"mn", "站点编码", "设备编号", "站点mn", "station mn", "station_mn"}
TIME_NAMES = {"data_time", "datatime", "time", "时间", "监测时间", "数据时间"}
CN_NAMES = {"cn", "interval", "数据类型"}
IGNORED_NAMES = {"name", "station", "station name", "站点名称", "站点", "备注", "note"}
_FACTOR_BY_NAME = {name: factor for factor in FACTORS.values() for name in factor.names}


@dataclass
class TableLayout:
    """What each column of a table holds."""

    mn: int
    time: int
    cn: int | None
    factors: dict[int, Conversion]
    headers: list[str]


def _header_layout(headers: list[str]) -> TableLayout:
    """Read the header row; every problem with it is an error of row 1 naming the column."""
    errors: list[RowError] = []
    mn = time_column = cn = None
    factors: dict[int, Conversion] = {}
    seen: dict[str, str] = {}
    for index, header in enumerate(headers):
        text = (header or "").strip()
        if not text:
            continue
        match = _HEADER.match(text)
        name = match.group("name").strip().lower()
        unit = match.group("unit")
        if name in MN_NAMES:
            key = "mn"
            mn = index
        elif name in TIME_NAMES:
            key = "time"
            time_column = index
        elif name in CN_NAMES:
            key = "cn"
            cn = index
        elif name in IGNORED_NAMES:
            continue
        elif name in _FACTOR_BY_NAME:
            factor = _FACTOR_BY_NAME[name]
            key = factor.column
            try:
                factors[index] = conversion_for(factor, unit)
            except ValueError as exc:
                errors.append(RowError(1, text, "bad_unit", str(exc)))
        else:
            accepted = ", ".join(f"{f.label} ({f.unit})" for f in FACTORS.values())
            errors.append(
                RowError(1, text, "unknown_column",
                         _("Unknown column “%(column)s”. Columns: MN, data_time, [CN], %(accepted)s.")
                         % {"column": text, "accepted": accepted})
            )  # fmt: skip
            continue
        if key in seen:
            errors.append(
                RowError(1, text, "duplicate_column",
                         _("Column “%(column)s” repeats “%(first)s”.") % {"column": text, "first": seen[key]})
            )  # fmt: skip
        seen.setdefault(key, text)
    if mn is None:
        errors.append(RowError(1, "MN", "missing_column", _("The header has no MN column (the station's MN).")))
    if time_column is None:
        errors.append(RowError(1, "data_time", "missing_column", _("The header has no data_time column.")))
    if not factors and not errors:
        errors.append(RowError(1, "", "no_factor_columns", _("The header has no pollutant or weather column.")))
    if errors:
        raise ReadingsUnreadable(errors)
    return TableLayout(mn, time_column, cn, factors, [h or "" for h in headers])


def read_table(content: bytes, filename: str) -> Iterator[list]:
    """The rows of a CSV (UTF-8 or GB18030, as Excel in China saves it) or an Excel .xlsx file, header first."""
    name = filename.lower()
    if len(content) > MAX_FILE_BYTES:
        raise ReadingsUnreadable(
            [RowError(0, "", "file_too_large", _("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES >> 20})]
        )
    if name.endswith(".xlsx"):
        return _read_xlsx(content)
    if name.endswith(".csv") or name.endswith(".txt"):
        return _read_csv(content)
    raise ReadingsUnreadable(
        [RowError(0, "", "bad_format", _("Upload a .csv or .xlsx file (old .xls files: save as .xlsx first)."))]
    )


def _read_csv(content: bytes) -> Iterator[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ReadingsUnreadable([RowError(0, "", "bad_encoding", _("The file is neither UTF-8 nor GB18030 text."))])
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    return iter(csv.reader(io.StringIO(text), delimiter=delimiter))


def _read_xlsx(content: bytes) -> Iterator[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ReadingsUnreadable(
            [RowError(0, "", "bad_format", _("The Excel file cannot be read: %(error)s") % {"error": exc})]
        ) from None
    sheet = workbook.worksheets[0]
    return (list(row) for row in sheet.iter_rows(values_only=True))


def readings_from_table(
    content: bytes, *, filename: str, default_interval: str = DEFAULT_INTERVAL, now: datetime | None = None
) -> ReadingBatch:
    """Validate every row of an uploaded file (CSV or Excel); header problems raise ``ReadingsUnreadable``."""
    now = now or timezone.now()
    default_cn = parse_interval(default_interval, int(INTERVALS[DEFAULT_INTERVAL]))
    rows = read_table(content, filename)
    header = next(rows, None)
    if header is None:
        raise ReadingsUnreadable([RowError(1, "", "empty_file", _("The file is empty."))])
    layout = _header_layout([str(h) if h is not None else "" for h in header])
    body = []
    for number, cells in enumerate(rows, start=2):
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        body.append((number, cells))
        if len(body) > MAX_ROWS:
            raise ReadingsUnreadable(
                [
                    RowError(
                        number, "", "too_many_rows", _("More than %(max)d rows; split the file.") % {"max": MAX_ROWS}
                    )
                ]
            )
    if not body:
        raise ReadingsUnreadable([RowError(2, "", "no_rows", _("The file has a header but no data rows."))])
    lookup = StationLookup(mns=(_cell(cells, layout.mn) for _number, cells in body))
    batch = ReadingBatch(total=len(body), source=filename)
    keys: dict[tuple, int] = {}
    for number, cells in body:
        _validate_table_row(batch, keys, lookup, layout, number, cells, default_cn, now)
    return batch


def _cell(cells: list, index: int | None):
    if index is None or index >= len(cells):
        return None
    value = cells[index]
    return value.strip() if isinstance(value, str) else value


def _validate_table_row(batch, keys, lookup, layout, number, cells, default_cn, now) -> None:
    errors: list[RowError] = []
    headers = layout.headers
    mn = _cell(cells, layout.mn)
    station = cn = data_time = None
    try:
        if mn in (None, ""):
            raise ValueError(_("The MN is missing."))
        mn = str(mn)
        station = lookup.check(lookup.by_mn.get(mn), f"MN {mn}")
    except ValueError as exc:
        errors.append(RowError(number, headers[layout.mn], "bad_station", str(exc)))
    try:
        data_time = parse_time(_cell(cells, layout.time), now=now)
    except ValueError as exc:
        errors.append(RowError(number, headers[layout.time], "bad_time", str(exc)))
    try:
        cn = parse_interval(_cell(cells, layout.cn), default_cn)
    except ValueError as exc:
        errors.append(RowError(number, headers[layout.cn], "bad_interval", str(exc)))
    values: dict[str, float] = {}
    for index, conversion in layout.factors.items():
        try:
            value = _checked_value(conversion, _cell(cells, index))
        except ValueError as exc:
            errors.append(RowError(number, headers[index], "bad_value", str(exc)))
        else:
            if value is not None:
                values[conversion.factor.column] = value
    _finish_row(batch, keys, errors, number, station, cn, data_time, values)


def _finish_row(batch, keys, errors, number, station, cn, data_time, values) -> None:
    """Add the row or its errors; a row without any value and a second row for the same reading are errors."""
    if not errors and not values:
        errors.append(RowError(number, "", "no_values", _("The row has no value.")))
    if not errors:
        key = (station.pk, cn, data_time)
        first = keys.setdefault(key, number)
        if first != number:
            errors.append(
                RowError(number, "", "duplicate_row",
                         _("Same station, interval and time as row %(first)s.") % {"first": first})
            )  # fmt: skip
    if errors:
        batch.errors.extend(errors)
        return
    batch.rows.append(ReadingRow(number, station.pk, cn, data_time, values))


# --- JSON ----------------------------------------------------------------------------------------------

JSON_META = {"mn", "station", "data_time", "cn", "interval", "units"}


def readings_from_json(items, *, default_interval: str = DEFAULT_INTERVAL, now: datetime | None = None) -> ReadingBatch:
    """Validate a JSON list of readings: ``{"mn" | "station", "data_time", ["cn" | "interval"], "pm25": …,
    ["units": {"co": "ug/m3"}]}``; values are in the stored units unless ``units`` says otherwise."""
    now = now or timezone.now()
    default_cn = parse_interval(default_interval, int(INTERVALS[DEFAULT_INTERVAL]))
    if not isinstance(items, list):
        raise ReadingsUnreadable([RowError(0, "", "not_a_list", _("Send a JSON list of readings."))])
    if not items:
        raise ReadingsUnreadable([RowError(0, "", "no_rows", _("The list is empty."))])
    if len(items) > MAX_JSON_ROWS:
        raise ReadingsUnreadable(
            [RowError(0, "", "too_many_rows",
                      _("More than %(max)d readings in one request; send several.") % {"max": MAX_JSON_ROWS})]
        )  # fmt: skip
    lookup = StationLookup(
        mns=(str(i.get("mn")) for i in items if isinstance(i, dict) and i.get("mn")),
        ids=(i.get("station") for i in items if isinstance(i, dict) and isinstance(i.get("station"), int)),
    )
    batch = ReadingBatch(total=len(items), source="api")
    keys: dict[tuple, int] = {}
    for index, item in enumerate(items):
        _validate_json_item(batch, keys, lookup, index, item, default_cn, now)
    return batch


def _json_station(lookup: StationLookup, item: dict) -> Station:
    if item.get("mn") not in (None, ""):
        mn = str(item["mn"])
        return lookup.check(lookup.by_mn.get(mn), f"MN {mn}")
    station_id = item.get("station")
    if station_id in (None, ""):
        raise ValueError(_("Give the station's mn or its id (station)."))
    if not isinstance(station_id, int) or isinstance(station_id, bool):
        raise ValueError(_("station must be a station id (an integer)."))
    return lookup.check(lookup.by_id.get(station_id), f"id {station_id}")


def _validate_json_item(batch, keys, lookup, index, item, default_cn, now) -> None:
    if not isinstance(item, dict):
        batch.errors.append(RowError(index, "", "not_an_object", _("Each reading must be a JSON object.")))
        return
    errors: list[RowError] = []
    station = cn = data_time = None
    try:
        station = _json_station(lookup, item)
    except ValueError as exc:
        errors.append(RowError(index, "mn" if "mn" in item else "station", "bad_station", str(exc)))
    try:
        data_time = parse_time(item.get("data_time"), now=now)
    except ValueError as exc:
        errors.append(RowError(index, "data_time", "bad_time", str(exc)))
    try:
        cn = parse_interval(item.get("cn", item.get("interval")), default_cn)
    except ValueError as exc:
        errors.append(RowError(index, "cn" if "cn" in item else "interval", "bad_interval", str(exc)))
    units = item.get("units") or {}
    if not isinstance(units, dict):
        errors.append(RowError(index, "units", "bad_unit", _('units must be an object such as {"co": "mg/m3"}.')))
        units = {}
    for key in sorted(set(units) - set(FACTORS)):
        errors.append(RowError(index, f"units.{key}", "unknown_field", _("Unknown factor “%(key)s”.") % {"key": key}))
    values: dict[str, float] = {}
    for key, raw in item.items():
        if key in JSON_META:
            continue
        factor = FACTORS.get(key)
        if factor is None:
            errors.append(
                RowError(index, key, "unknown_field",
                         _("Unknown field “%(key)s”; factors are %(names)s.")
                         % {"key": key, "names": ", ".join(FACTORS)})
            )  # fmt: skip
            continue
        try:
            conversion = conversion_for(factor, units.get(key) or factor.unit)
            value = _checked_value(conversion, raw if not isinstance(raw, str) else raw.strip())
        except ValueError as exc:
            errors.append(RowError(index, key, "bad_value", str(exc)))
        else:
            if value is not None:
                values[key] = value
    _finish_row(batch, keys, errors, index, station, cn, data_time, values)


# --- the store -----------------------------------------------------------------------------------------


def readings_import(*, batch: ReadingBatch, actor, keep_good: bool = False) -> ImportResult:
    """Store the validated readings of an upload or an API request in one transaction.

    All-or-nothing: any refused row raises ``ReadingsInvalid`` and nothing is stored — unless ``keep_good``,
    when the good rows are stored and the refused ones come back in the result. Readings already stored
    (same station, command and time) stay as they are and are counted as duplicates. ``readings_stored`` is
    sent after the commit for every row written or already there; the import is written to the audit log.
    """
    if not can_import_readings(actor):
        raise PermissionDenied(_("Only administrators, dispatchers and data-feed accounts may import readings."))
    if batch.errors and not keep_good:
        raise ReadingsInvalid(batch.errors, total=batch.total)
    result = ImportResult(total=batch.total, stored=0, duplicates=0, rejected=list(batch.errors))
    if not batch.rows:
        return result
    now = timezone.now()
    empty = "{}"
    rows = [
        (r.station_id, r.cn, r.data_time, *(r.values.get(column) for column in READING_COLUMNS), empty, empty, now)
        for r in batch.rows
    ]
    with transaction.atomic():
        result.stored = _insert_readings(rows)
        result.duplicates = len(rows) - result.stored
        audit_record(
            actor=actor,
            action="monitoring.readings_imported",
            after={
                "source": batch.source[:100],
                "total": batch.total,
                "stored": result.stored,
                "duplicates": result.duplicates,
                "rejected_rows": batch.bad_rows,
            },
        )
        keys = [(r.station_id, r.cn, r.data_time) for r in batch.rows]
        transaction.on_commit(lambda: readings_stored.send(sender=Station, readings=keys))
    return result


# --- template ------------------------------------------------------------------------------------------


def template_headers() -> list[str]:
    """The upload template's header row: MN, time, interval and every factor with its stored unit."""
    return ["MN", "data_time", "CN"] + [f"{f.label} ({f.unit})" for f in FACTORS.values()]


def template_example(mn: str, now: datetime | None = None) -> list:
    """An example row for the template (a plausible hour at the given station)."""
    moment = (now or timezone.now()).astimezone(LOCAL_TZ).replace(minute=0, second=0, microsecond=0)
    return [mn, moment.strftime("%Y-%m-%d %H:%M"), "hour", 35, 62, 8, 31, 0.6, 96, 18.5, 55, 101.2, 2.1, 225]


def errors_as_csv(errors: Sequence[RowError]) -> str:
    """The error report as CSV text (row, column, code, message)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "code", "message"])
    for error in errors:
        writer.writerow([error.row, error.column, error.code, error.message])
    return out.getvalue()


def errors_json(errors: Sequence[RowError]) -> str:
    return json.dumps([e.as_dict() for e in errors], ensure_ascii=False)
