"""Station scope per demo role, the same in the list page, the map data, the station page and the API:
district-wide roles see every station; the ecology bureau (a district department) sees every grid and so every
station; grid heads, grid members and river chiefs see the control stations plus the stations in their own
grids; the HJ 212 password is shown to administrators only, and never by the API."""

import pytest
from django.db.models import Q
from django.test import Client
from rest_framework.test import APIClient

from envgrid.grids.models import Grid
from envgrid.monitoring.choices import StationKind
from envgrid.monitoring.models import Station
from envgrid.monitoring.selectors import stations_visible_to
from envgrid.monitoring.services import station_move
from envgrid.monitoring.tests.test_web_support import DISTRICT_WIDE, ROLES, district, people, stations  # noqa: F401

pytestmark = pytest.mark.django_db

CONTROL = (StationKind.NATIONAL, StationKind.PROVINCIAL)


def own_grids(user):
    """The grids a person works in, read from the demo's memberships and units, not from the scope code."""
    if user.username == "grid_member":
        return Grid.objects.filter(members=user)
    if user.username == "grid_head":
        return Grid.objects.filter(Q(head=user) | Q(members=user))
    if user.username == "river_chief":
        return Grid.objects.filter(street__unit=user.unit)
    return Grid.objects.all()  # district-wide roles and the ecology bureau (a district department)


def expected_ids(user) -> set[int]:
    if user.username in DISTRICT_WIDE:
        return set(Station.objects.values_list("pk", flat=True))
    grids = own_grids(user)
    return set(Station.objects.filter(Q(kind__in=CONTROL) | Q(grid__in=grids)).values_list("pk", flat=True))


@pytest.mark.parametrize("username", ROLES)
def test_each_role_sees_exactly_its_stations_in_list_map_page_and_api(people, stations, username):
    user = people[username]
    visible = expected_ids(user)
    assert {s.pk for s in stations if s.kind in CONTROL} <= visible  # control stations: everyone
    assert set(stations_visible_to(user).values_list("pk", flat=True)) == visible
    web, api = Client(), APIClient()
    web.force_login(user)
    api.force_authenticate(user)

    page = web.get("/monitoring/").content.decode()
    for station in stations:
        assert (f'data-mn="{station.mn}"' in page) == (station.pk in visible), station.mn
    mapped = web.get("/monitoring/map/data/").json()["stations"]
    assert {s["id"] for s in mapped} == visible
    listed = api.get("/api/v1/stations/", {"limit": 500}).json()["results"]
    assert {s["id"] for s in listed} == visible

    for station in stations:
        code = 200 if station.pk in visible else 404
        assert web.get(f"/monitoring/stations/{station.pk}/").status_code == code, station.mn
        assert web.get(f"/monitoring/stations/{station.pk}/series/").status_code == code
        assert api.get(f"/api/v1/stations/{station.pk}/").status_code == code
        assert api.get(f"/api/v1/stations/{station.pk}/readings/").status_code == code


@pytest.mark.full_district
def test_grid_people_see_fewer_stations_than_the_district(people, stations):
    counts = {name: len(expected_ids(people[name])) for name in ("grid_member", "grid_head", "river_chief", "admin")}
    assert counts["admin"] == len(stations) == 22
    assert counts["grid_member"] == 2  # only the control stations: no micro-station stands in the member's grid
    assert 2 < counts["grid_head"] < counts["river_chief"] < counts["admin"]


@pytest.mark.full_district
def test_a_micro_station_moved_into_a_members_grid_becomes_visible_to_that_member(people, stations):
    member = people["grid_member"]
    grid = Grid.objects.get(members=member)
    micro = next(s for s in stations if s.kind == StationKind.MICRO)
    client = Client()
    client.force_login(member)
    assert client.get(f"/monitoring/stations/{micro.pk}/").status_code == 404

    station_move(station=micro, lon=grid.centroid_lon, lat=grid.centroid_lat)

    assert micro.grid_id == grid.pk
    assert client.get(f"/monitoring/stations/{micro.pk}/").status_code == 200


@pytest.mark.parametrize("username", ROLES)
def test_only_administrators_see_station_passwords_and_the_api_never_shows_them(people, stations, username):
    user = people[username]
    web, api = Client(), APIClient()
    web.force_login(user)
    api.force_authenticate(user)
    control = next(s for s in stations if s.kind in CONTROL)

    list_page = web.get("/monitoring/").content.decode()
    detail_page = web.get(f"/monitoring/stations/{control.pk}/").content.decode()
    shows = username == "admin"
    assert ('data-testid="station-password"' in list_page) == shows
    assert ('data-testid="station-password"' in detail_page) == shows
    assert (f">{control.password}<" in detail_page) == shows
    answer = api.get("/api/v1/stations/", {"limit": 500}).content.decode()
    assert "password" not in answer
    assert control.password not in api.get(f"/api/v1/stations/{control.pk}/").content.decode()


@pytest.mark.parametrize("username", ROLES)
def test_receiver_status_and_upload_are_for_administrators_and_dispatchers_only(people, username):
    client = Client()
    client.force_login(people[username])
    allowed = username in ("admin", "dispatcher")
    for url in ("/monitoring/receiver/", "/monitoring/upload/", "/monitoring/upload/template.csv"):
        assert client.get(url).status_code == (200 if allowed else 403), url
    tabs = client.get("/monitoring/").content.decode()
    assert ('href="/monitoring/receiver/"' in tabs) == allowed


def test_anonymous_visitors_are_sent_to_sign_in_and_refused_by_the_api(stations):
    client, api = Client(), APIClient()
    for url in (
        "/monitoring/",
        "/monitoring/map/",
        "/monitoring/map/data/",
        f"/monitoring/stations/{stations[0].pk}/",
        "/monitoring/receiver/",
        "/monitoring/upload/",
    ):
        answer = client.get(url)
        assert answer.status_code == 302 and "/accounts/login/" in answer["Location"], url
    assert api.get("/api/v1/stations/").status_code == 401
    assert api.post("/api/v1/readings/", [], format="json").status_code == 401
