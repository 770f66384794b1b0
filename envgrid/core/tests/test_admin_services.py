"""The admin writes users, units and calendar days through the core services: each change is audited
with the changed fields before and after, and a staff member without the right changes nothing."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from envgrid.core.choices import Role, UnitKind
from envgrid.core.models import AuditEvent, CalendarDay, Unit, User
from envgrid.core.services import calendar_day_create, unit_create, user_create, user_update
from envgrid.core.tests.factories import TEST_PASSWORD, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def staff_client(client):
    """A staff member who may open the admin and view users, units and days, but change nothing."""
    staff = UserFactory(username="clerk", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_user", "view_unit", "view_calendarday"]))
    client.force_login(staff)
    return client


def user_form(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "display_name": user.display_name,
        "phone": user.phone,
        "unit": user.unit_id or "",
        "role": user.role,
    }
    data.update({"is_active": "on"} if user.is_active else {})
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def unit_form(unit: Unit, **changes) -> dict:
    data = {
        "name": unit.name,
        "short_name": unit.short_name,
        "kind": unit.kind,
        "parent": unit.parent_id or "",
        "phone": unit.phone,
        "sort_order": unit.sort_order,
        "is_active": "on" if unit.is_active else None,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# --- users ---------------------------------------------------------------------------------------


def test_changing_a_users_role_and_unit_in_the_admin_is_audited_before_and_after(admin_client, superuser):
    old_unit, new_unit = UnitFactory(name="生态环境分局"), UnitFactory(name="城关街道", kind=UnitKind.STREET)
    person = UserFactory(username="wang", role=Role.UNIT_STAFF, unit=old_unit)

    response = admin_client.post(
        reverse("admin:core_user_change", args=[person.pk]),
        user_form(person, role=Role.DISPATCHER, unit=new_unit.pk),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    person.refresh_from_db()
    assert (person.role, person.unit) == (Role.DISPATCHER, new_unit)
    event = AuditEvent.objects.get(action="user.update", object_id=str(person.pk))
    assert event.actor == superuser
    assert event.before == {"role": Role.UNIT_STAFF, "unit": old_unit.pk}
    assert event.after == {"role": Role.DISPATCHER, "unit": new_unit.pk}


def test_switching_a_user_off_and_giving_staff_rights_are_audited(admin_client):
    person = UserFactory(username="li")

    admin_client.post(
        reverse("admin:core_user_change", args=[person.pk]), user_form(person, is_active=None, is_staff="on")
    )

    event = AuditEvent.objects.get(action="user.update")
    assert event.before == {"is_active": True, "is_staff": False}
    assert event.after == {"is_active": False, "is_staff": True}


def test_adding_a_user_in_the_admin_goes_through_the_service(admin_client):
    unit = UnitFactory(name="住房和城乡建设局")

    response = admin_client.post(
        reverse("admin:core_user_add"),
        {
            "username": "zhao",
            "usable_password": "true",
            "password1": "Long-enough-2026",
            "password2": "Long-enough-2026",
            "display_name": "赵敏",
            "phone": "",
            "unit": unit.pk,
            "role": Role.UNIT_LEAD,
        },
    )

    person = User.objects.get(username="zhao")
    assert response.status_code == 302
    assert response.url == reverse("admin:core_user_change", args=[person.pk])
    assert person.check_password("Long-enough-2026") and person.role == Role.UNIT_LEAD
    event = AuditEvent.objects.get(action="user.create")
    assert event.after["role"] == Role.UNIT_LEAD and event.after["unit"] == unit.pk
    assert "password" not in event.after


def test_a_password_set_in_the_admin_is_audited_without_the_hash(admin_client):
    person = UserFactory(username="sun")

    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[person.pk]),
        {"password1": "Another-long-2026", "password2": "Another-long-2026", "usable_password": "true"},
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password("Another-long-2026")
    event = AuditEvent.objects.get(action="user.set_password")
    assert (event.before, event.after) == ({"usable_password": True}, {"usable_password": True})
    assert person.password not in str(event.after)


def test_a_staff_member_without_the_right_cannot_change_a_user(staff_client):
    person = UserFactory(username="zhou", role=Role.UNIT_STAFF)

    response = staff_client.post(
        reverse("admin:core_user_change", args=[person.pk]), user_form(person, role=Role.ADMIN)
    )

    assert response.status_code == 403
    person.refresh_from_db()
    assert person.role == Role.UNIT_STAFF
    assert not AuditEvent.objects.exists()


# --- units ---------------------------------------------------------------------------------------


def test_changing_a_unit_in_the_admin_is_audited(admin_client):
    parent = UnitFactory(name="城关街道", kind=UnitKind.STREET)
    unit = UnitFactory(name="东关社区", kind=UnitKind.COMMUNITY)

    response = admin_client.post(
        reverse("admin:core_unit_change", args=[unit.pk]), unit_form(unit, parent=parent.pk, phone="0371-1")
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="unit.update")
    assert event.before == {"parent": None, "phone": ""}
    assert event.after == {"parent": parent.pk, "phone": "0371-1"}


def test_adding_and_deleting_a_unit_in_the_admin_are_audited(admin_client):
    admin_client.post(reverse("admin:core_unit_add"), unit_form(Unit(name="应急管理局", kind=UnitKind.DEPARTMENT)))
    unit = Unit.objects.get(name="应急管理局")

    admin_client.post(reverse("admin:core_unit_delete", args=[unit.pk]), {"post": "yes"})

    assert not Unit.objects.filter(pk=unit.pk).exists()
    assert AuditEvent.objects.get(action="unit.create").after["name"] == "应急管理局"
    assert AuditEvent.objects.get(action="unit.delete").before["name"] == "应急管理局"


def test_the_delete_action_on_the_unit_list_deletes_through_the_service(admin_client):
    units = [UnitFactory(name="甲单位"), UnitFactory(name="乙单位")]

    admin_client.post(
        reverse("admin:core_unit_changelist"),
        {"action": "delete_selected", "_selected_action": [u.pk for u in units], "post": "yes"},
    )

    assert not Unit.objects.filter(pk__in=[u.pk for u in units]).exists()
    assert AuditEvent.objects.filter(action="unit.delete").count() == 2


def test_a_staff_member_without_the_right_cannot_change_a_unit(staff_client):
    unit = UnitFactory(name="丙单位")

    response = staff_client.post(reverse("admin:core_unit_change", args=[unit.pk]), unit_form(unit, phone="110"))

    assert response.status_code == 403
    unit.refresh_from_db()
    assert unit.phone == ""
    assert not AuditEvent.objects.exists()


# --- calendar days -------------------------------------------------------------------------------


def test_changing_a_calendar_day_in_the_admin_is_audited(admin_client):
    day = CalendarDay.objects.create(date=dt.date(2027, 2, 6), is_workday=False, name="春节")

    response = admin_client.post(
        reverse("admin:core_calendarday_change", args=[day.pk]),
        {"date": "2027-02-06", "is_workday": "on", "name": "春节调休"},
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="calendar_day.update")
    assert event.before == {"is_workday": False, "name": "春节"}
    assert event.after == {"is_workday": True, "name": "春节调休"}


def test_adding_and_deleting_a_calendar_day_in_the_admin_are_audited(admin_client):
    admin_client.post(reverse("admin:core_calendarday_add"), {"date": "2027-02-08", "name": "春节"})
    day = CalendarDay.objects.get(date=dt.date(2027, 2, 8))

    admin_client.post(reverse("admin:core_calendarday_delete", args=[day.pk]), {"post": "yes"})

    assert AuditEvent.objects.get(action="calendar_day.create").after == {
        "date": "2027-02-08",
        "is_workday": False,
        "name": "春节",
    }
    assert AuditEvent.objects.get(action="calendar_day.delete").before["date"] == "2027-02-08"
    assert not CalendarDay.objects.exists()


def test_a_staff_member_without_the_right_cannot_add_a_calendar_day(staff_client):
    response = staff_client.post(reverse("admin:core_calendarday_add"), {"date": "2027-02-08", "name": "春节"})

    assert response.status_code == 403
    assert not CalendarDay.objects.exists()


# --- the services themselves ----------------------------------------------------------------------


def test_an_update_that_changes_nothing_writes_no_audit_event():
    person = UserFactory(username="qian", role=Role.GRID_MEMBER)

    user_update(actor=None, user=person, role=Role.GRID_MEMBER)

    assert not AuditEvent.objects.filter(action="user.update").exists()


def test_the_services_refuse_a_field_they_do_not_update():
    unit = unit_create(actor=None, name="丁单位")
    with pytest.raises(TypeError):
        user_update(actor=None, user=user_create(actor=None, username="x", unit=unit), password="secret")
    with pytest.raises(TypeError):
        calendar_day_create(actor=None, date=dt.date(2027, 1, 1), is_workday=False, note="")


def test_a_user_created_without_a_password_cannot_sign_in_by_password():
    user_create(actor=None, username="nopass", unit=unit_create(actor=None, name="戊单位"))

    person = User.objects.get(username="nopass")
    assert not person.has_usable_password() and not person.check_password(TEST_PASSWORD)
