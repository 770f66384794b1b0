"""Fixtures and helpers shared by the monitoring page, API, upload and scope tests (no tests here): the demo
district with one account per role, and readings written for a station."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from envgrid.demo.loader import demo_load
from envgrid.monitoring.choices import ReadingCommand
from envgrid.monitoring.models import Reading, Station

ROLES = ["admin", "dispatcher", "unit_lead", "unit_staff", "grid_head", "grid_member", "river_chief",
         "taskforce_lead", "leader"]  # fmt: skip
DISTRICT_WIDE = {"admin", "dispatcher", "leader", "taskforce_lead"}


@pytest.fixture
def district(db):
    demo_load()


@pytest.fixture
def people(district) -> dict:
    users = get_user_model().objects.select_related("unit").filter(username__in=ROLES)
    return {u.username: u for u in users}


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
