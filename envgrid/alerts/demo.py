"""The demo district's alert rules, tuned so that the simulator's pollution episodes (``hj212 simulate
--episode``: one station's PM up to five times its usual level) open a case in ``make run``, while ordinary
days — the diurnal peaks and the noise of every station — do not.

Pollution rules use the category “其他” (other): the demo routing table has no department for it, so the
case goes to the street/town government governing the station's grid (属地). Device rules (offline,
flat-line) go to the ecology bureau, which runs the stations.
"""

from __future__ import annotations

from envgrid.alerts.choices import AlertKind, Factor, HotMeasure
from envgrid.alerts.models import Alert, AlertRule
from envgrid.cases.choices import Severity
from envgrid.cases.models import CaseCategory
from envgrid.core.models import Unit

DEVICE_UNIT = "生态环境分局"

DEMO_RULES = [
    {
        "name": "PM2.5 超标（分钟值 ≥115）",
        "kind": AlertKind.THRESHOLD,
        "factor": Factor.PM25,
        "raise_level": 115,
        "clear_level": 90,
        "duration_minutes": 5,
        "clear_minutes": 10,
        "severity": Severity.URGENT,
    },
    {
        "name": "PM10 超标（分钟值 ≥250）",
        "kind": AlertKind.THRESHOLD,
        "factor": Factor.PM10,
        "raise_level": 250,
        "clear_level": 150,
        "duration_minutes": 5,
        "clear_minutes": 10,
        "severity": Severity.URGENT,
    },
    {
        "name": "PM2.5 高值热点（周边中位数 2 倍以上）",
        "kind": AlertKind.HOT_GRID,
        "factor": Factor.PM25,
        "hot_measure": HotMeasure.RATIO,
        "raise_level": 2.0,
        "clear_level": 1.5,
        "min_delta": 35,
        "radius_m": 4000,
        "min_neighbours": 2,
        "duration_minutes": 5,
        "clear_minutes": 10,
    },
    {
        "name": "PM2.5 持续上升（30 分钟升 60 以上）",
        "kind": AlertKind.RISE,
        "factor": Factor.PM25,
        "raise_level": 60,
        "clear_level": 20,
        "window_minutes": 30,
        "duration_minutes": 5,
        "clear_minutes": 5,
    },
    {
        "name": "设备离线（15 分钟无数据）",
        "kind": AlertKind.OFFLINE,
        "raise_level": 15,
        "device": True,
    },
    {
        "name": "PM2.5 数据恒值（连续 30 条）",
        "kind": AlertKind.FLATLINE,
        "factor": Factor.PM25,
        "raise_level": 30,
        "clear_level": 2,
        "device": True,
    },
]
DEMO_RULE_NAMES = [rule["name"] for rule in DEMO_RULES]


def demo_rules_load() -> int:
    """Write the demo alert rules (replacing earlier ones of the same names); return how many."""
    demo_rules_reset()
    other = CaseCategory.objects.get(code="other")
    device_unit = Unit.objects.filter(name=DEVICE_UNIT).first()
    rules = []
    for spec in DEMO_RULES:
        fields = {key: value for key, value in spec.items() if key != "device"}
        rule = AlertRule(category=other, lead_unit=device_unit if spec.get("device") else None, **fields)
        rule.full_clean()
        rules.append(rule)
    AlertRule.objects.bulk_create(rules)
    return len(rules)


def demo_rules_reset() -> None:
    """Remove the demo rules and their alerts (rules an administrator added stay)."""
    Alert.objects.filter(rule__name__in=DEMO_RULE_NAMES).delete()
    AlertRule.objects.filter(name__in=DEMO_RULE_NAMES).delete()
