"""Fixtures of the directives tests: the small district (one account per role, a street and a town), its
units, and helpers."""

import pytest

from envgrid.core.choices import UnitKind
from envgrid.core.models import Unit
from envgrid.testing import ROLE_USERNAMES, district_load, role_users

ROLES = list(ROLE_USERNAMES)


@pytest.fixture
def district(db):
    district_load()


@pytest.fixture
def people(district):
    return role_users()


@pytest.fixture
def bureau(people) -> Unit:
    """The ecology bureau (生态环境分局): unit_lead and unit_staff work there."""
    return people["unit_staff"].unit


@pytest.fixture
def river_street(people) -> Unit:
    """The street whose river chief is the demo river_chief: nobody else there signs."""
    unit = people["river_chief"].unit
    assert unit.kind == UnitKind.STREET
    return unit


@pytest.fixture
def other_street(river_street) -> Unit:
    return Unit.objects.filter(kind=UnitKind.STREET).exclude(pk=river_street.pk).order_by("sort_order").first()


@pytest.fixture
def issue(people):
    """Issue a directive as the dispatcher (2 hours for feedback unless told otherwise)."""
    from envgrid.directives.services import directive_issue

    def _issue(units, **kwargs):
        kwargs.setdefault("title", "今晚开展夜查")
        kwargs.setdefault("body", "各单位对辖区工地、道路开展夜查，22时前反馈。")
        if "feedback_due_at" not in kwargs:
            kwargs.setdefault("feedback_within_hours", 2)
        return directive_issue(actor=kwargs.pop("actor", people["dispatcher"]), units=units, **kwargs)

    return _issue
