"""Fixtures of the sources tests: the small district (units, regions, grids, demo accounts) with the
seeded source families, and small helpers to place objects in its grids."""

import datetime as dt

import pytest
from django.utils import translation

from envgrid.core.models import Unit
from envgrid.grids.lookup import invalidate_index
from envgrid.sources.models import SourceFamily
from envgrid.testing import district_load, point_in, role_users

__all__ = ["point_in"]  # the sources tests import it from here

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
    """The small district without the other apps' demo parts, so each test starts with no objects."""
    district_load()


@pytest.fixture
def users(demo) -> dict:
    return {name: user for name, user in role_users().items() if name in DEMO_USERS}


@pytest.fixture
def families(db) -> dict[str, SourceFamily]:
    return {f.code: f for f in SourceFamily.objects.all()}


@pytest.fixture
def ecology(demo) -> Unit:
    return Unit.objects.get(name=ECOLOGY)


@pytest.fixture
def housing(demo) -> Unit:
    return Unit.objects.get(name=HOUSING)
