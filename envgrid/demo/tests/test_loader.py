"""Loading the demo district into the database, and the two management commands."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from envgrid.core.models import AuditEvent, Unit, User
from envgrid.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from envgrid.demo.district import COMMAND_CENTRE, ECOLOGY_BUREAU
from envgrid.demo.loader import DemoLoadError, demo_load
from envgrid.grids.models import Grid, Region

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int]:
    return Unit.objects.count(), Region.objects.count(), Grid.objects.count(), User.objects.count()


def sign_in(username: str, password: str = DEMO_PASSWORD):
    return authenticate(request=RequestFactory().post("/"), username=username, password=password)


@pytest.fixture
def loaded():
    return demo_load()


# The district's 237 people, and the 21 分包 contact persons the sources demo adds (one per department
# and street: envgrid/sources/demo.py).
ALL_USERS = 237 + 21


def test_load_writes_the_whole_district(loaded):
    assert counts() == (54, 35, 200, ALL_USERS)
    assert Grid.members.through.objects.count() == 200
    assert (loaded.units, loaded.regions, loaded.grids, loaded.users, loaded.memberships) == (54, 35, 200, 237, 200)
    assert (loaded.streets, loaded.communities, loaded.dedicated_grids) == (4, 30, 8)


def test_load_writes_one_audit_event(loaded):
    event = AuditEvent.objects.get(action="demo.load")

    assert event.actor is None
    assert event.object_repr == "鹿鸣高新区"
    assert event.after["grids"] == 200


def test_every_demo_account_signs_in_with_the_demo_password(loaded):
    for account in DEMO_ACCOUNTS:
        user = sign_in(account.username)
        assert user is not None, account.username
        assert user.role == account.role


def test_generated_grid_heads_and_members_sign_in_too(loaded):
    head = User.objects.filter(username__startswith="gh_").first()
    member = User.objects.filter(username__startswith="gm_").first()

    assert sign_in(head.username) == head
    assert sign_in(member.username) == member


def test_a_wrong_password_is_refused(loaded):
    assert sign_in("dispatcher", "not-the-password") is None


def test_demo_accounts_belong_to_their_units(loaded):
    users = {u.username: u for u in User.objects.select_related("unit")}

    assert users["admin"].is_superuser and users["admin"].is_staff
    assert users["dispatcher"].unit.name == COMMAND_CENTRE
    assert users["unit_lead"].unit.name == users["unit_staff"].unit.name == ECOLOGY_BUREAU
    assert users["grid_head"].unit.kind == "community"
    assert users["river_chief"].unit.kind == "street"
    assert users["leader"].is_read_only


def test_the_region_tree_has_its_levels_and_governing_units(loaded):
    district = Region.objects.get(level="district")
    streets = list(Region.objects.filter(parent=district).select_related("unit"))
    communities = list(Region.objects.filter(parent__in=streets).select_related("unit", "parent__unit"))

    assert {s.level for s in streets} == {"street", "town"} and len(streets) == 4
    assert all(s.unit.kind == "street" for s in streets)
    assert len(communities) == 30
    assert all(c.level in ("community", "village") and c.unit.kind == "community" for c in communities)
    assert all(c.unit.parent_id == c.parent.unit_id for c in communities)


def test_grids_hang_under_their_community_and_street_with_derived_fields(loaded):
    grids = list(Grid.objects.select_related("community", "street"))

    assert all(g.street_id == g.community.parent_id for g in grids)
    assert all(g.area_m2 > 1000 for g in grids)
    assert all(113.4 < g.centroid_lon < 113.7 and 34.7 < g.centroid_lat < 34.9 for g in grids)
    assert 80e6 < sum(g.area_m2 for g in grids) < 95e6


def test_the_demo_grid_member_patrols_a_grid_headed_by_the_demo_grid_head(loaded):
    member = User.objects.get(username="grid_member")
    head = User.objects.get(username="grid_head")

    grid = member.member_grids.get()

    assert grid.head == head
    assert set(head.headed_grids.values_list("community", flat=True)) == {grid.community_id}
    assert grid.community.unit_id == head.unit_id == member.unit_id


def test_a_second_load_is_refused_and_changes_nothing(loaded):
    before = counts()

    with pytest.raises(DemoLoadError) as error:
        demo_load()

    assert error.value.code == "demo_not_empty"
    assert counts() == before


def test_a_taken_demo_username_blocks_the_load():
    User.objects.create_user(username="dispatcher", password="x")

    with pytest.raises(DemoLoadError) as error:
        demo_load()

    assert error.value.code == "demo_username_taken"
    assert counts() == (0, 0, 0, 1)


def test_another_superuser_does_not_block_the_load():
    User.objects.create_superuser(username="root", password="x")

    demo_load()

    assert counts() == (54, 35, 200, ALL_USERS + 1)


def test_reset_replaces_an_earlier_demo_load_and_keeps_other_users(loaded):
    root = User.objects.create_superuser(username="root", password="x")
    User.objects.filter(username="dispatcher").update(display_name="changed")

    demo_load(reset=True)

    assert counts() == (54, 35, 200, ALL_USERS + 1)
    assert User.objects.get(username="dispatcher").display_name != "changed"
    assert User.objects.filter(pk=root.pk).exists()


def test_reset_refuses_when_other_units_exist(loaded):
    Unit.objects.create(name="外来单位")
    before = counts()

    with pytest.raises(DemoLoadError) as error:
        demo_load(reset=True)

    assert error.value.code == "demo_reset_foreign_data"
    assert counts() == before


def test_load_demo_if_empty_loads_once_then_does_nothing():
    first, second = StringIO(), StringIO()

    call_command("load_demo", "--if-empty", stdout=first)
    after_first = counts()
    call_command("load_demo", "--if-empty", stdout=second)

    assert "Loaded demo district 鹿鸣高新区" in first.getvalue()
    assert "200 grids" in first.getvalue()
    assert "demo district not loaded" in second.getvalue()
    assert counts() == after_first == (54, 35, 200, ALL_USERS)


def test_load_demo_without_if_empty_fails_on_a_loaded_database(loaded):
    with pytest.raises(CommandError, match="already has units"):
        call_command("load_demo", stdout=StringIO())


def test_demo_accounts_lists_every_account_with_password_and_unit(loaded):
    out = StringIO()

    call_command("demo_accounts", stdout=out)

    text = out.getvalue()
    assert DEMO_PASSWORD in text
    for account in DEMO_ACCOUNTS:
        assert account.username in text
        assert account.description in text
    assert COMMAND_CENTRE in text and ECOLOGY_BUREAU in text


def test_demo_accounts_says_when_the_demo_is_not_loaded():
    out = StringIO()

    call_command("demo_accounts", stdout=out)

    assert "not loaded" in out.getvalue()
