"""Writes of the inspection settings (night window, late entry, dispatching findings, nearby radius), audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from envgrid.core.services import audited_create, audited_delete, audited_update
from envgrid.patrols.models import PatrolSettings

SETTINGS_FIELDS = ["night_start", "night_end", "late_entry_hours", "dispatch_findings", "nearby_radius_m"]


@transaction.atomic
def patrol_settings_create(*, actor, **values: Any) -> PatrolSettings:
    """Store the district's inspection settings (the first row is the one in force); fields left out keep
    their defaults."""
    settings = PatrolSettings(**values)
    return audited_create(settings, actor=actor, action="patrol_settings.create", fields=SETTINGS_FIELDS)


@transaction.atomic
def patrol_settings_update(*, actor, settings: PatrolSettings, **changes: Any) -> PatrolSettings:
    """Change the night window, when a record counts as entered late, dispatching or the nearby radius."""
    return audited_update(settings, changes, actor=actor, action="patrol_settings.update", fields=SETTINGS_FIELDS)


@transaction.atomic
def patrol_settings_delete(*, actor, settings: PatrolSettings) -> None:
    """Delete a settings row (without one, the defaults are in force)."""
    audited_delete(settings, actor=actor, action="patrol_settings.delete", fields=SETTINGS_FIELDS)
