"""The cases part of the demo district: its routing table (派遣规则), which unit leads which category of case.

Departments lead their families district-wide; every street/town government is the fallback for any
category in its own area, so the table covers every category in every grid. Straw burning is a
town's job, so it routes to the street/town government of the place.
"""

from __future__ import annotations

from envgrid.cases.models import CaseCategory, CaseSLA, RoutingRule
from envgrid.cases.seed import seed_categories
from envgrid.core.models import Unit
from envgrid.grids.choices import STREET_LEVELS
from envgrid.grids.models import Region

#: category code → (lead unit, co-units), district-wide.
DEMO_ROUTES: dict[str, tuple[str, tuple[str, ...]]] = {
    "industrial": ("生态环境分局", ()),
    "dust": ("住房和城乡建设局", ()),
    "dust.road": ("城市管理局", ()),
    "dust.muck_truck": ("城市管理局", ("交警大队",)),
    "dust.bare_soil": ("自然资源和规划分局", ()),
    "mobile": ("交通运输局", ()),
    "mobile.black_smoke": ("交警大队", ("生态环境分局",)),
    "coal": ("发展改革和统计局", ()),
    "coal.loose_coal": ("市场监督管理局", ()),
    "living": ("城市管理局", ()),
    "living.catering": ("城市管理局", ("市场监督管理局",)),
    "agricultural": ("农业农村局", ()),
    "river": ("水利局", ("河长制办公室",)),
    "city": ("城市管理局", ()),
    "safety": ("应急管理局", ()),
}
#: Categories handled by the street/town government of the place, whatever the family's rule says.
LOCAL_CATEGORIES = ("agricultural.straw",)


def create_demo_routing() -> int:
    """Write the routing table (and the default categories, if a test flush removed them); return the rule count."""
    seed_categories(CaseCategory, CaseSLA)
    units = {unit.name: unit for unit in Unit.objects.all()}
    categories = {c.code: c for c in CaseCategory.objects.all()}
    rules, co_links = [], []
    for code, (lead, co_units) in DEMO_ROUTES.items():
        if code in categories:
            rules.append(RoutingRule(category=categories[code], unit=units[lead]))
            co_links.append([units[name] for name in co_units])
    for street in Region.objects.filter(level__in=STREET_LEVELS, unit__isnull=False).select_related("unit"):
        rules.append(RoutingRule(category=None, region=street, unit=street.unit))
        co_links.append([])
        for code in LOCAL_CATEGORIES:
            if code in categories:
                rules.append(RoutingRule(category=categories[code], region=street, unit=street.unit))
                co_links.append([])
    created = RoutingRule.objects.bulk_create(rules)
    through = RoutingRule.co_units.through
    through.objects.bulk_create(
        [
            through(routingrule_id=rule.pk, unit_id=unit.pk)
            for rule, co in zip(created, co_links, strict=True)
            for unit in co
        ]
    )
    return len(created)


def reset() -> None:
    """Remove the routing table before an earlier demo load's units and regions are deleted."""
    RoutingRule.objects.all().delete()
