"""Writes of the district's case rules: the category tree, deadline rules (处置时限), the routing table
(派遣规则) and the duplicate-check settings.

They decide, for every new case, what it is, who leads it and by when; each change is audited with the
changed fields before and after. The rules are read by ``envgrid.cases.routing``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from envgrid.cases.choices import DeadlineUnit
from envgrid.cases.models import CaseCategory, CaseSettings, CaseSLA, RoutingRule
from envgrid.core.models import Unit
from envgrid.core.services import audited_create, audited_delete, audited_update
from envgrid.grids.models import Grid, Region

CATEGORY_FIELDS = ["code", "name", "parent", "description", "is_active", "sort_order"]
SETTINGS_FIELDS = ["duplicate_radius_m", "duplicate_window_hours"]
SLA_FIELDS = ["category", "severity", "amount", "unit", "escalate_after_hours"]
ROUTING_FIELDS = ["category", "region", "grid", "unit", "co_units"]


# --- categories --------------------------------------------------------------------------------


@transaction.atomic
def case_category_create(
    *,
    actor,
    code: str,
    name: str,
    parent: CaseCategory | None = None,
    description: str = "",
    is_active: bool = True,
    sort_order: int = 0,
) -> CaseCategory:
    """Add a kind of problem to the category tree, under ``parent``."""
    category = CaseCategory(
        code=code, name=name, parent=parent, description=description, is_active=is_active, sort_order=sort_order
    )
    return audited_create(category, actor=actor, action="case_category.create", fields=CATEGORY_FIELDS)


@transaction.atomic
def case_category_update(*, actor, category: CaseCategory, **changes: Any) -> CaseCategory:
    """Rename, move or reorder a category, or switch it off (``is_active=False``)."""
    return audited_update(category, changes, actor=actor, action="case_category.update", fields=CATEGORY_FIELDS)


@transaction.atomic
def case_category_delete(*, actor, category: CaseCategory) -> None:
    """Delete a category no case and no child category uses (those protect it: ProtectedError)."""
    audited_delete(category, actor=actor, action="case_category.delete", fields=CATEGORY_FIELDS)


# --- duplicate-check settings --------------------------------------------------------------------


@transaction.atomic
def case_settings_create(*, actor, duplicate_radius_m: int = 200, duplicate_window_hours: int = 72) -> CaseSettings:
    """Store the district's case settings (the first row is the one in force)."""
    settings = CaseSettings(duplicate_radius_m=duplicate_radius_m, duplicate_window_hours=duplicate_window_hours)
    return audited_create(settings, actor=actor, action="case_settings.create", fields=SETTINGS_FIELDS)


@transaction.atomic
def case_settings_update(*, actor, settings: CaseSettings, **changes: Any) -> CaseSettings:
    """Change how near and how recent an open case must be to be shown as a possible duplicate."""
    return audited_update(settings, changes, actor=actor, action="case_settings.update", fields=SETTINGS_FIELDS)


@transaction.atomic
def case_settings_delete(*, actor, settings: CaseSettings) -> None:
    """Delete a settings row (without one, the defaults are in force)."""
    audited_delete(settings, actor=actor, action="case_settings.delete", fields=SETTINGS_FIELDS)


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
    return audited_create(rule, actor=actor, action="case_sla.create", fields=SLA_FIELDS)


@transaction.atomic
def case_sla_update(*, actor, rule: CaseSLA, **changes: Any) -> CaseSLA:
    """Change a deadline rule: its category, severity, time allowed, time unit or escalation."""
    return audited_update(rule, changes, actor=actor, action="case_sla.update", fields=SLA_FIELDS)


@transaction.atomic
def case_sla_delete(*, actor, rule: CaseSLA) -> None:
    """Remove a deadline rule: its cases fall back to the next most specific rule."""
    audited_delete(rule, actor=actor, action="case_sla.delete", fields=SLA_FIELDS)


# --- routing rules -------------------------------------------------------------------------------


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
    return audited_create(rule, actor=actor, action="routing_rule.create", fields=ROUTING_FIELDS, co_units=co_units)


@transaction.atomic
def routing_rule_update(*, actor, rule: RoutingRule, **changes: Any) -> RoutingRule:
    """Change a routing rule: its category, place, lead unit or co-units."""
    return audited_update(rule, changes, actor=actor, action="routing_rule.update", fields=ROUTING_FIELDS)


@transaction.atomic
def routing_rule_delete(*, actor, rule: RoutingRule) -> None:
    """Remove a routing rule: its cases are routed by the next most specific rule."""
    audited_delete(rule, actor=actor, action="routing_rule.delete", fields=ROUTING_FIELDS)
