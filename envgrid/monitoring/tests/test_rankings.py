"""Rankings API and web page on the demo district: every signed-in role reads them, anonymous is refused, bad
parameters are named, the export holds the same rows, query counts stay flat."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook
from rest_framework.test import APIClient

from envgrid.core.choices import Role
from envgrid.core.tests.factories import UserFactory
from envgrid.grids.choices import RegionLevel
from envgrid.grids.lookup import invalidate_index
from envgrid.grids.models import Region
from envgrid.grids.services import grid_create
from envgrid.monitoring.models import DailyRollup, Station
from envgrid.monitoring.rollups import VALID_BITS
from envgrid.testing import district_load

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
ALL_VALID = sum(VALID_BITS.values())
PERIOD = "2026-10"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def demo_month(db):
    """The small district with a month of valid daily rollups; station n has PM2.5 20 + 5n (two share values)."""
    district_load()
    stations = list(Station.objects.filter(grid__isnull=False).order_by("mn"))
    rows = []
    for n, station in enumerate(stations):
        pm25 = 20.0 + 5 * min(n, 10)
        for d in range(31):
            rows.append(
                DailyRollup(
                    station=station,
                    day=date(2026, 10, 1) + timedelta(days=d),
                    valid=True,
                    valid_mask=ALL_VALID,
                    pm25=pm25,
                    pm10=60.0,
                    so2=8.0,
                    no2=30.0,
                    co=0.8,
                    o3_8h=120.0,
                    o3_1h_max=150.0,
                )
            )
    DailyRollup.objects.bulk_create(rows)
    yield stations
    invalidate_index()


@pytest.fixture
def small_month(db):
    """Two streets, four grids with a station each (PM2.5 30, 40, 40, 50) and one without, a month of valid days,
    and a leader."""
    district = Region.objects.create(code="410105", name="金水区", level=RegionLevel.DISTRICT)
    stations = []
    for i in range(5):
        if i % 2 == 0:
            street = Region.objects.create(code=f"S{i}", name=f"街道{i}", level=RegionLevel.STREET, parent=district)
            community = Region.objects.create(code=f"C{i}", name=f"社区{i}", level=RegionLevel.COMMUNITY, parent=street)
        grid = grid_create(
            actor=None, code=f"G{i}", name=f"网格{i}", community=community, geometry=square(113 + i / 10)
        )
        if i < 4:
            stations.append(
                Station.objects.create(mn=f"M{i:023d}", password="1", name=f"s{i}", lon=0, lat=0, grid=grid)
            )
    for station, pm25 in zip(stations, (30.0, 40.0, 40.0, 50.0), strict=True):
        DailyRollup.objects.bulk_create(
            DailyRollup(
                station=station,
                day=date(2026, 10, 1) + timedelta(days=d),
                valid=True,
                valid_mask=ALL_VALID,
                pm25=pm25,
                pm10=60.0,
                so2=8.0,
                no2=30.0,
                co=0.8,
                o3_8h=120.0,
                o3_1h_max=150.0,
            )
            for d in range(31)
        )
    UserFactory(username="leader", role=Role.LEADER)
    return stations


def square(lon, lat=34.8, side=0.01):
    ring = [[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def api_as(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username=username))
    return client


def test_every_demo_role_reads_the_same_rankings(demo_month):
    bodies = {}
    for role in ROLES:
        response = api_as(role).get("/api/v1/rankings/", {"level": "grid", "period": PERIOD})
        assert response.status_code == 200, role
        bodies[role] = response.json()

    body = bodies["leader"]
    assert all(other == body for other in bodies.values())
    assert body["period"] == {
        "label": PERIOD,
        "kind": "month",
        "start": "2026-10-01",
        "end": "2026-10-31",
        "expected_days": 31,
    }
    ranked = [r for r in body["results"] if r["ranked"]]
    assert len(ranked) == len({s.grid_id for s in demo_month})
    assert ranked[0]["rank"] == 1 and ranked[0]["pm25"]["coverage"] == {"observed": 31, "expected": 31}


def test_anonymous_is_refused_by_the_api_and_sent_to_sign_in_by_the_page(small_month):
    assert APIClient().get("/api/v1/rankings/", {"period": PERIOD}).status_code in (401, 403)
    response = Client().get("/monitoring/rankings/", {"period": PERIOD})
    assert response.status_code == 302 and "login" in response["Location"]
    assert Client().get("/monitoring/rankings/export/", {"period": PERIOD}).status_code == 302


def test_grid_ranking_ranks_ties_equal_and_lists_grids_without_data_unranked(small_month):
    body = api_as("leader").get("/api/v1/rankings/", {"level": "grid", "period": PERIOD, "by": "pm25"}).json()

    assert [(r["name"], r["rank"]) for r in body["results"]] == [("网格0", 1), ("网格1", 2), ("网格2", 2), ("网格3", 4)]
    streets = (
        api_as("leader")
        .get("/api/v1/rankings/", {"level": "street", "period": PERIOD}, HTTP_ACCEPT_LANGUAGE="en")
        .json()
    )
    assert [(r["name"], r["rank"], r["reason"]) for r in streets["results"]] == [
        ("街道0", 1, ""),
        ("街道2", 2, ""),
        ("街道4", None, "no monitoring station"),
    ]


def test_street_ranking_ranks_ties_equal(demo_month):
    body = api_as("leader").get("/api/v1/rankings/", {"level": "street", "period": PERIOD}).json()

    ranked = [r for r in body["results"] if r["ranked"]]
    ranks = [r["rank"] for r in ranked]
    indexes = [r["composite_index"]["value"] for r in ranked]
    assert indexes == sorted(indexes)
    for i in range(1, len(ranked)):  # competition ranking: equal index, equal rank; otherwise the position
        assert ranks[i] == (ranks[i - 1] if indexes[i] == indexes[i - 1] else i + 1)
    unranked = [r for r in body["results"] if not r["ranked"]]
    assert all(r["rank"] is None and r["reason"] for r in unranked)


def test_bad_level_by_and_period_are_named(small_month):
    client = api_as("leader")

    level = client.get("/api/v1/rankings/", {"level": "country"})
    by = client.get("/api/v1/rankings/", {"by": "wind"})
    period = client.get("/api/v1/rankings/", {"period": "2026-13"})

    assert (level.status_code, level.json()["code"], level.json()["details"]) == (
        400,
        "ranking_invalid",
        {"field": "level"},
    )  # noqa: E501
    assert (by.status_code, by.json()["details"]) == (400, {"field": "by"})
    assert (period.status_code, period.json()["code"]) == (400, "period_invalid")
    assert "month 13" in period.json()["detail"]


def test_rankings_by_good_ratio_and_pm25(small_month):
    client = api_as("leader")

    by_pm25 = client.get("/api/v1/rankings/", {"level": "grid", "period": PERIOD, "by": "pm25"}).json()

    values = [r["pm25"]["value"] for r in by_pm25["results"] if r["ranked"]]
    assert values == sorted(values) and by_pm25["by"] == "pm25"


def test_api_query_count_does_not_grow_with_areas(small_month, django_assert_max_num_queries):
    client = api_as("leader")
    client.get("/api/v1/rankings/", {"level": "grid", "period": PERIOD})  # warm the standards cache

    with django_assert_max_num_queries(16):
        assert client.get("/api/v1/rankings/", {"level": "grid", "period": PERIOD}).status_code == 200


def test_the_page_shows_both_tables_and_the_fragment_for_htmx(small_month):
    client = Client()
    client.force_login(get_user_model().objects.get(username="leader"))

    page = client.get("/monitoring/rankings/", {"period": PERIOD})
    fragment = client.get("/monitoring/rankings/", {"period": PERIOD}, HTTP_HX_REQUEST="true")

    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="rankings-street"' in html and 'data-testid="rankings-grid"' in html
    assert "<html" not in fragment.content.decode() and 'data-testid="rankings-grid"' in fragment.content.decode()


def test_the_page_names_a_bad_period(small_month):
    client = Client()
    client.force_login(get_user_model().objects.get(username="leader"))

    response = client.get("/monitoring/rankings/", {"period": "November"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400 and "period &#x27;November&#x27;" in response.content.decode()


def test_the_export_holds_the_ranked_rows_of_both_levels(small_month):
    client = Client()
    client.force_login(get_user_model().objects.get(username="leader"))
    api = api_as("leader").get("/api/v1/rankings/", {"level": "grid", "period": PERIOD}).json()

    response = client.get("/monitoring/rankings/export/", {"period": PERIOD}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Streets", "Grids"]
    rows = list(workbook["Grids"].iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r[0] == "Rank"))
    data = rows[header + 1 :]
    assert len(data) == len(api["results"])
    assert [r[0] for r in data] == [r["rank"] for r in api["results"]]
    assert data[0][2] == api["results"][0]["composite_index"]["value"]
