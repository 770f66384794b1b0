"""Fixtures of the sources tests: the demo district (units, regions, grids, demo accounts) with the
seeded source families, and small helpers to place objects in its grids."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from shapely.geometry import shape

from envgrid.core.models import Unit
from envgrid.demo.loader import demo_load
from envgrid.grids.lookup import invalidate_index
from envgrid.grids.models import Grid
from envgrid.sources.models import SourceFamily

ECOLOGY = "生态环境分局"
HOUSING = "住房和城乡建设局"
DEMO_USERS = ["admin", "dispatcher", "unit_lead", "unit_staff", "grid_head", "grid_member", "river_chief", "leader"]
DAY = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _english_and_fresh_index():
    invalidate_index()
    with translation.override("en"):
        yield
    invalidate_index()


@pytest.fixture
def demo(db):
    """The demo district without the sources demo part, so each test starts with no objects."""
    from envgrid.core.hooks import hooks

    saved = list(hooks.demo)
    hooks.demo[:] = [part for part in saved if part.name != "sources"]
    try:
        demo_load()
    finally:
        hooks.demo[:] = saved
    invalidate_index()


@pytest.fixture
def users(demo) -> dict:
    User = get_user_model()
    return {u.username: u for u in User.objects.select_related("unit").filter(username__in=DEMO_USERS)}


@pytest.fixture
def families(db) -> dict[str, SourceFamily]:
    return {f.code: f for f in SourceFamily.objects.all()}


@pytest.fixture
def ecology(demo) -> Unit:
    return Unit.objects.get(name=ECOLOGY)


@pytest.fixture
def housing(demo) -> Unit:
    return Unit.objects.get(name=HOUSING)


def point_in(grid: Grid) -> tuple[float, float]:
    point = shape(grid.geometry).representative_point()
    return point.x, point.y
