"""The alerts pages in a real Chromium: the dispatcher follows an alert to its case and sees the readings
card; the admin edits a rule and a wrong clear level is refused naming the field.

Screenshots go to /tmp/envgrid-alerts-*.png.
"""

import pytest

from envgrid.alerts.models import Alert, AlertRule
from envgrid.alerts.tests.conftest import EPISODE_MN, feed
from envgrid.demo.loader import demo_load
from envgrid.grids.lookup import invalidate_index
from envgrid.monitoring.models import Station
from envgrid.tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/envgrid-alerts-{}.png"


@pytest.fixture
def episode(db):
    invalidate_index()
    demo_load()
    station = Station.objects.get(mn=EPISODE_MN)
    feed(station, 0, [60] * 20 + [120, 140, 180, 220, 260, 240, 200, 160, 130, 120] + [70] * 25, step=5)
    yield Alert.objects.filter(station=station).select_related("case")
    invalidate_index()


def test_the_dispatcher_follows_an_alert_to_its_case_then_the_admin_edits_a_rule(page, episode):
    sign_in(page, "dispatcher")
    page.get_by_role("link", name="监测预警").first.click()
    page.get_by_test_id("alert-table").wait_for()
    rows = page.get_by_test_id("alert-list-row")
    assert rows.count() == episode.count() >= 1
    page.screenshot(path=SHOTS.format("list"), full_page=True)

    page.get_by_test_id("filter-state").select_option("open")
    page.wait_for_function("document.querySelectorAll('[data-testid=alert-list-row]').length === 0")
    page.get_by_test_id("filter-state").select_option("cleared")
    page.wait_for_function("document.querySelectorAll('[data-testid=alert-list-row]').length > 0")

    case = episode.first().case
    page.get_by_test_id("alert-case").first.click()
    page.wait_for_url(f"**/cases/{case.pk}/")
    card = page.get_by_test_id("alert-readings")
    card.wait_for()
    assert card.get_by_test_id("alert-sparkline").is_visible()
    assert "260" in card.get_by_test_id("alert-readings-table").inner_text()
    assert "【监测预警】" in page.get_by_test_id("case-header").inner_text()
    card.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS.format("case"), full_page=True)

    # One test, not two: each transactional test flushes the database, and the demo of another app cannot be
    # loaded again after a flush removed the rows its migrations wrote.
    the_admin_edits_a_rule_and_a_wrong_level_is_refused(page)


def the_admin_edits_a_rule_and_a_wrong_level_is_refused(page):
    rule = AlertRule.objects.get(kind="threshold", factor="pm25")
    page.context.clear_cookies()
    sign_in(page, "admin")
    page.goto(page.base_url + "/alerts/rules/")
    page.get_by_test_id("alert-rule-row").first.wait_for()
    page.screenshot(path=SHOTS.format("rules"), full_page=True)
    page.goto(page.base_url + f"/alerts/rules/{rule.pk}/edit/")

    page.locator('input[data-field="clear_level"]').fill("500")
    page.get_by_test_id("save-alert-rule").click()
    error = page.locator('[data-testid="field-error"][data-field="clear_level"]')
    error.wait_for()
    assert "解除值不能高于预警值" in error.inner_text()
    page.screenshot(path=SHOTS.format("rule-error"), full_page=True)

    page.locator('input[data-field="clear_level"]').fill("80")
    page.get_by_test_id("save-alert-rule").click()
    page.wait_for_url("**/alerts/rules/")
    rule.refresh_from_db()
    assert rule.clear_level == 80
