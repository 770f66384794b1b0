"""What the rollups are made of: the pollutants, the HJ 212 commands they come from, the validity bits of a day
and the columns of the rollup tables."""

from __future__ import annotations

from envgrid.monitoring.choices import FACTOR_COLUMNS

POLLUTANTS: tuple[str, ...] = ("pm25", "pm10", "so2", "no2", "co", "o3")
POLLUTANT_NAMES = {"pm25": "PM2.5", "pm10": "PM10", "so2": "SO2", "no2": "NO2", "co": "CO", "o3": "O3"}
FACTOR_CODES = {column: code for code, column in FACTOR_COLUMNS.items()}
#: Bits of ``DailyRollup.valid_mask``: the 24-h pollutants, the O3 daily max 8-h and 1-h values.
VALID_BITS = {"pm25": 1, "pm10": 2, "so2": 4, "no2": 8, "co": 16, "o3_8h": 32, "o3_1h": 64}
#: Hourly sources, the winner first (see the package docstring).
HOURLY_SOURCES: tuple[int, ...] = (2061, 2051, 2011)
# Data flags that count (HJ 212-2017 §6.6.4 Table 8): N only, stricter than Appendix C's 75 % flue-gas rule.
USABLE_FLAGS: tuple[str, ...] = ("N",)
MINUTE_CNS: tuple[int, ...] = (2011, 2051)
O3_WINDOW = 8

# Hourly AQI indicators from rollup columns (particles: the 1-h value; HJ 633-2012 leaves it open [U]).
HOURLY_INDICATORS = {
    "SO2_1h": "so2",
    "NO2_1h": "no2",
    "PM10_1h": "pm10",
    "CO_1h": "co",
    "PM2.5_1h": "pm25",
    "O3_1h": "o3",
    "O3_8h": "o3_8h",
}
DAILY_INDICATORS = {
    "SO2_24h": "so2",
    "NO2_24h": "no2",
    "PM10_24h": "pm10",
    "CO_24h": "co",
    "PM2.5_24h": "pm25",
    "O3_1h": "o3_1h_max",
    "O3_8h": "o3_8h",
}
#: Daily rollup IAQI columns per indicator.
IAQI_FIELDS = {
    "SO2_24h": "iaqi_so2",
    "NO2_24h": "iaqi_no2",
    "PM10_24h": "iaqi_pm10",
    "CO_24h": "iaqi_co",
    "PM2.5_24h": "iaqi_pm25",
    "O3_1h": "iaqi_o3",
    "O3_8h": "iaqi_o3_8h",
}


HOURLY_COLUMNS = (
    ("station_id", "data_time", "source_cn", "samples", "valid")
    + POLLUTANTS
    + tuple(f"minutes_{c}" for c in POLLUTANTS)
)
DAILY_COLUMNS = (
    ("station_id", "day", "valid", "valid_mask", "invalid_reason", "o3_8h", "o3_1h_max", "o3_8h_values")
    + POLLUTANTS
    + tuple(f"hours_{c}" for c in POLLUTANTS)
    + tuple(IAQI_FIELDS.values())
    + ("aqi", "aqi_level", "primary_pollutants", "standard")
)
MONTHLY_COLUMNS = (
    "station_id",
    "month",
    "pm25",
    "pm10",
    "so2",
    "no2",
    "co_p95",
    "o3_8h_p90",
    "days",
    "days_pm25",
    "days_pm10",
    "days_so2",
    "days_no2",
    "days_co",
    "days_o3",
    "valid_days",
    "good_days",
    "valid",
)
