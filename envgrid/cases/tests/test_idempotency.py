"""A retried create makes one case: the API's Idempotency-Key and Open311's key or partner request id."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from envgrid.cases.models import Case
from envgrid.cases.tests.open311_fixtures import BASE, partner  # noqa: F401 — fixtures
from envgrid.cases.tests.service_fixtures import district, inside_point, member_grid, people  # noqa: F401
from envgrid.core.idempotency import idempotency_purge
from envgrid.core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db


def _report(api, grid, title="工地未覆盖", key=None):
    lon, lat = inside_point(grid)
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post(
        "/api/v1/cases/", {"title": title, "category": "dust.site", "lon": lon, "lat": lat}, format="json", **headers
    )


@pytest.fixture
def api(people):  # noqa: F811
    client = APIClient()
    client.force_authenticate(people["grid_member"])
    return client


def test_an_api_report_retried_with_its_key_makes_one_case(api, member_grid):  # noqa: F811
    first = _report(api, member_grid, key="phone-7f3a-0001")
    retry = _report(api, member_grid, key="phone-7f3a-0001")

    assert first.status_code == retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"] and retry["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Case.objects.count() == 1


def test_the_same_key_for_a_different_report_is_refused_and_files_nothing(api, member_grid):  # noqa: F811
    _report(api, member_grid, key="k-1")
    other = _report(api, member_grid, title="另一处扬尘", key="k-1")

    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert Case.objects.count() == 1


def test_without_a_key_each_report_is_a_case(api, member_grid):  # noqa: F811
    _report(api, member_grid)
    _report(api, member_grid)
    assert Case.objects.count() == 2


def test_keys_are_per_user(people, member_grid):  # noqa: F811
    for username in ("grid_member", "grid_head"):
        client = APIClient()
        client.force_authenticate(people[username])
        assert _report(client, member_grid, key="same-key").status_code == 201
    assert Case.objects.count() == 2


def _open311(partner, **extra):  # noqa: F811
    data = {"api_key": partner.api_key, "service_code": "industrial.emission", "lat": 34.8, "long": 113.6}
    headers = extra.pop("headers", {})
    return Client().post(f"{BASE}/requests.json", {**data, **extra}, HTTP_ACCEPT_LANGUAGE="en", **headers)


@pytest.mark.parametrize(
    "how", [{"partner_request_id": "12345-20261208-0042"}, {"headers": {"HTTP_IDEMPOTENCY_KEY": "12345-0042"}}]
)
def test_an_open311_request_redelivered_by_the_partner_files_one_case(partner, how):  # noqa: F811
    first = _open311(partner, description="烟囱冒黄烟", **how)
    again = _open311(partner, description="烟囱冒黄烟", **how)

    assert first.status_code == again.status_code == 200
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    assert Case.objects.count() == 1


def test_an_open311_request_id_reused_for_another_report_is_a_400(partner):  # noqa: F811
    _open311(partner, description="烟囱冒黄烟", partner_request_id="r-1")
    other = _open311(partner, description="河面漂浮垃圾", partner_request_id="r-1")
    assert other.status_code == 400 and "already used" in other.json()[0]["description"]
    assert Case.objects.count() == 1


def test_old_keys_are_purged_after_the_retention():
    IdempotencyRecord.objects.create(
        scope="api:1", key="old", fingerprint="x", created_at=timezone.now() - dt.timedelta(days=8)
    )
    IdempotencyRecord.objects.create(scope="api:1", key="new", fingerprint="x")
    assert idempotency_purge() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
