"""HJ 633 IAQI / AQI: breakpoints, rounding, the over-800 rules, primary pollutants and levels.

References are to HJ 633-2012 Table 1 and docs/standards.md §2. ``exact`` means ``round_inputs=False`` (the
concentration as given); the default rounds inputs first (µg/m³ to integers, CO to 0.1, half-to-even).
"""

import math
from datetime import date
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from envgrid.monitoring.aqi import aqi_for_row, aqi_table, iaqi
from envgrid.monitoring.standards.builtin import AQI_TABLES, aqi_table_by_code

DAILY_2012 = aqi_table_by_code("hj633-2012", "daily")
HOURLY_2012 = aqi_table_by_code("hj633-2012", "hourly")
DAILY_2026 = aqi_table_by_code("hj633-2026", "daily")


def one(indicator, value, table=DAILY_2012, **kwargs):
    return float(iaqi(indicator, np.array([value], dtype=float), table, **kwargs)[0])


def naive_float_iaqi(row, levels, c):
    """The textbook float formula with math.ceil: what the standard's rounding must NOT be."""
    points = [(bp, i) for bp, i in zip(row.concentrations, levels, strict=True) if bp is not None]
    for (low, il), (high, ih) in zip(points, points[1:], strict=False):
        if c <= high:
            return math.ceil((ih - il) / (high - low) * (c - low) + il)
    return None


def exact_iaqi(row, levels, c):
    """The formula in rational arithmetic, rounded up as HJ 633 prescribes (the test's own oracle)."""
    points = [(bp, i) for bp, i in zip(row.concentrations, levels, strict=True) if bp is not None]
    for (low, il), (high, ih) in zip(points, points[1:], strict=False):
        if c <= high:
            return il + math.ceil((ih - il) * (c - low) / Fraction(high - low))
    return None


# --- breakpoints --------------------------------------------------------------------------------


@pytest.mark.parametrize("table", AQI_TABLES, ids=lambda t: f"{t.code}-{t.mode}")
@pytest.mark.parametrize("round_inputs", [True, False], ids=["rounded", "exact"])
def test_every_breakpoint_gives_exactly_its_iaqi(table, round_inputs):
    for indicator, row in table.rows.items():
        concentrations = np.array([c for c, _ in row.defined], dtype=float)
        expected = [i for _, i in row.defined]

        got = iaqi(indicator, concentrations, table, round_inputs=round_inputs)

        assert got.tolist() == expected, indicator
        if indicator not in table.indicators:
            continue  # SO2_24h in the hourly table serves only the over-800 rule
        for c, i in row.defined:
            result = aqi_for_row(mode=table.mode, standard=table, round_inputs=round_inputs, **{indicator: c})
            assert result.iaqi[indicator] == i


@pytest.mark.parametrize("table", [DAILY_2012, HOURLY_2012, DAILY_2026], ids=lambda t: f"{t.code}-{t.mode}")
def test_one_step_above_and_below_each_breakpoint(table):
    # One reporting step (1 µg/m³, 0.1 mg/m³ for CO) from breakpoint B at IAQI I, with segments of
    # slope dI/dC: below is I - floor(step * dI/dC) (rounding up can keep it at I on flat segments),
    # above is I + ceil(step * dI/dC) — always higher.
    for indicator, row in table.rows.items():
        step = Fraction(1, 10) if row.pollutant == "CO" else Fraction(1)
        points = row.defined
        for k in range(1, len(points)):
            (low, il), (bp, level) = points[k - 1], points[k]
            below = one(indicator, float(bp - step), table)
            assert below == level - math.floor(step * (level - il) / (bp - low)), (indicator, bp)
            if k + 1 < len(points):
                (high, ih) = points[k + 1]
                above = one(indicator, float(bp + step), table)
                assert above == level + math.ceil(step * (ih - level) / (high - bp)), (indicator, bp)
                assert above > level


@pytest.mark.parametrize(
    ("indicator", "value", "expected"),
    [
        ("PM2.5_24h", 34, 49),  # 50/35 * 34 = 48.57 -> 49
        ("PM2.5_24h", 36, 52),  # 50 + 50/40 * 1 = 51.25 -> 52
        ("PM2.5_24h", 74, 99),
        ("PM2.5_24h", 76, 102),
        ("SO2_24h", 51, 51),  # 50 + 50/100 * 1 = 50.5 -> 51
        ("SO2_24h", 151, 101),
        ("SO2_24h", 801, 201),
        ("SO2_24h", 1601, 301),
        ("O3_8h", 101, 51),  # 50 + 50/60 -> 51
        ("CO_24h", 2.1, 53),  # 50 + 50 * 0.1 / 2 = 52.5 -> 53
        ("CO_24h", 1.9, 48),  # 47.5 -> 48 (python-aqi truncates the input: 25)
        ("NO2_24h", 100, 110),
    ],
)
def test_hand_computed_values_next_to_breakpoints(indicator, value, expected):
    assert one(indicator, value) == expected


def test_o3_8h_of_200_is_137():
    # Rounded up: 100 + 50 * 40 / 55 = 136.36 -> 137 (python-aqi rounds half-even to 136).
    assert one("O3_8h", 200) == 137


def test_zero_is_zero_and_missing_is_nan():
    got = iaqi("PM2.5_24h", np.array([0.0, np.nan]), DAILY_2012)

    assert got[0] == 0 and np.isnan(got[1])


def test_negative_or_infinite_concentrations_are_refused():
    with pytest.raises(ValueError, match="index 1"):
        iaqi("PM2.5_24h", np.array([1.0, -0.5]), DAILY_2012)
    with pytest.raises(ValueError):
        iaqi("PM10_24h", np.array([np.inf]), DAILY_2012)
    with pytest.raises(ValueError):
        aqi_for_row(standard="hj633-2012", **{"PM2.5_24h": -1})


# --- rounding: the float traps of IAQI ceilings-------------------------------------------------


def test_co_2_2_is_exactly_55_where_a_float_ceiling_says_56():
    row = DAILY_2012.rows["CO_24h"]
    assert naive_float_iaqi(row, DAILY_2012.iaqi_levels, 2.2) == 56  # the trap is real

    assert one("CO_24h", 2.2) == 55
    assert one("CO_24h", 2.2, round_inputs=False) == 55
    assert aqi_for_row(standard="hj633-2012", **{"CO_24h": 2.2}).iaqi["CO_24h"] == 55


def test_pm10_352_1_is_exactly_203_where_a_float_ceiling_says_204():
    row = DAILY_2012.rows["PM10_24h"]
    assert naive_float_iaqi(row, DAILY_2012.iaqi_levels, 352.1) == 204

    assert one("PM10_24h", 352.1, round_inputs=False) == 203
    assert aqi_for_row(standard="hj633-2012", round_inputs=False, **{"PM10_24h": 352.1}).iaqi["PM10_24h"] == 203


def test_pm25_35_is_exactly_50_where_28_digit_decimal_says_51():
    decimal_value = Decimal(50) / Decimal(35) * Decimal(35)
    assert math.ceil(decimal_value) == 51  # the Decimal trap is real

    assert one("PM2.5_24h", 35) == 50
    assert one("PM2.5_24h", 35, round_inputs=False) == 50


def test_hourly_co_trap_65_4():
    row = HOURLY_2012.rows["CO_1h"]
    assert naive_float_iaqi(row, HOURLY_2012.iaqi_levels, 65.4) == 219

    assert one("CO_1h", 65.4, HOURLY_2012) == 218


@pytest.mark.parametrize("table", [DAILY_2012, HOURLY_2012, DAILY_2026], ids=lambda t: f"{t.code}-{t.mode}")
def test_every_tenth_of_a_unit_matches_exact_rational_arithmetic(table):
    # Given every 0.1 step of every row, from 0 to the last breakpoint (all enumerated once)
    traps = 0
    for indicator, row in table.rows.items():
        top = row.defined[-1][0]
        values = np.arange(top * 10 + 1) / 10
        got = iaqi(indicator, values, table, round_inputs=False)
        expected = []
        for value in values.tolist():
            expected.append(exact_iaqi(row, table.iaqi_levels, Fraction(repr(value))))
            traps += naive_float_iaqi(row, table.iaqi_levels, value) != expected[-1]

        assert got.tolist() == expected, indicator
        assert np.all(np.diff(got) >= 0), "IAQI never falls as the concentration rises"
    assert traps > 0, "the naive float formula fails somewhere in this table, so this test has teeth"


@pytest.mark.parametrize(
    ("value", "exact", "rounded"),
    [
        (47.3, 66, 65),  # rounded up: 65.375 -> 66 as given; 47 -> 65 when rounded first
        (35.5, 51, 52),  # b.6 item 2; rounded half-to-even to 36
        (75.5, 101, 102),  # b.6 item 2; 75.5 -> 76 (even)
        (36.5, 52, 52),  # 36.5 -> 36 (even): 51.25 -> 52
        (37.5, 54, 54),  # 37.5 -> 38: 53.75 -> 54
    ],
)
def test_pm25_worked_values_with_and_without_input_rounding(value, exact, rounded):
    assert one("PM2.5_24h", value, round_inputs=False) == exact
    assert one("PM2.5_24h", value) == rounded


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2.25, 55), (2.35, 60), (2.05, 50), (2.15, 55), (1.95, 50)],
)
def test_co_is_rounded_half_to_even_to_one_decimal(value, expected):
    # 2.25 -> 2.2 (55); 2.35 -> 2.4 (60); 2.05 -> 2.0 (50); 2.15 -> 2.2 (55); 1.95 -> 2.0 (50)
    assert one("CO_24h", value) == expected
    assert aqi_for_row(standard="hj633-2012", **{"CO_24h": value}).iaqi["CO_24h"] == expected


# --- special rules --------------------------------------------------------------------------------


def test_so2_1h_above_800_takes_the_iaqi_of_the_24h_mean():
    columns = {"SO2_1h": np.array([900.0, 900.0, 800.0]), "SO2_24h": np.array([100.0, np.nan, 100.0])}

    out = aqi_table(columns, "hourly", "hj633-2012")

    # 100 by the 24-h row: 50 + 50 * 50 / 100 = 75; exactly 800 is still the 1-h row's 200.
    assert out["IAQI_SO2_1h"][0] == 75
    assert np.isnan(out["IAQI_SO2_1h"][1])
    assert out["IAQI_SO2_1h"][2] == 200
    assert out["notes"].tolist() == ["SO2_1h>800: IAQI from SO2_24h", "SO2_1h>800: no SO2_24h, IAQI missing", ""]
    assert "IAQI_SO2_24h" not in out, "the 24-h SO2 is not an indicator of the hourly report"


def test_so2_1h_above_800_through_iaqi_with_a_fallback_column():
    got = iaqi("SO2_1h", np.array([900.0, 100.0]), HOURLY_2012, fallback=np.array([1600.0, 1600.0]))
    without = iaqi("SO2_1h", np.array([900.0]), HOURLY_2012)

    assert got.tolist() == [300, 34]  # 100 stays on the 1-h row: 50 * 100 / 150 -> 34
    assert np.isnan(without[0])


def test_so2_1h_800_4_is_800_when_rounded_but_above_800_as_given():
    columns = {"SO2_1h": np.array([800.4]), "SO2_24h": np.array([50.0])}

    assert aqi_table(columns, "hourly", "hj633-2012")["IAQI_SO2_1h"][0] == 200
    assert aqi_table(columns, "hourly", "hj633-2012", round_inputs=False)["IAQI_SO2_1h"][0] == 50


def test_o3_8h_above_800_leaves_o3_to_the_1h_value():
    columns = {"O3_8h": np.array([850.0, 800.0]), "O3_1h": np.array([820.0, 820.0])}

    out = aqi_table(columns, "daily", "hj633-2012")

    assert np.isnan(out["IAQI_O3_8h"][0])
    assert out["IAQI_O3_8h"][1] == 300
    assert out["IAQI_O3_1h"].tolist() == [310, 310]  # 300 + 100 * 20 / 200
    assert out["AQI"].tolist() == [310, 310]
    assert out["primary_pollutants"].tolist() == ["O3_1h", "O3_1h"]
    assert out["notes"][0] == "O3_8h>800: no O3_8h IAQI, O3_1h counts"


def test_o3_8h_above_800_without_a_1h_value_is_flagged():
    result = aqi_for_row(standard="hj633-2012", **{"O3_8h": 900, "PM2.5_24h": 40})

    assert result.iaqi["O3_8h"] is None
    assert result.aqi == 57
    assert result.notes == ("O3_8h>800: no O3_8h IAQI, O3_1h counts", "O3_8h>800: O3_1h missing")


def test_above_the_top_breakpoint_is_500_with_a_note():
    out = aqi_table(
        {"PM2.5_24h": np.array([500.0, 500.4, 600.0]), "CO_24h": np.array([1.0, 1.0, 61.0])}, "daily", "hj633-2012"
    )

    assert out["IAQI_PM2.5_24h"].tolist() == [500, 500, 500]
    assert out["IAQI_CO_24h"].tolist() == [25, 25, 500]
    assert out["notes"].tolist() == ["", "", "CO_24h>60: IAQI 500; PM2.5_24h>500: IAQI 500"]
    assert out["level"][2] == "六级"


# --- AQI, primary and exceeding pollutants, levels ------------------------------------------------


def test_aqi_is_the_maximum_iaqi():
    result = aqi_for_row(standard="hj633-2012", **{"PM2.5_24h": 80, "PM10_24h": 130, "NO2_24h": 30})

    assert result.iaqi == {"NO2_24h": 38, "PM10_24h": 90, "PM2.5_24h": 107}
    assert result.aqi == 107


def test_tied_primary_pollutants_are_all_listed_in_a_fixed_order():
    # PM2.5 75, PM10 150 and NO2 80 are each exactly IAQI 100.
    columns = {"NO2_24h": np.array([80.0]), "PM10_24h": np.array([150.0]), "PM2.5_24h": np.array([75.0])}
    reversed_columns = dict(reversed(list(columns.items())))

    assert aqi_table(columns, "daily", "hj633-2012")["primary_pollutants"][0] == "PM2.5;PM10;NO2"
    assert aqi_table(reversed_columns, "daily", "hj633-2012")["primary_pollutants"][0] == "PM2.5;PM10;NO2"
    assert aqi_for_row(standard="hj633-2012", **columns_as_scalars(columns)).primary_pollutants == (
        "PM2.5",
        "PM10",
        "NO2",
    )


def columns_as_scalars(columns):
    return {name: float(values[0]) for name, values in columns.items()}


def test_two_way_tie_reads_like_the_issue_example():
    out = aqi_table({"PM10_24h": np.array([250.0]), "PM2.5_24h": np.array([115.0])}, "daily", "hj633-2012")

    assert out["AQI"][0] == 150
    assert out["primary_pollutants"][0] == "PM2.5;PM10"


def test_aqi_of_50_or_less_has_no_primary_pollutant():
    out = aqi_table(
        {"PM2.5_24h": np.array([35.0, 35.5, 10.0]), "PM10_24h": np.array([50.0, 20.0, 10.0])}, "daily", "hj633-2012"
    )

    assert out["AQI"].tolist() == [50, 52, 15]
    assert out["primary_pollutants"].tolist() == ["", "PM2.5", ""]
    assert aqi_for_row(standard="hj633-2012", **{"PM2.5_24h": 35, "PM10_24h": 50}).primary_pollutants == ()


def test_exceeding_pollutants_are_those_above_100_only():
    result = aqi_for_row(standard="hj633-2012", **{"PM2.5_24h": 76, "PM10_24h": 150, "O3_8h": 161})

    assert result.iaqi == {"PM10_24h": 100, "PM2.5_24h": 102, "O3_8h": 101}
    assert result.exceeding_pollutants == ("PM2.5", "O3_8h")


@pytest.mark.parametrize(
    ("so2", "aqi", "level", "category", "colour"),
    [
        (0, 0, "一级", "优", "#00E400"),
        (50, 50, "一级", "优", "#00E400"),
        (51, 51, "二级", "良", "#FFFF00"),
        (150, 100, "二级", "良", "#FFFF00"),
        (151, 101, "三级", "轻度污染", "#FF7E00"),
        (475, 150, "三级", "轻度污染", "#FF7E00"),
        (476, 151, "四级", "中度污染", "#FF0000"),
        (800, 200, "四级", "中度污染", "#FF0000"),
        (801, 201, "五级", "重度污染", "#99004C"),
        (1600, 300, "五级", "重度污染", "#99004C"),
        (1601, 301, "六级", "严重污染", "#7E0023"),
        (2620, 500, "六级", "严重污染", "#7E0023"),
    ],
)
def test_level_category_and_colour_per_hj633_table2(so2, aqi, level, category, colour):
    out = aqi_table({"SO2_24h": np.array([float(so2)])}, "daily", "hj633-2012")
    row = aqi_for_row(standard="hj633-2012", **{"SO2_24h": so2})

    assert (out["AQI"][0], out["level"][0], out["category"][0], out["color_hex"][0]) == (aqi, level, category, colour)
    assert (row.aqi, row.level, row.category, row.color_hex) == (aqi, level, category, colour)


def test_a_row_with_nothing_measured_has_no_aqi():
    out = aqi_table({"PM2.5_24h": np.array([np.nan]), "PM10_24h": np.array([np.nan])}, "daily", "hj633-2012")

    assert np.isnan(out["AQI"][0])
    assert (out["level"][0], out["category"][0], out["color_hex"][0], out["primary_pollutants"][0]) == ("", "", "", "")
    assert aqi_for_row(standard="hj633-2012", **{"PM2.5_24h": None}).aqi is None


# --- daily vs hourly, 2012 vs 2026 ----------------------------------------------------------------


def test_hourly_report_uses_the_1h_rows_for_gases():
    daily = aqi_for_row(standard="hj633-2012", **{"NO2_24h": 100, "CO_24h": 5})
    hourly = aqi_for_row(mode="hourly", standard="hj633-2012", **{"NO2_1h": 100, "CO_1h": 5})

    assert daily.iaqi == {"NO2_24h": 110, "CO_24h": 105}
    assert hourly.iaqi == {"NO2_1h": 50, "CO_1h": 50}


def test_hourly_report_counts_both_particle_values_it_is_given():
    out = aqi_table({"PM2.5_1h": np.array([120.0]), "PM2.5_24h": np.array([80.0])}, "hourly", "hj633-2012")

    assert out["IAQI_PM2.5_1h"][0] == 158 and out["IAQI_PM2.5_24h"][0] == 107
    assert out["AQI"][0] == 158
    assert out["primary_pollutants"][0] == "PM2.5"


def test_daily_report_ignores_hourly_columns():
    out = aqi_table({"PM2.5_24h": np.array([10.0]), "SO2_1h": np.array([900.0])}, "daily", "hj633-2012")

    assert "IAQI_SO2_1h" not in out
    assert out["AQI"][0] == 15


def test_2026_pm_rows_apply_from_2026_03_01():
    columns = {"PM2.5_24h": np.array([60.0]), "PM10_24h": np.array([120.0])}

    before = aqi_table(columns, "daily", on_date=date(2026, 2, 28))
    after = aqi_table(columns, "daily", on_date=date(2026, 3, 1))

    assert (before["IAQI_PM2.5_24h"][0], before["IAQI_PM10_24h"][0]) == (82, 85)
    assert (after["IAQI_PM2.5_24h"][0], after["IAQI_PM10_24h"][0]) == (100, 100)
    assert (before["standard"][0], after["standard"][0]) == ("hj633-2012", "hj633-2026")


def test_each_row_uses_the_standard_in_force_on_its_date():
    columns = {"PM2.5_24h": np.array([60.0, 60.0, 61.0]), "O3_8h": np.array([90.0, 90.0, 900.0])}
    days = [date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 2)]

    out = aqi_table(columns, "daily", on_date=days)

    assert out["standard"].tolist() == ["hj633-2012", "hj633-2026", "hj633-2026"]
    assert out["IAQI_PM2.5_24h"].tolist() == [82, 100, 101]
    assert out["primary_pollutants"].tolist() == ["PM2.5", "PM2.5", "PM2.5"]
    assert out["notes"].tolist() == ["", "", "O3_8h>800: no O3_8h IAQI, O3_1h counts; O3_8h>800: O3_1h missing"]


def test_a_date_before_every_standard_is_refused():
    with pytest.raises(LookupError):
        aqi_table({"PM2.5_24h": np.array([1.0])}, "daily", on_date=[date(2001, 1, 1)])


def test_a_table_for_the_wrong_report_is_refused():
    with pytest.raises(ValueError):
        aqi_table({"PM2.5_24h": np.array([1.0])}, "daily", HOURLY_2012)


def test_unknown_indicator_names_are_refused_by_aqi_for_row():
    with pytest.raises(TypeError):
        aqi_for_row(standard="hj633-2012", **{"PM25_24h": 10})


def test_empty_columns_give_empty_results():
    out = aqi_table({"PM2.5_24h": np.array([])}, "daily", "hj633-2012")

    assert len(out["AQI"]) == 0 and len(out["primary_pollutants"]) == 0


# --- the vectorized path equals the scalar one ----------------------------------------------------


def random_columns(rng, table, n):
    """Realistic values with 0-3 decimals, plus exact breakpoints, over-800 and above-top values and gaps."""
    columns = {}
    for indicator, row in table.rows.items():
        top = row.defined[-1][0]
        raw = rng.gamma(2.0, top / 12, n)
        values = np.stack([np.round(raw, d) for d in range(4)])[rng.integers(0, 4, n), np.arange(n)]
        kind = rng.random(n)
        breakpoints = np.array([c for c, _ in row.defined], dtype=float)
        values = np.where(kind < 0.15, rng.choice(breakpoints, n), values)
        values = np.where((kind > 0.15) & (kind < 0.18), top + rng.integers(1, 200, n), values)
        values = np.where(kind > 0.95, np.nan, values)
        columns[indicator] = values
    return columns


@pytest.mark.parametrize(
    ("mode", "standard", "round_inputs", "n"),
    [
        ("daily", "hj633-2012", True, 10_000),
        ("hourly", "hj633-2012", False, 10_000),
        ("daily", "hj633-2026", False, 2_000),
        ("hourly", "hj633-2026", True, 2_000),
    ],
)
def test_vectorized_result_equals_aqi_for_row_on_random_rows(mode, standard, round_inputs, n):
    table = aqi_table_by_code(standard, mode)
    columns = random_columns(np.random.default_rng(20261127), table, n)

    out = aqi_table(columns, mode, standard, round_inputs=round_inputs)

    for i in range(n):
        row = {name: float(values[i]) for name, values in columns.items()}
        expected = aqi_for_row(mode=mode, standard=standard, round_inputs=round_inputs, **row)
        for indicator in table.indicators:
            got = out[f"IAQI_{indicator}"][i]
            assert (None if np.isnan(got) else int(got)) == expected.iaqi[indicator], (i, indicator, row)
        assert (None if np.isnan(out["AQI"][i]) else int(out["AQI"][i])) == expected.aqi
        assert out["primary_pollutants"][i] == ";".join(expected.primary_pollutants)
        assert out["exceeding_pollutants"][i] == ";".join(expected.exceeding_pollutants)
        assert (out["level"][i], out["category"][i], out["color_hex"][i]) == (
            expected.level,
            expected.category,
            expected.color_hex,
        )
        assert out["notes"][i] == "; ".join(expected.notes), (i, row)


def test_absurdly_large_values_are_500_not_an_overflow():
    columns = {"PM2.5_24h": np.array([1e40, 1e300]), "CO_24h": np.array([1e300, 2.0])}

    rounded = aqi_table(columns, "daily", "hj633-2012")
    exact = aqi_table(columns, "daily", "hj633-2012", round_inputs=False)

    assert rounded["IAQI_CO_24h"].tolist() == exact["IAQI_CO_24h"].tolist() == [500, 50]
    assert rounded["AQI"].tolist() == exact["AQI"].tolist() == [500, 500]
    assert aqi_for_row(standard="hj633-2012", round_inputs=False, **{"PM2.5_24h": 1e40}).aqi == 500
