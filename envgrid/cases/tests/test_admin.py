"""The admin writes deadline rules and routing rules through ``envgrid.cases.rules``: each change is
audited with the changed fields before and after, and a staff member without the right changes nothing."""

import pytest
from django.contrib.admin import site
from django.contrib.auth.models import Permission
from django.urls import reverse

from envgrid.cases.choices import DeadlineUnit, Severity
from envgrid.cases.models import Case, CaseCategory, CaseSLA, RoutingRule
from envgrid.cases.rules import case_settings_create, case_sla_create, routing_rule_create
from envgrid.core.choices import Role
from envgrid.core.models import AuditEvent
from envgrid.core.tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(username="rules-admin", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def staff_client(client):
    """A staff member who may view the rules but not change them."""
    staff = UserFactory(username="rules-clerk", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_casesla", "view_routingrule"]))
    client.force_login(staff)
    return client


@pytest.fixture
def dust():
    return CaseCategory.objects.create(code="admin-test-dust", name="测试扬尘")


def sla_form(rule: CaseSLA, **changes) -> dict:
    data = {
        "category": rule.category_id or "",
        "severity": rule.severity,
        "amount": rule.amount,
        "unit": rule.unit,
        "escalate_after_hours": rule.escalate_after_hours,
    }
    return {**data, **changes}


def routing_form(rule: RoutingRule, **changes) -> dict:
    data = {
        "category": rule.category_id or "",
        "region": rule.region_id or "",
        "grid": rule.grid_id or "",
        "unit": rule.unit_id,
        "co_units": [unit.pk for unit in rule.co_units.all()],
    }
    return {**data, **changes}


# --- deadline rules ------------------------------------------------------------------------------


def test_changing_a_deadline_rule_in_the_admin_is_audited(admin_client, superuser, dust):
    rule = case_sla_create(actor=None, category=dust, amount=24, unit=DeadlineUnit.HOURS)

    response = admin_client.post(
        reverse("admin:cases_casesla_change", args=[rule.pk]),
        sla_form(rule, amount=3, unit=DeadlineUnit.WORKING_DAYS),
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.amount, rule.unit) == (3, DeadlineUnit.WORKING_DAYS)
    event = AuditEvent.objects.get(action="case_sla.update")
    assert event.actor == superuser
    assert event.before == {"amount": 24, "unit": DeadlineUnit.HOURS}
    assert event.after == {"amount": 3, "unit": DeadlineUnit.WORKING_DAYS}


def test_adding_and_deleting_a_deadline_rule_in_the_admin_are_audited(admin_client, dust):
    admin_client.post(
        reverse("admin:cases_casesla_add"), sla_form(CaseSLA(category=dust, severity=Severity.URGENT, amount=4))
    )
    rule = CaseSLA.objects.get(category=dust, severity=Severity.URGENT)

    admin_client.post(reverse("admin:cases_casesla_delete", args=[rule.pk]), {"post": "yes"})

    assert not CaseSLA.objects.filter(pk=rule.pk).exists()
    assert AuditEvent.objects.get(action="case_sla.create").after["amount"] == 4
    assert AuditEvent.objects.get(action="case_sla.delete").before["severity"] == Severity.URGENT


def test_a_staff_member_without_the_right_cannot_change_a_deadline_rule(staff_client, dust):
    rule = case_sla_create(actor=None, category=dust, amount=24)

    response = staff_client.post(reverse("admin:cases_casesla_change", args=[rule.pk]), sla_form(rule, amount=1))

    assert response.status_code == 403
    rule.refresh_from_db()
    assert rule.amount == 24
    assert not AuditEvent.objects.filter(action="case_sla.update").exists()


# --- routing rules -------------------------------------------------------------------------------


def test_changing_a_routing_rule_in_the_admin_is_audited(admin_client, superuser, dust):
    ecology, housing, police = (
        UnitFactory(name="生态环境分局"),
        UnitFactory(name="住建局"),
        UnitFactory(name="公安分局"),
    )
    rule = routing_rule_create(actor=None, category=dust, unit=ecology, co_units=[police])

    response = admin_client.post(
        reverse("admin:cases_routingrule_change", args=[rule.pk]),
        routing_form(rule, unit=housing.pk, co_units=[ecology.pk, police.pk]),
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.unit == housing
    assert set(rule.co_units.all()) == {ecology, police}
    event = AuditEvent.objects.get(action="routing_rule.update")
    assert event.actor == superuser
    assert event.before == {"unit": ecology.pk, "co_units": [police.pk]}
    assert event.after == {"unit": housing.pk, "co_units": sorted([ecology.pk, police.pk])}


def test_adding_and_deleting_routing_rules_in_the_admin_are_audited(admin_client, dust):
    ecology = UnitFactory(name="生态环境分局")
    admin_client.post(reverse("admin:cases_routingrule_add"), {"category": dust.pk, "unit": ecology.pk})
    added = RoutingRule.objects.get(category=dust)
    other = routing_rule_create(actor=None, unit=ecology)

    admin_client.post(
        reverse("admin:cases_routingrule_changelist"),
        {"action": "delete_selected", "_selected_action": [added.pk, other.pk], "post": "yes"},
    )

    assert not RoutingRule.objects.filter(pk__in=[added.pk, other.pk]).exists()
    assert AuditEvent.objects.get(action="routing_rule.create", object_id=str(added.pk)).after["category"] == dust.pk
    deleted = AuditEvent.objects.filter(action="routing_rule.delete")
    assert sorted(deleted.values_list("object_id", flat=True)) == sorted([str(added.pk), str(other.pk)])


def test_a_staff_member_without_the_right_cannot_change_a_routing_rule(staff_client, dust):
    ecology, housing = UnitFactory(name="生态环境分局"), UnitFactory(name="住建局")
    rule = routing_rule_create(actor=None, category=dust, unit=ecology)

    response = staff_client.post(
        reverse("admin:cases_routingrule_change", args=[rule.pk]), routing_form(rule, unit=housing.pk)
    )

    assert response.status_code == 403
    rule.refresh_from_db()
    assert rule.unit == ecology
    assert not AuditEvent.objects.filter(action="routing_rule.update").exists()


# --- the category tree and the duplicate-check settings ------------------------------------------


def test_switching_a_category_off_in_the_admin_is_audited(admin_client, dust):
    response = admin_client.post(
        reverse("admin:cases_casecategory_change", args=[dust.pk]),
        {"code": dust.code, "name": "施工扬尘", "parent": "", "description": "", "sort_order": 0},
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="case_category.update")
    assert event.before == {"name": "测试扬尘", "is_active": True}
    assert event.after == {"name": "施工扬尘", "is_active": False}


def test_changing_the_duplicate_check_settings_in_the_admin_is_audited(admin_client):
    settings = case_settings_create(actor=None)

    response = admin_client.post(
        reverse("admin:cases_casesettings_change", args=[settings.pk]),
        {"duplicate_radius_m": 500, "duplicate_window_hours": 72},
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="case_settings.update")
    assert (event.before, event.after) == ({"duplicate_radius_m": 200}, {"duplicate_radius_m": 500})


def test_cases_are_read_only_in_the_admin_and_never_deleted_there(rf, superuser):
    request = rf.get("/admin/cases/case/")
    request.user = superuser
    case_admin = site._registry[Case]

    assert case_admin.has_view_permission(request)
    assert not case_admin.has_add_permission(request)
    assert not case_admin.has_change_permission(request)
    assert not case_admin.has_delete_permission(request)
