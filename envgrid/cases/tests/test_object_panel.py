"""The card of linked cases on a supervised object's page: registered by cases (which owns the data) through the
object page's panel hook, and showing only the cases the viewer may see."""

import pytest
from django.test import Client
from django.urls import reverse

from envgrid.cases.panels import object_cases_card
from envgrid.cases.services import case_report
from envgrid.cases.tests.conftest import point_in
from envgrid.sources import services as source_services
from envgrid.sources.hooks import object_panels
from envgrid.sources.models import SourceFamily

pytestmark = pytest.mark.django_db


@pytest.fixture
def plant(users, grid_of_member):
    lon, lat = point_in(grid_of_member)
    return source_services.object_create(
        actor=None,
        family=SourceFamily.objects.get(code="industrial"),
        kind="enterprise",
        name="示例化工厂",
        code="QY-PANEL",
        lon=lon,
        lat=lat,
        typed={},
    )


def test_cases_registers_its_card_on_the_object_page():
    assert [p.render for p in object_panels if p.render is object_cases_card] == [object_cases_card]


def test_the_object_page_lists_the_cases_about_it(users, plant, emission):
    empty = object_cases_card(plant, users["dispatcher"])
    assert "object-cases" not in empty
    case = case_report(
        reporter=users["grid_member"],
        title="冒黑烟",
        category=emission,
        lon=plant.lon,
        lat=plant.lat,
        supervised_object=plant,
    )
    client = Client()
    client.force_login(users["dispatcher"])
    page = client.get(reverse("source-detail", args=[plant.pk])).content.decode()
    assert 'data-testid="object-cases"' in page and case.number in page
