"""Writes of the emergency app's district setup: its settings (spot checks per warning level, who keeps
duty) and the duty shifts (班次). Each change is audited with the changed fields before and after."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from envgrid.core.services import audited_create, audited_delete, audited_update
from envgrid.emergency.models import DutyShift, EmergencySettings

SETTINGS_FIELDS = [
    "checks_per_day_yellow",
    "checks_per_day_orange",
    "checks_per_day_red",
    "min_window_minutes",
    "duty_unit_kinds",
]
SHIFT_FIELDS = ["code", "name", "start_time", "end_time", "sort_order", "is_active"]


@transaction.atomic
def emergency_settings_create(*, actor, **values: Any) -> EmergencySettings:
    """Store the district's emergency settings (the first row is the one in force); fields left out keep
    their defaults."""
    settings = EmergencySettings(**values)
    return audited_create(settings, actor=actor, action="emergency_settings.create", fields=SETTINGS_FIELDS)


@transaction.atomic
def emergency_settings_update(*, actor, settings: EmergencySettings, **changes: Any) -> EmergencySettings:
    """Change the spot checks per day of a warning level, the shortest check window or who keeps duty."""
    return audited_update(settings, changes, actor=actor, action="emergency_settings.update", fields=SETTINGS_FIELDS)


@transaction.atomic
def emergency_settings_delete(*, actor, settings: EmergencySettings) -> None:
    """Delete a settings row (without one, the defaults are in force)."""
    audited_delete(settings, actor=actor, action="emergency_settings.delete", fields=SETTINGS_FIELDS)


@transaction.atomic
def duty_shift_create(*, actor, **values: Any) -> DutyShift:
    """Add a duty shift with its local start and end (an end at or before the start runs into the next day)."""
    return audited_create(DutyShift(**values), actor=actor, action="duty_shift.create", fields=SHIFT_FIELDS)


@transaction.atomic
def duty_shift_update(*, actor, shift: DutyShift, **changes: Any) -> DutyShift:
    """Rename, retime or reorder a duty shift, or switch it off (``is_active=False``)."""
    return audited_update(shift, changes, actor=actor, action="duty_shift.update", fields=SHIFT_FIELDS)


@transaction.atomic
def duty_shift_delete(*, actor, shift: DutyShift) -> None:
    """Delete a duty shift no roster entry uses (those protect it)."""
    audited_delete(shift, actor=actor, action="duty_shift.delete", fields=SHIFT_FIELDS)
