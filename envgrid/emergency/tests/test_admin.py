"""The admin writes the emergency settings and the duty shifts through their services, audited."""

import pytest
from django.urls import reverse

from envgrid.core.choices import Role
from envgrid.core.models import AuditEvent
from envgrid.core.tests.factories import UserFactory
from envgrid.emergency.models import DutyShift
from envgrid.emergency.services.settings import emergency_settings_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="emg-admin", role=Role.ADMIN, is_staff=True, is_superuser=True))
    return client


def test_changing_the_spot_checks_per_day_in_the_admin_is_audited(admin_client):
    settings = emergency_settings_create(actor=None)

    response = admin_client.post(
        reverse("admin:emergency_emergencysettings_change", args=[settings.pk]),
        {
            "checks_per_day_yellow": 1,
            "checks_per_day_orange": 2,
            "checks_per_day_red": 4,
            "min_window_minutes": 60,
            "duty_unit_kinds": '["department", "street"]',
        },
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="emergency_settings.update")
    assert (event.before, event.after) == ({"checks_per_day_red": 3}, {"checks_per_day_red": 4})


def test_switching_a_shift_off_in_the_change_list_is_audited(admin_client):
    shifts = list(DutyShift.objects.order_by("sort_order", "code"))
    data = {
        "form-TOTAL_FORMS": len(shifts),
        "form-INITIAL_FORMS": len(shifts),
        "form-MIN_NUM_FORMS": 0,
        "form-MAX_NUM_FORMS": 1000,
        "_save": "Save",
    }
    for i, shift in enumerate(shifts):
        data |= {f"form-{i}-id": shift.pk, f"form-{i}-sort_order": shift.sort_order}
        if shift.code != "full":
            data[f"form-{i}-is_active"] = "on"

    response = admin_client.post(reverse("admin:emergency_dutyshift_changelist"), data)

    assert response.status_code == 302
    assert not DutyShift.objects.get(code="full").is_active
    event = AuditEvent.objects.get(action="duty_shift.update")
    assert (event.object_repr.startswith("24小时"), event.before, event.after) == (
        True,
        {"is_active": True},
        {"is_active": False},
    )
