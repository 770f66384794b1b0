"""Fixtures of the patrols tests: the demo district (units, grids, one account per role) without the other
apps' demo parts, the default checklists, and helpers to place supervised objects with an owner (分包)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from envgrid.cases.models import CaseCategory
from envgrid.core.choices import Role, UnitKind
from envgrid.core.models import Unit
from envgrid.grids.lookup import invalidate_index
from envgrid.grids.models import Grid
from envgrid.patrols.models import Checklist, ChecklistItem
from envgrid.patrols.night import BEIJING
from envgrid.patrols.seed import seed_checklists
from envgrid.sources.models import Responsibility, SourceFamily, SupervisedObject
from envgrid.sources.seed import seed_families
from envgrid.testing import ROLE_USERNAMES, district_load, jpeg, jpeg_bytes, point_in, role_users

__all__ = ["jpeg", "jpeg_bytes", "point_in"]  # the patrols tests import them from here
ROLES = list(ROLE_USERNAMES)
ECOLOGY = "生态环境分局"
HOUSING = "住房和城乡建设局"
FAMILY_OF_KIND = {
    "enterprise": "industrial",
    "construction_site": "construction",
    "road": "road",
    "fuel_point": "fuel_coal",
    "catering": "living",
    "farmland": "agriculture",
    "other": "industrial",
}


@pytest.fixture(autouse=True)
def _fresh_grid_index():
    invalidate_index()
    yield
    invalidate_index()


def load_bare_district(*, keep: tuple[str, ...] = ()) -> None:
    """The small district without other apps' demo parts (each test makes its own objects)."""
    district_load(parts=keep)
    # A transactional test's flush removes what data migrations wrote: put the families and checklists back.
    seed_families(SourceFamily)
    seed_checklists(Checklist, ChecklistItem, CaseCategory)


@pytest.fixture
def district(db):
    load_bare_district()


@pytest.fixture
def people(district) -> dict:
    found = role_users()
    found["housing_staff"] = get_user_model().objects.create_user(
        username="housing_staff",
        password="x",
        display_name="住建局职员",
        role=Role.UNIT_STAFF,
        unit=Unit.objects.get(name=HOUSING),
    )
    return found


@pytest.fixture
def bureau(people) -> Unit:
    """The ecology bureau: unit_lead and unit_staff work there."""
    return people["unit_staff"].unit


@pytest.fixture
def housing(people) -> Unit:
    return Unit.objects.get(name=HOUSING)


@pytest.fixture
def street_unit(people) -> Unit:
    """The river chief's street/town government."""
    unit = people["river_chief"].unit
    assert unit.kind == UnitKind.STREET
    return unit


@pytest.fixture
def street_grid(street_unit) -> Grid:
    """A grid of the river chief's street that is not the grid member's."""
    return Grid.objects.filter(street__unit=street_unit).order_by("-code").first()


@pytest.fixture
def member_grid(people) -> Grid:
    return people["grid_member"].member_grids.get()


@pytest.fixture
def make_object(people):
    """``make_object(grid, owner=unit, kind=…, name=…)``: a supervised object with a current lead 分包."""
    counter = iter(range(1, 10_000))

    def make(grid: Grid, *, owner: Unit | None = None, kind: str = "enterprise", name: str = "", support=()):
        n = next(counter)
        lon, lat = point_in(grid)
        obj = SupervisedObject.objects.create(
            family=SourceFamily.objects.get(code=FAMILY_OF_KIND[kind]),
            kind=kind,
            name=name or f"测试对象{n}",
            code=f"T{n:05d}",
            address=f"测试路{n}号",
            lon=lon,
            lat=lat,
            grid=grid,
            street=grid.street,
        )
        for unit, role in [(owner, "lead"), *((u, "support") for u in support)]:
            if unit is None:
                continue
            person = get_user_model().objects.filter(unit=unit).first() or people["admin"]
            Responsibility.objects.create(
                supervised_object=obj, unit=unit, person=person, role=role, valid_from=dt.date(2025, 1, 1)
            )
        return obj

    return make


def beijing_time(days_ago: int, hour: int, minute: int = 0) -> dt.datetime:
    """An aware moment ``days_ago`` days before today at hh:mm Beijing time."""
    day = timezone.now().astimezone(BEIJING).date() - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BEIJING)


def all_pass(checklist: Checklist) -> dict[int, str]:
    return {item.pk: "pass" for item in checklist.items.all()}
