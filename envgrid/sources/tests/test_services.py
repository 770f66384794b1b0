"""Services: objects placed in their grid, 分包 assigned, transferred and ended with history, and the answer
to "who was responsible for object X on day D" across a change of owner."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from envgrid.core.models import AuditEvent
from envgrid.grids.models import Grid
from envgrid.notifications.models import Notification
from envgrid.sources import services
from envgrid.sources.errors import SourcesConflict, SourcesErrorCode, SourcesPermissionDenied
from envgrid.sources.models import EnterpriseDetail, Responsibility, RoadDetail, SupervisedObject
from envgrid.sources.selectors import owners_on, responsible_on
from envgrid.sources.tests.conftest import DAY, point_in
from envgrid.sources.validators import credit_code_problem


@pytest.fixture
def grid(demo) -> Grid:
    return Grid.objects.select_related("street").order_by("code").first()


@pytest.fixture
def plant(users, families, grid) -> SupervisedObject:
    lon, lat = point_in(grid)
    return services.object_create(
        actor=users["dispatcher"],
        family=families["industrial"],
        kind="enterprise",
        name="示例化工厂",
        code="QY-1",
        lon=lon,
        lat=lat,
        typed={"credit_code": "91350100M000100Y43", "performance_grade": "B"},
    )


def test_credit_codes_are_checked_by_their_check_character():
    assert credit_code_problem("91350100M000100Y43") is None
    assert credit_code_problem("91440300708461136T") is None
    assert "check character" in credit_code_problem("91350100M000100Y44")
    assert "18 characters" in credit_code_problem("9135")
    assert "cannot contain" in credit_code_problem("91350100M000100YI3")


def test_an_object_is_placed_in_the_grid_containing_it(plant, grid):
    assert (plant.grid, plant.street) == (grid, grid.street)
    assert EnterpriseDetail.objects.get(supervised_object=plant).performance_grade == "B"
    assert AuditEvent.objects.filter(action="source_object.create", object_id=str(plant.pk)).exists()


def test_an_object_outside_every_grid_is_refused(users, families):
    with pytest.raises(ValidationError) as caught:
        services.object_create(
            actor=None, family=families["living"], kind="catering", name="远方餐馆", code="CY-X", lon=120.0, lat=30.0
        )
    assert caught.value.error_dict["lon"][0].code == SourcesErrorCode.OUTSIDE_GRIDS
    assert not SupervisedObject.objects.exists()


def test_a_bad_credit_code_is_refused_and_nothing_is_saved(users, families, grid):
    lon, lat = point_in(grid)
    with pytest.raises(ValidationError) as caught:
        services.object_create(
            actor=None,
            family=families["industrial"],
            kind="enterprise",
            name="坏码厂",
            code="QY-2",
            lon=lon,
            lat=lat,
            typed={"credit_code": "91350100M000100Y44"},
        )
    assert "enterprise.credit_code" in caught.value.message_dict
    assert not SupervisedObject.objects.exists()


def test_a_road_takes_its_point_from_its_line(users, families, grid):
    x, y = point_in(grid)
    line = {"type": "LineString", "coordinates": [[x - 0.0005, y], [x + 0.0005, y]]}
    road = services.object_create(
        actor=None,
        family=families["road"],
        kind="road",
        name="科学大道",
        code="DL-1",
        geometry=line,
        typed={"grade": "arterial", "length_m": 100},
    )
    assert road.lon == pytest.approx(x) and road.lat == pytest.approx(y)
    assert road.grid == grid
    assert RoadDetail.objects.get(supervised_object=road).grade == "arterial"


def test_a_unit_lead_may_not_register_objects(users, families, grid):
    lon, lat = point_in(grid)
    with pytest.raises(SourcesPermissionDenied):
        services.object_create(
            actor=users["unit_lead"],
            family=families["living"],
            kind="catering",
            name="X",
            code="CY-1",
            lon=lon,
            lat=lat,
        )
    assert not SupervisedObject.objects.exists()


def test_changing_the_kind_keeps_only_the_new_kinds_details(plant, users):
    services.object_update(actor=users["dispatcher"], obj=plant, kind="other", details={"note": "转为其他"})
    assert not EnterpriseDetail.objects.filter(supervised_object=plant).exists()


def test_who_was_responsible_is_answered_across_a_change_of_owner(plant, users, ecology, housing):
    """The must-show: assign, hand over, and ask for days before, on and after the change."""
    dispatcher = users["dispatcher"]
    first = services.responsibility_assign(
        actor=dispatcher,
        supervised_object=plant,
        unit=ecology,
        person=users["unit_lead"],
        valid_from=dt.date(2026, 1, 1),
    )
    housing_person = users["unit_staff"]
    housing_person.unit = housing
    housing_person.save()
    second = services.responsibility_transfer(
        actor=dispatcher,
        responsibility=first,
        unit=housing,
        person=housing_person,
        on=dt.date(2026, 4, 1),
        note="职能调整",
    )
    first.refresh_from_db()
    assert first.valid_to == dt.date(2026, 3, 31)
    assert (second.valid_from, second.valid_to) == (dt.date(2026, 4, 1), None)
    assert responsible_on(plant, dt.date(2025, 12, 31)) is None
    assert responsible_on(plant, dt.date(2026, 1, 1)).unit == ecology
    assert responsible_on(plant, dt.date(2026, 3, 31)).unit == ecology
    assert responsible_on(plant, dt.date(2026, 4, 1)).unit == housing
    assert responsible_on(plant, dt.date(2027, 1, 1)).person == housing_person
    actions = list(AuditEvent.objects.filter(action__startswith="responsibility.").values_list("action", flat=True))
    assert sorted(actions) == ["responsibility.assign", "responsibility.assign", "responsibility.transfer"]
    assert Notification.objects.filter(recipient=housing_person, verb="responsibility.assigned").exists()


def test_overlapping_periods_for_the_same_target_and_role_are_refused(plant, users, ecology):
    services.responsibility_assign(
        actor=None,
        supervised_object=plant,
        unit=ecology,
        person=users["unit_lead"],
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 6, 30),
    )
    with pytest.raises(SourcesConflict) as caught:
        services.responsibility_assign(
            actor=None,
            supervised_object=plant,
            unit=ecology,
            person=users["unit_staff"],
            valid_from=dt.date(2026, 6, 30),
        )
    assert caught.value.code == SourcesErrorCode.RESPONSIBILITY_OVERLAP
    # a supporting unit over the same period is another role, so it is fine
    services.responsibility_assign(
        actor=None,
        supervised_object=plant,
        unit=ecology,
        person=users["unit_staff"],
        valid_from=dt.date(2026, 3, 1),
        role="support",
    )
    # and the day after the end is free
    services.responsibility_assign(
        actor=None, supervised_object=plant, unit=ecology, person=users["unit_staff"], valid_from=dt.date(2026, 7, 1)
    )
    assert Responsibility.objects.count() == 3


def test_the_person_must_belong_to_the_unit(plant, users, housing):
    with pytest.raises(ValidationError) as caught:
        services.responsibility_assign(
            actor=None, supervised_object=plant, unit=housing, person=users["unit_lead"], valid_from=DAY
        )
    assert "person" in caught.value.message_dict
    assert not Responsibility.objects.exists()


def test_only_the_command_centre_assigns(plant, users, ecology):
    for name in ("unit_lead", "leader", "grid_head"):
        with pytest.raises(SourcesPermissionDenied):
            services.responsibility_assign(
                actor=users[name], supervised_object=plant, unit=ecology, person=users["unit_lead"], valid_from=DAY
            )
    assert not Responsibility.objects.exists()


def test_ending_leaves_the_object_without_owner_after_the_last_day(plant, users, ecology):
    r = services.responsibility_assign(
        actor=None, supervised_object=plant, unit=ecology, person=users["unit_lead"], valid_from=DAY
    )
    services.responsibility_end(actor=users["admin"], responsibility=r, valid_to=DAY + dt.timedelta(days=9))
    assert responsible_on(plant, DAY + dt.timedelta(days=9)).pk == r.pk
    assert responsible_on(plant, DAY + dt.timedelta(days=10)) is None
    with pytest.raises(ValidationError):
        services.responsibility_end(actor=None, responsibility=r, valid_to=DAY - dt.timedelta(days=1))


def test_a_transfer_on_the_first_day_is_refused(plant, users, ecology):
    r = services.responsibility_assign(
        actor=None, supervised_object=plant, unit=ecology, person=users["unit_lead"], valid_from=DAY
    )
    with pytest.raises(SourcesConflict):
        services.responsibility_transfer(actor=None, responsibility=r, unit=ecology, person=users["unit_staff"], on=DAY)
    assert Responsibility.objects.count() == 1


def test_bulk_owners_agree_with_the_one_by_one_answer(plant, users, ecology, families, grid, housing):
    other = services.object_create(
        actor=None,
        family=families["industrial"],
        kind="enterprise",
        name="二厂",
        code="QY-9",
        lon=point_in(grid)[0],
        lat=point_in(grid)[1],
    )
    services.responsibility_assign(
        actor=None,
        family=families["industrial"],
        region=grid.street,
        unit=grid.street.unit,
        person=_person_of(grid.street.unit, users),
        valid_from=DAY,
    )
    services.responsibility_assign(
        actor=None, supervised_object=plant, unit=ecology, person=users["unit_lead"], valid_from=DAY
    )
    objects = list(SupervisedObject.objects.select_related("grid", "street", "street__parent"))
    bulk = owners_on(objects, DAY)
    for obj in objects:
        assert bulk[obj.pk].pk == responsible_on(obj, DAY).pk
    assert bulk[other.pk].region == grid.street


def _person_of(unit, users):
    from envgrid.core.models import User

    return User.objects.filter(unit=unit).first() or User.objects.create(
        username=f"p{unit.pk}", unit=unit, role="unit_lead"
    )
