"""Fixtures of the grids tests: a small region tree (district → street → two communities), an
administrator, and square grids around lon 113.6, lat 34.8 (Zhengzhou)."""

import pytest
from django.utils import translation

from envgrid.core.choices import Role, UnitKind
from envgrid.core.models import Unit, User
from envgrid.grids.choices import RegionLevel
from envgrid.grids.lookup import invalidate_index
from envgrid.grids.models import Region

#: South-west corner of the test grids and the side of one square grid, in degrees.
LON0, LAT0, SIDE = 113.6, 34.8, 0.01


def square_geojson(lon: float, lat: float, side: float = SIDE) -> dict:
    """A GeoJSON square with its south-west corner at (lon, lat)."""
    ring = [[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture(autouse=True)
def _english_and_fresh_index():
    """Messages in English whatever LANGUAGE_CODE says, and no grid index left over from another test."""
    invalidate_index()
    with translation.override("en"):
        yield
    invalidate_index()


@pytest.fixture
def square():
    return square_geojson


@pytest.fixture
def district(db):
    unit = Unit.objects.create(name="金水区人民政府", kind=UnitKind.OTHER)
    return Region.objects.create(code="410105", name="金水区", level=RegionLevel.DISTRICT, unit=unit)


@pytest.fixture
def street(district):
    unit = Unit.objects.create(name="经八路街道办事处", kind=UnitKind.STREET)
    return Region.objects.create(
        code="410105001", name="经八路街道", level=RegionLevel.STREET, parent=district, unit=unit
    )


@pytest.fixture
def community(street):
    unit = Unit.objects.create(name="红旗社区居委会", kind=UnitKind.COMMUNITY)
    return Region.objects.create(
        code="410105001001", name="红旗社区", level=RegionLevel.COMMUNITY, parent=street, unit=unit
    )


@pytest.fixture
def other_community(street):
    return Region.objects.create(code="410105001002", name="黄河社区", level=RegionLevel.COMMUNITY, parent=street)


@pytest.fixture
def admin_user(db):
    unit = Unit.objects.create(name="生态环境分局", kind=UnitKind.DEPARTMENT)
    return User.objects.create_user(username="grid-admin", display_name="网格管理员", role=Role.ADMIN, unit=unit)


@pytest.fixture
def grid_head(db):
    return User.objects.create_user(username="head1", display_name="张网格长", role=Role.GRID_HEAD)


@pytest.fixture
def three_grids(admin_user, community, other_community):
    """G-001, G-002, G-003: three squares side by side from west to east, sharing edges."""
    from envgrid.grids.services import grid_create

    return [
        grid_create(
            actor=admin_user,
            code=f"G-00{i + 1}",
            name=f"网格{i + 1}",
            community=community if i < 2 else other_community,
            geometry=square_geojson(LON0 + i * SIDE, LAT0),
        )
        for i in range(3)
    ]
