"""The closed loop in a real Chromium, each step by the role that owns it: a grid member reports on
the phone (camera photo, GPS), the dispatcher accepts and dispatches at the desk, the ecology bureau
signs and feeds back with a photo, the grid member verifies on the phone — and the timeline says so.

Screenshots go to /tmp/envgrid-cases-*.png (desk 1366 px, phone 360 px).
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from envgrid.cases.choices import CaseStatus
from envgrid.cases.models import Case
from envgrid.cases.tests.conftest import ECOLOGY, jpeg_bytes, point_in
from envgrid.core.choices import Role
from envgrid.tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/envgrid-cases-{}.png"


def photo(name: str, lon: float, lat: float) -> dict:
    data = jpeg_bytes((640, 480), gps=(lon, lat), taken="2026:05:01 09:30:00")
    return {"name": name, "mimeType": "image/jpeg", "buffer": data}


def desk_page(browser, live_server, username: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    sign_in(page, username)
    return page


def take_action(page, action: str, *, fill: dict | None = None, files: list | None = None, check=None) -> None:
    """Open an action's form on the case page, fill it, submit, and wait for the new case panel."""
    version = page.get_by_test_id("case-header").get_attribute("data-version")
    page.get_by_test_id(f"action-{action}").click()
    form = page.locator(f'[data-testid="action-form"][data-action="{action}"]')
    form.wait_for()
    if check:
        check(form)
    for name, value in (fill or {}).items():
        form.locator(f'[name="{name}"]').fill(value)
    if files:
        form.locator('input[type="file"]').set_input_files(files)
    form.get_by_test_id("action-submit").click()
    page.wait_for_selector(f'[data-testid="case-header"]:not([data-version="{version}"])')
    page.get_by_test_id("action-done").wait_for()


def status_on_page(page) -> str:
    return page.locator('[data-testid="case-header"] [data-testid="status-badge"]').get_attribute("data-status")


def test_one_case_from_a_phone_report_to_closure(browser, live_server, phone_page, demo):
    people = {u.username: u for u in get_user_model().objects.select_related("unit")}
    member = people["grid_member"]
    grid = member.member_grids.get()
    lon, lat = point_in(grid)

    # 1. The grid member reports on the phone, with the GPS position and a camera photo.
    phone_page.context.grant_permissions(["geolocation"])
    phone_page.context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 15})
    sign_in(phone_page, "grid_member")
    phone_page.goto(phone_page.base_url + "/cases/m/")
    phone_page.screenshot(path=SHOTS.format("phone-home"), full_page=True)
    phone_page.get_by_test_id("phone-report-button").click()
    phone_page.wait_for_selector('[data-testid="gps-status"][data-state="textFound"]')
    assert "15" in phone_page.get_by_test_id("gps-status").inner_text()
    phone_page.locator("#id_title").fill("化工厂烟囱冒黄烟")
    phone_page.locator("#id_category").select_option(label="废气超标排放")
    phone_page.locator("#id_description").fill("下午三点起持续冒黄烟，气味刺鼻")
    phone_page.get_by_test_id("photo-input").set_input_files([photo("scene.jpg", lon, lat)])
    phone_page.wait_for_selector(f'#picked-grid[data-grid="{grid.code}"]')
    assert grid.name in phone_page.get_by_test_id("picked-grid").inner_text()
    phone_page.screenshot(path=SHOTS.format("phone-report"), full_page=True)
    phone_page.get_by_test_id("phone-report-submit").click()
    phone_page.wait_for_url(re.compile(r"/cases/m/\d+/$"))
    case = Case.objects.get()
    assert (case.status, case.grid_id, case.reporter_id) == (CaseStatus.REPORTED, grid.pk, member.pk)
    assert case.lon == pytest.approx(lon, abs=1e-6) and case.attachments.get().taken_lat == pytest.approx(lat, 1e-4)
    phone_page.screenshot(path=SHOTS.format("phone-reported"), full_page=True)

    # 2. The dispatcher accepts and dispatches at the desk; routing picks the ecology bureau.
    desk = desk_page(browser, live_server, "dispatcher")
    desk.goto(desk.base_url + "/cases/")
    row = desk.locator(f'[data-testid="case-row"][data-number="{case.number}"]')
    row.wait_for()
    desk.screenshot(path=SHOTS.format("desk-queue"), full_page=True)
    row.get_by_role("link", name=case.number).click()
    desk.get_by_test_id("case-map").locator("path.leaflet-interactive").first.wait_for()
    take_action(desk, "accept", fill={"note": "情况属实，予以受理"})
    assert status_on_page(desk) == CaseStatus.ACCEPTED

    def routed_to_ecology(form):
        assert form.get_by_test_id("routed-unit").inner_text().endswith(ECOLOGY)
        assert form.locator("select[name=lead_unit] option:checked").inner_text() == ECOLOGY

    take_action(desk, "dispatch", check=routed_to_ecology)
    assert status_on_page(desk) == CaseStatus.DISPATCHED
    assert desk.get_by_test_id("case-lead-unit").inner_text() == ECOLOGY
    desk.screenshot(path=SHOTS.format("desk-dispatched"), full_page=True)
    desk.context.close()

    # 3. The ecology bureau's staff signs and feeds back with a photo.
    unit = desk_page(browser, live_server, "unit_staff")
    unit.goto(unit.base_url + "/cases/")
    unit.locator(f'[data-testid="case-row"][data-number="{case.number}"]').get_by_role("link").first.click()
    take_action(unit, "sign")
    assert status_on_page(unit) == CaseStatus.SIGNED
    take_action(unit, "feedback", fill={"note": "已责令停产，更换脱硫设施"}, files=[photo("after.jpg", lon, lat)])
    assert status_on_page(unit) == CaseStatus.FED_BACK
    unit.screenshot(path=SHOTS.format("desk-fed-back"), full_page=True)
    unit.context.close()

    # 4. The grid member verifies on site from the phone: pass.
    phone_page.goto(phone_page.base_url + "/cases/m/verify/")
    task = phone_page.locator(f'[data-testid="verify-task"][data-number="{case.number}"]')
    task.wait_for()
    task.locator("textarea[name=note]").fill("现场复核，已无冒烟")
    task.locator('input[type="file"]').set_input_files([photo("check.jpg", lon, lat)])
    phone_page.screenshot(path=SHOTS.format("phone-verify"), full_page=True)
    task.get_by_test_id("verify-pass").click()
    phone_page.get_by_test_id("no-tasks").wait_for()
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED

    # 5. The case page's timeline shows every step, with who did it in which role.
    phone_page.goto(phone_page.base_url + f"/cases/m/{case.pk}/")
    phone_page.screenshot(path=SHOTS.format("phone-closed"), full_page=True)
    review = desk_page(browser, live_server, "dispatcher")
    review.goto(review.base_url + f"/cases/{case.pk}/")
    events = review.get_by_test_id("event")
    steps = [
        ("report", "grid_member", CaseStatus.REPORTED),
        ("accept", "dispatcher", CaseStatus.ACCEPTED),
        ("dispatch", "dispatcher", CaseStatus.DISPATCHED),
        ("sign", "unit_staff", CaseStatus.SIGNED),
        ("feedback", "unit_staff", CaseStatus.FED_BACK),
        ("verify_pass", "grid_member", CaseStatus.CLOSED),
    ]
    assert events.count() == len(steps)
    with translation.override("zh-hans"):
        for i, (action, username, status) in enumerate(steps):
            event, person = events.nth(i), people[username]
            assert event.get_attribute("data-action") == action
            assert event.get_attribute("data-to") == status
            assert event.get_by_test_id("event-actor").inner_text() == str(person)
            assert event.get_by_test_id("event-role").inner_text() == str(Role(person.role).label)
            assert event.get_by_test_id("event-unit").inner_text() == person.unit.name
    assert events.nth(4).locator("img").count() == 1 and events.nth(5).locator("img").count() == 1
    review.screenshot(path=SHOTS.format("desk-closed"), full_page=True)
    review.context.close()


def test_without_gps_the_point_is_picked_on_the_map_and_its_grid_shown(phone_page, demo):
    member = get_user_model().objects.get(username="grid_member")
    grid = member.member_grids.get()
    lon, lat = point_in(grid)
    sign_in(phone_page, "grid_member")  # no geolocation permission: the phone says no

    phone_page.goto(phone_page.base_url + "/cases/m/report/")
    phone_page.wait_for_selector('[data-testid="gps-status"][data-state="textDenied"]')
    phone_page.wait_for_selector('#point-picker[data-drawn="1"]')
    x, y = phone_page.evaluate(
        "([lat, lon]) => { const p = document.getElementById('point-picker')._picker.map"
        ".latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
        [lat, lon],
    )
    phone_page.get_by_test_id("point-picker").tap(position={"x": x, "y": y})
    phone_page.wait_for_selector(f'#picked-grid[data-grid="{grid.code}"]')
    phone_page.screenshot(path=SHOTS.format("phone-map-pick"), full_page=True)
    phone_page.locator("#id_title").fill("秸秆焚烧")
    phone_page.locator("#id_category").select_option(label="秸秆焚烧")
    phone_page.get_by_test_id("phone-report-submit").click()
    phone_page.wait_for_url(re.compile(r"/cases/m/\d+/$"))

    case = Case.objects.get()
    assert case.grid_id == grid.pk
    assert case.lon == pytest.approx(lon, abs=1e-4) and case.lat == pytest.approx(lat, abs=1e-4)


def test_bulk_accept_from_the_dispatchers_queue(browser, live_server, make_case):
    cases = [make_case(title=f"批量{i}") for i in range(3)]
    desk = desk_page(browser, live_server, "dispatcher")
    desk.goto(desk.base_url + "/cases/")

    for case in cases[:2]:
        desk.locator(f'[data-testid="case-row"][data-number="{case.number}"] input[name=ids]').check()
    desk.get_by_test_id("bulk-accept").click()
    desk.get_by_test_id("bulk-done").wait_for()
    desk.wait_for_function("document.querySelectorAll('[data-testid=case-row]').length === 1")

    assert [c.status for c in Case.objects.order_by("pk")] == [
        CaseStatus.ACCEPTED,
        CaseStatus.ACCEPTED,
        CaseStatus.REPORTED,
    ]
    desk.screenshot(path=SHOTS.format("desk-bulk"), full_page=True)
    desk.context.close()
