"""Area statistics and rankings from daily rollups: means, percentiles, good-day ratio, composite index, ties,
validity, standards spanning a change, year-on-year and period-on-period change."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from django.utils import translation

from envgrid.grids.choices import RegionLevel
from envgrid.grids.models import Grid, Region
from envgrid.grids.services import grid_create
from envgrid.monitoring.models import DailyRollup, Station
from envgrid.monitoring.periods import month_period, parse_period
from envgrid.monitoring.rollups import VALID_BITS
from envgrid.monitoring.stats import area_statistics, rank_areas, rankings

pytestmark = pytest.mark.django_db
ALL_VALID = sum(VALID_BITS.values())
# The published worked example of the ranking rules' composite index: 3.06
EXAMPLE = {"pm25": 21.0, "pm10": 39.0, "so2": 9.0, "no2": 15.0, "o3_8h": 192.0, "co": 0.7, "o3_1h_max": 200.0}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def square(lon, lat, side=0.01):
    ring = [[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def district_tree(db):
    """District → streets A, B, C (C has no station) → one community and one grid each; A has two stations."""
    district = Region.objects.create(code="410105", name="金水区", level=RegionLevel.DISTRICT)
    tree = {"district": district, "streets": [], "grids": [], "stations": []}
    for i, letter in enumerate("ABC"):
        street = Region.objects.create(
            code=f"41010500{i}", name=f"街道{letter}", level=RegionLevel.STREET, parent=district, sort_order=i
        )
        community = Region.objects.create(
            code=f"41010500{i}001", name=f"社区{letter}", level=RegionLevel.COMMUNITY, parent=street
        )
        grid = grid_create(
            actor=None,
            code=f"G{letter}",
            name=f"网格{letter}",
            community=community,
            geometry=square(113.6 + i / 10, 34.8),
        )
        tree["streets"].append(street)
        tree["grids"].append(grid)
    for n, grid in enumerate([tree["grids"][0], tree["grids"][0], tree["grids"][1]]):
        tree["stations"].append(
            Station.objects.create(
                mn=f"5A4A0000000000000000000{n}", password="1", name=f"s{n}", lon=0, lat=0, grid=grid
            )
        )
    return tree


def daily(station, day, mask=ALL_VALID, valid=True, **values):
    return DailyRollup(station=station, day=day, valid=valid, valid_mask=mask, **{**EXAMPLE, **values})


def month_of_days(station, year, month, days=None, **values):
    days = days or range(1, 31)
    DailyRollup.objects.bulk_create([daily(station, date(year, month, d), **values) for d in days])


def test_composite_index_of_the_published_example_is_3_06(district_tree):
    station = district_tree["stations"][2]
    month_of_days(station, 2025, 6)

    result = area_statistics(level="grid", period=month_period(2025, 6), today=date(2026, 11, 27))

    grid_b = next(a for a in result.areas if a.area_id == district_tree["grids"][1].pk)
    assert grid_b.composite_index == 3.06
    assert grid_b.figures["o3_8h_p90"].value == 192.0 and grid_b.figures["co_p95"].value == pytest.approx(0.7)
    assert grid_b.figures["pm25"].as_dict() == {"value": 21.0, "coverage": {"observed": 30, "expected": 30}}
    assert grid_b.ranked and grid_b.valid_days == 30


def test_good_day_ratio_is_good_days_over_valid_days(district_tree):
    station = district_tree["stations"][2]
    month_of_days(station, 2025, 6, days=range(1, 28), pm25=30.0, o3_8h=100.0, o3_1h_max=150.0)
    month_of_days(station, 2025, 6, days=[28, 29], pm25=120.0)  # AQI > 100
    month_of_days(station, 2025, 6, days=[30], mask=0, valid=False)  # not a valid day

    result = area_statistics(level="street", period=month_period(2025, 6), today=date(2026, 11, 27))

    street_b = next(a for a in result.areas if a.area_id == district_tree["streets"][1].pk)
    assert (street_b.good_days, street_b.valid_days, street_b.good_ratio) == (27, 29, 93.1)
    assert street_b.ranked  # 29 valid days >= 27


def test_area_day_is_the_mean_of_its_stations_valid_values(district_tree):
    a1, a2, _ = district_tree["stations"]
    month_of_days(a1, 2025, 6, pm25=20.0)
    month_of_days(a2, 2025, 6, pm25=40.0)
    DailyRollup.objects.filter(station=a2, day=date(2025, 6, 1)).update(valid_mask=ALL_VALID & ~VALID_BITS["pm25"])

    result = area_statistics(level="street", period=month_period(2025, 6), today=date(2026, 11, 27))

    street_a = next(a for a in result.areas if a.area_id == district_tree["streets"][0].pk)
    assert street_a.stations == 2
    assert street_a.figures["pm25"].value == pytest.approx((20 + 29 * 30) / 30)


def test_o3_and_co_percentiles_use_the_hj663_linear_method(district_tree):
    station = district_tree["stations"][2]
    o3 = [float(v) for v in range(100, 130)]
    co = [round(0.1 * v, 1) for v in range(1, 31)]
    DailyRollup.objects.bulk_create([daily(station, date(2025, 6, d + 1), o3_8h=o3[d], co=co[d]) for d in range(30)])

    result = area_statistics(level="grid", period=month_period(2025, 6), today=date(2026, 11, 27))

    grid_b = next(a for a in result.areas if a.area_id == district_tree["grids"][1].pk)
    n = 30
    k = 1 + (n - 1) * 0.9  # HJ 663: k = 1 + (n-1)p, s = floor(k)
    s = int(k)
    expected_o3 = sorted(o3)[s - 1] + (sorted(o3)[s] - sorted(o3)[s - 1]) * (k - s)
    assert grid_b.figures["o3_8h_p90"].value == pytest.approx(expected_o3)
    assert grid_b.figures["co_p95"].value == pytest.approx(np.percentile(co, 95))


def test_rankings_rank_ties_equal_and_list_invalid_areas_unranked_with_the_reason(district_tree):
    a1, a2, b = district_tree["stations"]
    for station in (a1, a2, b):
        month_of_days(station, 2025, 6)
    DailyRollup.objects.filter(station=b, day__gte=date(2025, 6, 10)).update(valid=False, valid_mask=0)

    result = rankings(level="street", period=parse_period("2025-06"), today=date(2026, 11, 27))

    by_code = {a.code: a for a in result.areas}
    street_a, street_b, street_c = (by_code[s.code] for s in district_tree["streets"])
    assert (street_a.rank, street_a.ranked) == (1, True)
    assert street_b.rank is None and street_b.reason == "9 valid days of the 27 needed"
    assert street_c.rank is None and street_c.reason == "no monitoring station"
    assert result.areas[0] is street_a  # ranked first, unranked after


def test_equal_figures_share_a_rank_and_the_next_rank_skips():
    from envgrid.monitoring.stats import AreaStats

    def area(code, index):
        stats = AreaStats("grid", hash(code) % 1000, code, code, 1, 30, 27, valid_days=30)
        stats.composite_index, stats.ranked = index, True
        return stats

    ranked = rank_areas([area("d", 4.0), area("b", 3.5), area("a", 3.0), area("c", 3.5)])

    assert [(a.code, a.rank) for a in ranked] == [("a", 1), ("b", 2), ("c", 2), ("d", 4)]


def test_good_ratio_ranks_highest_first():
    from envgrid.monitoring.stats import AreaStats

    low = AreaStats("grid", 1, "low", "low", 1, 30, 27, valid_days=30, good_days=15, ranked=True)
    high = AreaStats("grid", 2, "high", "high", 1, 30, 27, valid_days=30, good_days=25, ranked=True)

    assert [a.code for a in rank_areas([low, high], by="good_ratio")] == ["high", "low"]


def test_year_on_year_and_period_on_period_changes(district_tree):
    station = district_tree["stations"][2]
    month_of_days(station, 2025, 6, pm25=40.0)
    month_of_days(station, 2024, 6, pm25=50.0)
    month_of_days(station, 2025, 5, days=range(1, 32), pm25=32.0)

    result = rankings(level="grid", period=parse_period("2025-06"), today=date(2026, 11, 27))

    grid_b = next(a for a in result.areas if a.area_id == district_tree["grids"][1].pk)
    assert grid_b.changes["year_on_year"]["pm25"] == {"previous": 50.0, "change_percent": -20.0}
    assert grid_b.changes["period_on_period"]["pm25"] == {"previous": 32.0, "change_percent": 25.0}
    assert result.compared_with == {"year_on_year": "2024-06", "period_on_period": "2025-05"}


def test_a_period_spanning_the_2026_standards_says_so(district_tree):
    result = area_statistics(level="grid", period=parse_period("2026-02-15..2026-03-15"), today=date(2026, 11, 27))

    assert result.spans_standard_change
    assert result.standards["aqi_daily"] == ["hj633-2012", "hj633-2026"]
    assert any("hj633-2026 from 2026-03-01" in note for note in result.notes)


def test_a_period_inside_one_standard_has_no_change_note(district_tree):
    result = area_statistics(level="grid", period=parse_period("2025-06"), today=date(2026, 11, 27))

    assert not result.spans_standard_change
    assert result.standards["aqi_daily"] == ["hj633-2012"]


def test_each_day_uses_the_aqi_table_in_force_on_it(district_tree):
    # PM2.5 70 is good (AQI 94) under HJ 633-2012 and not under HJ 633-2026 (AQI 132).
    station = district_tree["stations"][2]
    common = {"pm10": 40.0, "so2": 5.0, "no2": 20.0, "co": 0.5, "o3_8h": 80.0, "o3_1h_max": 100.0}
    DailyRollup.objects.bulk_create(
        [daily(station, date(2026, 2, 28), pm25=70.0, **common), daily(station, date(2026, 3, 1), pm25=70.0, **common)]
    )

    result = area_statistics(level="grid", period=parse_period("2026-02-28..2026-03-01"), today=date(2026, 11, 27))

    grid_b = next(a for a in result.areas if a.area_id == district_tree["grids"][1].pk)
    assert (grid_b.valid_days, grid_b.good_days) == (2, 1)


def test_a_period_in_progress_expects_only_its_days_so_far(district_tree):
    station = district_tree["stations"][2]
    month_of_days(station, 2026, 11, days=range(1, 27))

    result = area_statistics(level="grid", period=parse_period("2026-11"), today=date(2026, 11, 26))

    grid_b = next(a for a in result.areas if a.area_id == district_tree["grids"][1].pk)
    # required: 24 = ceil(26 * 324 / 365)
    assert (grid_b.expected_days, grid_b.required_days, grid_b.valid_days, grid_b.ranked) == (26, 24, 26, True)


def test_district_level_and_station_level(district_tree):
    for station in district_tree["stations"]:
        month_of_days(station, 2025, 6)

    district = area_statistics(level="district", period=parse_period("2025-06"), today=date(2026, 11, 27))
    per_station = area_statistics(level="station", period=parse_period("2025-06"), today=date(2026, 11, 27))

    assert len(district.areas) == 1 and district.areas[0].name == "金水区" and district.areas[0].stations == 3
    assert district.areas[0].composite_index == 3.06
    assert {a.area_id for a in per_station.areas} == {s.pk for s in district_tree["stations"]}


def test_unknown_level_is_refused():
    with pytest.raises(ValueError, match="level"):
        area_statistics(level="planet", period=parse_period("2025"))


def test_grids_without_stations_are_not_listed_in_grid_statistics(district_tree):
    result = area_statistics(level="grid", period=parse_period("2025-06"), today=date(2026, 11, 27))

    assert {a.area_id for a in result.areas} == {g.pk for g in district_tree["grids"][:2]}
    assert Grid.objects.count() == 3


def test_daily_values_sum_of_days(district_tree):
    # one week: 7 days, proportional minimum ceil(7 * 324 / 365) = 7
    station = district_tree["stations"][2]
    DailyRollup.objects.bulk_create([daily(station, date(2025, 6, 2) + timedelta(days=d)) for d in range(6)])

    result = area_statistics(level="grid", period=parse_period("2025-W23"), today=date(2026, 11, 27))

    grid_b = next(a for a in result.areas if a.area_id == district_tree["grids"][1].pk)
    assert (grid_b.expected_days, grid_b.required_days, grid_b.valid_days) == (7, 7, 6)
    assert grid_b.reason == "6 valid days of the 7 needed"
