import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from envgrid.core.choices import Role, UnitKind
from envgrid.core.tests.factories import TEST_PASSWORD, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_token_for_good_credentials_authenticates_later_calls(api):
    UserFactory(username="li", role=Role.DISPATCHER)
    response = api.post(reverse("api-token"), {"username": "li", "password": TEST_PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) == 40

    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get(reverse("api-me"))
    assert me.status_code == 200
    assert me.json()["username"] == "li"
    assert me.json()["roles"] == ["dispatcher"]


def test_token_refused_for_bad_credentials_with_a_code(api):
    UserFactory(username="li")
    response = api.post(reverse("api-token"), {"username": "li", "password": "bad"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"


def test_token_request_missing_fields_names_them(api):
    response = api.post(reverse("api-token"), {"username": "li"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


def test_api_requires_authentication(api):
    assert api.get(reverse("api-units")).status_code in (401, 403)
    assert api.get(reverse("api-me")).status_code in (401, 403)


def test_units_list_is_scoped_to_the_users_unit_subtree(api):
    street = UnitFactory(name="翠湖街道办事处", kind=UnitKind.STREET)
    community = UnitFactory(name="翠湖社区居委会", kind=UnitKind.COMMUNITY, parent=street)
    other = UnitFactory(name="梧桐街道办事处", kind=UnitKind.STREET)
    staff = UserFactory(username="street_staff", unit=street, role=Role.UNIT_STAFF)
    dispatcher = UserFactory(username="disp", unit=other, role=Role.DISPATCHER)

    api.force_authenticate(staff)
    names = {u["name"] for u in api.get(reverse("api-units")).json()["results"]}
    assert names == {street.name, community.name}

    api.force_authenticate(dispatcher)
    names = {u["name"] for u in api.get(reverse("api-units")).json()["results"]}
    assert {street.name, community.name, other.name} <= names


def test_schema_and_docs_are_served_locally(client, api):
    user = UserFactory(username="doc", role=Role.UNIT_LEAD)
    api.force_authenticate(user)
    schema = api.get(reverse("api-schema"), {"format": "json"})
    assert schema.status_code == 200
    assert "/api/v1/units/" in schema.json()["paths"]
    client.force_login(user)
    docs = client.get(reverse("api-docs")).content.decode()
    assert "swagger-ui" in docs
    assert "https://" not in docs.split("<body")[0]


@pytest.mark.parametrize("role", [Role.GRID_MEMBER, Role.LEADER, Role.UNIT_STAFF])
def test_roles_that_do_not_use_the_api_get_no_docs_and_no_menu_link(client, role):
    user = UserFactory(username=f"no-docs-{role}", role=role)
    client.force_login(user)
    assert client.get(reverse("api-docs")).status_code == 403
    assert client.get(reverse("api-schema")).status_code == 403
    assert 'data-testid="menu-api-docs"' not in client.get(reverse("home")).content.decode()


def test_the_schema_groups_endpoints_by_app_with_descriptions_and_summaries(api):
    api.force_authenticate(UserFactory(username="doc-admin", role=Role.ADMIN))
    schema = api.get(reverse("api-schema"), {"format": "json"}, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    tags = {tag["name"]: tag["description"] for tag in schema["tags"]}
    assert len(tags) >= 8 and all(tags.values())
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert all(len(op["tags"]) == 1 and op["tags"][0] in tags for op in operations)
    assert all(op.get("summary") for op in operations)
