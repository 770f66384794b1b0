"""Scope per demo role, in the querysets, the API and the pages: a unit sees its own records and the joint
ones it took part in; a street unit everything in its street; grid people what happened in their grids;
district-wide roles everything. Outside the scope a record does not exist (404)."""

import datetime as dt

import pytest
from django.test import Client
from rest_framework.test import APIClient

from envgrid.grids.models import Grid
from envgrid.patrols.choices import InspectionKind
from envgrid.patrols.models import EnforcementCase, Inspection, InspectionPlan
from envgrid.patrols.services import current_checklist, enforcement_open, inspection_record, plan_create
from envgrid.patrols.tests.conftest import ROLES, all_pass, beijing_time

pytestmark = pytest.mark.django_db
WIDE = {"admin", "dispatcher", "leader", "taskforce_lead"}


@pytest.fixture
def scene(people, make_object, street_unit, bureau, housing, member_grid):
    """A: in the river chief's street, the street owns it (the bureau supports); B: another street's, housing
    owns it; C: in the grid member's grid, housing owns it. The bureau night-inspects A, housing inspects B, and
    housing with the bureau jointly inspect C. Enforcement: A by the bureau with housing; B by housing."""
    grid_a = (
        Grid.objects.filter(street__unit=street_unit).exclude(community=member_grid.community).order_by("code").first()
    )
    grid_b = Grid.objects.exclude(street__unit=street_unit).exclude(street=member_grid.street).order_by("code").first()
    a = make_object(grid_a, owner=street_unit, support=[bureau], name="甲企业")
    b = make_object(grid_b, owner=housing, kind="construction_site", name="乙工地")
    c = make_object(member_grid, owner=housing, kind="construction_site", name="丙工地")
    day = dt.date(2020, 1, 1), dt.date(2030, 1, 1)

    def record(who, obj, kind, start, units=()):
        return inspection_record(
            inspector=people[who],
            kind=kind,
            started_at=start,
            ended_at=start + dt.timedelta(minutes=30),
            supervised_object=obj,
            units=units,
            answers=all_pass(current_checklist(obj.kind)),
        )

    return {
        "plans": {
            "A": plan_create(
                actor=people["unit_lead"], title="甲夜查", kind="night", objects=[a], starts_on=day[0], ends_on=day[1]
            ),
            "B": plan_create(
                actor=people["dispatcher"],
                title="乙巡查",
                kind="routine",
                lead_unit=housing,
                objects=[b],
                starts_on=day[0],
                ends_on=day[1],
            ),
        },
        "inspections": {
            "A": record("unit_staff", a, InspectionKind.NIGHT, beijing_time(1, 21)),
            "B": record("housing_staff", b, InspectionKind.ROUTINE, beijing_time(1, 10)),
            "C": record("housing_staff", c, InspectionKind.JOINT, beijing_time(1, 14), units=[bureau]),
        },
        "enforcement": {
            "A": enforcement_open(
                actor=people["unit_lead"],
                title="甲超标",
                violation="超标",
                legal_basis="法",
                supervised_object=a,
                units=[housing],
            ),
            "B": enforcement_open(
                actor=people["housing_staff"], title="乙扬尘", violation="扬尘", legal_basis="法", supervised_object=b
            ),
        },
        "c_in_chiefs_street": member_grid.street.unit_id == street_unit.pk,
    }


def expected(username: str, scene) -> dict[str, set[str]]:
    everything = {"inspections": {"A", "B", "C"}, "enforcement": {"A", "B"}, "plans": {"A", "B"}}
    if username in WIDE:
        return everything
    if username in ("unit_lead", "unit_staff"):
        return {"inspections": {"A", "C"}, "enforcement": {"A"}, "plans": {"A"}}
    if username == "housing_staff":
        return {"inspections": {"B", "C"}, "enforcement": {"A", "B"}, "plans": {"B"}}
    if username == "river_chief":
        extra = {"C"} if scene["c_in_chiefs_street"] else set()
        return {"inspections": {"A"} | extra, "enforcement": {"A"}, "plans": {"A"}}
    return {"inspections": {"C"}, "enforcement": set(), "plans": set()}  # grid head and member: C's grid


@pytest.mark.parametrize("username", [*ROLES, "housing_staff"])
def test_each_role_sees_exactly_its_inspections_plans_and_enforcement(scene, people, username):
    user = people[username]
    want = expected(username, scene)
    models = {"inspections": Inspection, "enforcement": EnforcementCase, "plans": InspectionPlan}
    endpoints = {
        "inspections": "/api/v1/inspections/",
        "enforcement": "/api/v1/enforcement-cases/",
        "plans": "/api/v1/inspection-plans/",
    }
    api, web = APIClient(), Client()
    api.force_authenticate(user)
    web.force_login(user)
    for key, model in models.items():
        names = {name: row.pk for name, row in scene[key].items()}
        by_pk = {pk: name for name, pk in names.items()}
        seen = {by_pk[pk] for pk in model.objects.visible_to(user).values_list("pk", flat=True)}
        assert seen == want[key], (key, username)
        listed = {by_pk[row["id"]] for row in api.get(endpoints[key]).json()["results"]}
        assert listed == want[key], (key, username)
        for name, pk in names.items():
            assert api.get(f"{endpoints[key]}{pk}/").status_code == (200 if name in want[key] else 404)
    page = web.get("/patrols/").content.decode()
    for name, inspection in scene["inspections"].items():
        assert (f'data-number="{inspection.number}"' in page) == (name in want["inspections"]), (name, username)
    for name, enforcement in scene["enforcement"].items():
        status = web.get(f"/patrols/enforcement/{enforcement.pk}/").status_code
        assert status == (200 if name in want["enforcement"] else 404), (name, username)
