"""A directive in a real Chromium: the dispatcher issues it to the ecology bureau and a street, the bureau's
staff signs and feeds back from a phone-sized screen, the dispatcher's live matrix shows it, the laggard
street is urged, the directive is closed and the street is recorded late."""

import pytest
from django.contrib.auth import get_user_model

from envgrid.demo.loader import demo_load
from envgrid.directives.models import Directive, DirectiveTarget
from envgrid.tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def row(page, unit_name: str):
    return page.locator(f'[data-testid="matrix-row"][data-unit="{unit_name}"]')


def test_issue_sign_feed_back_urge_and_close_a_directive(page, browser, live_server):
    demo_load()
    users = get_user_model().objects.select_related("unit")
    bureau, street = users.get(username="unit_staff").unit.name, users.get(username="river_chief").unit.name

    # The dispatcher issues a directive to the ecology bureau and one street, asking for one figure
    sign_in(page, "dispatcher")
    page.goto(page.base_url + "/directives/new/")
    page.locator("#id_title").fill("今晚21时开展工地夜查")
    page.locator("#id_body").fill("重点检查苫盖和车辆冲洗，23时前反馈。")
    page.get_by_label(bureau, exact=True).check()
    page.get_by_label(street, exact=True).check()
    page.locator("#id_feedback_within_hours").fill("2")
    page.locator("#id_figure_names").fill("检查点位数")
    page.get_by_test_id("issue-submit").click()
    page.get_by_test_id("directive-matrix").wait_for()
    directive = Directive.objects.get()
    assert page.url == f"{page.base_url}/directives/{directive.pk}/"
    assert row(page, bureau).get_attribute("data-state") == "pending"
    assert row(page, street).get_attribute("data-state") == "pending"

    # The bureau's staff, on a phone, finds it in the list, signs and feeds back with the figure
    phone = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    phone.set_default_timeout(10_000)
    staff = phone.new_page()
    staff.base_url = live_server.url
    sign_in(staff, "unit_staff")
    staff.goto(staff.base_url + "/directives/")
    staff.locator(f'[data-number="{directive.number}"] a').click()
    staff.get_by_test_id("sign").click()
    staff.get_by_test_id("feedback-form").wait_for()
    staff.locator("#id_text").fill("夜查工地12处，发现苫盖不到位3处，已责令整改。")
    staff.locator("#id_figure_0").fill("12")
    assert staff.evaluate("document.documentElement.scrollWidth") <= 360
    staff.get_by_test_id("feedback-submit").click()
    staff.locator('[data-testid="my-unit-state"][data-state="fed_back"]').wait_for()
    assert staff.evaluate("document.documentElement.scrollWidth") <= 360
    assert street not in staff.get_by_test_id("directive-matrix").inner_text()  # only its own row
    phone.close()

    # The dispatcher's matrix updates by itself (htmx polling every 10 s) and shows the figure
    row(page, bureau).and_(page.locator('[data-state="fed_back"]')).wait_for(timeout=15_000)
    assert row(page, bureau).get_by_test_id("matrix-figure").inner_text() == "12"
    assert row(page, street).get_attribute("data-state") == "pending"

    # One click urges the laggard street; closing records it late
    page.get_by_test_id("urge-all").click()
    page.get_by_role("alert").first.wait_for()
    assert row(page, street).get_by_test_id("matrix-urged").inner_text() == "1"
    page.get_by_test_id("close-directive").click()
    row(page, street).and_(page.locator('[data-state="missing"]')).wait_for()
    assert page.get_by_test_id("directive-status").inner_text() == Directive.objects.get().get_status_display()

    targets = {t.unit.name: t for t in DirectiveTarget.objects.select_related("unit")}
    assert targets[street].is_late and targets[street].urge_count == 1 and targets[street].status == "pending"
    assert not targets[bureau].is_late and targets[bureau].figures == {"检查点位数": 12}
