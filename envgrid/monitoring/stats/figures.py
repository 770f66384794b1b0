"""What the statistics are made of: the levels and figures areas are ranked by, one statistic with its coverage
(``Figure``), an area's statistics (``AreaStats``) and a whole result (``StatsResult``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from envgrid.monitoring.periods import Period

LEVELS = ("station", "grid", "community", "street", "district")
RANKING_LEVELS = ("street", "grid")
RANK_BY = ("composite_index", "pm25", "good_ratio")


@dataclass
class Figure:
    """One statistic with the days behind it (coverage: ``days`` valid of ``expected``)."""

    value: float | None
    days: int
    expected: int

    def as_dict(self) -> dict:
        return {"value": self.value, "coverage": {"observed": self.days, "expected": self.expected}}


@dataclass
class AreaStats:
    """The statistics of one area over one period."""

    level: str
    area_id: int
    code: str
    name: str
    stations: int
    expected_days: int
    required_days: int
    valid_days: int = 0
    good_days: int = 0
    figures: dict[str, Figure] = field(default_factory=dict)
    composite_index: float | None = None
    ranked: bool = False
    reason: str = ""
    rank: int | None = None
    changes: dict[str, dict] = field(default_factory=dict)

    @property
    def good_ratio(self) -> float | None:
        if not self.valid_days:
            return None
        return round(self.good_days * 100 / self.valid_days, 1)

    def value(self, name: str) -> float | None:
        if name == "composite_index":
            return self.composite_index
        if name == "good_ratio":
            return self.good_ratio
        figure = self.figures.get(name)
        return figure.value if figure else None

    def as_dict(self) -> dict:
        return {
            "level": self.level,
            "id": self.area_id,
            "code": self.code,
            "name": self.name,
            "rank": self.rank,
            "ranked": self.ranked,
            "reason": self.reason,
            "stations": self.stations,
            "valid_days": self.valid_days,
            "good_days": self.good_days,
            "expected_days": self.expected_days,
            "required_days": self.required_days,
            "good_ratio": {
                "value": self.good_ratio,
                "coverage": {"observed": self.valid_days, "expected": self.expected_days},
            },
            "composite_index": {
                "value": self.composite_index,
                "coverage": {"observed": self.valid_days, "expected": self.expected_days},
            },
            **{name: figure.as_dict() for name, figure in self.figures.items()},
            "changes": self.changes,
        }


@dataclass
class StatsResult:
    """Statistics of areas over a period, with the standards applied and any note about them."""

    level: str
    period: Period
    expected_days: int
    areas: list[AreaStats]
    standards: dict[str, list[str]]
    spans_standard_change: bool
    notes: list[str]
    compared_with: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "level": self.level,
            "period": {
                "label": self.period.label,
                "kind": self.period.kind,
                "start": self.period.start.isoformat(),
                "end": self.period.last_day.isoformat(),
                "expected_days": self.expected_days,
            },
            "standards": self.standards,
            "spans_standard_change": self.spans_standard_change,
            "notes": self.notes,
            "compared_with": self.compared_with,
            "results": [area.as_dict() for area in self.areas],
        }


# --- building blocks ----------------------------------------------------------------------------------------
