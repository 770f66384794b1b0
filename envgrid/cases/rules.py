"""Writes of the district's case rules: deadline rules (处置时限) and the routing table (派遣规则).

Both decide, for every new case, who leads it and by when; each change is audited with the changed
fields before and after. The rules are read by ``envgrid.cases.routing``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from envgrid.cases.choices import DeadlineUnit
from envgrid.cases.models import CaseCategory, CaseSLA, RoutingRule
from envgrid.core.models import Unit
from envgrid.core.services import assign_fields, audit_changes, audit_record, snapshot
from envgrid.grids.models import Grid, Region

SLA_FIELDS = ["category", "severity", "amount", "unit", "escalate_after_hours"]
ROUTING_FIELDS = ["category", "region", "grid", "unit"]
ROUTING_RELATIONS = ("co_units",)


# --- deadline rules ------------------------------------------------------------------------------


@transaction.atomic
def case_sla_create(
    *,
    actor,
    amount: int,
    unit: str = DeadlineUnit.HOURS,
    category: CaseCategory | None = None,
    severity: str = "",
    escalate_after_hours: int = 24,
) -> CaseSLA:
    """Add a deadline rule for a category (or any) and a severity (or any)."""
    rule = CaseSLA(
        category=category, severity=severity, amount=amount, unit=unit, escalate_after_hours=escalate_after_hours
    )
    rule.full_clean()
    rule.save()
    audit_record(actor=actor, action="case_sla.create", obj=rule, after=snapshot(rule, fields=SLA_FIELDS))
    return rule


@transaction.atomic
def case_sla_update(*, actor, rule: CaseSLA, **changes: Any) -> CaseSLA:
    """Change a deadline rule: its category, severity, time allowed, time unit or escalation."""
    rule = CaseSLA.objects.select_for_update().get(pk=rule.pk)
    before = snapshot(rule, fields=SLA_FIELDS)
    assign_fields(rule, changes, allowed=frozenset(SLA_FIELDS))
    rule.full_clean()
    rule.save()
    audit_changes(
        actor=actor, action="case_sla.update", obj=rule, before=before, after=snapshot(rule, fields=SLA_FIELDS)
    )
    return rule


@transaction.atomic
def case_sla_delete(*, actor, rule: CaseSLA) -> None:
    """Remove a deadline rule: its cases fall back to the next most specific rule."""
    rule = CaseSLA.objects.select_for_update().get(pk=rule.pk)
    audit_record(actor=actor, action="case_sla.delete", obj=rule, before=snapshot(rule, fields=SLA_FIELDS))
    rule.delete()


# --- routing rules -------------------------------------------------------------------------------


def _routing_state(rule: RoutingRule) -> dict[str, Any]:
    state = snapshot(rule, fields=ROUTING_FIELDS)
    state["co_units"] = sorted(rule.co_units.values_list("pk", flat=True))
    return state


@transaction.atomic
def routing_rule_create(
    *,
    actor,
    unit: Unit,
    category: CaseCategory | None = None,
    region: Region | None = None,
    grid: Grid | None = None,
    co_units: Iterable[Unit] = (),
) -> RoutingRule:
    """Add a routing rule: ``unit`` leads cases of ``category`` (or any) in ``grid``, ``region`` or the district."""
    rule = RoutingRule(unit=unit, category=category, region=region, grid=grid)
    rule.full_clean()
    rule.save()
    rule.co_units.set(co_units)
    audit_record(actor=actor, action="routing_rule.create", obj=rule, after=_routing_state(rule))
    return rule


@transaction.atomic
def routing_rule_update(*, actor, rule: RoutingRule, **changes: Any) -> RoutingRule:
    """Change a routing rule: its category, place, lead unit or co-units."""
    rule = RoutingRule.objects.select_for_update().get(pk=rule.pk)
    before = _routing_state(rule)
    relations = assign_fields(
        rule, changes, allowed=frozenset([*ROUTING_FIELDS, *ROUTING_RELATIONS]), m2m=ROUTING_RELATIONS
    )
    rule.full_clean()
    rule.save()
    if "co_units" in relations:
        rule.co_units.set(relations["co_units"])
    audit_changes(actor=actor, action="routing_rule.update", obj=rule, before=before, after=_routing_state(rule))
    return rule


@transaction.atomic
def routing_rule_delete(*, actor, rule: RoutingRule) -> None:
    """Remove a routing rule: its cases are routed by the next most specific rule."""
    rule = RoutingRule.objects.select_for_update().get(pk=rule.pk)
    audit_record(actor=actor, action="routing_rule.delete", obj=rule, before=_routing_state(rule))
    rule.delete()
