"""Fixtures and helpers shared by the monitoring page, API, upload and scope tests (no tests here): the demo
district with one account per role, and readings written for a station."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from envgrid.monitoring.choices import ReadingCommand
from envgrid.monitoring.models import Reading, Station
from envgrid.testing import district_load, role_users

ROLES = [
    "admin",
    "dispatcher",
    "unit_lead",
    "unit_staff",
    "grid_head",
    "grid_member",
    "river_chief",
    "taskforce_lead",
    "leader",
]
DISTRICT_WIDE = {"admin", "dispatcher", "leader", "taskforce_lead"}


@pytest.fixture
def district(db, request):
    """The small district; a test marked ``full_district`` gets the 200-grid one (20 micro-stations spread out)."""
    district_load(full=request.node.get_closest_marker("full_district") is not None)


@pytest.fixture
def people(district) -> dict:
    return role_users()


@pytest.fixture
def stations(district) -> list[Station]:
    return list(Station.objects.select_related("grid").order_by("mn"))


def write_readings(
    station: Station,
    *,
    start: datetime,
    count: int,
    step: timedelta = timedelta(minutes=1),
    cn: int = ReadingCommand.MINUTE,
    **values,
) -> list[Reading]:
    """``count`` readings of a station from ``start`` every ``step``, with the given column values (a value may
    be a callable of the index)."""
    now = timezone.now()
    rows = []
    for i in range(count):
        columns = {k: (v(i) if callable(v) else v) for k, v in values.items()}
        rows.append(Reading(station=station, cn=cn, data_time=start + i * step, received_at=now, **columns))
    return Reading.objects.bulk_create(rows)
