"""Air-quality standards as versioned data: ``records`` (the shapes: AQI tables, limit sets, validity rule
sets), ``builtin`` (the standards EnvGrid ships: HJ 633, GB 3095) and ``rows`` (the standards in force, read from
the admin-editable rows and cached). Computations ask this package, e.g. ``standards.in_force("limits", day)``."""

from envgrid.monitoring.standards.rows import (
    GENERATION_KEY,
    LOCAL_TTL_SECONDS,
    aqi_tables,
    catalogue,
    in_force,
    monthly_minimum_days,
    standards_invalidate,
    validity_minimum,
    versions_between,
)

__all__ = [
    "GENERATION_KEY",
    "LOCAL_TTL_SECONDS",
    "aqi_tables",
    "catalogue",
    "in_force",
    "monthly_minimum_days",
    "standards_invalidate",
    "validity_minimum",
    "versions_between",
]
