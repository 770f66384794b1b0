"""Readings from files (CSV, Excel) and from the JSON API, validated row by row into a ``ReadingBatch``: the
good rows in stored units and every error by row and column. The file is read by the core spreadsheet reader;
the header says which column holds what, and in which unit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.core.spreadsheets import RowError, is_blank, open_table
from envgrid.monitoring.ingest.units import FACTORS, Conversion, conversion_for
from envgrid.monitoring.ingest.validation import (
    DEFAULT_INTERVAL,
    INTERVALS,
    MAX_FILE_BYTES,
    MAX_JSON_ROWS,
    MAX_ROWS,
    ReadingBatch,
    ReadingsUnreadable,
    StationLookup,
    checked_value,
    finish_row,
    parse_interval,
    parse_time,
)
from envgrid.monitoring.models import Station

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
                errors.append(RowError(1, text, code="bad_unit", message=str(exc)))
        else:
            accepted = ", ".join(f"{f.label} ({f.unit})" for f in FACTORS.values())
            errors.append(
                RowError(
                    1,
                    text,
                    code="unknown_column",
                    message=_("Unknown column “%(column)s”. Columns: MN, data_time, [CN], %(accepted)s.")
                    % {"column": text, "accepted": accepted},
                )
            )
            continue
        if key in seen:
            errors.append(
                RowError(
                    1,
                    text,
                    code="duplicate_column",
                    message=_("Column “%(column)s” repeats “%(first)s”.") % {"column": text, "first": seen[key]},
                )
            )
        seen.setdefault(key, text)
    if mn is None:
        errors.append(
            RowError(1, "MN", code="missing_column", message=_("The header has no MN column (the station's MN)."))
        )
    if time_column is None:
        errors.append(RowError(1, "data_time", code="missing_column", message=_("The header has no data_time column.")))
    if not factors and not errors:
        errors.append(
            RowError(1, "", code="no_factor_columns", message=_("The header has no pollutant or weather column."))
        )
    if errors:
        raise ReadingsUnreadable(errors)
    return TableLayout(mn, time_column, cn, factors, [h or "" for h in headers])


def readings_from_table(
    content: bytes, *, filename: str, default_interval: str = DEFAULT_INTERVAL, now: datetime | None = None
) -> ReadingBatch:
    """Validate every row of an uploaded file (CSV or Excel); header problems raise ``ReadingsUnreadable``."""
    now = now or timezone.now()
    default_cn = parse_interval(default_interval, int(INTERVALS[DEFAULT_INTERVAL]))
    layout, body = _table_rows(content, filename)
    lookup = StationLookup(mns=(_cell(cells, layout.mn) for _number, cells in body))
    batch = ReadingBatch(total=len(body), source=filename)
    keys: dict[tuple, int] = {}
    for number, cells in body:
        _validate_table_row(batch, keys, lookup, layout, number, cells, default_cn, now)
    return batch


def _table_rows(content: bytes, filename: str) -> tuple[TableLayout, list[tuple[int, tuple]]]:
    """The header's layout and the non-blank rows with their row numbers."""
    table = open_table(content, filename, max_bytes=MAX_FILE_BYTES, refusal=ReadingsUnreadable)
    try:
        header = next(table.rows, None)
        if header is None:
            raise ReadingsUnreadable([RowError(1, "", code="empty_file", message=_("The file is empty."))])
        layout = _header_layout([str(h) if h is not None else "" for h in header])
        body = []
        for number, cells in enumerate(table.rows, start=2):
            if is_blank(cells):
                continue
            body.append((number, cells))
            if len(body) > MAX_ROWS:
                message = _("More than %(max)d rows; split the file.") % {"max": MAX_ROWS}
                raise ReadingsUnreadable([RowError(number, "", code="too_many_rows", message=message)])
    finally:
        table.close()
    if not body:
        message = _("The file has a header but no data rows.")
        raise ReadingsUnreadable([RowError(2, "", code="no_rows", message=message)])
    return layout, body


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
        errors.append(RowError(number, headers[layout.mn], code="bad_station", message=str(exc)))
    try:
        data_time = parse_time(_cell(cells, layout.time), now=now)
    except ValueError as exc:
        errors.append(RowError(number, headers[layout.time], code="bad_time", message=str(exc)))
    try:
        cn = parse_interval(_cell(cells, layout.cn), default_cn)
    except ValueError as exc:
        errors.append(RowError(number, headers[layout.cn], code="bad_interval", message=str(exc)))
    values: dict[str, float] = {}
    for index, conversion in layout.factors.items():
        try:
            value = checked_value(conversion, _cell(cells, index))
        except ValueError as exc:
            errors.append(RowError(number, headers[index], code="bad_value", message=str(exc)))
        else:
            if value is not None:
                values[conversion.factor.column] = value
    finish_row(batch, keys, errors, number, station, cn, data_time, values)


# --- JSON ----------------------------------------------------------------------------------------------

JSON_META = {"mn", "station", "data_time", "cn", "interval", "units"}


def readings_from_json(items, *, default_interval: str = DEFAULT_INTERVAL, now: datetime | None = None) -> ReadingBatch:
    """Validate a JSON list of readings: ``{"mn" | "station", "data_time", ["cn" | "interval"], "pm25": …,
    ["units": {"co": "ug/m3"}]}``; values are in the stored units unless ``units`` says otherwise."""
    now = now or timezone.now()
    default_cn = parse_interval(default_interval, int(INTERVALS[DEFAULT_INTERVAL]))
    if not isinstance(items, list):
        raise ReadingsUnreadable([RowError(0, "", code="not_a_list", message=_("Send a JSON list of readings."))])
    if not items:
        raise ReadingsUnreadable([RowError(0, "", code="no_rows", message=_("The list is empty."))])
    if len(items) > MAX_JSON_ROWS:
        raise ReadingsUnreadable(
            [
                RowError(
                    0,
                    "",
                    code="too_many_rows",
                    message=_("More than %(max)d readings in one request; send several.") % {"max": MAX_JSON_ROWS},
                )
            ]
        )
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
        batch.errors.append(RowError(index, "", code="not_an_object", message=_("Each reading must be a JSON object.")))
        return
    errors: list[RowError] = []
    station = cn = data_time = None
    try:
        station = _json_station(lookup, item)
    except ValueError as exc:
        errors.append(RowError(index, "mn" if "mn" in item else "station", code="bad_station", message=str(exc)))
    try:
        data_time = parse_time(item.get("data_time"), now=now)
    except ValueError as exc:
        errors.append(RowError(index, "data_time", code="bad_time", message=str(exc)))
    try:
        cn = parse_interval(item.get("cn", item.get("interval")), default_cn)
    except ValueError as exc:
        errors.append(RowError(index, "cn" if "cn" in item else "interval", code="bad_interval", message=str(exc)))
    units = item.get("units") or {}
    if not isinstance(units, dict):
        errors.append(
            RowError(index, "units", code="bad_unit", message=_('units must be an object such as {"co": "mg/m3"}.'))
        )
        units = {}
    for key in sorted(set(units) - set(FACTORS)):
        errors.append(
            RowError(index, f"units.{key}", code="unknown_field", message=_("Unknown factor “%(key)s”.") % {"key": key})
        )
    values: dict[str, float] = {}
    for key, raw in item.items():
        if key in JSON_META:
            continue
        factor = FACTORS.get(key)
        if factor is None:
            errors.append(
                RowError(
                    index,
                    key,
                    code="unknown_field",
                    message=_("Unknown field “%(key)s”; factors are %(names)s.")
                    % {"key": key, "names": ", ".join(FACTORS)},
                )
            )
            continue
        try:
            conversion = conversion_for(factor, units.get(key) or factor.unit)
            value = checked_value(conversion, raw if not isinstance(raw, str) else raw.strip())
        except ValueError as exc:
            errors.append(RowError(index, key, code="bad_value", message=str(exc)))
        else:
            if value is not None:
                values[key] = value
    finish_row(batch, keys, errors, index, station, cn, data_time, values)
