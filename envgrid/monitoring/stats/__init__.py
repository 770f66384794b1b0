"""Air-quality statistics and rankings of areas (station, grid, community, street, district) over a period.

Method (HJ 663-2013 statistics, the composite index of 城市环境空气质量排名技术规定; docs/standards.md §4-5),
all from the stations' daily rollups:

- An area's day: for each pollutant, the mean of its stations' **valid** daily values (as a city's daily value
  is the mean of its stations'); the day is a valid monitoring day of the area when at least one of its stations
  had a valid day. The area's daily AQI (日报) is computed from those values by the table in force on the day.
- Period means of SO2, NO2, PM10, PM2.5: arithmetic mean over the area's valid days of each pollutant.
- O3: 90th percentile of the daily maximum 8-h values; CO: 95th percentile of daily means (HJ 663-2013 percentile:
  k = 1 + (n-1)p, linear — NumPy's default).
- 优良天数比例: days with AQI <= 100 / valid days × 100 %.
- 综合指数: sum of C_i / S_i over the six pollutants, S = the Grade II limits in force at the period's end
  (annual SO2, NO2, PM10, PM2.5; O3 daily max 8-h; CO 24-h), with concentrations rounded as published
  (integers, CO one decimal) and the index to 2 decimals. Smaller is better.
- Each figure carries its coverage: the days with a valid value against the days of the period so far.
- An area ranks only with enough valid days (GB 3095-2012 Table 4 annual mean: 324 a year, 27 a month — 25 in February —
  and proportionally for other periods); otherwise it is listed unranked with the reason. Ties rank equal
  ("1, 2, 2, 4").

A period that spans a change of standard (e.g. HJ 633-2026 from 2026-03-01) says so in ``notes``: each day
is judged by the rules in force on it.

The package: ``figures`` (what a result holds), ``areas`` (the statistics of the areas of a level over a period)
and ``ranking`` (ranks, changes against earlier periods, the query the API and pages share).
"""

from envgrid.monitoring.stats.areas import area_statistics, expected_days, required_days
from envgrid.monitoring.stats.figures import LEVELS, RANK_BY, RANKING_LEVELS, AreaStats, Figure, StatsResult
from envgrid.monitoring.stats.ranking import RANKING_INVALID, rank_areas, ranking_query, rankings

__all__ = [
    "LEVELS",
    "RANKING_INVALID",
    "RANKING_LEVELS",
    "RANK_BY",
    "AreaStats",
    "Figure",
    "StatsResult",
    "area_statistics",
    "expected_days",
    "rank_areas",
    "ranking_query",
    "rankings",
    "required_days",
]
