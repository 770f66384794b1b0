"""The standards as versioned data: HJ 633 and GB 3095 tables reproduced, and picked by date."""

from dataclasses import replace
from datetime import date

import pytest

from envgrid.monitoring.standards.builtin import (
    AQI_TABLES,
    LIMIT_SETS,
    VALIDITY_SETS,
    aqi_table_by_code,
    standard_in_force,
)
from envgrid.monitoring.standards.records import DAILY_INDICATORS, HOURLY_INDICATORS, IAQI_LEVELS

TAGS = {"[V]", "[S]", "[M]", "[U]"}

# HJ 633-2012 Table 1, transcribed column by column (IAQI 0, 50, 100, 150, 200, 300, 400, 500).
DOMAIN_B1 = {
    "SO2_24h": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "SO2_1h": (0, 150, 500, 650, 800, None, None, None),
    "NO2_24h": (0, 40, 80, 180, 280, 565, 750, 940),
    "NO2_1h": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "PM10_24h": (0, 50, 150, 250, 350, 420, 500, 600),
    "CO_24h": (0, 2, 4, 14, 24, 36, 48, 60),
    "CO_1h": (0, 5, 10, 35, 60, 90, 120, 150),
    "O3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "O3_8h": (0, 100, 160, 215, 265, 800, None, None),
    "PM2.5_24h": (0, 35, 75, 115, 150, 250, 350, 500),
}


def test_hj633_2012_rows_are_domain_b1():
    daily = aqi_table_by_code("hj633-2012", "daily")
    hourly = aqi_table_by_code("hj633-2012", "hourly")
    rows = {**daily.rows, **hourly.rows}

    for indicator, concentrations in DOMAIN_B1.items():
        assert rows[indicator].concentrations == concentrations, indicator
        assert rows[indicator].evidence == "[V]"
    assert daily.iaqi_levels == IAQI_LEVELS == (0, 50, 100, 150, 200, 300, 400, 500)


def test_daily_and_hourly_tables_have_the_reports_indicators():
    daily = aqi_table_by_code("hj633-2012", "daily")
    hourly = aqi_table_by_code("hj633-2012", "hourly")

    assert daily.indicators == DAILY_INDICATORS
    assert set(daily.rows) == set(DAILY_INDICATORS)
    assert hourly.indicators == HOURLY_INDICATORS
    # The hourly table carries the SO2 24-h row only for the SO2 1-h > 800 rule.
    assert set(hourly.rows) == set(HOURLY_INDICATORS) | {"SO2_24h"}
    assert "SO2_24h" not in hourly.indicators


def test_hourly_particles_use_the_24h_rows_and_say_it_is_open():
    hourly = aqi_table_by_code("hj633-2012", "hourly")

    assert hourly.rows["PM2.5_1h"].concentrations == DOMAIN_B1["PM2.5_24h"]
    assert hourly.rows["PM10_1h"].concentrations == DOMAIN_B1["PM10_24h"]
    assert hourly.rows["PM2.5_1h"].evidence == "[U]"


def test_over_800_rows_fall_back_as_the_footnotes_say():
    hourly = aqi_table_by_code("hj633-2012", "hourly")

    assert (hourly.rows["SO2_1h"].beyond_last, hourly.rows["SO2_1h"].fallback_to) == ("fallback", "SO2_24h")
    assert (hourly.rows["O3_8h"].beyond_last, hourly.rows["O3_8h"].fallback_to) == ("fallback", "O3_1h")
    assert hourly.rows["PM2.5_24h"].beyond_last == "cap"


def test_hj633_2026_is_provisional_with_the_known_pm_rows_and_the_rest_carried_over():
    new = aqi_table_by_code("hj633-2026", "daily")
    old = aqi_table_by_code("hj633-2012", "daily")

    assert new.provisional and not old.provisional
    assert new.effective_from == date(2026, 3, 1) and old.effective_to == date(2026, 3, 1)
    assert new.rows["PM2.5_24h"].concentrations == (0, 35, 60, 115, 150, 250, 350, 500)
    assert new.rows["PM10_24h"].concentrations == (0, 50, 120, 250, 350, 420, 500, 600)
    for indicator in ("SO2_24h", "NO2_24h", "CO_24h", "O3_1h", "O3_8h"):
        assert new.rows[indicator].concentrations == old.rows[indicator].concentrations
        assert new.rows[indicator].evidence != "[V]"
        assert "carried over" in new.rows[indicator].source
    assert aqi_table_by_code("hj633-2026", "hourly").rows["PM2.5_1h"].concentrations[2] == 60


def test_every_entry_carries_an_evidence_tag_and_a_source():
    for table in AQI_TABLES:
        assert table.evidence in TAGS and table.source
        for row in table.rows.values():
            assert row.evidence in TAGS and row.source, (table.code, row.indicator)
            defined = [c for c in row.concentrations if c is not None]
            assert defined == sorted(set(defined)), "breakpoints strictly increase"
            assert len(row.concentrations) == len(table.iaqi_levels)
        for level in table.levels:
            assert level.evidence in TAGS
    for limits in LIMIT_SETS:
        assert limits.evidence in TAGS and limits.source
        assert all(v.evidence in TAGS and v.source for v in limits.values)
    for validity in VALIDITY_SETS:
        assert validity.evidence in TAGS and validity.source
        assert all(r.evidence in TAGS and r.source for r in validity.rules)


@pytest.mark.parametrize("mode", ["daily", "hourly"])
def test_standard_in_force_switches_on_2026_03_01(mode):
    assert standard_in_force(f"aqi_{mode}", date(2026, 2, 28)).code == "hj633-2012"
    assert standard_in_force(f"aqi_{mode}", date(2026, 3, 1)).code == "hj633-2026"
    assert standard_in_force(f"aqi_{mode}", date(2026, 3, 1)).mode == mode
    assert standard_in_force(f"aqi_{mode}", date(2016, 1, 1)).code == "hj633-2012"


def test_standard_in_force_refuses_dates_before_any_version_and_unknown_kinds():
    with pytest.raises(LookupError):
        standard_in_force("aqi_daily", date(2010, 1, 1))
    with pytest.raises(ValueError):
        standard_in_force("aqi_weekly", date(2020, 1, 1))


def test_gb3095_limits_by_date_including_the_phase_1_transitional_pm25_values():
    # Given the day before, the first day, and the phase change of GB 3095-2026
    before = standard_in_force("limits", date(2026, 2, 28))
    phase1 = standard_in_force("limits", date(2026, 3, 1))
    last_phase1 = standard_in_force("limits", date(2030, 12, 31))
    phase2 = standard_in_force("limits", date(2031, 1, 1))

    assert before.code == "gb3095-2012"
    assert (before.limit("PM2.5", "24h"), before.limit("PM2.5", "annual")) == (75, 35)
    assert phase1.code == last_phase1.code == "gb3095-2026-phase1"
    assert (phase1.limit("PM2.5", "24h"), phase1.limit("PM2.5", "annual")) == (60, 30)
    assert (phase1.limit("PM2.5", "24h", grade=1), phase1.limit("PM2.5", "annual", grade=1)) == (25, 10)
    assert (phase2.limit("PM2.5", "24h"), phase2.limit("PM2.5", "annual")) == (50, 25)
    assert before.limit("O3", "8h_max") == 160 and before.limit("CO", "24h") == 4
    # PM10/SO2/NO2 revisions are unknown [U]: carried over and tagged so.
    pm10 = next(v for v in phase2.values if v.pollutant == "PM10" and v.averaging == "annual")
    assert (pm10.grade_2, pm10.evidence) == (70, "[U]")
    with pytest.raises(KeyError):
        before.limit("PM2.5", "1h")


def test_validity_rules_of_gb3095_table4():
    rules = standard_in_force("validity", date(2025, 6, 1)).rules
    by_statistic = {(r.statistic, r.pollutants[0]): r.minimum for r in rules}

    assert by_statistic[("24h_mean", "SO2")] == 20
    assert by_statistic[("8h_mean", "O3")] == 6
    assert by_statistic[("annual_mean", "SO2")] == 324
    assert by_statistic[("1h_mean", "SO2")] == 45
    assert standard_in_force("validity", date(2026, 3, 1)).evidence == "[U]"


def test_a_catalogue_from_database_rows_replaces_the_built_in_data():
    # Given an admin's correction that starts later than the built-in 2026 table
    corrected = replace(
        aqi_table_by_code("hj633-2026", "daily"), code="hj633-2026-fixed", effective_from=date(2026, 6, 1)
    )
    catalogue = (*[t for t in AQI_TABLES if t.mode == "daily"], corrected)

    assert standard_in_force("aqi_daily", date(2026, 5, 31), catalogue).code == "hj633-2026"
    assert standard_in_force("aqi_daily", date(2026, 6, 1), catalogue).code == "hj633-2026-fixed"


def test_unknown_code_is_refused():
    with pytest.raises(LookupError):
        aqi_table_by_code("hj633-1999", "daily")
