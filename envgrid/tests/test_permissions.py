"""The permission matrix: every demo role against every page and API endpoint of the foundation.

Expected scopes are computed here from the demo district's structure (who heads or belongs to
which grid, which street a unit governs), not from ``visible_to``, so a scope bug shows up.
"""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from envgrid.core.choices import UnitKind
from envgrid.core.models import AuditEvent, Unit
from envgrid.demo.accounts import DEMO_ACCOUNTS
from envgrid.grids.models import Grid, Region
from envgrid.testing import district_load

pytestmark = pytest.mark.django_db

DISTRICT_WIDE = {"admin", "dispatcher", "leader", "taskforce_lead", "unit_lead", "unit_staff"}


@pytest.fixture
def demo():
    district_load()


def expected_grid_codes(user) -> set[str]:
    """Which grids each demo role should see, from the district's own structure."""
    all_codes = set(Grid.objects.values_list("code", flat=True))
    if user.username in DISTRICT_WIDE:
        return all_codes
    if user.username == "grid_head":
        return set(Grid.objects.filter(head=user).values_list("code", flat=True))
    if user.username == "grid_member":
        return set(user.member_grids.values_list("code", flat=True))
    if user.username == "river_chief":
        assert user.unit.kind == UnitKind.STREET
        return set(Grid.objects.filter(street__unit=user.unit).values_list("code", flat=True))
    raise AssertionError(f"no expectation for {user.username}")


def outside_grid(user) -> Grid | None:
    """A grid the user must not see, or None for district-wide roles."""
    codes = expected_grid_codes(user)
    return Grid.objects.exclude(code__in=codes).first()


def geojson_codes(payload) -> set[str]:
    return {f["properties"]["code"] for f in payload["features"]}


def tiny_import_file(community_code: str) -> SimpleUploadedFile:
    """A valid one-grid GeoJSON far from the demo district, so it overlaps nothing."""
    ring = [[114.5, 35.5], [114.501, 35.5], [114.501, 35.501], [114.5, 35.501], [114.5, 35.5]]
    feature = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"code": "PERM-TEST-1", "name": "权限测试网格", "community": community_code},
    }
    body = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    return SimpleUploadedFile("grids.geojson", body, content_type="application/geo+json")


@pytest.mark.parametrize("username", [a.username for a in DEMO_ACCOUNTS])
def test_role_sees_exactly_its_scope_on_every_page_and_endpoint(demo, username):
    user = get_user_model().objects.select_related("unit").get(username=username)
    expected = expected_grid_codes(user)
    assert expected, f"{username} should see at least one grid"
    web, api = Client(), APIClient()
    web.force_login(user)
    api.force_authenticate(user)

    # Pages every signed-in role may open
    for url in ["/", "/grids/", "/grids/map/", "/accounts/password/"]:
        assert web.get(url).status_code == 200, (username, url)

    # Map layer, export and API list show exactly the expected grids
    assert geojson_codes(web.get("/grids/map/data.geojson").json()) == expected
    assert geojson_codes(json.loads(web.get("/grids/export.geojson").content)) == expected
    assert geojson_codes(api.get("/api/v1/grids/").json()) == expected
    assert web.get("/grids/").context["totals"]["grids"] == len(expected)

    # A grid inside the scope opens; one outside answers 404 everywhere, lookup included
    inside = Grid.objects.get(code=sorted(expected)[0])
    assert web.get(f"/grids/{inside.pk}/").status_code == 200
    assert api.get(f"/api/v1/grids/{inside.pk}/").status_code == 200
    found = api.get("/api/v1/grids/lookup/", {"lon": inside.centroid_lon, "lat": inside.centroid_lat})
    assert found.status_code == 200 and found.json()["code"] == inside.code
    other = outside_grid(user)
    if other is not None:
        assert web.get(f"/grids/{other.pk}/").status_code == 404, username
        assert web.get(f"/grids/{other.pk}/", headers={"HX-Request": "true"}).status_code == 404
        assert api.get(f"/api/v1/grids/{other.pk}/").status_code == 404, username
        lookup = api.get("/api/v1/grids/lookup/", {"lon": other.centroid_lon, "lat": other.centroid_lat})
        assert lookup.status_code == 404 and lookup.json()["code"] == "no_grid"

    # Units and regions follow the same scope
    unit_names = {u["name"] for u in api.get("/api/v1/units/", {"limit": 500}).json()["results"]}
    if username in {"admin", "dispatcher", "leader", "taskforce_lead"}:
        assert unit_names == set(Unit.objects.values_list("name", flat=True))
    else:
        assert user.unit.name in unit_names
        assert len(unit_names) < Unit.objects.count()
    region_codes = {r["code"] for r in api.get("/api/v1/regions/").json()}
    grid_regions = set(Region.objects.filter(grids__code__in=expected).values_list("code", flat=True)) | set(
        Region.objects.filter(street_grids__code__in=expected).values_list("code", flat=True)
    )
    assert grid_regions <= region_codes

    me = api.get("/api/v1/me/").json()
    assert me["username"] == username and me["role"] == user.role


@pytest.mark.parametrize("username", [a.username for a in DEMO_ACCOUNTS])
def test_only_administrators_import_grids_and_a_refusal_changes_nothing(demo, username):
    user = get_user_model().objects.get(username=username)
    community = Region.objects.filter(level__in=["community", "village"]).first()
    web = Client()
    web.force_login(user)
    grids_before, audit_before = Grid.objects.count(), AuditEvent.objects.count()

    page = web.get("/grids/import/")
    response = web.post("/grids/import/", {"file": tiny_import_file(community.code)})

    if username == "admin":
        assert page.status_code == 200
        assert response.status_code == 302
        assert Grid.objects.filter(code="PERM-TEST-1").exists()
        assert Grid.objects.count() == grids_before + 1
    else:
        assert page.status_code == 403
        assert response.status_code == 403
        assert Grid.objects.count() == grids_before
        assert AuditEvent.objects.count() == audit_before


@pytest.mark.parametrize("username", [a.username for a in DEMO_ACCOUNTS])
def test_only_staff_reach_the_admin_site(demo, username):
    user = get_user_model().objects.get(username=username)
    web = Client()
    web.force_login(user)
    response = web.get("/admin/")
    assert response.status_code == (200 if username == "admin" else 302)


def test_anonymous_visitors_are_sent_to_sign_in_and_refused_by_the_api(demo):
    web, api = Client(), APIClient()
    for url in ["/", "/grids/", "/grids/map/", "/grids/map/data.geojson", "/grids/export.geojson", "/grids/import/"]:
        response = web.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), url
    for url in [
        "/api/v1/me/",
        "/api/v1/units/",
        "/api/v1/regions/",
        "/api/v1/grids/",
        "/api/v1/grids/lookup/?lon=113.6&lat=34.8",
    ]:
        assert api.get(url).status_code in (401, 403), url


def test_inactive_user_sees_nothing(demo):
    user = get_user_model().objects.get(username="dispatcher")
    user.is_active = False
    user.save()
    assert Grid.objects.visible_to(user).count() == 0
    assert Unit.objects.visible_to(user).count() == 0
