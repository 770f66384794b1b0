"""The air-quality standards EnvGrid applies, as versioned data with effective dates.

These plain structures are the seed for admin-editable database rows (migration 0003) and what is used while
a database has none. Every entry carries an evidence tag (docs/standards.md) — [V] verified,
[S] secondary source, [M] background knowledge, [U] open question — and a source note.

Concentrations are in µg/m³, CO in mg/m³ (reference state for gases since 2018-09-01, GB 3095-2012 amendment [M]).
"""

from __future__ import annotations

from datetime import date

from envgrid.monitoring.standards.records import (
    BEYOND_FALLBACK,
    DAILY_INDICATORS,
    HOURLY_INDICATORS,
    KINDS,
    AqiLevel,
    BreakpointRow,
    LimitSet,
    LimitValue,
    StandardTable,
    ValidityRule,
    ValidityRuleSet,
)

# --- HJ 633 ----------------------------------------------------------------------------------------

HJ633_2012_FROM = date(2012, 2, 29)
HJ633_2026_FROM = date(2026, 3, 1)

# HJ 633-2012 Table 2 levels and categories, Appendix A colours [S].
LEVELS_2012: tuple[AqiLevel, ...] = (
    AqiLevel(50, "一级", "优", "绿色", "#00E400"),
    AqiLevel(100, "二级", "良", "黄色", "#FFFF00"),
    AqiLevel(150, "三级", "轻度污染", "橙色", "#FF7E00"),
    AqiLevel(200, "四级", "中度污染", "红色", "#FF0000"),
    AqiLevel(300, "五级", "重度污染", "紫色", "#99004C"),
    AqiLevel(None, "六级", "严重污染", "褐红色", "#7E0023"),
)

_SRC_2012 = "HJ 633-2012 Table 1"
_SRC_PM_HOURLY = "the standard has only 24-h particle rows; applied to the 1-h value given [U]"
_SRC_2026_PM = "aqi-hub aqi_cn/common.py and a Guangdong data tool, not the official text"
_SRC_2026_CARRIED = "carried over from HJ 633-2012: other rows reportedly unchanged (not verified)"

_ROWS_2012: dict[str, BreakpointRow] = {
    "SO2_24h": BreakpointRow("SO2_24h", "SO2", "µg/m³", (0, 50, 150, 475, 800, 1600, 2100, 2620), source=_SRC_2012),
    "SO2_1h": BreakpointRow(
        "SO2_1h",
        "SO2",
        "µg/m³",
        (0, 150, 500, 650, 800, None, None, None),
        beyond_last=BEYOND_FALLBACK,
        fallback_to="SO2_24h",
        source=_SRC_2012 + "; footnote (2): above 800 the SO2 IAQI comes from the 24-h mean",
    ),
    "NO2_24h": BreakpointRow("NO2_24h", "NO2", "µg/m³", (0, 40, 80, 180, 280, 565, 750, 940), source=_SRC_2012),
    "NO2_1h": BreakpointRow("NO2_1h", "NO2", "µg/m³", (0, 100, 200, 700, 1200, 2340, 3090, 3840), source=_SRC_2012),
    "PM10_24h": BreakpointRow("PM10_24h", "PM10", "µg/m³", (0, 50, 150, 250, 350, 420, 500, 600), source=_SRC_2012),
    "CO_24h": BreakpointRow("CO_24h", "CO", "mg/m³", (0, 2, 4, 14, 24, 36, 48, 60), source=_SRC_2012),
    "CO_1h": BreakpointRow("CO_1h", "CO", "mg/m³", (0, 5, 10, 35, 60, 90, 120, 150), source=_SRC_2012),
    "O3_1h": BreakpointRow("O3_1h", "O3_1h", "µg/m³", (0, 160, 200, 300, 400, 800, 1000, 1200), source=_SRC_2012),
    "O3_8h": BreakpointRow(
        "O3_8h",
        "O3_8h",
        "µg/m³",
        (0, 100, 160, 215, 265, 800, None, None),
        beyond_last=BEYOND_FALLBACK,
        fallback_to="O3_1h",
        source=_SRC_2012 + "; footnote (3): above 800 no 8-h IAQI, the O3 IAQI comes from the 1-h mean",
    ),
    "PM2.5_24h": BreakpointRow("PM2.5_24h", "PM2.5", "µg/m³", (0, 35, 75, 115, 150, 250, 350, 500), source=_SRC_2012),
}

_ROWS_2026_PM: dict[str, BreakpointRow] = {
    "PM10_24h": BreakpointRow(
        "PM10_24h", "PM10", "µg/m³", (0, 50, 120, 250, 350, 420, 500, 600), evidence="[S]", source=_SRC_2026_PM
    ),
    "PM2.5_24h": BreakpointRow(
        "PM2.5_24h", "PM2.5", "µg/m³", (0, 35, 60, 115, 150, 250, 350, 500), evidence="[S]", source=_SRC_2026_PM
    ),
}

# Report values are rounded before use: integers for µg/m³ pollutants, one decimal for CO (mg/m³),
# half-to-even per GB/T 8170 [S].
_INPUT_DECIMALS: dict[str, int] = {"SO2": 0, "NO2": 0, "PM10": 0, "PM2.5": 0, "O3_1h": 0, "O3_8h": 0, "CO": 1}


def _carried(row: BreakpointRow) -> BreakpointRow:
    evidence = "[S]" if row.evidence == "[V]" else row.evidence
    return BreakpointRow(
        row.indicator,
        row.pollutant,
        row.unit,
        row.concentrations,
        row.beyond_last,
        row.fallback_to,
        evidence,
        _SRC_2026_CARRIED,
    )


def _particle_hourly(row: BreakpointRow, indicator: str) -> BreakpointRow:
    """The 24-h particle row applied to a 1-h particle value (hourly report, [U])."""
    source = f"{row.source}; {_SRC_PM_HOURLY}"
    return BreakpointRow(indicator, row.pollutant, row.unit, row.concentrations, evidence="[U]", source=source)


def _hourly_rows(rows: dict[str, BreakpointRow]) -> dict[str, BreakpointRow]:
    hourly = {name: rows[name] for name in ("SO2_1h", "NO2_1h", "CO_1h", "O3_1h", "O3_8h", "SO2_24h")}
    hourly["PM10_24h"] = rows["PM10_24h"]
    hourly["PM2.5_24h"] = rows["PM2.5_24h"]
    hourly["PM10_1h"] = _particle_hourly(rows["PM10_24h"], "PM10_1h")
    hourly["PM2.5_1h"] = _particle_hourly(rows["PM2.5_24h"], "PM2.5_1h")
    return hourly


def _daily_rows(rows: dict[str, BreakpointRow]) -> dict[str, BreakpointRow]:
    return {name: rows[name] for name in DAILY_INDICATORS}


_ROWS_2026 = {name: _ROWS_2026_PM.get(name) or _carried(row) for name, row in _ROWS_2012.items()}

_NOTES_2026 = (
    "Provisional [S]: only the PM2.5 and PM10 24-h rows are known, from public code, not "
    "from the official text; every other row is carried over from HJ 633-2012. Its §4.2.6 states the "
    "round-up rule. Sensitive-group advice was refined; levels and colours carried over."
)

AQI_TABLES: tuple[StandardTable, ...] = (
    StandardTable(
        code="hj633-2012",
        mode="daily",
        title="HJ 633-2012 环境空气质量指数（AQI）技术规定（试行）— 日报",
        effective_from=HJ633_2012_FROM,
        effective_to=HJ633_2026_FROM,
        provisional=False,
        indicators=DAILY_INDICATORS,
        rows=_daily_rows(_ROWS_2012),
        input_decimals=_INPUT_DECIMALS,
        levels=LEVELS_2012,
        evidence="[V]",
        source="HJ 633-2012 Tables 1 and 2, Appendix A",
        notes=(
            "Published 2012-02-29; in force nationwide from 2016-01-01, earlier in the first monitoring "
            "batches [M]. Applied here to any date from publication: no older AQI method is modelled."
        ),
    ),
    StandardTable(
        code="hj633-2012",
        mode="hourly",
        title="HJ 633-2012 环境空气质量指数（AQI）技术规定（试行）— 实时报",
        effective_from=HJ633_2012_FROM,
        effective_to=HJ633_2026_FROM,
        provisional=False,
        indicators=HOURLY_INDICATORS,
        rows=_hourly_rows(_ROWS_2012),
        input_decimals=_INPUT_DECIMALS,
        levels=LEVELS_2012,
        evidence="[V]",
        source="HJ 633-2012 Tables 1 and 2, Appendix A",
        notes="Particles: 24-h rows applied to the 1-h or 24-h moving value given [U].",
    ),
    StandardTable(
        code="hj633-2026",
        mode="daily",
        title="HJ 633-2026 环境空气质量指数（AQI）技术规定 — 日报（暂定数据）",
        effective_from=HJ633_2026_FROM,
        effective_to=None,
        provisional=True,
        indicators=DAILY_INDICATORS,
        rows=_daily_rows(_ROWS_2026),
        input_decimals=_INPUT_DECIMALS,
        levels=LEVELS_2012,
        evidence="[S]",
        source="HJ 633-2026 PM rows from public code; other rows from HJ 633-2012",
        notes=_NOTES_2026,
    ),
    StandardTable(
        code="hj633-2026",
        mode="hourly",
        title="HJ 633-2026 环境空气质量指数（AQI）技术规定 — 实时报（暂定数据）",
        effective_from=HJ633_2026_FROM,
        effective_to=None,
        provisional=True,
        indicators=HOURLY_INDICATORS,
        rows=_hourly_rows(_ROWS_2026),
        input_decimals=_INPUT_DECIMALS,
        levels=LEVELS_2012,
        evidence="[S]",
        source="HJ 633-2026 PM rows from public code; other rows from HJ 633-2012",
        notes=_NOTES_2026 + " The hourly report reportedly uses the 1-h particle mean [U].",
    ),
)

# --- GB 3095 limits -------------------------------------------------------------------------------

GB3095_2026_FROM = date(2026, 3, 1)
GB3095_2026_PHASE2_FROM = date(2031, 1, 1)
_SRC_GB2012 = "GB 3095-2012 Table 1 as reproduced on a government-style page"
_SRC_GB2026 = "Xinhua / People's Daily reprints of GB 3095-2026"
_SRC_GB2026_CARRIED = "revised value not found [U]; GB 3095-2012 value carried over"

_LIMITS_2012: tuple[LimitValue, ...] = (
    LimitValue("SO2", "annual", 20, 60, "µg/m³", "[S]", _SRC_GB2012),
    LimitValue("SO2", "24h", 50, 150, "µg/m³", "[S]", _SRC_GB2012),
    LimitValue("SO2", "1h", 150, 500, "µg/m³", "[S]", _SRC_GB2012),
    LimitValue("NO2", "annual", 40, 40, "µg/m³", "[S]", _SRC_GB2012),
    LimitValue("NO2", "24h", 80, 80, "µg/m³", "[S]", _SRC_GB2012),
    LimitValue("NO2", "1h", 200, 200, "µg/m³", "[S]", _SRC_GB2012),
    LimitValue("CO", "24h", 4, 4, "mg/m³", "[S]", _SRC_GB2012),
    LimitValue("CO", "1h", 10, 10, "mg/m³", "[S]", _SRC_GB2012),
    LimitValue("O3", "8h_max", 100, 160, "µg/m³", "[S]", _SRC_GB2012),
    LimitValue("O3", "1h", 160, 200, "µg/m³", "[S]", _SRC_GB2012),
    LimitValue("PM10", "annual", 40, 70, "µg/m³", "[S]", _SRC_GB2012),
    LimitValue("PM10", "24h", 50, 150, "µg/m³", "[S]", _SRC_GB2012),
    LimitValue("PM2.5", "annual", 15, 35, "µg/m³", "[S]", _SRC_GB2012),
    LimitValue("PM2.5", "24h", 35, 75, "µg/m³", "[S]", _SRC_GB2012),
    # Table 2 (other items)
    LimitValue("TSP", "annual", 80, 200, "µg/m³", "[S]", _SRC_GB2012 + ", Table 2"),
    LimitValue("TSP", "24h", 120, 300, "µg/m³", "[S]", _SRC_GB2012 + ", Table 2"),
    LimitValue("NOx", "annual", 50, 50, "µg/m³", "[S]", _SRC_GB2012 + ", Table 2"),
    LimitValue("NOx", "24h", 100, 100, "µg/m³", "[S]", _SRC_GB2012 + ", Table 2"),
    LimitValue("NOx", "1h", 250, 250, "µg/m³", "[S]", _SRC_GB2012 + ", Table 2"),
    LimitValue("Pb", "annual", 0.5, 0.5, "µg/m³", "[S]", _SRC_GB2012 + ", Table 2"),
    LimitValue("Pb", "quarterly", 1, 1, "µg/m³", "[S]", _SRC_GB2012 + ", Table 2"),
    LimitValue("BaP", "annual", 0.001, 0.001, "µg/m³", "[S]", _SRC_GB2012 + ", Table 2"),
    LimitValue("BaP", "24h", 0.0025, 0.0025, "µg/m³", "[S]", _SRC_GB2012 + ", Table 2"),
)


def _limits_2026(pm25_annual_grade_2: float, pm25_daily_grade_2: float, phase_note: str) -> tuple[LimitValue, ...]:
    values = []
    for value in _LIMITS_2012:
        if value.pollutant == "PM2.5" and value.averaging == "annual":
            values.append(LimitValue("PM2.5", "annual", 10, pm25_annual_grade_2, "µg/m³", "[S]", phase_note))
        elif value.pollutant == "PM2.5" and value.averaging == "24h":
            values.append(LimitValue("PM2.5", "24h", 25, pm25_daily_grade_2, "µg/m³", "[S]", phase_note))
        elif value.pollutant in ("PM10", "SO2", "NO2"):
            values.append(
                LimitValue(
                    value.pollutant,
                    value.averaging,
                    value.grade_1,
                    value.grade_2,
                    value.unit,
                    "[U]",
                    _SRC_GB2026_CARRIED,
                )
            )
        else:
            values.append(
                LimitValue(
                    value.pollutant,
                    value.averaging,
                    value.grade_1,
                    value.grade_2,
                    value.unit,
                    "[S]",
                    "unchanged per the published summaries; GB 3095-2012 value carried over",
                )
            )
    return tuple(values)


LIMIT_SETS: tuple[LimitSet, ...] = (
    LimitSet(
        code="gb3095-2012",
        title="GB 3095-2012 环境空气质量标准",
        effective_from=date(2012, 2, 29),
        effective_to=GB3095_2026_FROM,
        provisional=False,
        values=_LIMITS_2012,
        evidence="[S]",
        source=_SRC_GB2012,
        notes=(
            "Nationwide in force from 2016-01-01 [M]. 2018 amendment: gases at reference state (298.15 K, "
            "1013.25 hPa), particulates at actual conditions from 2018-09-01 [M]."
        ),
    ),
    LimitSet(
        code="gb3095-2026-phase1",
        title="GB 3095-2026 环境空气质量标准 — 第一阶段（过渡值）",
        effective_from=GB3095_2026_FROM,
        effective_to=GB3095_2026_PHASE2_FROM,
        provisional=True,
        values=_limits_2026(
            30, 60, _SRC_GB2026 + ": Grade II transitional values of phase 1 (2026-03-01 to 2030-12-31)"
        ),
        evidence="[S]",
        source=_SRC_GB2026,
        notes="PM2.5 Grade II uses the transitional 30 (annual) / 60 (24-h); PM10/SO2/NO2 revisions unknown [U].",
    ),
    LimitSet(
        code="gb3095-2026-phase2",
        title="GB 3095-2026 环境空气质量标准 — 第二阶段",
        effective_from=GB3095_2026_PHASE2_FROM,
        effective_to=None,
        provisional=True,
        values=_limits_2026(25, 50, _SRC_GB2026 + ": revised Grade II values from 2031-01-01"),
        evidence="[S]",
        source=_SRC_GB2026,
        notes="Revised PM10, SO2 and NO2 limits apply from 2031 but their numbers were not found [U].",
    ),
)

# --- GB 3095 Table 4 validity ---------------------------------------------------------------------

_SRC_T4 = "GB 3095-2012 Table 4, recalled, not re-read"
_GASES_PM = ("SO2", "NO2", "PM10", "PM2.5", "NOx")

_VALIDITY_2012: tuple[ValidityRule, ...] = (
    ValidityRule(
        "annual_mean", _GASES_PM, 324, "daily means per year", "and >= 27 per month (>= 25 in February)", "[M]", _SRC_T4
    ),
    ValidityRule(
        "24h_mean", ("SO2", "NO2", "CO", "PM10", "PM2.5", "NOx"), 20, "hourly means in the day", "", "[M]", _SRC_T4
    ),
    ValidityRule("8h_mean", ("O3",), 6, "hourly means in the 8 hours", "", "[M]", _SRC_T4),
    ValidityRule(
        "1h_mean", ("SO2", "NO2", "CO", "O3", "NOx"), 45, "minutes of sampling in the hour", "", "[M]", _SRC_T4
    ),
    ValidityRule(
        "annual_mean", ("TSP", "BaP", "Pb"), 60, "evenly spread daily means per year", ">= 5 per month", "[M]", _SRC_T4
    ),
    ValidityRule(
        "quarterly_mean", ("Pb",), 15, "evenly spread daily means per quarter", ">= 5 per month", "[M]", _SRC_T4
    ),
    ValidityRule("24h_mean", ("TSP", "BaP", "Pb"), 24, "hours of sampling", "", "[M]", _SRC_T4),
    ValidityRule(
        "8h_max_daily",
        ("O3",),
        14,
        "valid 8-h values with windows ending 08:00-24:00",
        "with fewer, the value still counts if it already exceeds the limit (HJ 663-2013)",
        "[M]",
        "HJ 663-2013, recalled",
    ),
)

VALIDITY_SETS: tuple[ValidityRuleSet, ...] = (
    ValidityRuleSet(
        code="gb3095-2012-table4",
        title="GB 3095-2012 表4 污染物浓度数据有效性的最低要求",
        effective_from=date(2012, 2, 29),
        effective_to=GB3095_2026_FROM,
        provisional=False,
        rules=_VALIDITY_2012,
        evidence="[M]",
        source=_SRC_T4,
    ),
    ValidityRuleSet(
        code="gb3095-2026-table4",
        title="GB 3095-2026 数据有效性规定（沿用 2012 表4，待核实）",
        effective_from=GB3095_2026_FROM,
        effective_to=None,
        provisional=True,
        rules=_VALIDITY_2012,
        evidence="[U]",
        source="GB 3095-2026 validity table not read; GB 3095-2012 Table 4 carried over",
        notes="HJ 663-2026 adds exceptional events and finer rounding rules [S]; not modelled.",
    ),
)


def builtin_catalogue(kind: str) -> tuple:
    if kind == "aqi_daily":
        return tuple(t for t in AQI_TABLES if t.mode == "daily")
    if kind == "aqi_hourly":
        return tuple(t for t in AQI_TABLES if t.mode == "hourly")
    if kind == "limits":
        return LIMIT_SETS
    if kind == "validity":
        return VALIDITY_SETS
    raise ValueError(f"unknown standard kind {kind!r}; expected one of {', '.join(KINDS)}")


def standard_in_force(kind: str, on_date: date, catalogue: tuple | None = None):
    """Return the version of ``kind`` (aqi_daily, aqi_hourly, limits, validity) in force on ``on_date``.

    ``catalogue`` replaces the built-in data (e.g. rows read from the database turned into the same
    dataclasses). Raises ``LookupError`` when no version covers the date.
    """
    versions = catalogue if catalogue is not None else builtin_catalogue(kind)
    matches = [v for v in versions if v.in_force_on(on_date)]
    if not matches:
        raise LookupError(f"no {kind} standard in force on {on_date.isoformat()}")
    # Overlapping versions (a correction entered before the old row was closed): the newest start wins.
    return max(matches, key=lambda v: v.effective_from)


def aqi_table_by_code(code: str, mode: str) -> StandardTable:
    """Return the built-in AQI table with this code (``hj633-2012``, ``hj633-2026``) for the mode."""
    for table in AQI_TABLES:
        if table.code == code and table.mode == mode:
            return table
    codes = sorted({t.code for t in AQI_TABLES})
    raise LookupError(f"no AQI standard {code!r} for mode {mode!r}; known: {', '.join(codes)}")
