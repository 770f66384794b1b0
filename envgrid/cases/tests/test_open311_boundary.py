"""Open311 requests are for this district: a point far outside the grids is refused with the spec's error."""

import pytest
from django.test import Client

from envgrid.cases.models import Case
from envgrid.cases.tests.open311_fixtures import BASE, partner  # noqa: F401 — fixtures
from envgrid.core.choices import UnitKind
from envgrid.core.models import Unit
from envgrid.grids.choices import RegionLevel
from envgrid.grids.lookup import GridIndex, invalidate_index
from envgrid.grids.models import Region
from envgrid.grids.services import grid_create

pytestmark = pytest.mark.django_db

LON0, LAT0, SIDE = 113.6, 34.8, 0.01


def _square(lon: float, lat: float) -> dict:
    ring = [[lon, lat], [lon + SIDE, lat], [lon + SIDE, lat + SIDE], [lon, lat + SIDE], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def two_grids(db):
    invalidate_index()
    district = Region.objects.create(code="419901", name="测试区", level=RegionLevel.DISTRICT)
    street = Region.objects.create(code="419901001", name="测试街道", level=RegionLevel.STREET, parent=district)
    unit = Unit.objects.create(name="测试社区居委会", kind=UnitKind.COMMUNITY)
    community = Region.objects.create(
        code="419901001001", name="测试社区", level=RegionLevel.COMMUNITY, parent=street, unit=unit
    )
    yield [
        grid_create(
            actor=None, code=f"T-{i}", name=f"网格{i}", community=community, geometry=_square(LON0 + i * SIDE, LAT0)
        )
        for i in range(2)
    ]
    invalidate_index()


def _post(partner, lat, lon):
    return Client().post(
        f"{BASE}/requests.json",
        {
            "api_key": partner.api_key,
            "service_code": "industrial.emission",
            "lat": lat,
            "long": lon,
            "description": "冒烟",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_a_request_far_outside_the_district_is_refused_and_files_nothing(partner, two_grids):  # noqa: F811
    response = _post(partner, 10, 10)
    assert response.status_code == 400
    [error] = response.json()
    assert error["code"] == 400 and "outside the district" in error["description"]
    assert not Case.objects.exists()


def test_a_request_in_a_grid_or_just_beyond_the_last_one_is_filed(partner, two_grids):  # noqa: F811
    inside = _post(partner, LAT0 + SIDE / 2, LON0 + SIDE / 2)
    just_beyond = _post(partner, LAT0 + SIDE / 2, LON0 + 2 * SIDE + 0.005)  # about 500 m east of the last grid
    assert inside.status_code == 200, inside.content
    assert just_beyond.status_code == 200, just_beyond.content
    assert Case.objects.count() == 2


def test_without_grids_no_boundary_is_known_and_any_point_is_taken():
    index = GridIndex([])
    assert index.in_district(10, 10)


def test_the_district_is_the_hull_of_the_grids_with_a_margin():
    from shapely.geometry import shape

    index = GridIndex([(1, shape(_square(LON0, LAT0))), (2, shape(_square(LON0 + 5 * SIDE, LAT0)))])
    assert index.in_district(LON0 + 3 * SIDE, LAT0 + SIDE / 2)  # between two grids: inside the hull
    assert index.in_district(LON0 - 0.015, LAT0)  # within the margin
    assert not index.in_district(LON0 - 0.05, LAT0)  # beyond it
