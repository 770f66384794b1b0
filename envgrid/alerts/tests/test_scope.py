"""Who sees which alerts (pages and API), who edits rules, and the pinned query counts of the lists."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from envgrid.alerts.choices import AlertKind, Factor
from envgrid.alerts.models import Alert, AlertRule
from envgrid.alerts.tests.conftest import feed
from envgrid.cases.models import CaseCategory
from envgrid.core.choices import Role
from envgrid.core.models import AuditEvent, Unit
from envgrid.monitoring.models import Station

pytestmark = pytest.mark.django_db

EPISODE = [50] * 3 + [130] * 7


@pytest.fixture
def alerts(quiet_district, make_rule):
    """Alerts at three stations: B0001 (翠湖街道, grid 001001-06) and B000A (石桥镇) routed by the table, and
    B0011 (柳湾镇) with a second alert whose rule sends its case to 翠湖街道办事处 on purpose."""
    make_rule(opens_case=True, station_kinds=["micro"])
    cuihu = Unit.objects.get(name="翠湖街道办事处")
    safety = CaseCategory.objects.get(code="safety")  # another category: its own case, not joined to the first
    make_rule(
        name="柳湾专用",
        opens_case=True,
        lead_unit=cuihu,
        category=safety,
        region=Station.objects.get(mn="5A4A000000000000000B0011").grid.street,
    )
    found = {}
    for mn in ("5A4A000000000000000B0001", "5A4A000000000000000B000A", "5A4A000000000000000B0011"):
        station = Station.objects.get(mn=mn)
        feed(station, 0, EPISODE)
        found[mn[-4:]] = list(Alert.objects.filter(station=station))
    return found


@pytest.fixture
def shiqiao_staff(quiet_district):
    return get_user_model().objects.create_user(
        username="shiqiao", password="x", role=Role.UNIT_STAFF, unit=Unit.objects.get(name="石桥镇人民政府")
    )


def visible_stations(client, user) -> set[str]:
    client.force_login(user)
    page = client.get(reverse("alert-list")).content.decode()
    api = APIClient()
    api.force_authenticate(user)
    rows = api.get("/api/v1/alerts/").json()["results"]
    from_api = {row["station_mn"][-5:] for row in rows}
    from_page = {mn for mn in ("B0001", "B000A", "B0011") if f'data-station="5A4A000000000000000{mn}"' in page}
    assert from_api == from_page
    return from_api


@pytest.mark.parametrize("username", ["admin", "dispatcher", "leader", "taskforce_lead", "unit_lead"])
def test_district_wide_roles_and_district_departments_see_every_alert(alerts, people, client, username):
    assert visible_stations(client, people[username]) == {"B0001", "B000A", "B0011"}


def test_a_grid_head_sees_the_alerts_of_the_grids_they_head(alerts, people, client):
    assert visible_stations(client, people["grid_head"]) == {"B0001"}


@pytest.mark.full_district
def test_a_grid_member_sees_nothing_outside_their_grid(alerts, people, client):
    assert visible_stations(client, people["grid_member"]) == set()
    client.force_login(people["grid_member"])
    assert client.get(reverse("alert-detail", args=[alerts["0001"][0].pk])).status_code == 404


@pytest.mark.full_district
def test_a_street_unit_sees_its_grids_and_the_cases_sent_to_it(alerts, people, client):
    """翠湖街道 (river chief's unit) governs B0001's grid, and got the B0011 case by the rule's lead unit."""
    assert visible_stations(client, people["river_chief"]) == {"B0001", "B0011"}


@pytest.mark.full_district
def test_another_street_sees_only_its_own(alerts, shiqiao_staff, client):
    assert visible_stations(client, shiqiao_staff) == {"B000A"}
    api = APIClient()
    api.force_authenticate(shiqiao_staff)
    assert api.get(f"/api/v1/alerts/{alerts['0001'][0].pk}/").status_code == 404


def test_the_alert_page_shows_the_readings_and_links_the_case(alerts, people, client):
    alert = alerts["0001"][0]
    client.force_login(people["grid_head"])

    page = client.get(reverse("alert-detail", args=[alert.pk])).content.decode()

    assert 'data-testid="alert-sparkline"' in page
    assert reverse("case-detail", args=[alert.case_id]) in page  # the grid head verifies it on site


@pytest.mark.full_district
def test_the_list_filters_by_state_and_station(alerts, people, client):
    client.force_login(people["dispatcher"])

    page = client.get(reverse("alert-list"), {"q": "B000A", "state": "open"}).content.decode()
    assert page.count('data-testid="alert-list-row"') == 1
    page = client.get(reverse("alert-list"), {"state": "cleared"}).content.decode()
    assert page.count('data-testid="alert-list-row"') == 0
    htmx = client.get(reverse("alert-list"), {"state": "open"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in htmx and htmx.count('data-testid="alert-list-row"') == 4  # B0011 has two


def test_the_list_page_and_api_take_a_fixed_number_of_queries(alerts, people, client, make_rule):
    client.force_login(people["river_chief"])
    api = APIClient()
    api.force_authenticate(people["river_chief"])
    with CaptureQueriesContext(connection) as page_before:
        client.get(reverse("alert-list"))
    with CaptureQueriesContext(connection) as api_before:
        api.get("/api/v1/alerts/")
    for mn in ("5A4A000000000000000B0002", "5A4A000000000000000B0003"):
        feed(Station.objects.get(mn=mn), 0, EPISODE)

    with CaptureQueriesContext(connection) as page_after:
        client.get(reverse("alert-list"))
    with CaptureQueriesContext(connection) as api_after:
        api.get("/api/v1/alerts/")

    assert len(page_after) == len(page_before)
    assert len(api_after) == len(api_before)


RULE = {
    "name": "NO2 超标",
    "kind": AlertKind.THRESHOLD,
    "factor": Factor.NO2,
    "raise_level": 200,
    "clear_level": 150,
    "duration_minutes": 10,
    "category": None,
    "station_kinds": ["micro"],
}


@pytest.fixture
def rule_data(quiet_district):
    from envgrid.cases.models import CaseCategory

    return {**RULE, "category": CaseCategory.objects.get(code="other").pk}


def test_an_admin_creates_and_changes_a_rule_through_the_api(rule_data, people):
    api = APIClient()
    api.force_authenticate(people["admin"])

    made = api.post("/api/v1/alert-rules/", rule_data, format="json")
    assert made.status_code == 201, made.content
    changed = api.patch(f"/api/v1/alert-rules/{made.json()['id']}/", {"raise_level": 250}, format="json")

    assert changed.status_code == 200 and changed.json()["raise_level"] == 250
    rule = AlertRule.objects.get(name="NO2 超标")
    assert (rule.raise_level, rule.clear_level, rule.station_kinds) == (250, 150, ["micro"])
    audit = AuditEvent.objects.filter(object_id=str(rule.pk), action__startswith="alerts.").order_by("id")
    assert list(audit.values_list("action", flat=True)) == ["alerts.rule_create", "alerts.rule_update"]


def test_a_bad_rule_is_refused_naming_the_field(rule_data, people):
    api = APIClient()
    api.force_authenticate(people["admin"])

    answer = api.post("/api/v1/alert-rules/", {**rule_data, "clear_level": 300}, format="json")

    assert answer.status_code == 400
    assert "clear_level" in answer.json()["fields"]
    assert not AlertRule.objects.filter(name="NO2 超标").exists()


@pytest.mark.parametrize("username", ["dispatcher", "leader", "unit_lead", "grid_member"])
def test_only_admins_write_rules_everyone_reads_them(rule_data, people, username):
    api = APIClient()
    api.force_authenticate(people[username])
    rule = AlertRule.objects.create(**{**RULE, "category_id": rule_data["category"]})

    created = api.post("/api/v1/alert-rules/", {**rule_data, "name": "越权"}, format="json")
    patched = api.patch(f"/api/v1/alert-rules/{rule.pk}/", {"raise_level": 1}, format="json")
    listed = api.get("/api/v1/alert-rules/")

    assert (created.status_code, created.json()["code"]) == (403, "permission_denied")
    assert patched.status_code == 403
    assert listed.status_code == 200 and listed.json()["count"] == 1
    rule.refresh_from_db()
    assert rule.raise_level == 200 and not AlertRule.objects.filter(name="越权").exists()


def test_the_web_editor_is_for_admins(rule_data, people, client):
    client.force_login(people["dispatcher"])
    assert client.get(reverse("alert-rule-create")).status_code == 403
    assert client.get(reverse("alert-rule-list")).status_code == 200

    client.force_login(people["admin"])
    form = {
        **rule_data,
        "cn": 2051,
        "suppress_minutes": 60,
        "window_minutes": 30,
        "hot_measure": "ratio",
        "radius_m": 3000,
        "min_neighbours": 2,
        "clear_minutes": 0,
        "severity": "normal",
        "is_active": "on",
        "opens_case": "on",
    }
    answer = client.post(reverse("alert-rule-create"), form)
    assert answer.status_code == 302
    rule = AlertRule.objects.get(name="NO2 超标")
    assert rule.station_kinds == ["micro"] and rule.opens_case

    answer = client.post(reverse("alert-rule-edit", args=[rule.pk]), {**form, "clear_level": 900})
    assert answer.status_code == 400
    assert 'data-field="clear_level"' in answer.content.decode()
    rule.refresh_from_db()
    assert rule.clear_level == 150
