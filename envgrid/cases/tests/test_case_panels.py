"""Cards contributed to the case page by higher apps through ``register_case_panel``."""

import pytest
from django.urls import reverse
from django.utils.html import format_html

from envgrid.core.hooks import CasePanel, hooks_restored, register_case_panel

pytestmark = pytest.mark.django_db


@pytest.fixture
def sensor_panel():
    def render(case, user):
        if case.title != "with readings":
            return None
        return format_html("<p data-testid='readings'>PM2.5 {} for {}</p>", 180, user.username)

    panel = CasePanel(title="Sensor readings", render=render)
    with hooks_restored():
        register_case_panel(panel)
        yield panel


def test_a_contributed_panel_shows_on_the_case_page_only_when_it_has_something(sensor_panel, make_case, users, login):
    shown = make_case(title="with readings")
    hidden = make_case(title="plain")
    client = login(users["dispatcher"])

    page = client.get(reverse("case-detail", args=[shown.pk])).content.decode()
    assert "Sensor readings" in page
    assert "<p data-testid='readings'>PM2.5 180 for dispatcher</p>" in page

    page = client.get(reverse("case-detail", args=[hidden.pk])).content.decode()
    assert "Sensor readings" not in page
