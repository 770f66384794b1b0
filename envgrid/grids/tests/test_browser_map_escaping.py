"""Names on the grid map are data, not markup: a grid or community named like HTML shows as text."""

import pytest
from django.contrib.auth import get_user_model

from envgrid.demo.loader import demo_load
from envgrid.grids.models import Grid, Region
from envgrid.tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOAD = '<img id="injected" src="x" onerror="document.body.dataset.pwned=1">'


def test_grid_and_community_names_in_the_tooltip_are_shown_as_text(page):
    # Given a grid and its community whose names hold markup
    demo_load()
    member = get_user_model().objects.get(username="grid_member")
    grid = Grid.objects.visible_to(member).get()
    Grid.objects.filter(pk=grid.pk).update(name="网格" + PAYLOAD)
    Region.objects.filter(pk=grid.community_id).update(name="社区" + PAYLOAD)

    # When the grid member hovers over the grid on the map
    sign_in(page, "grid_member")
    page.goto(page.base_url + "/grids/map/")
    page.wait_for_selector('[data-testid="grid-map"][data-drawn="1"]')
    page.locator("#grid-map path.leaflet-interactive").first.hover()
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()

    # Then the names read as typed, and nothing in them ran
    assert "网格" + PAYLOAD in tooltip.inner_text()
    assert "社区" + PAYLOAD in tooltip.inner_text()
    assert page.locator("#injected").count() == 0
    assert page.evaluate("document.body.dataset.pwned") is None
