"""Partner systems in the admin: the api_key is issued and re-issued by the Open311 services, audited
without the key itself; partners are switched off, never deleted."""

import pytest
from django.urls import reverse

from envgrid.cases.choices import Channel
from envgrid.cases.models import Open311Partner
from envgrid.cases.tests.open311_fixtures import partner  # noqa: F401 — fixture
from envgrid.core.choices import Role
from envgrid.core.models import AuditEvent
from envgrid.core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="o311-admin", role=Role.ADMIN, is_staff=True, is_superuser=True))
    return client


def test_adding_a_partner_issues_an_api_key_and_audits_without_it(admin_client):
    response = admin_client.post(
        reverse("admin:cases_open311partner_add"), {"name": "市民随手拍", "channel": Channel.CITIZEN, "is_active": "on"}
    )

    assert response.status_code == 302
    partner = Open311Partner.objects.get(name="市民随手拍")
    assert len(partner.api_key) == 43 and partner.is_active
    event = AuditEvent.objects.get(action="open311.partner_create")
    assert event.after == {"name": "市民随手拍", "channel": "citizen", "is_active": True}
    assert partner.api_key not in str(event.before) + str(event.after) + event.note


def test_the_change_page_shows_the_key_to_hand_over(admin_client, partner):
    response = admin_client.get(reverse("admin:cases_open311partner_change", args=[partner.pk]))

    assert partner.api_key in response.content.decode()


def test_switching_a_partner_off_keeps_its_key_and_is_audited(admin_client, partner):
    url = reverse("admin:cases_open311partner_change", args=[partner.pk])

    response = admin_client.post(url, {"name": partner.name, "channel": Channel.HOTLINE})

    assert response.status_code == 302
    changed = Open311Partner.objects.get(pk=partner.pk)
    assert (changed.is_active, changed.channel, changed.api_key) == (False, Channel.HOTLINE, partner.api_key)
    event = AuditEvent.objects.get(action="open311.partner_update")
    assert (event.before["is_active"], event.after["is_active"]) == (True, False)


def test_issuing_a_new_key_replaces_the_old_one(admin_client, partner):
    response = admin_client.post(
        reverse("admin:cases_open311partner_changelist"), {"action": "rotate_keys", "_selected_action": [partner.pk]}
    )

    assert response.status_code == 302
    rotated = Open311Partner.objects.get(pk=partner.pk)
    assert rotated.api_key != partner.api_key and len(rotated.api_key) == 43
    assert AuditEvent.objects.filter(action="open311.partner_rotate_key", object_id=str(partner.pk)).exists()


def test_a_partner_cannot_be_deleted(admin_client, partner):
    response = admin_client.post(reverse("admin:cases_open311partner_delete", args=[partner.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert Open311Partner.objects.filter(pk=partner.pk).exists()
