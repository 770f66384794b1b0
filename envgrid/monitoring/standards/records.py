"""The shapes of an air-quality standard: AQI breakpoint tables (HJ 633), limit sets (GB 3095) and validity rule
sets (GB 3095 Table 4), each a version with effective dates, and the indicator names they use.

The built-in data (``builtin``) and the admin-editable rows (``rows``) are both turned into these dataclasses,
so the AQI code takes a :class:`StandardTable` and never a module constant.

Effective dates are half-open: a version applies on ``effective_from <= day < effective_to``;
``effective_to`` is the first day of the next version (``None``: still in force).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

#: IAQI values at the breakpoints of HJ 633-2012 Table 1 (its columns).
IAQI_LEVELS: tuple[int, ...] = (0, 50, 100, 150, 200, 300, 400, 500)

DAILY_INDICATORS: tuple[str, ...] = ("SO2_24h", "NO2_24h", "PM10_24h", "CO_24h", "PM2.5_24h", "O3_1h", "O3_8h")
# The hourly report (实时报) has 9 indicators (HJ 633-2012 [S]): six 1-h means, the O3 8-h moving mean
# and the 24-h moving means of the particles. Which particle value enters the hourly AQI is open
# [U]; the caller decides by the columns it passes (see aqi.aqi_table).
HOURLY_INDICATORS: tuple[str, ...] = (
    "SO2_1h",
    "NO2_1h",
    "PM10_1h",
    "CO_1h",
    "PM2.5_1h",
    "O3_1h",
    "O3_8h",
    "PM10_24h",
    "PM2.5_24h",
)
# Every indicator column name, in the order of HJ 633-2012 Table 1.
ALL_INDICATORS: tuple[str, ...] = (
    "SO2_24h",
    "SO2_1h",
    "NO2_24h",
    "NO2_1h",
    "PM10_24h",
    "PM10_1h",
    "CO_24h",
    "CO_1h",
    "O3_1h",
    "O3_8h",
    "PM2.5_24h",
    "PM2.5_1h",
)

KINDS: tuple[str, ...] = ("aqi_daily", "aqi_hourly", "limits", "validity")

# Where a value ends above the last breakpoint of its row (HJ 633-2012 Table 1, footnotes (2) and (3)).
BEYOND_CAP = "cap"  # IAQI 500 with an out-of-range flag (project choice: "爆表")
BEYOND_FALLBACK = "fallback"  # no IAQI from this row; the pollutant's IAQI comes from `fallback_to`


@dataclass(frozen=True)
class BreakpointRow:
    """One indicator's concentration limits at the IAQI levels of the table (HJ 633 Table 1 row).

    ``concentrations[i]`` belongs to ``IAQI_LEVELS[i]``; ``None`` where the standard gives no value
    (SO2 1-h above 800, O3 8-h above 800). Breakpoints are whole numbers in the row's unit.
    """

    indicator: str
    pollutant: str  # the name shown as primary / exceeding pollutant
    unit: str
    concentrations: tuple[int | None, ...]
    beyond_last: str = BEYOND_CAP
    fallback_to: str | None = None
    evidence: str = "[V]"
    source: str = "HJ 633-2012 Table 1"

    def __post_init__(self):
        # Rows built from database fields may bring lists; tuples keep the row hashable (cache key).
        object.__setattr__(self, "concentrations", tuple(self.concentrations))

    @property
    def defined(self) -> tuple[tuple[int, int], ...]:
        """(concentration, IAQI) pairs where the standard gives a breakpoint."""
        return tuple((c, i) for c, i in zip(self.concentrations, IAQI_LEVELS, strict=True) if c is not None)


@dataclass(frozen=True)
class AqiLevel:
    """One AQI band of HJ 633-2012 Table 2 with its Appendix A colour."""

    upper: int | None  # highest AQI of the band; None = no upper bound
    level: str
    category: str
    colour: str
    color_hex: str
    evidence: str = "[S]"


@dataclass(frozen=True)
class StandardTable:
    """A breakpoint table of one AQI standard version for one report mode (daily or hourly).

    ``indicators`` enter the AQI; ``rows`` may hold more (the hourly table carries the SO2 24-h
    row because SO2 1-h values above 800 fall back to it). ``input_decimals`` is how many decimals
    a concentration keeps before the IAQI is computed (half-to-even, GB/T 8170).
    """

    code: str
    mode: str
    title: str
    effective_from: date
    effective_to: date | None
    provisional: bool
    indicators: tuple[str, ...]
    rows: dict[str, BreakpointRow] = field(hash=False)
    input_decimals: dict[str, int] = field(hash=False)
    levels: tuple[AqiLevel, ...]
    iaqi_levels: tuple[int, ...] = IAQI_LEVELS
    evidence: str = "[V]"
    source: str = ""
    notes: str = ""

    @property
    def kind(self) -> str:
        return f"aqi_{self.mode}"

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


@dataclass(frozen=True)
class LimitValue:
    """A concentration limit of GB 3095 Table 1 for one pollutant and averaging period."""

    pollutant: str
    averaging: str  # "annual", "24h", "1h", "8h_max" (daily maximum 8-h mean)
    grade_1: float
    grade_2: float
    unit: str
    evidence: str
    source: str


@dataclass(frozen=True)
class LimitSet:
    """The GB 3095 limit values in force over a period (a version or a phase of one)."""

    code: str
    title: str
    effective_from: date
    effective_to: date | None
    provisional: bool
    values: tuple[LimitValue, ...]
    evidence: str
    source: str
    notes: str = ""

    @property
    def kind(self) -> str:
        return "limits"

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)

    def limit(self, pollutant: str, averaging: str, grade: int = 2) -> float:
        for value in self.values:
            if value.pollutant == pollutant and value.averaging == averaging:
                return value.grade_1 if grade == 1 else value.grade_2
        raise KeyError(f"{self.code} has no {averaging} limit for {pollutant}")


@dataclass(frozen=True)
class ValidityRule:
    """A data-validity minimum of GB 3095 Table 4: a statistic needs at least this much data."""

    statistic: str
    pollutants: tuple[str, ...]
    minimum: int
    of: str  # what is counted
    extra: str
    evidence: str
    source: str


@dataclass(frozen=True)
class ValidityRuleSet:
    """The validity minimums in force over a period."""

    code: str
    title: str
    effective_from: date
    effective_to: date | None
    provisional: bool
    rules: tuple[ValidityRule, ...]
    evidence: str
    source: str
    notes: str = ""

    @property
    def kind(self) -> str:
        return "validity"

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)
