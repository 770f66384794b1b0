"""The inbox in a real Chromium: the bell's count, opening a notification, marking all read."""

import pytest

from envgrid.core.tests.factories import TEST_PASSWORD, UserFactory
from envgrid.notifications.services import notify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bell_count_follows_reading_in_the_inbox(page):
    wang = UserFactory(username="wang")
    notify(recipients=[wang], verb="case.dispatched", title="案件 A 已派遣至贵单位", url="/grids/")
    notify(recipients=[wang], verb="case.overdue", title="案件 B 已超期", url="/")
    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("用户名").fill("wang")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(page.base_url + "/")
    assert page.get_by_test_id("notification-unread").inner_text() == "2"

    page.get_by_test_id("notification-bell").click()
    page.get_by_role("link", name="案件 A 已派遣至贵单位").click()
    page.wait_for_url(page.base_url + "/grids/")
    assert page.get_by_test_id("notification-unread").inner_text() == "1"

    page.get_by_test_id("notification-bell").click()
    page.get_by_test_id("mark-all-read").click()
    page.wait_for_selector('[data-testid="notification"][data-read="true"] >> nth=1')
    assert page.get_by_test_id("notification-unread").count() == 0
