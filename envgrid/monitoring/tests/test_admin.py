"""The admin writes stations and standards through the services: an edit through the real admin views is
checked and leaves an audit event with the state before and after."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from envgrid.core.models import AuditEvent
from envgrid.monitoring.models import StandardBreakpoint, StandardVersion, Station
from envgrid.monitoring.services import station_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    client = Client()
    client.force_login(admin)
    return client


def _post_data(form, prefix: str = "") -> dict:
    """What a browser posts back for an unchanged form (booleans as checkboxes, JSON as text)."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        key = f"{prefix}{name}"
        if isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, list | dict):
            data[key] = json.dumps(value)
        elif value is not None:
            data[key] = value
    return data


def test_an_admin_edit_of_a_station_goes_through_the_service_and_is_audited(client):
    station = station_create(mn="5A4A00000000000000000001", password="pw1", name="North gate", lon=113.6, lat=34.7)
    url = f"/admin/monitoring/station/{station.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    data = _post_data(page.context["adminform"].form)
    data.update(name="North gate (moved)", lon="113.7", password="pw2")

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    station.refresh_from_db()
    assert (station.name, station.lon, station.password) == ("North gate (moved)", 113.7, "pw2")
    event = AuditEvent.objects.get(action="station.update", object_id=str(station.pk))
    assert event.actor.username == "root"
    assert (event.before["name"], event.before["lon"]) == ("North gate", 113.6)
    assert (event.after["name"], event.after["lon"]) == ("North gate (moved)", 113.7)
    assert event.after["password_changed"] is True
    assert "pw1" not in json.dumps(event.before) and "pw2" not in json.dumps(event.after)


def test_an_admin_delete_of_a_station_is_audited(client):
    station = station_create(mn="5A4A00000000000000000002", password="pw", name="South gate", lon=113.6, lat=34.7)

    response = client.post(f"/admin/monitoring/station/{station.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Station.objects.filter(pk=station.pk).exists()
    event = AuditEvent.objects.get(action="station.delete", object_id=str(station.pk))
    assert event.before["name"] == "South gate"


def test_an_admin_edit_of_a_breakpoint_row_is_audited_with_the_row_before_and_after(client):
    version = StandardVersion.objects.get(code="hj633-2012", kind="aqi_daily")
    row = version.breakpoints.get(indicator="CO_24h")
    url = f"/admin/monitoring/standardversion/{version.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    data = _post_data(page.context["adminform"].form)
    formset = page.context["inline_admin_formsets"][0].formset
    data.update({f"{formset.prefix}-{key}": value for key, value in formset.management_form.initial.items()})
    changed = None
    for i, row_form in enumerate(formset.forms):
        data.update(_post_data(row_form, prefix=f"{formset.prefix}-{i}-"))
        if row_form.instance.pk == row.pk:
            changed = i
    data[f"{formset.prefix}-{changed}-concentrations"] = "[0, 2, 4, 14, 24, 36, 48, 61]"

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    row.refresh_from_db()
    assert row.concentrations[-1] == 61
    event = AuditEvent.objects.get(action="standard.update", object_id=str(version.pk))
    before = {r["indicator"]: r for r in event.before["breakpoints"]}
    after = {r["indicator"]: r for r in event.after["breakpoints"]}
    assert before["CO_24h"]["concentrations"][-1] == 60
    assert after["CO_24h"]["concentrations"][-1] == 61
    assert before["PM2.5_24h"] == after["PM2.5_24h"]


def test_a_breakpoint_row_the_standard_refuses_is_not_saved_and_not_audited(client):
    version = StandardVersion.objects.get(code="hj633-2012", kind="aqi_daily")
    url = f"/admin/monitoring/standardversion/{version.pk}/change/"
    page = client.get(url)
    data = _post_data(page.context["adminform"].form)
    formset = page.context["inline_admin_formsets"][0].formset
    data.update({f"{formset.prefix}-{key}": value for key, value in formset.management_form.initial.items()})
    for i, row_form in enumerate(formset.forms):
        data.update(_post_data(row_form, prefix=f"{formset.prefix}-{i}-"))
    data[f"{formset.prefix}-0-concentrations"] = "[0, 4, 2]"

    response = client.post(url, data)

    assert response.status_code == 200  # the form again, with the error
    assert not AuditEvent.objects.filter(action="standard.update").exists()
    assert StandardBreakpoint.objects.get(pk=formset.forms[0].instance.pk).concentrations != [0, 4, 2]
