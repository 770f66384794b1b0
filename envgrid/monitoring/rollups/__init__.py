"""Hourly, daily and monthly rollups of the readings, with coverage, GB 3095 validity and the HJ 633 AQI.

How an hour is made (``HourlyRollup``, labelled by the hour's start in UTC, as HJ 212-2017 Table 4 labels hourly data):

- **Device hourly data (CN 2061) wins** when the station sent it for the hour: it is the analyser's own
  validated hourly mean (what control stations report). Otherwise the mean of the minute data (CN 2051),
  otherwise of the real-time data (CN 2011). A value counts only when its data flag (HJ 212-2017 Table 8) is ``N`` (or
  absent): maintenance, calibration, fault… values never enter a mean.
- Coverage is in minutes per pollutant: a device hourly value covers 60, a minute/real-time value covers the
  station's interval; the hour is a valid 1-h mean when it reaches the ``1h_mean`` minimum of the validity
  rules in force (45 minutes in GB 3095-2012 Table 4).
- The O3 8-h moving mean ending with the hour (hours h-7 … h) needs the ``8h_mean`` minimum (6) of valid hours.
- The hourly AQI (实时报) of a valid hour uses its valid 1-h values and the O3 8-h value, by the table in force
  on the day. Both are computed when read (``hourly_aqi``), not stored.
- Minute data older than the retention window is purged; an hour before that window is never recomputed from
  what is left of its minutes: its stored rollup is kept unless device hourly data arrives.

A day (``DailyRollup``, Beijing-time day) has 24-h means over valid hours, valid when at least the ``24h_mean``
minimum (20) hours are valid; the O3 daily maximum 8-h value over windows ending 08:00-24:00 (hours starting
07:00-23:00), valid with the ``8h_max_daily`` minimum (14) of 8-h values or when it already exceeds the limit;
the daily AQI (日报). The day is a valid monitoring day when every pollutant the station measures is valid.
A month (``MonthlyRollup``) has the means of valid days, the O3-8h 90th and CO 95th percentiles, valid and
good days, valid with the monthly minimum of the annual-mean rule (27 days, 25 in February).

Hours are written by the database, one ``INSERT … SELECT`` per source in order of precedence (``ON CONFLICT DO
NOTHING``: the first source to write an hour keeps it); device hourly data needs no grouping. The valid 1-h
values then come back once per month for the days and months, which are NumPy over whole arrays, never a

The package: ``fields`` (pollutants, validity bits, table columns), ``clock`` (epoch hours and Beijing days),
``sql`` (the SQL both databases run) with the dialects ``sqlite`` and ``postgresql``, ``maths`` (NumPy),
``build`` (a range's hours, days and months: ``rollups_rebuild``), ``queue`` (dirty hours), ``purge`` (minute
data past retention) and ``reads`` (``hourly_aqi``, ``latest_aqi``, ``station_series``).
"""

from envgrid.monitoring.rollups.build import RollupResult, rollup_workers, rollups_rebuild
from envgrid.monitoring.rollups.clock import day_index, day_of, local_day, month_start, next_month, retention_days
from envgrid.monitoring.rollups.fields import POLLUTANTS, VALID_BITS
from envgrid.monitoring.rollups.purge import readings_purge_minutes
from envgrid.monitoring.rollups.queue import rollups_mark_dirty, rollups_process_dirty
from envgrid.monitoring.rollups.reads import hourly_aqi, latest_aqi, station_series

__all__ = [
    "POLLUTANTS",
    "VALID_BITS",
    "RollupResult",
    "day_index",
    "day_of",
    "hourly_aqi",
    "latest_aqi",
    "local_day",
    "month_start",
    "next_month",
    "readings_purge_minutes",
    "retention_days",
    "rollup_workers",
    "rollups_mark_dirty",
    "rollups_process_dirty",
    "rollups_rebuild",
    "station_series",
]
