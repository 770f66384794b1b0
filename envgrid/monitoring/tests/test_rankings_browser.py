"""The rankings page in a real Chromium: the leader picks a period and a ranking figure, the tables follow
(htmx), and the export link carries the same choice. Screenshot: /tmp/envgrid-rankings.png."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from envgrid.core.choices import Role
from envgrid.core.tests.factories import TEST_PASSWORD, UserFactory
from envgrid.grids.choices import RegionLevel
from envgrid.grids.models import Region
from envgrid.grids.services import grid_create
from envgrid.monitoring.models import DailyRollup, Station
from envgrid.monitoring.rollups import VALID_BITS
from envgrid.tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ALL_VALID = sum(VALID_BITS.values())


def square(lon, lat=34.8, side=0.01):
    ring = [[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def district():
    root = Region.objects.create(code="410105", name="金水区", level=RegionLevel.DISTRICT)
    for s, street_name in enumerate(["经八路街道", "花园路街道", "丰产路街道"]):
        street = Region.objects.create(code=f"S{s}", name=street_name, level=RegionLevel.STREET, parent=root)
        community = Region.objects.create(
            code=f"C{s}", name=f"{street_name[:3]}社区", level=RegionLevel.COMMUNITY, parent=street
        )
        for g in range(2):
            grid = grid_create(
                actor=None,
                code=f"G{s}{g}",
                name=f"{street_name[:3]}第{g + 1}网格",
                community=community,
                geometry=square(113 + s / 10 + g / 50),
            )
            if s == 2 and g == 1:
                continue  # a grid without a station
            station = Station.objects.create(mn=f"M{s}{g:022d}", password="1", name=grid.name, lon=0, lat=0, grid=grid)
            days = 31 if s < 2 else 12  # street 3's station has too few valid days: unranked
            DailyRollup.objects.bulk_create(
                DailyRollup(
                    station=station,
                    day=date(2026, 10, 1) + timedelta(days=d),
                    valid=True,
                    valid_mask=ALL_VALID,
                    pm25=30.0 + 7 * s + 3 * g,
                    pm10=60.0 + 5 * g,
                    so2=8.0,
                    no2=30.0,
                    co=0.8,
                    o3_8h=120.0 + 10 * s,
                    o3_1h_max=150.0,
                )
                for d in range(days)
            )
    UserFactory(username="leader", role=Role.LEADER)


def test_leader_picks_a_period_and_a_figure(page, district):
    sign_in(page, "leader", TEST_PASSWORD)
    page.goto(page.base_url + "/monitoring/rankings/?period=2026-09")
    assert page.get_by_test_id("rankings-street").is_visible()

    page.get_by_test_id("rankings-period").fill("2026-10")
    page.get_by_test_id("rankings-by").select_option("pm25")
    page.wait_for_url("**/monitoring/rankings/?period=2026-10&by=pm25")
    page.wait_for_selector('[data-testid="rankings-grid"] [data-testid="ranking-rank"]')

    grid_rows = page.locator('[data-testid="rankings-grid"] [data-testid="ranking-row"]')
    assert grid_rows.count() == 5
    assert grid_rows.nth(0).locator('[data-testid="ranking-rank"]').inner_text() == "1"
    assert "经八路第1网格" in grid_rows.nth(0).inner_text()
    reasons = page.locator('[data-testid="rankings-grid"] [data-testid="ranking-reason"]')
    assert reasons.count() == 1 and "12" in reasons.first.inner_text()
    assert "period=2026-10&by=pm25" in page.get_by_test_id("rankings-export").get_attribute("href")
    page.screenshot(path="/tmp/envgrid-rankings.png", full_page=True)
