"""The emergency pages for each role: scope, permissions, the htmx fragments (board, duty cells), the imports
and the home counts."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from envgrid.emergency.models import DutyAssignment, PollutionWarning, SpotCheck
from envgrid.emergency.services.warnings import warning_activate
from envgrid.emergency.tests.conftest import jpeg, put_on_duty, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client, people):
    def _as(username: str):
        client.force_login(people[username])
        return client

    return _as


@pytest.fixture
def active(listed, record, people):
    warning = record(level="orange")
    return warning_activate(warning=warning, actor=people["dispatcher"])


@pytest.mark.parametrize(
    "username",
    [
        "admin",
        "dispatcher",
        "unit_lead",
        "unit_staff",
        "grid_head",
        "grid_member",
        "river_chief",
        "taskforce_lead",
        "leader",
    ],
)
def test_every_role_opens_the_emergency_pages(active, as_user, username):
    client = as_user(username)
    for url in (
        "/emergency/",
        f"/emergency/warnings/{active.pk}/",
        f"/emergency/warnings/{active.pk}/board/",
        "/emergency/duty/",
        "/emergency/duty/week/",
        "/emergency/measures/",
        "/emergency/checks/",
    ):
        assert client.get(url).status_code == 200, (username, url)


def test_the_dispatcher_records_and_activates_a_warning_from_the_form(listed, as_user, clock):
    client = as_user("dispatcher")
    assert client.get("/emergency/warnings/new/").status_code == 200
    fmt = "%Y-%m-%dT%H:%M"
    response = client.post(
        "/emergency/warnings/new/",
        {
            "document_number": "鹿高攻坚办〔2026〕8号",
            "level": "red",
            "starts_at": timezone.localtime(clock.now).strftime(fmt),
            "ends_at": timezone.localtime(clock.at(days=1)).strftime(fmt),
            "activate": "on",
        },
    )
    warning = PollutionWarning.objects.get()
    assert response.status_code == 302 and response.url == f"/emergency/warnings/{warning.pk}/"
    assert warning.status == "active" and warning.spot_checks.count() > 0


@pytest.mark.parametrize("username", ["unit_lead", "leader", "grid_member"])
def test_others_may_not_record_activate_or_lift(listed, record, as_user, username):
    warning = record()
    client = as_user(username)
    assert client.get("/emergency/warnings/new/").status_code == 403
    client.post(f"/emergency/warnings/{warning.pk}/activate/")
    warning.refresh_from_db()
    assert warning.status == "recorded" and not SpotCheck.objects.exists()
    page = client.get(f"/emergency/warnings/{warning.pk}/").content.decode()
    assert 'data-testid="activate-warning"' not in page


def test_the_board_fragment_is_served_to_htmx_and_polls_while_active(active, as_user):
    response = as_user("dispatcher").get(f"/emergency/warnings/{active.pk}/board/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="board"')
    assert 'hx-trigger="every 15s"' in html and html.count('data-testid="board-object"') == 2


def test_a_unit_sees_only_its_own_checks_and_records_one_on_the_phone_page(active, as_user, listed, street):
    client = as_user("unit_staff")
    page = client.get("/emergency/checks/").content.decode()
    assert listed[0].code in page and listed[1].code not in page
    other = active.spot_checks.filter(unit=street).first()
    assert client.get(f"/emergency/checks/{other.pk}/").status_code == 404
    own = active.spot_checks.filter(supervised_object=listed[0]).order_by("due_at").first()

    posted = {"result": "violated", "note": "未停2号线", "photos": [jpeg()], "lon": "113.5", "lat": "34.8"}
    response = client.post(f"/emergency/checks/{own.pk}/", posted)

    own.refresh_from_db()
    assert response.status_code == 302 and own.status == "violated" and own.case is not None
    detail = client.get(f"/emergency/checks/{own.pk}/").content.decode()
    assert own.case.number in detail and 'data-testid="record-form"' not in detail
    photo = own.photos.get()
    assert client.get(f"/emergency/photos/{photo.pk}/thumbnail/").status_code == 200
    assert as_user("river_chief").get(f"/emergency/photos/{photo.pk}/").status_code == 404


def test_a_refused_record_says_why_and_changes_nothing(active, as_user, listed):
    own = active.spot_checks.filter(supervised_object=listed[0]).order_by("due_at").first()
    response = as_user("unit_staff").post(f"/emergency/checks/{own.pk}/", {"result": "violated", "note": ""})
    assert response.status_code == 400 and 'data-testid="form-error"' in response.content.decode()
    own.refresh_from_db()
    assert own.status == "pending"


def test_the_check_list_pins_its_queries(active, as_user, django_assert_max_num_queries):
    client = as_user("dispatcher")
    client.get("/emergency/checks/")  # warm the session and the nav
    with django_assert_max_num_queries(16):
        assert client.get("/emergency/checks/?status=").status_code == 200


def test_todays_duty_list_flags_units_with_nobody_on_duty(active, as_user, people, bureau, street):
    put_on_duty(bureau, people["unit_lead"])
    page = as_user("dispatcher").get("/emergency/duty/").content.decode()
    assert f'data-unit="{bureau.name}" data-uncovered="0"' in page
    assert f'data-unit="{street.name}" data-uncovered="1"' in page
    mine = as_user("unit_staff").get("/emergency/duty/").content.decode()
    assert street.name not in mine.split('data-testid="duty-today"')[1]


def test_a_unit_lead_edits_own_cells_in_the_week_grid_only(as_user, bureau, street):
    client = as_user("unit_lead")
    day = timezone.localdate().isoformat()
    assert client.get(f"/emergency/duty/cell/{bureau.pk}/{day}/?edit=1").status_code == 200
    assert client.get(f"/emergency/duty/cell/{street.pk}/{day}/?edit=1").status_code in (403, 404)
    shift_id = __import__("envgrid.emergency.models", fromlist=["DutyShift"]).DutyShift.objects.get(code="day").pk
    added = client.post(
        f"/emergency/duty/cell/{bureau.pk}/{day}/",
        {"shift": shift_id, "post": "officer", "name": "周一", "phone": "13800000011"},
    )
    assert added.status_code == 200 and "周一" in added.content.decode()
    entry = DutyAssignment.objects.get(name="周一")
    bad = client.post(
        f"/emergency/duty/cell/{bureau.pk}/{day}/", {"shift": shift_id, "post": "officer", "name": "周二", "phone": "x"}
    )
    assert bad.status_code == 400 and 'data-testid="cell-error"' in bad.content.decode()
    assert as_user("unit_staff").post(f"/emergency/duty/{entry.pk}/remove/").status_code == 403
    assert as_user("unit_lead").post(f"/emergency/duty/{entry.pk}/remove/").status_code == 200
    assert not DutyAssignment.objects.exists()


def test_the_import_page_previews_a_dry_run_and_lists_bad_rows(as_user, bureau):
    client = as_user("dispatcher")
    day = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    good = xlsx(["单位", "日期", "班次", "姓名", "电话"], [[bureau.name, day, "白班", "张三", "13800000000"]])
    preview = client.post("/emergency/duty/import/", {"file": SimpleUploadedFile("d.xlsx", good), "dry_run": "on"})
    assert preview.status_code == 200 and 'data-testid="import-preview"' in preview.content.decode()
    assert not DutyAssignment.objects.exists()
    bad = xlsx(["单位", "日期", "班次", "姓名", "电话"], [[bureau.name, day, "早班", "张三", "13800000000"]])
    refused = client.post("/emergency/duty/import/", {"file": SimpleUploadedFile("d.xlsx", bad)})
    assert refused.status_code == 400 and 'data-row="2" data-column="班次"' in refused.content.decode()
    done = client.post("/emergency/duty/import/", {"file": SimpleUploadedFile("d.xlsx", good)})
    assert done.status_code == 302 and DutyAssignment.objects.count() == 1
    assert as_user("unit_staff").get("/emergency/duty/import/").status_code == 403
    assert as_user("unit_lead").get("/emergency/measures/import/").status_code == 403


def test_home_counts_show_open_checks_and_units_without_duty(active, as_user, people, bureau, clock):
    from envgrid.emergency.selectors import home_counts

    desk = {str(c.label): c.value for c in home_counts(people["dispatcher"])}
    assert desk["Active pollution warnings"] == 1 and desk["Units with nobody on duty"] > 0
    staff = {str(c.label): c.value for c in home_counts(people["unit_staff"])}
    assert staff == {"Spot checks to do": 1, "Spot checks overdue": 0, "Your unit has nobody on duty": 1}
    put_on_duty(bureau, people["unit_lead"])
    assert "Your unit has nobody on duty" not in {str(c.label) for c in home_counts(people["unit_staff"])}
    assert home_counts(people["grid_member"]) == []
    assert 'href="/emergency/checks/"' in as_user("unit_staff").get("/").content.decode()
