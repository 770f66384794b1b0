"""Writes of the region tree (district, streets, communities) and the unit that governs each area.

A region's governing unit is part of who sees what, so each change is audited with the changed fields
before and after.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from envgrid.core.models import Unit
from envgrid.core.services import audited_create, audited_delete, audited_update
from envgrid.grids.models import Region

REGION_FIELDS = ["code", "name", "level", "parent", "unit", "sort_order"]


@transaction.atomic
def region_create(
    *,
    actor,
    code: str,
    name: str,
    level: str,
    parent: Region | None = None,
    unit: Unit | None = None,
    sort_order: int = 0,
) -> Region:
    """Add an area to the region tree under ``parent``, governed by ``unit``."""
    region = Region(code=code, name=name, level=level, parent=parent, unit=unit, sort_order=sort_order)
    return audited_create(region, actor=actor, action="region.create", fields=REGION_FIELDS)


@transaction.atomic
def region_update(*, actor, region: Region, **changes: Any) -> Region:
    """Rename, move or reorder an area, or give it another governing unit."""
    return audited_update(region, changes, actor=actor, action="region.update", fields=REGION_FIELDS)


@transaction.atomic
def region_delete(*, actor, region: Region) -> None:
    """Delete an area no other area and no grid belongs to (those protect it: ProtectedError)."""
    audited_delete(region, actor=actor, action="region.delete", fields=REGION_FIELDS)
