"""Fixtures of the web tests (views, exports, browser): the demo district — units, grids, people and
its routing table — plus a department with a person of its own, and a way to make cases quickly.

Names differ from ``service_fixtures`` so that both sets can live side by side.
"""

import pytest
from django.contrib.auth import get_user_model

from envgrid.cases.models import CaseCategory, RoutingRule
from envgrid.core.choices import Role
from envgrid.core.models import Unit
from envgrid.demo.accounts import DEMO_PASSWORD
from envgrid.grids.models import Grid
from envgrid.testing import district_load, jpeg, jpeg_bytes, point_in

__all__ = ["jpeg", "jpeg_bytes", "point_in"]  # the web tests import them from here

ECOLOGY = "生态环境分局"
HOUSING = "住房和城乡建设局"
WEB_USERS = ["admin", "dispatcher", "unit_lead", "unit_staff", "grid_head", "grid_member", "river_chief", "leader"]


@pytest.fixture
def demo(db):
    """The small district, with a catch-all rule to the ecology bureau if the demo brought no routing."""
    district_load()
    if not RoutingRule.objects.exists():
        RoutingRule.objects.create(category=None, region=None, unit=Unit.objects.get(name=ECOLOGY))


@pytest.fixture
def users(demo) -> dict:
    """The demo accounts by username, and ``housing_staff``: a person of another department."""
    User = get_user_model()
    found = {u.username: u for u in User.objects.select_related("unit").filter(username__in=WEB_USERS)}
    housing = User.objects.create_user(
        username="housing_staff",
        password=DEMO_PASSWORD,
        display_name="住建局职员",
        role=Role.UNIT_STAFF,
        unit=Unit.objects.get(name=HOUSING),
    )
    found["housing_staff"] = housing
    return found


@pytest.fixture
def grid_of_member(users) -> Grid:
    return users["grid_member"].member_grids.get()


@pytest.fixture
def emission(db) -> CaseCategory:
    """废气超标排放: the ecology bureau leads it by the demo's routing table."""
    return CaseCategory.objects.get(code="industrial.emission")


@pytest.fixture
def make_case(users, grid_of_member, emission):
    """``make_case(**changes)``: a case the grid member reports in their grid (through the service)."""
    from envgrid.cases.services import case_report

    def make(**changes):
        lon, lat = point_in(grid_of_member)
        fields = {
            "reporter": users["grid_member"],
            "title": "厂区烟囱冒黄烟",
            "category": emission,
            "description": "下午三点起持续冒黄烟",
            "lon": lon,
            "lat": lat,
        }
        fields.update(changes)
        return case_report(**fields)

    return make


@pytest.fixture
def login(client):
    """``login(user)``: sign the test client in as the user and return the client."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
