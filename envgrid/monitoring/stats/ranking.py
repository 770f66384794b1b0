"""Rankings of streets or grids: ranks with ties, year-on-year (同比) and period-on-period (环比) changes, and the
query the API and the ranking page share."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.core.errors import DomainError
from envgrid.monitoring.periods import Period, default_period, parse_period
from envgrid.monitoring.rollups import local_day
from envgrid.monitoring.stats.areas import area_statistics
from envgrid.monitoring.stats.figures import RANK_BY, RANKING_LEVELS, AreaStats, StatsResult


def rank_areas(areas: list[AreaStats], by: str = "composite_index") -> list[AreaStats]:
    """Ranked areas first, best first, ties ranked equal ("1, 2, 2, 4"); then the unranked ones with reasons."""
    if by not in RANK_BY:
        raise ValueError(f"rank by one of {', '.join(RANK_BY)}, not {by!r}")
    descending = by == "good_ratio"
    ranked = [a for a in areas if a.ranked and a.value(by) is not None]
    unranked = [a for a in areas if a not in ranked]
    for area in unranked:
        area.rank = None
        if area.ranked:  # rankable, but not by this figure
            area.ranked, area.reason = False, _("no value for %(figure)s") % {"figure": by}
    ranked.sort(key=lambda a: (-a.value(by) if descending else a.value(by), a.code))
    previous, rank = None, 0
    for position, area in enumerate(ranked, start=1):
        if area.value(by) != previous:
            rank, previous = position, area.value(by)
        area.rank = rank
    return ranked + sorted(unranked, key=lambda a: a.code)


_CHANGE_FIGURES = ("pm25", "pm10", "so2", "no2", "co_p95", "o3_8h_p90")


def _changes(current: AreaStats, before: AreaStats | None) -> dict:
    """Change against an earlier period: percent for concentrations and the index, points for the ratio."""
    out: dict[str, dict] = {}
    if before is None:
        return out
    pairs = {name: (current.value(name), before.value(name)) for name in (*_CHANGE_FIGURES, "composite_index")}
    for name, (now, then) in pairs.items():
        change = None if now is None or then in (None, 0) else round((now - then) * 100 / then, 1)
        out[name] = {"previous": then, "change_percent": change}
    now, then = current.good_ratio, before.good_ratio
    out["good_ratio"] = {
        "previous": then,
        "change_points": None if now is None or then is None else round(now - then, 1),
    }
    return out


def rankings(*, level: str, period: Period, by: str = "composite_index", today: date | None = None) -> StatsResult:
    """Rankings of streets or grids over the period, with year-on-year (同比) and period-on-period (环比) change."""
    if level not in RANKING_LEVELS:
        raise ValueError(f"level must be street or grid, not {level!r}")
    result = area_statistics(level=level, period=period, today=today)
    year_ago = {a.area_id: a for a in area_statistics(level=level, period=period.year_ago(), today=today).areas}
    before = {a.area_id: a for a in area_statistics(level=level, period=period.previous(), today=today).areas}
    for area in result.areas:
        area.changes = {
            "year_on_year": _changes(area, year_ago.get(area.area_id)),
            "period_on_period": _changes(area, before.get(area.area_id)),
        }
    result.areas = rank_areas(result.areas, by)
    result.compared_with = {"year_on_year": period.year_ago().label, "period_on_period": period.previous().label}
    return result


RANKING_INVALID = "ranking_invalid"


def ranking_query(*, level: str | None, period: str | None, by: str | None, today: date | None = None) -> StatsResult:
    """Rankings from request parameters (API and web): ``DomainError`` naming the bad parameter otherwise."""
    level = level or "street"
    by = by or "composite_index"
    if level not in RANKING_LEVELS:
        raise DomainError(
            RANKING_INVALID,
            _("level must be street or grid, not %(value)r") % {"value": level},
            details={"field": "level"},
        )
    if by not in RANK_BY:
        raise DomainError(
            RANKING_INVALID,
            _("by must be one of %(choices)s, not %(value)r") % {"choices": ", ".join(RANK_BY), "value": by},
            details={"field": "by"},
        )
    today = today or local_day(timezone.now())
    chosen = parse_period(period) if period else default_period(today)
    return rankings(level=level, period=chosen, by=by, today=today)
