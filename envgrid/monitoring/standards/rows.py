"""The standards in force, read from the admin-editable rows (``StandardVersion`` and its children).

The rows are turned into the same dataclasses as the built-in data (``records``: ``StandardTable``,
``LimitSet``, ``ValidityRuleSet``), so ``aqi.aqi_table(..., tables=aqi_tables())`` and ``standard_in_force``
work on them unchanged. Loaded once per process and cached; a save or delete of any standards row bumps a generation
number in the Django cache, which every process checks (with Redis that reaches every process at once; with
the embedded local-memory cache other processes reload within ``LOCAL_TTL_SECONDS``).

Without rows (a database that has not been migrated or seeded) the built-in data (``builtin``) is used.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import date

from django.core.cache import cache

from envgrid.monitoring.standards import builtin
from envgrid.monitoring.standards.records import (
    KINDS,
    AqiLevel,
    BreakpointRow,
    LimitSet,
    LimitValue,
    StandardTable,
    ValidityRule,
    ValidityRuleSet,
)

GENERATION_KEY = "monitoring:standards:generation"
LOCAL_TTL_SECONDS = 60

_lock = threading.Lock()
_state: dict = {"generation": None, "loaded_at": 0.0, "catalogues": None}


def standards_invalidate() -> None:
    """Forget the loaded standards here and in every process sharing the cache (called on save/delete)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, timeout=None)
    with _lock:
        _state["catalogues"] = None


def _generation():
    return cache.get(GENERATION_KEY, 0)


def _load() -> dict[str, tuple]:
    from envgrid.monitoring.models import StandardVersion

    versions = list(
        StandardVersion.objects.prefetch_related("breakpoints", "limits", "validity_rules").order_by(
            "kind", "effective_from", "id"
        )
    )
    if not versions:
        return {kind: builtin.builtin_catalogue(kind) for kind in KINDS}
    catalogues: dict[str, list] = {kind: [] for kind in KINDS}
    for version in versions:
        catalogues.setdefault(version.kind, []).append(_from_row(version))
    return {kind: tuple(items) for kind, items in catalogues.items()}


def _from_row(version):
    common = {
        "code": version.code,
        "title": version.title,
        "effective_from": version.effective_from,
        "effective_to": version.effective_to,
        "provisional": version.provisional,
        "evidence": version.evidence,
        "source": version.source,
        "notes": version.notes,
    }
    if version.kind in ("aqi_daily", "aqi_hourly"):
        rows = {
            bp.indicator: BreakpointRow(
                indicator=bp.indicator,
                pollutant=bp.pollutant,
                unit=bp.unit,
                concentrations=tuple(bp.concentrations),
                beyond_last=bp.beyond_last,
                fallback_to=bp.fallback_to or None,
                evidence=bp.evidence,
                source=bp.source,
            )
            for bp in version.breakpoints.all()
        }
        return StandardTable(
            mode=version.kind.removeprefix("aqi_"),
            indicators=tuple(i for i in version.indicators if i in rows),
            rows=rows,
            input_decimals=dict(version.input_decimals),
            levels=tuple(AqiLevel(**level) for level in version.levels),
            iaqi_levels=tuple(version.iaqi_levels),
            **common,
        )
    if version.kind == "limits":
        values = tuple(
            LimitValue(v.pollutant, v.averaging, v.grade_1, v.grade_2, v.unit, v.evidence, v.source)
            for v in version.limits.all()
        )
        return LimitSet(values=values, **common)
    rules = tuple(
        ValidityRule(r.statistic, tuple(r.pollutants), r.minimum, r.of, r.extra, r.evidence, r.source)
        for r in version.validity_rules.all()
    )
    return ValidityRuleSet(rules=rules, **common)


def catalogue(kind: str) -> tuple:
    """Every version of ``kind`` (aqi_daily, aqi_hourly, limits, validity) from the database rows, cached."""
    if kind not in KINDS:
        raise ValueError(f"unknown standard kind {kind!r}; expected one of {', '.join(KINDS)}")
    generation = _generation()
    now = time.monotonic()
    with _lock:
        fresh = (
            _state["catalogues"] is not None
            and _state["generation"] == generation
            and now - _state["loaded_at"] < LOCAL_TTL_SECONDS
        )
        if fresh:
            return _state["catalogues"][kind]
    catalogues = _load()
    with _lock:
        _state.update(generation=generation, loaded_at=now, catalogues=catalogues)
    return catalogues[kind]


def aqi_tables() -> tuple[StandardTable, ...]:
    """Every AQI breakpoint table (both report modes), for ``aqi.aqi_table(..., tables=…)``."""
    return catalogue("aqi_daily") + catalogue("aqi_hourly")


def in_force(kind: str, on_date: date):
    """The version of ``kind`` in force on the date (``standard_in_force`` semantics over the rows)."""
    return builtin.standard_in_force(kind, on_date, catalogue(kind))


def versions_between(kind: str, start: date, end: date) -> list:
    """The versions of ``kind`` in force on some day of ``start <= day < end``, oldest first."""
    found = []
    for version in sorted(catalogue(kind), key=lambda v: v.effective_from):
        if version.effective_from < end and (version.effective_to is None or version.effective_to > start):
            found.append(version)
    return found


def validity_minimum(rule_set: ValidityRuleSet, statistic: str, pollutant: str | None = None, default: int = 0) -> int:
    """The minimum of the first rule for ``statistic`` (covering ``pollutant`` when given), else ``default``."""
    for rule in rule_set.rules:
        if rule.statistic == statistic and (pollutant is None or pollutant in rule.pollutants):
            return rule.minimum
    return default


def monthly_minimum_days(rule_set: ValidityRuleSet, month: int, days_in_month: int) -> int:
    """Valid days a month needs, from the annual-mean rule's extra condition (">= 27 per month (>= 25 in
    February)"); proportional to the annual minimum when the rule does not say."""
    for rule in rule_set.rules:
        if rule.statistic == "annual_mean" and "PM2.5" in rule.pollutants:
            if month == 2:
                february = re.search(r">=\s*(\d+)\s*in February", rule.extra)
                if february:
                    return int(february.group(1))
            per_month = re.search(r">=\s*(\d+)\s*per month", rule.extra)
            if per_month:
                return min(int(per_month.group(1)), days_in_month)
            return -(-rule.minimum * days_in_month // 365)
    return days_in_month
