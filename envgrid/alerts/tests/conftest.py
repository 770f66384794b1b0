"""Fixtures of the alerts tests: stations, rules and a way to store minute readings and judge them."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from envgrid.alerts.choices import AlertKind, Factor
from envgrid.alerts.detection import alerts_evaluate
from envgrid.alerts.models import AlertRule
from envgrid.cases.models import CaseCategory
from envgrid.monitoring.hj212.packet import CHINA
from envgrid.monitoring.models import Reading, Station
from envgrid.monitoring.services import station_create
from envgrid.testing import district_load, role_users

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=CHINA)
DEMO_USERS = [
    "admin",
    "dispatcher",
    "unit_lead",
    "unit_staff",
    "grid_head",
    "grid_member",
    "river_chief",
    "leader",
    "taskforce_lead",
]
EPISODE_MN = "5A4A000000000000000B0001"  # the simulator's episode station, in grid 410199001001-06 (翠湖街道)


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def store(station: Station, first_minute: int, values, *, factor: str = "pm25", flags: dict | None = None, cn=2051):
    """Store one reading a minute from ``first_minute`` on (None: no reading that minute)."""
    now = timezone.now()
    rows = [
        Reading(
            station=station,
            cn=cn,
            data_time=at(first_minute + i),
            received_at=now,
            flags=flags or {},
            **{factor: value},
        )
        for i, value in enumerate(values)
        if value is not None
    ]
    Reading.objects.bulk_create(rows)
    return rows


def judge(*stations: Station, since_minute: float, **options):
    """Run the detection as the task does after a batch whose earliest data time is ``since_minute``."""
    return alerts_evaluate(since={s.pk: at(since_minute) for s in stations}, **options)


def feed(station: Station, first_minute: int, values, *, step: int = 1, **options):
    """Store and judge ``values`` in batches of ``step`` minutes, as the receiver would hand them over."""
    for offset in range(0, len(values), step):
        store(station, first_minute + offset, values[offset : offset + step], **options)
        judge(station, since_minute=first_minute + offset)


@pytest.fixture
def other(db) -> CaseCategory:
    return CaseCategory.objects.get(code="other")


@pytest.fixture
def station(db) -> Station:
    """A micro-station outside any grid."""
    return station_create(mn="010000A8900016F000169DC0", password="123456", name="测试微站", lon=116.4, lat=39.9)


@pytest.fixture
def make_rule(other):
    def make(**fields) -> AlertRule:
        values = {
            "name": "PM2.5 超标",
            "kind": AlertKind.THRESHOLD,
            "factor": Factor.PM25,
            "raise_level": 115,
            "clear_level": 75,
            "duration_minutes": 5,
            "clear_minutes": 10,
            "suppress_minutes": 60,
            "category": other,
            "opens_case": False,
        }
        values.update(fields)
        rule = AlertRule(**values)
        rule.full_clean()
        rule.save()
        return rule

    return make


@pytest.fixture
def district(db, request):
    """The small district with its routing table, stations and demo alert rules; a test marked
    ``full_district`` gets the whole demo (200 grids, every app's part), whose stations stand in grids of three
    named streets."""
    if request.node.get_closest_marker("full_district"):
        district_load(full=True, parts=None)
    else:
        district_load(parts=("alerts",))


@pytest.fixture
def quiet_district(district):
    """The demo district without its demo alert rules (each test makes its own)."""
    AlertRule.objects.all().delete()


@pytest.fixture
def people(district) -> dict:
    return {name: user for name, user in role_users().items() if name in DEMO_USERS}


@pytest.fixture
def episode_station(district) -> Station:
    return Station.objects.select_related("grid__street__unit").get(mn=EPISODE_MN)
