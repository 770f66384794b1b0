"""The API: families, objects and responsibilities with the web's scope; "who was responsible on D"."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from envgrid.core.models import Unit, User
from envgrid.grids.models import Grid
from envgrid.sources import services
from envgrid.sources.demo import load as load_demo_sources
from envgrid.sources.models import Responsibility, SourceFamily, SupervisedObject
from envgrid.sources.tests.conftest import point_in


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def plant(users, families):
    grid = users["grid_member"].member_grids.get()
    lon, lat = point_in(grid)
    obj = services.object_create(
        actor=None,
        family=families["industrial"],
        kind="enterprise",
        name="示例化工厂",
        code="QY-API",
        lon=lon,
        lat=lat,
        typed={"performance_grade": "C"},
    )
    first = services.responsibility_assign(
        actor=None,
        supervised_object=obj,
        unit=users["unit_lead"].unit,
        person=users["unit_lead"],
        valid_from=dt.date(2026, 1, 1),
    )
    housing = Unit.objects.get(name="住房和城乡建设局")
    person = User.objects.create(username="zj", display_name="住建张三", unit=housing, role="unit_lead")
    services.responsibility_transfer(
        actor=None, responsibility=first, unit=housing, person=person, on=dt.date(2026, 4, 1)
    )
    return obj


def test_who_was_responsible_on_a_day_across_a_change_of_owner(plant, users):
    client = api(users["grid_member"])
    url = f"/api/v1/objects/{plant.pk}/responsible/"
    assert client.get(url, {"on": "2025-12-31"}).json()["responsibility"] is None
    march = client.get(url, {"on": "2026-03-31"}).json()["responsibility"]
    april = client.get(url, {"on": "2026-04-01"}).json()["responsibility"]
    assert (march["unit_name"], march["valid_to"]) == ("生态环境分局", "2026-03-31")
    assert (april["unit_name"], april["person"]["username"], april["valid_to"]) == ("住房和城乡建设局", "zj", None)
    assert client.get(url, {"on": "next week"}).status_code == 400


def test_the_responsibilities_list_answers_on_a_day_for_an_object(plant, users):
    client = api(users["dispatcher"])
    rows = client.get("/api/v1/responsibilities/", {"object": plant.pk, "on": "2026-02-01"}).json()["results"]
    assert [r["unit_name"] for r in rows] == ["生态环境分局"]
    rows = client.get("/api/v1/responsibilities/", {"object": plant.pk}).json()["results"]
    assert [r["unit_name"] for r in rows] == ["住房和城乡建设局", "生态环境分局"]


def test_the_object_list_carries_the_owner_on_the_day_asked(plant, users):
    client = api(users["dispatcher"])
    row = client.get("/api/v1/objects/", {"on": "2026-02-01", "q": "QY-API"}).json()["results"][0]
    assert row["owner"]["unit_name"] == "生态环境分局"
    detail = client.get(f"/api/v1/objects/{plant.pk}/").json()
    assert detail["enterprise"]["performance_grade"] == "C"
    assert detail["owner"]["unit_name"] == "住房和城乡建设局"


def test_the_object_list_query_count_does_not_grow_with_rows(users, demo):
    load_demo_sources()
    client = api(users["dispatcher"])
    with CaptureQueriesContext(connection) as small:
        assert client.get("/api/v1/objects/", {"limit": 5}).status_code == 200
    with CaptureQueriesContext(connection) as large:
        assert len(client.get("/api/v1/objects/", {"limit": 100}).json()["results"]) == 100
    assert len(large) == len(small)


def test_api_scope_per_role(plant, users):
    other_grid = Grid.objects.exclude(pk=plant.grid_id).first()
    lon, lat = point_in(other_grid)
    services.object_create(
        actor=None, family=plant.family, kind="enterprise", name="别处", code="QY-FAR", lon=lon, lat=lat
    )
    codes = {
        name: {o["code"] for o in api(users[name]).get("/api/v1/objects/").json()["results"]}
        for name in ("dispatcher", "leader", "grid_member", "unit_lead", "grid_head")
    }
    assert codes["dispatcher"] == codes["leader"] == {"QY-API", "QY-FAR"}
    assert codes["grid_member"] == {"QY-API"}
    assert codes["unit_lead"] == {"QY-API"}  # the ecology bureau was responsible until March
    assert "QY-FAR" not in codes["grid_head"] or other_grid.head_id == users["grid_head"].pk


def test_assign_transfer_and_end_through_the_api(plant, users, families):
    client = api(users["dispatcher"])
    grid = plant.grid
    created = client.post(
        "/api/v1/responsibilities/",
        {
            "grid": grid.pk,
            "unit": users["unit_lead"].unit_id,
            "person": users["unit_lead"].pk,
            "valid_from": "2026-01-01",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    rid = created.json()["id"]
    moved = client.post(
        f"/api/v1/responsibilities/{rid}/transfer/",
        {
            "unit": users["unit_lead"].unit_id,
            "person": users["unit_staff"].pk,
            "on": "2026-06-01",
        },
        format="json",
    )
    assert moved.status_code == 201 and moved.json()["valid_from"] == "2026-06-01"
    ended = client.post(
        f"/api/v1/responsibilities/{moved.json()['id']}/end/", {"valid_to": "2026-12-31"}, format="json"
    )
    assert ended.json()["valid_to"] == "2026-12-31"
    clash = client.post(
        "/api/v1/responsibilities/",
        {
            "grid": grid.pk,
            "unit": users["unit_lead"].unit_id,
            "person": users["unit_lead"].pk,
            "valid_from": "2026-03-01",
        },
        format="json",
    )
    assert (clash.status_code, clash.json()["code"]) == (409, "responsibility_overlap")
    neither = client.post(
        "/api/v1/responsibilities/",
        {
            "unit": users["unit_lead"].unit_id,
            "person": users["unit_lead"].pk,
            "valid_from": "2026-03-01",
        },
        format="json",
    )
    assert neither.status_code == 400


def test_roles_that_may_not_write_get_403_and_nothing_changes(plant, users, families):
    count = Responsibility.objects.count()
    for name in ("leader", "unit_lead", "grid_member"):
        client = api(users[name])
        answer = client.post(
            "/api/v1/responsibilities/",
            {
                "supervised_object": plant.pk,
                "unit": users["unit_lead"].unit_id,
                "person": users["unit_lead"].pk,
                "valid_from": "2030-01-01",
            },
            format="json",
        )
        assert (answer.status_code, answer.json()["code"]) == (403, "permission_denied")
        assert client.post("/api/v1/source-families/", {"code": "x", "name": "X"}, format="json").status_code == 403
    assert Responsibility.objects.count() == count
    assert not SourceFamily.objects.filter(code="x").exists()


def test_an_administrator_edits_the_families(users, demo):
    client = api(users["admin"])
    assert len(client.get("/api/v1/source-families/").json()) == 6
    created = client.post(
        "/api/v1/source-families/", {"code": "vehicle", "name": "机动车", "sort_order": 70}, format="json"
    )
    assert created.status_code == 201
    family = SourceFamily.objects.get(code="vehicle")
    changed = client.patch(f"/api/v1/source-families/{family.pk}/", {"active": False}, format="json")
    assert changed.json()["active"] is False


def test_objects_are_created_and_updated_through_the_api(users, demo, families):
    grid = Grid.objects.order_by("code").first()
    lon, lat = point_in(grid)
    client = api(users["dispatcher"])
    created = client.post(
        "/api/v1/objects/",
        {
            "family": families["construction"].pk,
            "kind": "construction_site",
            "code": "GD-API",
            "name": "工地",
            "lon": lon,
            "lat": lat,
            "typed": {"stage": "earthwork", "fence_enclosure": True},
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["grid"] == grid.pk and body["construction_site"]["fence_enclosure"] is True
    bad = client.patch(f"/api/v1/objects/{body['id']}/", {"lon": 120.0, "lat": 30.0}, format="json")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")
    assert SupervisedObject.objects.get(code="GD-API").grid == grid
