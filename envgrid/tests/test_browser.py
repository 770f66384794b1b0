"""The product in a real Chromium: every demo role signs in, sees its home page and its grids on the map."""

import re

import pytest
from django.contrib.auth import get_user_model

from envgrid.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from envgrid.demo.loader import demo_load
from envgrid.grids.models import Grid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(page.base_url + "/")


def test_every_demo_role_signs_in_sees_home_and_its_grids_on_the_map(browser, live_server):
    demo_load()
    for username, _role, _hint in DEMO_ACCOUNTS:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.base_url = live_server.url
        sign_in(page, username)

        # Home: the user's own counts, with real numbers
        cards = page.get_by_test_id("count-value")
        assert cards.count() >= 3, username
        assert all(re.fullmatch(r"\d+", t.strip()) for t in cards.all_inner_texts()), username

        # Map: every grid the user may see is drawn
        user = get_user_model().objects.get(username=username)
        expected = Grid.objects.visible_to(user).count()
        assert expected > 0, username
        page.get_by_role("link", name="网格地图").click()
        page.wait_for_selector(f'[data-testid="grid-map"][data-drawn="{expected}"]')
        assert page.locator("#grid-map path.leaflet-interactive").count() == expected, username
        assert page.get_by_test_id("grid-count").inner_text() == str(expected)
        context.close()


def test_clicking_a_grid_opens_its_card(page):
    demo_load()
    sign_in(page, "grid_member")
    page.goto(page.base_url + "/grids/map/")
    page.wait_for_selector('[data-testid="grid-map"][data-drawn="1"]')
    member = get_user_model().objects.get(username="grid_member")
    grid = Grid.objects.visible_to(member).select_related("street", "community", "head").get()
    assert page.get_by_test_id("grid-legend").inner_text() == grid.street.name  # one swatch: the grid's street

    page.locator("#grid-map path.leaflet-interactive").first.click()

    card = page.get_by_test_id("grid-card")
    card.get_by_test_id("card-title").wait_for()
    assert card.get_by_test_id("card-title").inner_text() == grid.name
    assert card.get_by_test_id("card-street").inner_text() == grid.street.name
    assert card.get_by_test_id("card-community").inner_text() == grid.community.name
    assert str(grid.head) in card.get_by_test_id("card-head").inner_text()
    assert str(member) in card.get_by_test_id("card-members").inner_text()


def test_wrong_password_is_refused_in_chinese(page):
    demo_load()
    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label("用户名").fill("dispatcher")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("alert").is_visible()
    assert "/accounts/login/" in page.url


def test_switch_to_english_and_back(page):
    demo_load()
    sign_in(page, "leader")
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="English").click()
    page.get_by_role("link", name="Grid map").wait_for()
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="中文").click()
    page.get_by_role("link", name="网格地图").wait_for()
