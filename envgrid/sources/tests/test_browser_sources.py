"""The sources must-show in a real Chromium, as the dispatcher: import objects from Excel — a file with a bad
row is refused and the row and column are shown — then the good file (dry run, then apply); import the
responsibilities; watch the coverage report shrink to nothing by assigning the rest with one click each;
ask the object page who was responsible on a day.

Screenshots go to /tmp/envgrid-sources-*.png.
"""

import pytest
from django.contrib.auth import get_user_model

from envgrid.core.spreadsheets import XLSX_CONTENT_TYPE
from envgrid.grids.models import Grid
from envgrid.sources.models import Responsibility, SupervisedObject
from envgrid.sources.tests.conftest import point_in
from envgrid.sources.tests.xlsx import workbook_bytes
from envgrid.tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/envgrid-sources-{}.png"
XLSX = XLSX_CONTENT_TYPE
OBJECT_HEADER = ["编码", "名称", "六源类别", "对象类型", "地址", "经度", "纬度", "统一社会信用代码", "绩效分级"]
RESP_HEADER = ["对象编码", "责任单位", "责任人", "开始日期"]


def objects_file(*, bad: bool) -> dict:
    grids = list(Grid.objects.order_by("code")[:6])
    rows = []
    for index, grid in enumerate(grids, start=1):
        lon, lat = point_in(grid)
        rows.append(
            [
                f"QY-{index:04d}",
                f"鹿鸣{index}号化工厂",
                "工业源",
                "工业企业",
                f"科学大道{index}号",
                lon,
                lat,
                "91350100M000100Y43" if index == 1 else None,
                "B",
            ]
        )
    if bad:
        rows[2][5] = 120.0  # row 4: a point far outside the district
        rows[2][6] = 30.0
    return {"name": "objects.xlsx", "mimeType": XLSX, "buffer": workbook_bytes(OBJECT_HEADER, rows)}


def responsibilities_file() -> dict:
    rows = [[f"QY-{index:04d}", "生态环境分局", "unit_lead", "2026-01-01"] for index in range(1, 5)]
    return {"name": "owners.xlsx", "mimeType": XLSX, "buffer": workbook_bytes(RESP_HEADER, rows)}


def upload(page, kind: str, file: dict, *, dry_run: bool) -> None:
    page.goto(page.base_url + "/sources/import/")
    page.get_by_test_id("field-kind").select_option(kind)
    page.get_by_test_id("field-file").set_input_files(file)
    if not dry_run:
        page.get_by_test_id("field-dry_run").uncheck()
    page.get_by_test_id("import-submit").click()
    page.wait_for_selector(
        '[data-testid="import-status"][data-status="done"], [data-testid="import-status"][data-status="refused"]'
    )


def test_import_then_cover_everything_from_the_coverage_report(browser, live_server, page, demo):
    sign_in(page, "dispatcher")

    # 1. A file with a bad row is refused whole; the row and the column are shown.
    upload(page, "objects", objects_file(bad=True), dry_run=False)
    error = page.get_by_test_id("import-error").first
    assert (error.get_attribute("data-row"), error.get_attribute("data-column")) == ("4", "F")
    assert "120.0" in error.inner_text()
    page.screenshot(path=SHOTS.format("1-refused"), full_page=True)
    assert not SupervisedObject.objects.exists()

    # 2. The good file: a dry run says what would change, then apply.
    upload(page, "objects", objects_file(bad=False), dry_run=True)
    assert "6" in page.get_by_test_id("import-outcome").inner_text()
    assert page.get_by_test_id("import-changes").locator("tbody tr").count() == 6
    page.screenshot(path=SHOTS.format("2-dry-run"), full_page=True)
    assert not SupervisedObject.objects.exists()
    page.get_by_test_id("import-apply").click()
    page.wait_for_selector('[data-testid="import-status"][data-status="done"]')
    assert SupervisedObject.objects.count() == 6

    # 3. Owners for four of the six.
    upload(page, "responsibilities", responsibilities_file(), dry_run=True)
    page.get_by_test_id("import-apply").click()
    page.wait_for_selector('[data-testid="import-status"][data-status="done"]')
    assert Responsibility.objects.count() == 4

    # 4. The coverage report lists the two without an owner; assign them one click each and watch it shrink.
    lead = get_user_model().objects.get(username="unit_lead")
    page.goto(page.base_url + "/sources/coverage/")
    assert page.get_by_test_id("coverage-open").inner_text() == "2"
    assert page.get_by_test_id("uncovered-row").count() == 2
    page.screenshot(path=SHOTS.format("3-coverage-before"), full_page=True)
    for index, expected in enumerate(("1", "0")):
        row = page.get_by_test_id("uncovered-row").nth(index)
        row.get_by_test_id("assign-person").select_option(str(lead.pk))
        row.get_by_test_id("assign-submit").click()
        row.get_by_test_id("assign-ok").wait_for()
        page.wait_for_function(
            f"document.querySelector('[data-testid=coverage-open]').textContent.trim() === '{expected}'"
        )
    page.screenshot(path=SHOTS.format("4-coverage-after"), full_page=True)
    assert Responsibility.objects.count() == 6

    # 5. The object page answers who was responsible on a day.
    plant = SupervisedObject.objects.get(code="QY-0001")
    page.goto(page.base_url + f"/sources/{plant.pk}/")
    page.get_by_test_id("owner-on-date").fill("2025-12-31")
    page.get_by_test_id("owner-on-form").locator("button").click()
    page.wait_for_function("document.querySelector('[data-testid=owner-on-answer]') !== null")
    assert "2025-12-31" in page.get_by_test_id("owner-on-answer").inner_text()
    page.get_by_test_id("owner-on-date").fill("2026-02-01")
    page.get_by_test_id("owner-on-form").locator("button").click()
    page.wait_for_function(
        "document.querySelector('[data-testid=owner-on-answer]').textContent.includes('生态环境分局')"
    )
    page.screenshot(path=SHOTS.format("5-object"), full_page=True)

    # 6. The map draws every object, coloured by family.
    page.goto(page.base_url + "/sources/map/")
    page.wait_for_selector('[data-testid="source-map"][data-drawn="6"]')
    assert page.get_by_test_id("source-count").inner_text() == "6"
    assert page.get_by_test_id("source-legend").locator(".swatch").count() >= 1  # a swatch per family shown
    page.screenshot(path=SHOTS.format("6-map"), full_page=True)
