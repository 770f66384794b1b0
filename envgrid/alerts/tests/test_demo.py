"""The demo district's alert rules: loaded with the demo, removed by its reset, admin rules kept."""

import pytest

from envgrid.alerts.demo import DEMO_RULE_NAMES, demo_rules_load, demo_rules_reset
from envgrid.alerts.models import Alert, AlertRule
from envgrid.alerts.tests.conftest import feed
from envgrid.core.hooks import hooks

pytestmark = pytest.mark.django_db


def test_the_demo_loads_its_rules_as_an_alerts_part(district):
    assert "alerts" in [part.name for part in hooks.demo]
    rules = {rule.name: rule for rule in AlertRule.objects.select_related("category", "lead_unit")}
    assert sorted(rules) == sorted(DEMO_RULE_NAMES)
    assert all(rule.is_active and rule.opens_case and rule.category.code == "other" for rule in rules.values())
    devices = [rule for rule in rules.values() if rule.lead_unit is not None]
    assert {rule.kind for rule in devices} == {"offline", "flatline"}
    assert {rule.lead_unit.name for rule in devices} == {"生态环境分局"}


def test_reset_removes_the_demo_rules_and_their_alerts_but_keeps_an_admins(district, make_rule, episode_station):
    mine = make_rule(name="管理员的规则")
    feed(episode_station, 0, [300] * 8)
    assert Alert.objects.filter(rule__name__in=DEMO_RULE_NAMES).exists()

    demo_rules_reset()

    assert list(AlertRule.objects.all()) == [mine]
    assert not Alert.objects.exclude(rule=mine).exists()
    assert demo_rules_load() == len(DEMO_RULE_NAMES)
