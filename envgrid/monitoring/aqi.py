"""China AQI per HJ 633-2012 / HJ 633-2026, vectorized over whole columns with exact integer arithmetic.

The standard's formula ``IAQI = IL + (IH - IL) / (BH - BL) * (C - BL)`` is rounded **up** (HJ 633-2026 §4.2.6).
Floats (and 28-digit ``Decimal``) give wrong ceilings on exact integers — CO 2.2 mg/m³ is IAQI 55, not
56 — so every IAQI here is ``IL + ceil((IH - IL) * (C' - BL') / (BH' - BL'))`` on integers, where ``C'``,
``BL'`` and ``BH'`` are the concentration and breakpoints scaled to whole units of the precision the
concentration is kept at:

- input rounding (the default, GB/T 8170 [S]): concentrations are rounded half-to-even to the
  decimals of ``StandardTable.input_decimals`` (µg/m³ integers, CO one decimal) before the IAQI. The
  rounded value is a small integer, so each indicator's IAQI for every possible value is computed
  once with integer division into a lookup table and a column costs one gather;
- ``round_inputs=False``: the concentration as given, resolved to 1e-6 of its unit, and the integer
  ceiling division done per value.

A concentration is taken as the decimal number it prints as (``repr``): ``352.1`` is exactly 352.1.
That holds for values with up to six decimals; finer digits are resolved to 1e-6 first.

Special rules (HJ 633-2012 Table 1, footnotes (2) and (3)):

- SO2 1-h above 800: no 1-h IAQI; the SO2 IAQI comes from the 24-h mean (the ``SO2_24h`` column,
  which the hourly table carries for this purpose). Without one the SO2 IAQI is missing, with a note.
- O3 8-h above 800: no 8-h IAQI; the O3 IAQI comes from the 1-h value, which is itself an indicator
  of both reports, so ``IAQI_O3_8h`` is left empty (NaN) and O3_1h carries it.
- Any other value above the last breakpoint: IAQI 500 and a note (project choice, "爆表"; docs/standards.md §2).

Primary pollutants (首要污染物) are all pollutants whose IAQI equals the AQI, only when AQI > 50; ties
are listed in ``PRIMARY_ORDER`` (particles first, matching the issue's ``PM2.5;PM10``). Exceeding
pollutants (超标污染物) are those with IAQI > 100 (HJ 633-2012).

``aqi_table`` is the vectorized path (no Python loop per row; loops run per indicator); ``aqi_for_row``
is an independent scalar implementation with ``fractions.Fraction`` used by tests and the UI.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

from envgrid.monitoring.standards.builtin import AQI_TABLES, aqi_table_by_code, standard_in_force
from envgrid.monitoring.standards.records import ALL_INDICATORS, BEYOND_FALLBACK, BreakpointRow, StandardTable

__all__ = [
    "PRIMARY_ORDER",
    "RowAqi",
    "aqi_for_row",
    "aqi_table",
    "iaqi",
    "resolve_standard",
]

#: Order in which tied primary / exceeding pollutants are listed.
PRIMARY_ORDER: tuple[str, ...] = ("PM2.5", "PM10", "O3_8h", "O3_1h", "NO2", "SO2", "CO")
_POLLUTANT_BIT = {name: 1 << i for i, name in enumerate(PRIMARY_ORDER)}

MICRO = 1_000_000  # resolution of un-rounded concentrations: 1e-6 of the unit
_CEILING = 1e9  # anything above is above every table; keeps scaled values inside int64
CHINA_TZ = ZoneInfo("Asia/Shanghai")  # the standards' days are Beijing-time days


# --- standard selection ---------------------------------------------------------------------------


def resolve_standard(standard: str | StandardTable | None, mode: str, on_date: date | None = None) -> StandardTable:
    """The breakpoint table to use: given, by code (``hj633-2012``), or the one in force on the date."""
    if mode not in ("daily", "hourly"):
        raise ValueError(f"mode must be 'daily' or 'hourly', not {mode!r}")
    if isinstance(standard, StandardTable):
        if standard.mode != mode:
            raise ValueError(f"{standard.code} table is for the {standard.mode} report, not {mode}")
        return standard
    if standard is not None:
        return aqi_table_by_code(standard, mode)
    day = on_date if on_date is not None else datetime.now(tz=CHINA_TZ).date()
    return standard_in_force(f"aqi_{mode}", day)


# --- the IAQI of one indicator, vectorized --------------------------------------------------------


def _segment_iaqi(row: BreakpointRow, iaqi_levels: tuple[int, ...], scaled: np.ndarray, scale: int) -> np.ndarray:
    """IAQI of integer concentrations ``scaled`` (units of 1/scale) within the row's breakpoints.

    Exact: ``IL + ceil(dI * (C - BL) / (BH - BL))`` with int64 floor division (ceil(a/b) = -(-a // b)).
    Values above the last breakpoint get garbage; callers mask them.
    """
    points = [(c, i) for c, i in zip(row.concentrations, iaqi_levels, strict=True) if c is not None]
    bp = np.array([c * scale for c, _ in points], dtype=np.int64)
    levels = np.array([i for _, i in points], dtype=np.int64)
    seg = np.searchsorted(bp, scaled, side="left")
    np.clip(seg, 1, len(bp) - 1, out=seg)
    lo = seg - 1
    low_bp = bp[lo]
    numerator = (levels[seg] - levels[lo]) * (scaled - low_bp)
    ceiling = -((-numerator) // (bp[seg] - low_bp))
    return (levels[lo] + ceiling).astype(np.float64)


@lru_cache(maxsize=256)
def _lookup(row: BreakpointRow, iaqi_levels: tuple[int, ...], decimals: int) -> np.ndarray:
    """IAQI for every rounded concentration 0 … top (units of 10**-decimals), then two extra slots:
    [top + 1] for values above the table (500, or NaN where the row falls back), [top + 2] for missing."""
    scale = 10**decimals
    top = row.defined[-1][0] * scale
    table = np.empty(top + 3, dtype=np.float64)
    table[: top + 1] = _segment_iaqi(row, iaqi_levels, np.arange(top + 1, dtype=np.int64), scale)
    table[top + 1] = np.nan if row.beyond_last == BEYOND_FALLBACK else iaqi_levels[-1]
    table[top + 2] = np.nan
    table.setflags(write=False)
    return table


def _check(indicator: str, values: np.ndarray) -> None:
    bad = (values < 0) | np.isinf(values)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{indicator}: {int(bad.sum())} negative or infinite concentration(s), first at index {first} "
            f"({values[first]!r})"
        )


def _iaqi_detail(
    row: BreakpointRow, table: StandardTable, concentrations, round_inputs: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(IAQI with NaN, missing mask, above-last-breakpoint mask) of one indicator's column."""
    c = np.asarray(concentrations, dtype=np.float64)
    _check(row.indicator, c)
    missing = np.isnan(c)
    last = row.defined[-1][0]
    if round_inputs:
        decimals = table.input_decimals.get(row.pollutant, 0)
        if decimals == 0:
            rounded = np.rint(c)  # half-to-even on the exact binary value = on its decimal repr
        else:  # c * 10 can mis-round a half (1.005 * 100 = 100.49999…); resolve to 1e-6 first
            micro = np.rint(np.minimum(c, _CEILING) * MICRO)
            rounded = np.rint(micro / 10 ** (6 - decimals))  # exact: micro is an integer, halves are exact
        lookup = _lookup(row, tuple(table.iaqi_levels), decimals)
        top = len(lookup) - 3
        above = rounded > top
        np.minimum(rounded, top + 1, out=rounded)
        np.copyto(rounded, top + 2, where=missing)
        return lookup[rounded.astype(np.intp)], missing, above
    scaled = np.rint(np.where(missing, 0.0, np.minimum(c, _CEILING)) * MICRO).astype(np.int64)
    above = scaled > last * MICRO
    values = _segment_iaqi(row, tuple(table.iaqi_levels), scaled, MICRO)
    beyond_value = np.nan if row.beyond_last == BEYOND_FALLBACK else float(table.iaqi_levels[-1])
    values[above] = beyond_value
    values[missing] = np.nan
    return values, missing, above


def iaqi(
    pollutant: str,
    concentrations: np.ndarray,
    table: StandardTable,
    *,
    round_inputs: bool = True,
    fallback: np.ndarray | None = None,
) -> np.ndarray:
    """IAQI of one indicator (``"PM2.5_24h"``, ``"SO2_1h"``…) for a whole column; NaN where missing.

    Above the last breakpoint: 500 (project choice), except for rows that fall back (SO2 1-h,
    O3 8-h above 800): those take the IAQI of ``fallback`` (the concentrations of the row's
    ``fallback_to`` indicator) where given, else NaN. Raises ``ValueError`` on negative or infinite values.
    """
    row = table.rows[pollutant]
    values, _, above = _iaqi_detail(row, table, concentrations, round_inputs)
    if fallback is not None and row.beyond_last == BEYOND_FALLBACK and above.any():
        substitute, _, _ = _iaqi_detail(table.rows[row.fallback_to], table, fallback, round_inputs)
        np.copyto(values, substitute, where=above)
    return values


# --- the AQI table --------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _names_lookup(bits: int = len(PRIMARY_ORDER)) -> np.ndarray:
    """'PM2.5;PM10'-style strings for every bit mask over PRIMARY_ORDER."""
    names = np.empty(1 << bits, dtype=object)
    for mask in range(1 << bits):
        names[mask] = ";".join(name for name, bit in _POLLUTANT_BIT.items() if mask & bit)
    names.setflags(write=False)
    return names


def _level_lookups(table: StandardTable) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Upper bounds, and level / category / colour arrays with a trailing '' for a missing AQI."""
    bounds = np.array([lvl.upper for lvl in table.levels if lvl.upper is not None], dtype=np.float64)
    level = np.array([lvl.level for lvl in table.levels] + [""], dtype=object)
    category = np.array([lvl.category for lvl in table.levels] + [""], dtype=object)
    colour = np.array([lvl.color_hex for lvl in table.levels] + [""], dtype=object)
    return bounds, level, category, colour


def _filled(n: int, text: str) -> np.ndarray:
    """An object array of one string (``np.full`` is several times slower for object dtype)."""
    array = np.empty(n, dtype=object)
    array.fill(text)
    return array


def _notes(flags: dict[str, np.ndarray], n: int) -> np.ndarray:
    """One '; '-joined note string per row from per-note boolean masks (loops per distinct combination)."""
    notes = _filled(n, "")
    if not flags:
        return notes
    texts = list(flags)
    code = np.zeros(n, dtype=np.int64)
    for bit, text in enumerate(texts):
        code |= flags[text].astype(np.int64) << bit
    rows = np.flatnonzero(code)
    if len(rows):
        distinct, inverse = np.unique(code[rows], return_inverse=True)
        strings = np.array(
            ["; ".join(t for bit, t in enumerate(texts) if int(c) >> bit & 1) for c in distinct], dtype=object
        )
        notes[rows] = strings[inverse]
    return notes


def _indicator_iaqis(
    columns: Mapping[str, np.ndarray], table: StandardTable, round_inputs: bool
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """IAQI per indicator of the report present in ``columns``, with the over-800 rules applied,
    and one boolean mask per note text."""
    iaqis: dict[str, np.ndarray] = {}
    flags: dict[str, np.ndarray] = {}
    for ind in (ind for ind in table.indicators if ind in columns):
        row = table.rows[ind]
        values, _, above = _iaqi_detail(row, table, columns[ind], round_inputs)
        last = row.defined[-1][0]
        source = row.fallback_to
        if row.beyond_last != BEYOND_FALLBACK:
            flags[f"{ind}>{last}: IAQI 500"] = above
        elif source in table.indicators:
            # The fallback is an indicator of this report already (O3_1h): it carries the pollutant.
            flags[f"{ind}>{last}: no {ind} IAQI, {source} counts"] = above
            source_missing = np.isnan(np.asarray(columns[source], dtype=np.float64)) if source in columns else True
            flags[f"{ind}>{last}: {source} missing"] = above & source_missing
        elif source in columns:
            substitute, source_missing, source_above = _iaqi_detail(
                table.rows[source], table, columns[source], round_inputs
            )
            np.copyto(values, substitute, where=above)
            flags[f"{ind}>{last}: IAQI from {source}"] = above & ~source_missing
            flags[f"{ind}>{last}: no {source}, IAQI missing"] = above & source_missing
            flags[f"{source}>{table.rows[source].defined[-1][0]}: IAQI 500"] = above & source_above
        else:
            flags[f"{ind}>{last}: no {source}, IAQI missing"] = above
        iaqis[ind] = values
    return iaqis, flags


def _pollutant_lists(
    iaqis: dict[str, np.ndarray], table: StandardTable, aqi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Primary pollutants (IAQI = AQI, only when AQI > 50) and exceeding ones (IAQI > 100), as strings."""
    n = len(aqi)
    primary = np.zeros(n, dtype=np.uint8)
    exceeding = np.zeros(n, dtype=np.uint8)
    for ind, values in iaqis.items():
        bit = np.uint8(_POLLUTANT_BIT[table.rows[ind].pollutant])
        primary |= (values == aqi).view(np.uint8) * bit
        exceeding |= (values > 100).view(np.uint8) * bit
    primary *= (aqi > 50).view(np.uint8)  # AQI <= 50: no primary pollutant (HJ 633-2012)
    names = _names_lookup()
    return names[primary], names[exceeding]


def _compute(columns: Mapping[str, np.ndarray], table: StandardTable, n: int, round_inputs: bool) -> dict:
    """The AQI table for rows that all use one breakpoint table."""
    iaqis, flags = _indicator_iaqis(columns, table, round_inputs)
    out: dict[str, np.ndarray] = {f"IAQI_{ind}": values for ind, values in iaqis.items()}
    aqi = np.full(n, np.nan)
    for values in iaqis.values():
        np.fmax(aqi, values, out=aqi)
    out["AQI"] = aqi
    out["primary_pollutants"], out["exceeding_pollutants"] = _pollutant_lists(iaqis, table, aqi)

    bounds, level, category, colour = _level_lookups(table)
    band = np.zeros(n, dtype=np.intp)
    for bound in bounds:
        band += aqi > bound
    band[np.isnan(aqi)] = len(level) - 1
    out["level"] = level[band]
    out["category"] = category[band]
    out["color_hex"] = colour[band]
    out["notes"] = _notes({text: mask for text, mask in flags.items() if mask.any()}, n)
    return out


def _column_length(columns: Mapping[str, np.ndarray]) -> int:
    lengths = {name: len(np.asarray(values)) for name, values in columns.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"columns differ in length: {lengths}")
    return next(iter(lengths.values()), 0)


def aqi_table(
    columns: Mapping[str, np.ndarray],
    mode: str = "daily",
    standard: str | StandardTable | None = None,
    *,
    on_date: date | Sequence[date] | np.ndarray | None = None,
    round_inputs: bool = True,
    tables: Sequence[StandardTable] = AQI_TABLES,
) -> dict[str, np.ndarray]:
    """AQI per HJ 633 for whole columns of concentrations keyed by indicator (``"PM2.5_24h"``…).

    Returns ``IAQI_<indicator>`` (float, NaN = not computed) for each indicator of the report that
    is present, ``AQI`` (float, NaN when no IAQI), and object arrays ``primary_pollutants`` and
    ``exceeding_pollutants`` (``"PM2.5;PM10"``, ``""`` for none), ``level`` (一级…六级), ``category``
    (优…严重污染), ``color_hex``, ``notes`` (over-800 and above-table cases) and ``standard`` (code).

    The table: ``standard`` (a code or a table), else the one in force on ``on_date``. ``on_date`` may
    be one date per row: each row then uses the table in force on its date (from ``tables``).
    Columns that are not indicators of the report are ignored (``SO2_24h`` serves the hourly SO2 rule).
    """
    n = _column_length(columns)
    if standard is not None or on_date is None or isinstance(on_date, date):
        table = resolve_standard(standard, mode, on_date)
        out = _compute(columns, table, n, round_inputs)
        out["standard"] = _filled(n, table.code)
        return out

    days = np.asarray(on_date, dtype="datetime64[D]")
    if len(days) != n:
        raise ValueError(f"on_date has {len(days)} dates for {n} rows")
    groups = []
    assigned = np.zeros(n, dtype=bool)
    for table in (t for t in tables if t.mode == mode):
        start = np.datetime64(table.effective_from, "D")
        in_force = days >= start
        if table.effective_to is not None:
            in_force &= days < np.datetime64(table.effective_to, "D")
        in_force &= ~assigned
        if in_force.any():
            groups.append((table, np.flatnonzero(in_force)))
            assigned |= in_force
    if not assigned.all():
        first = int(np.flatnonzero(~assigned)[0])
        raise LookupError(f"no aqi_{mode} standard in force on {days[first]} (row {first})")
    if len(groups) <= 1:  # one table (or no rows at all)
        if not groups:
            return aqi_table(columns, mode, None, round_inputs=round_inputs)
        return aqi_table(columns, mode, groups[0][0], round_inputs=round_inputs)

    out: dict[str, np.ndarray] = {}
    for table, rows in groups:
        part = _compute(
            {k: np.asarray(v, dtype=np.float64)[rows] for k, v in columns.items()}, table, len(rows), round_inputs
        )
        part["standard"] = _filled(len(rows), table.code)
        for key, values in part.items():
            if key not in out:
                out[key] = np.full(n, np.nan) if values.dtype == np.float64 else _filled(n, "")
            out[key][rows] = values
    return out


# --- one row, exact scalar arithmetic (independent of the vectorized path) ------------------------


@dataclass(frozen=True)
class RowAqi:
    """The AQI of one set of concentrations: IAQI per indicator and what HJ 633 reports with it."""

    iaqi: dict[str, int | None]
    aqi: int | None
    primary_pollutants: tuple[str, ...]
    exceeding_pollutants: tuple[str, ...]
    level: str
    category: str
    color_hex: str
    notes: tuple[str, ...]
    standard: str


def _exact(value, decimals: int | None) -> Fraction | None:
    """The concentration as an exact rational, rounded half-to-even when ``decimals`` is given."""
    if value is None or value == "":
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        text = repr(value)
    else:
        text = str(value)
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc
    if number.is_nan():
        return None
    if number < 0 or number.is_infinite():
        raise ValueError(f"negative or infinite concentration: {value!r}")
    if number > _CEILING:
        return Fraction(number)  # above every table; quantizing could exceed Decimal's precision
    quantum = Decimal(1).scaleb(-decimals) if decimals is not None else Decimal(1).scaleb(-6)
    return Fraction(number.quantize(quantum, rounding=ROUND_HALF_EVEN))


def _iaqi_scalar(row: BreakpointRow, levels: tuple[int, ...], c: Fraction) -> int | None:
    """IL + ceil((IH - IL) * (C - BL) / (BH - BL)) exactly; None above a fallback row, 500 above others."""
    points = [(bp, i) for bp, i in zip(row.concentrations, levels, strict=True) if bp is not None]
    for (low, il), (high, ih) in zip(points, points[1:], strict=False):
        if c <= high:
            return il + math.ceil(Fraction(ih - il) * (c - low) / (high - low))
    return None if row.beyond_last == BEYOND_FALLBACK else levels[-1]


def _row_iaqis(table: StandardTable, concentrations: dict, round_inputs: bool) -> tuple[dict, list[str]]:
    """IAQI per indicator of one row with the over-800 rules, and the notes (same texts as aqi_table)."""
    levels = tuple(table.iaqi_levels)

    def value_of(indicator: str) -> Fraction | None:
        row = table.rows[indicator]
        decimals = table.input_decimals.get(row.pollutant, 0) if round_inputs else None
        return _exact(concentrations.get(indicator), decimals)

    iaqis: dict[str, int | None] = {}
    notes: list[str] = []
    for ind in (ind for ind in table.indicators if ind in concentrations):
        row = table.rows[ind]
        c = value_of(ind)
        value = None if c is None else _iaqi_scalar(row, levels, c)
        last, source = row.defined[-1][0], row.fallback_to
        if c is None or c <= last:
            pass
        elif row.beyond_last != BEYOND_FALLBACK:
            notes.append(f"{ind}>{last}: IAQI 500")
        elif source in table.indicators:
            notes.append(f"{ind}>{last}: no {ind} IAQI, {source} counts")
            if value_of(source) is None:
                notes.append(f"{ind}>{last}: {source} missing")
        elif value_of(source) is None:
            notes.append(f"{ind}>{last}: no {source}, IAQI missing")
        else:
            source_row = table.rows[source]
            value = _iaqi_scalar(source_row, levels, value_of(source))
            notes.append(f"{ind}>{last}: IAQI from {source}")
            if value_of(source) > source_row.defined[-1][0]:
                notes.append(f"{source}>{source_row.defined[-1][0]}: IAQI 500")
        iaqis[ind] = value
    return iaqis, notes


def aqi_for_row(
    *,
    mode: str = "daily",
    standard: str | StandardTable | None = None,
    on_date: date | None = None,
    round_inputs: bool = True,
    **concentrations,
) -> RowAqi:
    """AQI of one row: ``aqi_for_row(**{"PM2.5_24h": 80, "PM10_24h": 120, "CO_24h": 1.2})``.

    Same rules as ``aqi_table``; values may be numbers, numeric strings or None (missing). Indicators
    of the other report (``SO2_1h`` in a daily report) are ignored, unknown names raise ``TypeError``.
    """
    table = resolve_standard(standard, mode, on_date)
    unknown = sorted(set(concentrations) - set(ALL_INDICATORS))
    if unknown:
        raise TypeError(f"unknown indicator(s): {', '.join(unknown)}; expected names like {ALL_INDICATORS[:3]}")
    iaqis, notes = _row_iaqis(table, concentrations, round_inputs)
    computed = {ind: v for ind, v in iaqis.items() if v is not None}
    aqi = max(computed.values()) if computed else None
    primary: set[str] = set()
    if aqi is not None and aqi > 50:
        primary = {table.rows[ind].pollutant for ind, v in computed.items() if v == aqi}
    exceeding = {table.rows[ind].pollutant for ind, v in computed.items() if v > 100}
    band = None
    if aqi is not None:
        band = next(lvl for lvl in table.levels if lvl.upper is None or aqi <= lvl.upper)
    return RowAqi(
        iaqi=iaqis,
        aqi=aqi,
        primary_pollutants=tuple(p for p in PRIMARY_ORDER if p in primary),
        exceeding_pollutants=tuple(p for p in PRIMARY_ORDER if p in exceeding),
        level=band.level if band else "",
        category=band.category if band else "",
        color_hex=band.color_hex if band else "",
        notes=tuple(notes),
        standard=table.code,
    )
