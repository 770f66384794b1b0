"""Guards every request passes: redirects stay on this site, JSON cannot be nested into a 500, bodies have a
size limit, and the API's schema is for signed-in users."""

import json

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from envgrid.core import jsontext
from envgrid.core.choices import Role
from envgrid.core.tests.factories import UserFactory

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def dispatcher(db):
    return UserFactory(username="guard_dispatcher", role=Role.DISPATCHER)


@pytest.mark.parametrize("target", ["https://evil.example/phish", "//evil.example/", "javascript:alert(1)"])
def test_the_bulk_action_never_redirects_off_the_site(client, dispatcher, target):
    client.force_login(dispatcher)
    response = client.post(reverse("case-bulk"), {"action": "accept", "ids": [], "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("case-queue")


def test_the_bulk_action_returns_to_the_filtered_queue_it_came_from(client, dispatcher):
    client.force_login(dispatcher)
    back = reverse("case-queue") + "?status=reported"
    response = client.post(reverse("case-bulk"), {"action": "accept", "ids": [], "next": back})
    assert response["Location"] == back


def test_deeply_nested_json_is_refused_as_a_decode_error_not_a_recursion_error():
    with pytest.raises(json.JSONDecodeError, match="nested too deeply"):
        jsontext.loads(DEEP)
    assert jsontext.loads('{"a": [1, 2]}') == {"a": [1, 2]}


@pytest.mark.django_db
def test_deeply_nested_json_answers_400_without_sign_in():
    response = Client(raise_request_exception=False).post(reverse("api-token"), DEEP, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_deeply_nested_json_answers_400_on_a_signed_in_endpoint(dispatcher):
    client = Client(raise_request_exception=False)
    client.force_login(dispatcher)
    response = client.post("/api/v1/cases/", DEEP, content_type="application/json")
    assert response.status_code == 400


@override_settings(ENVGRID_MAX_REQUEST_BYTES=30 * 2**20)
@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/api/v1/auth/token/", "/open311/v2/requests.json"])
def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read(path):
    # A declared 31 MB body: the guard answers from the header alone (the test sends no body at all, so any
    # attempt to read or parse it would fail differently)
    response = Client().post(path, b"", content_type="multipart/form-data; boundary=x", CONTENT_LENGTH=str(31 * 2**20))
    assert response.status_code == 413
    text = response.content.decode()
    assert "31.0" in text and "30" in text


@override_settings(ENVGRID_MAX_REQUEST_BYTES=30 * 2**20)
@pytest.mark.django_db
def test_a_body_under_the_limit_goes_through():
    response = Client().post(
        reverse("api-token"), {"username": "nobody", "password": "x"}, content_type="application/json"
    )
    assert response.status_code == 400  # refused as wrong credentials, by the view, not by the guard


@pytest.mark.django_db
def test_the_api_schema_and_its_docs_need_sign_in(client, dispatcher):
    assert client.get(reverse("api-schema")).status_code in (401, 403)
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 302 and docs["Location"].startswith(reverse("login"))

    client.force_login(dispatcher)
    assert client.get(reverse("api-schema")).status_code == 200
    assert client.get(reverse("api-docs")).status_code == 200
