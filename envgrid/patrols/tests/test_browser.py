"""Must show, in a real Chromium on a 360 px phone: the ecology bureau's staff member records a night
inspection at an enterprise found by GPS, inside the night window; the item not met and the problem
described become a case routed to the enterprise's owner (its 分包 street, not the bureau the routing table
would pick). A second record in the afternoon is refused as a night inspection, with the reason.

Screenshots go to /tmp/envgrid-patrols-*.png.
"""

import datetime as dt
import re

import pytest

from envgrid.cases.choices import CaseStatus, Channel
from envgrid.cases.models import Case
from envgrid.patrols.choices import InspectionKind
from envgrid.patrols.models import Inspection
from envgrid.patrols.services import current_checklist, plan_create
from envgrid.patrols.tests.conftest import beijing_time, jpeg_bytes
from envgrid.tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/envgrid-patrols-{}.png"


def local(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def test_a_night_inspection_on_the_phone_becomes_a_case_for_the_objects_owner(
    phone_page, people, make_object, street_grid, street_unit, bureau
):
    enterprise = make_object(street_grid, owner=street_unit, name="宏达化工有限公司")
    plan_create(
        actor=people["unit_lead"],
        title="夏季夜查专项",
        kind=InspectionKind.NIGHT,
        objects=[enterprise],
        starts_on=dt.date(2020, 1, 1),
        ends_on=dt.date(2030, 1, 1),
        times=2,
    )
    failing = list(current_checklist("enterprise").items.all())[3]  # 排放口无明显烟尘、异味 → 废气超标排放
    page = phone_page
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": enterprise.lon + 0.0004, "latitude": enterprise.lat, "accuracy": 12})
    sign_in(page, "unit_staff")

    # 1. The start page finds the enterprise near the GPS position.
    page.goto(page.base_url + "/patrols/m/")
    nearby = page.locator(f'[data-testid="found-objects"] [data-code="{enterprise.code}"]')
    nearby.wait_for()
    assert re.fullmatch(r"\d+ m", nearby.get_by_test_id("distance").inner_text())
    page.screenshot(path=SHOTS.format("phone-start"), full_page=True)
    nearby.click()

    # 2. The record: night, last night 21:10–21:50, every item answered, one not met, a photo, the problem.
    page.get_by_test_id("inspection-form").wait_for()
    page.wait_for_selector('[data-testid="gps-status"][data-state="textFound"]')
    page.locator('label[for="id_kind_1"]').click()  # 夜查
    page.locator("#id_started_at").fill(local(beijing_time(1, 21, 10)))
    page.locator("#id_ended_at").fill(local(beijing_time(1, 21, 50)))
    items = page.get_by_test_id("check-item")
    assert items.count() == 6
    for index in range(items.count()):
        item = items.nth(index)
        answer = "fail" if item.get_attribute("data-item") == str(failing.pk) else "pass"
        item.locator(f'label[for="{item.get_by_test_id("answer-" + answer).get_attribute("id")}"]').click()
    page.locator(f'[data-item="{failing.pk}"] .eg-fail-note').fill("排口冒黄烟")
    assert page.locator("#id_category").input_value() == str(failing.category_id)  # suggested by the item
    photo = jpeg_bytes((640, 480), gps=(enterprise.lon, enterprise.lat), taken="2026:05:01 21:30:00")
    page.get_by_test_id("photo-input").set_input_files(
        [{"name": "night.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    page.get_by_test_id("finding-text").fill("夜间排口持续冒黄烟，气味刺鼻")
    page.screenshot(path=SHOTS.format("phone-record"), full_page=True)
    page.get_by_test_id("inspection-submit").click()
    page.wait_for_url(re.compile(r"/patrols/m/records/\d+/$"))

    # 3. Recorded as a night inspection; its finding is a case dispatched to the enterprise's owner.
    inspection = Inspection.objects.get()
    case = Case.objects.get()
    assert inspection.kind == InspectionKind.NIGHT and inspection.accuracy_m == 12
    assert inspection.photos.count() == 1 and case.attachments.count() == 1
    assert (case.channel, case.supervised_object, case.status) == (
        Channel.INSPECTION,
        enterprise,
        CaseStatus.DISPATCHED,
    )
    assert case.lead_unit == street_unit != bureau
    assert page.get_by_test_id("record-kind").inner_text() == "夜查"
    assert page.get_by_test_id("finding-unit").inner_text() == street_unit.name
    assert page.get_by_test_id("finding-case").get_attribute("data-number") == case.number
    page.screenshot(path=SHOTS.format("phone-recorded"), full_page=True)

    # 4. The same visit in the afternoon is no night inspection: refused with the window, nothing written.
    page.goto(page.base_url + f"/patrols/m/objects/{enterprise.pk}/")
    page.locator('label[for="id_kind_1"]').click()
    page.locator("#id_started_at").fill(local(beijing_time(1, 15, 0)))
    page.locator("#id_ended_at").fill(local(beijing_time(1, 15, 30)))
    for answer in page.get_by_test_id("answer-pass").all():
        page.locator(f'label[for="{answer.get_attribute("id")}"]').click()
    page.get_by_test_id("inspection-submit").click()
    error = page.get_by_test_id("form-error")
    error.wait_for()
    assert "20:00–06:00" in error.inner_text()
    assert Inspection.objects.count() == 1 and Case.objects.count() == 1
    page.screenshot(path=SHOTS.format("phone-refused"), full_page=True)


def test_at_the_desk_a_unit_lead_files_enforcement_from_the_inspection_and_sees_the_statistics(
    page, people, make_object, street_grid, street_unit, bureau, housing
):
    from envgrid.cases.models import CaseCategory
    from envgrid.patrols.services import FindingInput, inspection_record
    from envgrid.patrols.tests.conftest import all_pass

    enterprise = make_object(street_grid, owner=street_unit, support=[bureau], name="宏达化工有限公司")
    plan_create(
        actor=people["unit_lead"],
        title="夏季夜查专项",
        kind=InspectionKind.NIGHT,
        objects=[enterprise],
        starts_on=dt.date(2020, 1, 1),
        ends_on=dt.date(2030, 1, 1),
        times=2,
        units=[housing],
    )
    checklist = current_checklist("enterprise")
    failing = list(checklist.items.all())[3]
    inspection = inspection_record(
        inspector=people["unit_staff"],
        kind=InspectionKind.NIGHT,
        started_at=beijing_time(1, 22),
        ended_at=beijing_time(1, 22, 40),
        supervised_object=enterprise,
        units=[housing],
        answers={**all_pass(checklist), failing.pk: "fail"},
        findings=[FindingInput("夜间排口冒黄烟", CaseCategory.objects.get(code="industrial.emission"))],
    )
    sign_in(page, "unit_lead")
    page.goto(page.base_url + "/patrols/")
    page.locator(f'[data-testid="inspection-row"][data-number="{inspection.number}"] a').click()
    page.screenshot(path=SHOTS.format("desk-inspection"), full_page=True)
    page.get_by_test_id("open-enforcement").click()
    form = page.get_by_test_id("enforcement-form")
    form.locator("#id_title").fill("宏达化工夜间超标排放")
    form.locator("#id_legal_basis").fill("《中华人民共和国大气污染防治法》第九十九条")
    form.locator("#id_measure").select_option("fine")
    form.locator("#id_fine_amount").fill("100000")
    form.get_by_test_id("enforcement-submit").click()
    page.wait_for_load_state()
    page.screenshot(path=SHOTS.format("desk-enforcement-filed"), full_page=True)
    page.get_by_test_id("enforcement-header").wait_for()
    assert housing.name in page.get_by_test_id("enforcement-units").inner_text()
    page.get_by_test_id("to-decided").click()
    page.wait_for_selector('[data-testid="enforcement-header"][data-status="decided"]')
    page.get_by_test_id("publicity-form").locator("select[name=channel]").select_option("wechat")
    page.get_by_test_id("publicity-form").locator("input[name=published_on]").fill("2026-06-02")
    page.get_by_test_id("publicity-form").locator("button").click()
    page.get_by_test_id("publicity").locator("li", has_text="微信公众号").wait_for()
    page.screenshot(path=SHOTS.format("desk-enforcement"), full_page=True)

    page.goto(page.base_url + "/patrols/enforcement/stats/")
    row = page.get_by_test_id("stats-family").locator('[data-testid="stats-row"]')
    assert row.get_attribute("data-cases") == "1"
    page.screenshot(path=SHOTS.format("desk-stats"), full_page=True)
    page.goto(page.base_url + "/patrols/night-coverage/")
    assert (
        page.get_by_test_id("coverage-units").locator('[data-label="生态环境分局"]').get_attribute("data-percent")
        == "100"
    )
    page.screenshot(path=SHOTS.format("desk-coverage"), full_page=True)
