"""The model layer: the one-target rule of a responsibility, and who answered for an object on a day."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from envgrid.grids.models import Grid
from envgrid.sources.models import Responsibility, SupervisedObject
from envgrid.sources.selectors import responsible_on
from envgrid.sources.tests.conftest import DAY, point_in


@pytest.fixture
def factory_object(demo, families):
    grid = Grid.objects.order_by("code").first()
    lon, lat = point_in(grid)
    return SupervisedObject.objects.create(
        family=families["industrial"],
        kind="enterprise",
        name="示例化工厂",
        code="QY-0001",
        lon=lon,
        lat=lat,
        grid=grid,
        street=grid.street,
    )


def test_six_families_are_seeded(families):
    assert list(families) == ["industrial", "construction", "road", "fuel_coal", "living", "agriculture"]


def test_a_responsibility_must_have_exactly_one_target(factory_object, users, ecology):
    with pytest.raises(IntegrityError), transaction.atomic():
        Responsibility.objects.create(
            supervised_object=factory_object,
            grid=factory_object.grid,
            unit=ecology,
            person=users["unit_lead"],
            valid_from=DAY,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Responsibility.objects.create(
            family=factory_object.family, unit=ecology, person=users["unit_lead"], valid_from=DAY
        )
    assert not Responsibility.objects.exists()


def test_the_most_specific_responsibility_answers(factory_object, users, ecology, housing, families):
    grid = factory_object.grid
    street_unit = grid.street.unit
    Responsibility.objects.create(
        family=families["industrial"], region=grid.street, unit=street_unit, person=users["unit_staff"], valid_from=DAY
    )
    assert responsible_on(factory_object, DAY).unit == street_unit
    Responsibility.objects.create(grid=grid, unit=housing, person=users["unit_staff"], valid_from=DAY)
    assert responsible_on(factory_object, DAY).unit == housing
    Responsibility.objects.create(
        supervised_object=factory_object, unit=ecology, person=users["unit_lead"], valid_from=DAY
    )
    assert responsible_on(factory_object, DAY).unit == ecology
    assert responsible_on(factory_object, DAY - dt.timedelta(days=1)) is None
