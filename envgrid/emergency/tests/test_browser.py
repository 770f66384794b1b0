"""Must show, in a real Chromium: the dispatcher records and activates an orange warning at the desk and the
spot checks go to the right units; the ecology bureau records a compliant check and the street a violation
on the phone (the violation becomes a case routed to the owner); the live board updates by itself.

Screenshots: /tmp/envgrid-emergency-*.png.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone

from envgrid.cases.choices import CaseStatus
from envgrid.emergency.models import DutyAssignment, SpotCheck
from envgrid.emergency.tests.conftest import put_on_duty
from envgrid.tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/envgrid-emergency-{}.png"


def jpeg_payload(name: str) -> dict:
    from envgrid.testing import jpeg_bytes

    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg_bytes((320, 240), color=(90, 90, 90))}


def new_page(browser, live_server, *, phone: bool = False):
    if phone:
        context = browser.new_context(
            locale="zh-CN",
            viewport={"width": 360, "height": 740},
            is_mobile=True,
            has_touch=True,
            device_scale_factor=2,
        )
        context.grant_permissions(["geolocation"])
        context.set_geolocation({"longitude": 113.551, "latitude": 34.801, "accuracy": 12})
    else:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    return page


def record_on_phone(page, obj, *, violated: bool) -> None:
    page.goto(page.base_url + "/emergency/checks/")
    page.locator(f'[data-testid="check-card"][data-object="{obj.code}"]').first.click()
    page.wait_for_selector('[data-testid="gps-status"][data-state="found"]')
    page.get_by_test_id("photo-input").set_input_files([jpeg_payload(f"{obj.code}.jpg")])
    if violated:
        page.locator("#id_note").fill("2号生产线仍在运行，厂区有重型货车进出")
        page.get_by_test_id("record-violated").click()
    else:
        page.get_by_test_id("record-complied").click()
    page.wait_for_url(re.compile(r"/emergency/checks/$"))


def test_orange_warning_to_spot_checks_to_a_case_on_the_live_board(
    browser, live_server, listed, people, bureau, street
):
    first, second = listed
    put_on_duty(bureau, people["unit_lead"])  # the street keeps no roster: the board flags it

    # 1. The dispatcher records an orange warning and activates it.
    desk = new_page(browser, live_server)
    sign_in(desk, "dispatcher")
    desk.goto(desk.base_url + "/emergency/")
    desk.get_by_test_id("record-warning").click()
    now = timezone.localtime().replace(second=0, microsecond=0)
    desk.locator("#id_document_number").fill("鹿高攻坚办〔2026〕21号")
    desk.locator("#id_level").select_option("orange")
    desk.locator("#id_starts_at").fill(now.strftime("%Y-%m-%dT%H:%M"))
    desk.locator("#id_ends_at").fill((now + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    desk.get_by_test_id("warning-submit").click()
    desk.get_by_test_id("activate-warning").click()
    desk.wait_for_selector('[data-testid="warning-header"][data-status="active"]')
    assert desk.locator('[data-testid="history-entry"][data-action="activate"]').count() == 1

    # The checks went to each enterprise's owner (分包): the bureau and the street, twice a day.
    units = dict(SpotCheck.objects.values_list("supervised_object_id", "unit_id").distinct())
    assert units == {first.pk: bureau.pk, second.pk: street.pk}
    per_day = SpotCheck.objects.filter(supervised_object=first, window_start__lt=timezone.now() + dt.timedelta(days=1))
    assert 1 <= per_day.count() <= 3

    desk.get_by_test_id("open-board").click()
    desk.wait_for_selector('[data-testid="board"]')
    assert desk.get_by_test_id("total-done").inner_text() == "0"
    assert street.short_name in desk.get_by_test_id("uncovered-units").inner_text()

    # 2. The bureau records a compliant check, the street a violation, on their phones.
    staff = new_page(browser, live_server, phone=True)
    sign_in(staff, "unit_staff")
    record_on_phone(staff, first, violated=False)
    assert (
        "已落实" in staff.get_by_test_id("phone-message").inner_text()
        if staff.get_by_test_id("phone-message").count()
        else True
    )
    chief = new_page(browser, live_server, phone=True)
    sign_in(chief, "river_chief")
    record_on_phone(chief, second, violated=True)
    chief.screenshot(path=SHOTS.format("phone-after-violation"), full_page=True)

    violated = SpotCheck.objects.get(supervised_object=second, status="violated")
    case = violated.case
    assert case.supervised_object == second and case.lead_unit == street and case.status == CaseStatus.DISPATCHED
    assert case.number in chief.content()
    assert SpotCheck.objects.get(supervised_object=first, status="complied").checked_by == people["unit_staff"]

    # 3. The board, left open, updates by itself (htmx polling every 15 s).
    desk.wait_for_function(
        "() => document.querySelector('[data-testid=\"total-done\"]').textContent.trim() === '2'", timeout=25_000
    )
    assert desk.get_by_test_id("total-violated").inner_text() == "1"
    row = desk.locator(f'[data-testid="board-object"][data-code="{second.code}"]')
    assert row.get_by_test_id("object-violated").inner_text() == "1"
    desk.screenshot(path=SHOTS.format("board"), full_page=True)

    # 4. The warning page keeps the history; the duty week grid edits a cell in place.
    desk.goto(desk.base_url + f"/emergency/warnings/{violated.warning_id}/")
    assert desk.locator('[data-testid="history-entry"]').count() == 2
    desk.screenshot(path=SHOTS.format("warning"), full_page=True)
    desk.goto(desk.base_url + "/emergency/duty/week/")
    cell = desk.locator(f'[data-testid="duty-cell"][data-unit="{street.name}"][data-day="{timezone.localdate()}"]')
    cell.get_by_test_id("edit-cell").click()
    cell.get_by_test_id("cell-form").locator('[name="name"]').fill("李值班")
    cell.get_by_test_id("cell-form").locator('[name="phone"]').fill("13800000021")
    cell.get_by_test_id("cell-add").click()
    cell.get_by_text("李值班").wait_for()
    assert DutyAssignment.objects.filter(unit=street, name="李值班").exists()
    desk.screenshot(path=SHOTS.format("duty-week"), full_page=False)
