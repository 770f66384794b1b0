"""Enforcement cases through the services: filed with the object, units and triggers; measures checked;
the status table enforced; publicity recorded; only the lead unit (or the command centre) handles it."""

import datetime as dt

import pytest

from envgrid.core.errors import DomainError
from envgrid.core.models import AuditEvent
from envgrid.patrols.models import EnforcementCase
from envgrid.patrols.services import (
    enforcement_add_measure,
    enforcement_complete_measure,
    enforcement_open,
    enforcement_publicize,
    enforcement_transition,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(make_object, street_grid, street_unit, bureau):
    return make_object(street_grid, owner=street_unit, support=[bureau], kind="construction_site", name="翠湖工地")


def open_case(people, site, **extra):
    fields = {
        "actor": people["unit_lead"],
        "title": "工地扬尘",
        "violation": "物料未覆盖",
        "legal_basis": "大气法第一百一十五条",
        "supervised_object": site,
    }
    fields.update(extra)
    return enforcement_open(**fields)


def test_filing_takes_family_place_and_party_from_the_object(people, site, housing):
    case = open_case(people, site, units=[housing], measures=[{"kind": "rectify", "deadline": dt.date(2026, 7, 1)}])
    assert case.number.startswith("ZF") and case.status == "filed"
    assert (case.family.code, case.grid, case.street, case.party) == ("construction", site.grid, site.street, str(site))
    assert set(case.units.all()) == {people["unit_lead"].unit, housing}
    assert AuditEvent.objects.filter(action="patrols.enforcement_open", object_id=str(case.pk)).exists()


def test_a_fine_needs_an_amount_and_only_a_fine_has_one(people, site):
    with pytest.raises(DomainError) as no_amount:
        open_case(people, site, measures=[{"kind": "fine"}])
    with pytest.raises(DomainError) as amount_on_seal:
        open_case(people, site, measures=[{"kind": "seal", "fine_amount": 10}])
    assert no_amount.value.code == amount_on_seal.value.code == "measure_invalid"
    assert EnforcementCase.objects.count() == 0


def test_the_status_follows_the_table(people, site):
    case = open_case(people, site)
    lead = people["unit_lead"]
    with pytest.raises(DomainError) as no_measure:
        enforcement_transition(enforcement=case, actor=lead, to="decided")
    assert no_measure.value.code == "measure_invalid"
    fine = enforcement_add_measure(enforcement=case, actor=lead, kind="fine", fine_amount="20000")
    case = enforcement_transition(enforcement=case, actor=lead, to="decided")
    with pytest.raises(DomainError) as pending:
        enforcement_transition(enforcement=case, actor=lead, to="closed")
    assert (
        pending.value.code == "measures_pending" and "罚款" in pending.value.message or "Fine" in pending.value.message
    )
    enforcement_complete_measure(measure=fine, actor=lead)
    closed = enforcement_transition(enforcement=case, actor=lead, to="closed")
    assert closed.status == "closed" and closed.closed_on and closed.decided_on
    with pytest.raises(DomainError) as reopened:
        enforcement_transition(enforcement=case, actor=lead, to="investigating")
    assert reopened.value.code == "invalid_transition" and reopened.value.http_status == 409


def test_withdrawing_needs_a_reason(people, site):
    case = open_case(people, site)
    with pytest.raises(DomainError):
        enforcement_transition(enforcement=case, actor=people["unit_lead"], to="withdrawn")
    assert enforcement_transition(enforcement=case, actor=people["unit_lead"], to="withdrawn", note="主体不适格").status


def test_a_stale_version_is_a_conflict(people, site):
    case = open_case(people, site)
    seen = case.version
    enforcement_add_measure(enforcement=case, actor=people["unit_lead"], kind="rectify")
    with pytest.raises(DomainError) as stale:
        enforcement_transition(enforcement=case, actor=people["unit_lead"], to="decided", expected_version=seen)
    assert stale.value.code == "conflict"


def test_only_the_lead_unit_or_the_command_centre_handles_the_case(people, site, housing):
    case = open_case(people, site, units=[housing])
    with pytest.raises(DomainError) as refused:
        enforcement_publicize(
            enforcement=case, actor=people["housing_staff"], channel="tv", published_on=dt.date(2026, 6, 1)
        )
    assert refused.value.code == "permission_denied" and case.publicity.count() == 0
    enforcement_publicize(
        enforcement=case,
        actor=people["dispatcher"],
        channel="wechat",
        published_on=dt.date(2026, 6, 1),
        link="https://example.gov.cn/a",
    )
    assert case.publicity.get().get_channel_display()


def test_a_unit_files_only_for_itself_and_the_leader_never(people, site, housing):
    with pytest.raises(DomainError) as other_unit:
        open_case(people, site, lead_unit=housing)
    with pytest.raises(DomainError) as leader:
        open_case(people, site, actor=people["leader"])
    assert other_unit.value.code == leader.value.code == "permission_denied"
    assert open_case(people, site, actor=people["dispatcher"], lead_unit=housing).lead_unit == housing


def test_triggers_outside_the_scope_are_refused(people, site, make_object, member_grid, housing):
    from envgrid.patrols.services import current_checklist, inspection_record
    from envgrid.patrols.tests.conftest import all_pass, beijing_time

    theirs = make_object(member_grid, owner=housing)
    inspection = inspection_record(
        inspector=people["housing_staff"],
        kind="routine",
        started_at=beijing_time(1, 9),
        ended_at=beijing_time(1, 9, 30),
        supervised_object=theirs,
        answers=all_pass(current_checklist("enterprise")),
    )
    with pytest.raises(DomainError) as refused:
        open_case(people, site, inspections=[inspection])
    assert refused.value.code == "permission_denied"
