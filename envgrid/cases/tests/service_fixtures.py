"""Fixtures for the service, API and race tests: the small district with its routing table."""

import pytest

from envgrid.cases.models import CaseCategory
from envgrid.grids.models import Grid
from envgrid.testing import district_load, jpeg, role_users
from envgrid.testing import point_in as inside_point


@pytest.fixture
def district(db):
    district_load()


@pytest.fixture
def people(district):
    return role_users()


@pytest.fixture
def member_grid(people) -> Grid:
    return people["grid_member"].member_grids.get()


@pytest.fixture
def industrial(db) -> CaseCategory:
    return CaseCategory.objects.get(code="industrial.emission")


@pytest.fixture
def reported(people, member_grid, industrial):
    """A case a grid member reported from inside their grid, in a category the ecology bureau leads."""
    from envgrid.cases.services import case_report

    lon, lat = inside_point(member_grid)
    return case_report(
        reporter=people["grid_member"],
        title="厂区烟囱冒黄烟",
        category=industrial,
        description="下午三点起持续冒黄烟",
        lon=lon,
        lat=lat,
        files=[jpeg()],
    )
