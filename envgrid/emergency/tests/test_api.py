"""The emergency API: the same scope as the web for every demo role, the commands and their error codes."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from envgrid.emergency.models import DutyAssignment, PollutionWarning, SpotCheck
from envgrid.emergency.services.warnings import warning_activate
from envgrid.emergency.tests.conftest import jpeg, put_on_duty, xlsx
from envgrid.testing import CLOCK_TIMES

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(people):
    def _as(username: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(people[username])
        return client

    return _as


@pytest.fixture
def active(listed, record, people):
    warning = record(level="orange")
    return warning_activate(warning=warning, actor=people["dispatcher"])


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("dispatcher", "all"),
        ("admin", "all"),
        ("leader", "all"),
        ("taskforce_lead", "all"),
        ("unit_lead", "bureau"),
        ("unit_staff", "bureau"),
        ("river_chief", "street"),
        ("grid_member", "none"),
        ("grid_head", "none"),
    ],
)
def test_spot_checks_are_listed_within_each_roles_scope(active, api, bureau, street, username, expected):
    wanted = {
        "all": SpotCheck.objects.all(),
        "bureau": SpotCheck.objects.filter(unit=bureau),
        "street": SpotCheck.objects.filter(unit=street),
        "none": SpotCheck.objects.none(),
    }[expected]
    assert ids(api(username).get("/api/v1/spot-checks/?limit=500")) == set(wanted.values_list("pk", flat=True))


def test_a_unit_records_its_own_check_through_the_api_and_not_anothers(active, api, listed, street):
    own = active.spot_checks.filter(supervised_object=listed[0]).order_by("due_at").first()
    other = active.spot_checks.filter(unit=street).first()

    refused = api("unit_staff").post(f"/api/v1/spot-checks/{other.pk}/record/", {"result": "complied"})
    assert refused.status_code == 404
    denied = api("dispatcher").post(f"/api/v1/spot-checks/{own.pk}/record/", {"result": "complied"})
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
    no_photo = api("unit_staff").post(f"/api/v1/spot-checks/{own.pk}/record/", {"result": "violated", "note": "x"})
    assert no_photo.status_code == 400 and no_photo.json()["code"] == "photo_required"

    done = api("unit_staff").post(
        f"/api/v1/spot-checks/{own.pk}/record/",
        {"result": "violated", "note": "仍在生产", "files": [jpeg()], "lon": "113.55", "lat": "34.8"},
        format="multipart",
    )
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["status"] == "violated" and body["case_number"] and len(body["photos"]) == 1
    other.refresh_from_db()
    assert other.status == "pending"
    again = api("unit_lead").post(f"/api/v1/spot-checks/{own.pk}/record/", {"result": "complied"})
    assert again.status_code == 409 and again.json()["code"] == "already_recorded"


def test_the_dispatcher_records_activates_and_lifts_a_warning(listed, api, clock):
    start, end = clock.now.isoformat(), clock.at(days=1).isoformat()
    created = api("dispatcher").post(
        "/api/v1/warnings/",
        {"document_number": "鹿高攻坚办〔2026〕3号", "level": "yellow", "starts_at": start, "ends_at": end},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    activated = api("dispatcher").post(f"/api/v1/warnings/{pk}/activate/", {}, format="json")
    assert activated.status_code == 200 and activated.json()["status"] == "active"
    assert SpotCheck.objects.filter(warning_id=pk).count() == 4  # 2 enterprises × (09:30–24, 0–09:30)
    changed = api("dispatcher").post(f"/api/v1/warnings/{pk}/change/", {"level": "red"}, format="json")
    assert changed.status_code == 200 and changed.json()["level"] == "red"
    board = api("unit_staff").get(f"/api/v1/warnings/{pk}/board/").json()
    assert {r["unit__name"] for r in board["by_unit"]} == {listed[0].responsibilities.first().unit.name}
    lifted = api("dispatcher").post(f"/api/v1/warnings/{pk}/lift/", {"note": "好转"}, format="json")
    assert lifted.json()["status"] == "lifted"
    assert [e["action"] for e in lifted.json()["events"]] == ["record", "activate", "change", "lift"]
    twice = api("dispatcher").post(f"/api/v1/warnings/{pk}/lift/", {}, format="json")
    assert twice.status_code == 409 and twice.json()["code"] == "invalid_transition"


@pytest.mark.parametrize("username", ["unit_lead", "leader", "grid_member", "river_chief"])
def test_only_the_command_centre_records_or_activates_warnings(listed, record, api, clock, username):
    warning = record()
    payload = {
        "document_number": "X",
        "level": "red",
        "starts_at": clock.now.isoformat(),
        "ends_at": clock.at(days=1).isoformat(),
    }
    response = api(username).post("/api/v1/warnings/", payload, format="json")
    assert response.status_code == 403
    assert api(username).post(f"/api/v1/warnings/{warning.pk}/activate/", {}, format="json").status_code == 403
    assert PollutionWarning.objects.count() == 1 and not SpotCheck.objects.exists()
    assert api(username).get("/api/v1/warnings/").json()["count"] == 1  # everyone knows the level


@pytest.mark.parametrize("hour", CLOCK_TIMES)
def test_duty_is_listed_and_kept_within_scope(api, people, bureau, street, travel, hour):
    travel(hour)
    mine = put_on_duty(bureau, people["unit_lead"])
    theirs = put_on_duty(street, people["river_chief"])
    assert ids(api("dispatcher").get("/api/v1/duty/")) == {mine.pk, theirs.pk}
    assert ids(api("unit_staff").get("/api/v1/duty/")) == {mine.pk}
    assert ids(api("river_chief").get("/api/v1/duty/")) == {theirs.pk}
    now = api("unit_staff").get("/api/v1/duty/now/").json()
    assert [row["name"] for row in now] == ["值班员甲"]

    day = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    payload = {"unit": bureau.pk, "date": day, "shift": "night", "name": "夜班员", "phone": "13800000009"}
    assert api("unit_lead").post("/api/v1/duty/", payload, format="json").status_code == 201
    assert api("unit_lead").post("/api/v1/duty/", {**payload, "unit": street.pk}, format="json").status_code == 403
    assert api("unit_staff").post("/api/v1/duty/", {**payload, "name": "x"}, format="json").status_code == 403
    assert api("unit_staff").delete(f"/api/v1/duty/{mine.pk}/").status_code == 403
    assert api("unit_lead").delete(f"/api/v1/duty/{theirs.pk}/").status_code == 404
    assert DutyAssignment.objects.count() == 3


def test_a_roster_import_through_the_api_reports_rows_and_columns(api, bureau):
    content = xlsx(["单位", "日期", "班次", "姓名", "电话"], [[bureau.name, "2026-13-40", "白班", "张三", "138"]])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api("dispatcher").post(
        "/api/v1/duty/import/",
        {"file": SimpleUploadedFile("duty.xlsx", content), "dry_run": "true"},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["code"] == "import_invalid"
    assert {(d["row"], d["column"]) for d in response.json()["details"]} == {(2, "日期"), (2, "电话")}


def test_reduction_measures_are_listed_within_scope_and_set_by_the_command_centre(listed, api):
    first, second = listed
    everything = ids(api("leader").get("/api/v1/reduction-measures/"))
    assert len(everything) == 6
    staff = api("unit_staff").get("/api/v1/reduction-measures/").json()["results"]
    assert {row["supervised_object"] for row in staff} == {first.pk}
    payload = {"supervised_object": first.pk, "level": "red", "measures": "全厂停产", "cut_percent": 100}
    assert api("unit_lead").post("/api/v1/reduction-measures/", payload, format="json").status_code == 403
    saved = api("dispatcher").post("/api/v1/reduction-measures/", payload, format="json")
    assert saved.status_code == 201 and saved.json()["cut_percent"] == 100
    assert len(ids(api("leader").get("/api/v1/reduction-measures/"))) == 6  # replaced, not added


def test_the_list_endpoints_do_not_grow_queries_with_rows(active, api, django_assert_max_num_queries):
    client = api("dispatcher")
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/spot-checks/?limit=500").status_code == 200


def test_a_spot_check_filter_that_is_not_an_id_is_refused_by_name(active, api):
    response = api("dispatcher").get("/api/v1/spot-checks/", {"warning": "abc"})

    assert response.status_code == 400
    assert response.json()["warning"]  # the parameter is named
