"""Checks of one reading: its station (MN known and active), its time (Beijing time unless an offset is given;
not in the future), its interval, and each value converted to the stored unit and inside the factor's plausible
range. Every problem becomes a ``RowError`` naming the row and the column."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.core.spreadsheets import FileRefused, RowError, RowsRefused, bad_rows
from envgrid.monitoring.choices import ReadingCommand
from envgrid.monitoring.ingest.units import Conversion
from envgrid.monitoring.models import Station

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
        return bad_rows(self.errors)


class ReadingsInvalid(RowsRefused):
    """Rows failed validation and the import is all-or-nothing: nothing was stored. ``details["errors"]``
    lists every error (row, column, code, message)."""

    def __init__(self, errors: Sequence[RowError], *, total: int):
        message = _("%(bad)d of %(total)d rows are invalid; nothing was stored.") % {
            "bad": bad_rows(errors),
            "total": total,
        }
        super().__init__(errors, total=total, code="readings_invalid", message=message)


class ReadingsUnreadable(FileRefused):
    """The file or request as a whole cannot be read (format, header, size): nothing was stored."""

    def __init__(self, errors: Sequence[RowError]):
        super().__init__(errors, code="readings_unreadable")


_DATE_TIME = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?$")  # HJ 212-2017 DataTime: YYYYMMDDhhmm[ss]


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


def checked_value(conversion: Conversion, raw) -> float | None:
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
            % {
                "value": f"{raw} {conversion.unit}",
                "factor": factor.label,
                "low": factor.low,
                "high": factor.high,
                "unit": factor.unit,
            }
        )
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


def finish_row(batch, keys, errors, number, station, cn, data_time, values) -> None:
    """Add the row or its errors; a row without any value and a second row for the same reading are errors."""
    if not errors and not values:
        errors.append(RowError(number, "", code="no_values", message=_("The row has no value.")))
    if not errors:
        key = (station.pk, cn, data_time)
        first = keys.setdefault(key, number)
        if first != number:
            errors.append(
                RowError(
                    number,
                    "",
                    code="duplicate_row",
                    message=_("Same station, interval and time as row %(first)s.") % {"first": first},
                )
            )
    if errors:
        batch.errors.extend(errors)
        return
    batch.rows.append(ReadingRow(number, station.pk, cn, data_time, values))
