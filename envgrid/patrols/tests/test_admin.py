"""The admin writes the inspection settings through their services, audited; records stay read-only there."""

import pytest
from django.urls import reverse

from envgrid.core.choices import Role
from envgrid.core.models import AuditEvent
from envgrid.core.tests.factories import UserFactory
from envgrid.patrols.models import PatrolSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="patrol-admin", role=Role.ADMIN, is_staff=True, is_superuser=True))
    return client


def test_moving_the_night_window_in_the_admin_is_audited(admin_client):
    form = {"night_start": "21:00", "night_end": "06:00", "late_entry_hours": 12, "nearby_radius_m": 1000}
    admin_client.post(reverse("admin:patrols_patrolsettings_add"), {**form, "night_start": "20:00"})
    settings = PatrolSettings.objects.get()

    response = admin_client.post(reverse("admin:patrols_patrolsettings_change", args=[settings.pk]), form)

    assert response.status_code == 302
    assert AuditEvent.objects.get(action="patrol_settings.create").after["night_start"] == "20:00:00"
    event = AuditEvent.objects.get(action="patrol_settings.update")
    assert (event.before, event.after) == ({"night_start": "20:00:00"}, {"night_start": "21:00:00"})
