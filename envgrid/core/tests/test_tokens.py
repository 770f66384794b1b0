"""API tokens: stored hashed, expiring, revoked by their owner, an administrator or a password change."""

import datetime as dt
import hashlib

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from envgrid.core.choices import Role
from envgrid.core.models import ApiToken, AuditEvent
from envgrid.core.services import user_set_password
from envgrid.core.tests.factories import TEST_PASSWORD, UserFactory
from envgrid.core.tokens import api_token_issue

pytestmark = pytest.mark.django_db


def _me(key):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api.get(reverse("api-me"))


@pytest.fixture
def li(db):
    return UserFactory(username="li", role=Role.UNIT_STAFF)


def test_the_token_endpoint_issues_a_key_that_is_stored_only_as_its_hash(li):
    response = APIClient().post(
        reverse("api-token"), {"username": "li", "password": TEST_PASSWORD, "name": "对接"}, format="json"
    )
    key = response.json()["token"]
    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest() and key not in str(token.__dict__)
    assert token.prefix == key[:8] and token.name == "对接"
    assert _me(key).json()["username"] == "li"
    assert AuditEvent.objects.filter(action="api_token.issue", object_id=str(token.pk)).exists()


def test_each_request_for_a_token_issues_a_new_one_and_the_old_still_works(li):
    _first, key1 = api_token_issue(user=li, actor=li)
    _second, key2 = api_token_issue(user=li, actor=li)
    assert key1 != key2 and _me(key1).status_code == _me(key2).status_code == 200


def test_a_token_expires(li, settings):
    settings.ENVGRID_API_TOKEN_DAYS = 30
    with time_machine.travel(dt.datetime(2026, 12, 8, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        _token, key = api_token_issue(user=li, actor=li)
        clock.shift(dt.timedelta(days=29))
        assert _me(key).status_code == 200
        clock.shift(dt.timedelta(days=2))
        assert _me(key).status_code == 401


def test_a_password_change_revokes_every_token_whichever_way_it_changes(li, client):
    _token, key = api_token_issue(user=li, actor=li)
    client.force_login(li)
    client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "Xq7-green-grid", "new_password2": "Xq7-green-grid"},
    )
    assert _me(key).status_code == 401
    # and one issued after it works until an administrator sets another password
    li.refresh_from_db()
    _token, fresh = api_token_issue(user=li, actor=li)
    assert _me(fresh).status_code == 200
    user_set_password(actor=None, user=li, password="Another-9-pass")
    assert _me(fresh).status_code == 401


def test_the_owner_lists_and_revokes_their_tokens_on_their_page(li, client):
    _token, key = api_token_issue(user=li, actor=li, name="脚本")
    other, other_key = api_token_issue(user=UserFactory(username="wang"), actor=None)
    client.force_login(li)

    page = client.get(reverse("api-tokens")).content.decode()
    assert "脚本" in page and key[:8] in page and key not in page and other_key[:8] not in page

    mine = ApiToken.objects.get(user=li)
    assert client.post(reverse("api-token-revoke", args=[mine.pk])).status_code == 302
    assert _me(key).status_code == 401
    # someone else's token is out of reach
    assert client.post(reverse("api-token-revoke", args=[other.pk])).status_code == 404
    assert _me(other_key).status_code == 200


def test_a_new_token_from_the_page_is_shown_once(li, client):
    client.force_login(li)
    page = client.post(reverse("api-tokens"), {"name": "数据对接"}).content.decode()
    token = ApiToken.objects.get(user=li)
    shown = page.split('data-testid="new-token-key">')[1].split("<")[0]
    assert shown[:8] == token.prefix and _me(shown).status_code == 200
    assert 'data-testid="new-token-key"' not in client.get(reverse("api-tokens")).content.decode()


def test_a_leader_cannot_make_tokens_on_the_page(client):
    leader = UserFactory(username="boss", role=Role.LEADER)
    client.force_login(leader)
    assert client.post(reverse("api-tokens"), {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_an_administrator_revokes_anyones_token_in_the_admin(li, client):
    admin = UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    token, key = api_token_issue(user=li, actor=li)
    client.force_login(admin)
    changelist = reverse("admin:core_apitoken_changelist")
    assert token.prefix in client.get(changelist).content.decode()
    client.post(changelist, {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None and _me(key).status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoke", actor=admin).exists()


def test_an_inactive_users_token_stops_working(li):
    _token, key = api_token_issue(user=li, actor=li)
    li.is_active = False
    li.save(update_fields=["is_active"])
    assert _me(key).status_code == 401


def test_a_staff_member_who_may_only_view_tokens_cannot_revoke_them(li, client):
    from django.contrib.auth.models import Permission

    clerk = UserFactory(username="clerk", role=Role.ADMIN, is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(codename="view_apitoken"))
    token, key = api_token_issue(user=li, actor=li)
    client.force_login(clerk)
    changelist = reverse("admin:core_apitoken_changelist")
    assert token.prefix in client.get(changelist).content.decode()
    client.post(changelist, {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is None and _me(key).status_code == 200


def test_tokens_dead_for_a_month_are_purged_and_live_ones_kept(li):
    from envgrid.core.tokens import api_tokens_purge

    start = dt.datetime(2026, 12, 8, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        revoked, _key = api_token_issue(user=li, actor=li, name="revoked")
        ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=start)
        api_token_issue(user=li, actor=li, name="live")
        clock.shift(dt.timedelta(days=31))
        assert api_tokens_purge() == 1
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["live"]
