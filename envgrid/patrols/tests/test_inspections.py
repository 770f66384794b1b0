"""Inspection records through the service: the night window enforced, checklists answered in full and
versioned, findings filed as cases routed to the object's owner, scope and roles checked."""

import datetime as dt

import pytest

from envgrid.cases.choices import CaseStatus, Channel
from envgrid.cases.models import Case, CaseCategory
from envgrid.core.errors import DomainError
from envgrid.patrols.choices import InspectionKind
from envgrid.patrols.models import Finding, Inspection, PatrolSettings
from envgrid.patrols.services import FindingInput, checklist_publish, current_checklist, inspection_record
from envgrid.patrols.tests.conftest import all_pass, beijing_time, jpeg, point_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned_enterprise(make_object, street_grid, street_unit, bureau):
    """An enterprise the street answers for (lead 分包); the ecology bureau supports, so it sees it."""
    return make_object(street_grid, owner=street_unit, support=[bureau], name="宏达化工")


def record(people, obj, *, kind=InspectionKind.NIGHT, start=None, end=None, who="unit_staff", **extra):
    start = start or beijing_time(1, 21, 0)
    end = end or start + dt.timedelta(minutes=40)
    extra.setdefault("answers", all_pass(current_checklist(obj.kind)) if obj else {})
    return inspection_record(
        inspector=people[who], kind=kind, started_at=start, ended_at=end, supervised_object=obj, **extra
    )


def test_a_night_inspection_inside_the_window_is_recorded_with_its_checklist_version(people, owned_enterprise):
    inspection = record(people, owned_enterprise, lon=owned_enterprise.lon, lat=owned_enterprise.lat)

    assert inspection.kind == InspectionKind.NIGHT
    assert inspection.number.startswith("XC")
    assert inspection.checklist == current_checklist("enterprise")
    assert inspection.answers.count() == inspection.checklist.items.count() == 6
    assert (inspection.grid, inspection.street) == (owned_enterprise.grid, owned_enterprise.street)
    assert list(inspection.units.all()) == [people["unit_staff"].unit]
    assert not inspection.has_findings


@pytest.mark.parametrize(
    ("start", "minutes"),
    [((1, 15, 0), 30), ((1, 19, 50), 20), ((1, 5, 40), 40), ((1, 6, 0), 10)],
    ids=["afternoon", "starts-before-20:00", "runs-past-06:00", "starts-at-06:00"],
)
def test_a_record_outside_the_night_window_is_refused_as_a_night_inspection(people, owned_enterprise, start, minutes):
    begin = beijing_time(*start)
    with pytest.raises(DomainError) as refused:
        record(people, owned_enterprise, start=begin, end=begin + dt.timedelta(minutes=minutes))

    assert refused.value.code == "outside_night_window"
    assert "20:00–06:00" in refused.value.message
    assert Inspection.objects.count() == 0 and Case.objects.count() == 0


def test_the_same_daytime_record_is_accepted_as_a_routine_inspection(people, owned_enterprise):
    begin = beijing_time(1, 15, 0)
    inspection = record(
        people, owned_enterprise, kind=InspectionKind.ROUTINE, start=begin, end=begin + dt.timedelta(minutes=30)
    )
    assert inspection.kind == InspectionKind.ROUTINE


@pytest.mark.parametrize(("start", "minutes"), [((2, 23, 30), 60), ((1, 0, 10), 300), ((1, 20, 0), 600)])
def test_a_night_inspection_may_cross_midnight_and_end_when_the_window_closes(
    people, owned_enterprise, start, minutes, travel
):
    travel("09:30")  # after this morning's 06:00, when the last of these records ends
    begin = beijing_time(*start)
    inspection = record(people, owned_enterprise, start=begin, end=begin + dt.timedelta(minutes=minutes))
    assert inspection.kind == InspectionKind.NIGHT


def test_the_night_window_is_the_districts_setting(people, owned_enterprise):
    PatrolSettings.objects.create(night_start=dt.time(22, 0), night_end=dt.time(5, 0))
    with pytest.raises(DomainError) as refused:
        record(people, owned_enterprise, start=beijing_time(1, 21, 0))
    assert refused.value.code == "outside_night_window" and "22:00–05:00" in refused.value.message
    assert record(people, owned_enterprise, start=beijing_time(1, 22, 30)).kind == InspectionKind.NIGHT


def test_times_in_the_future_or_backwards_are_refused(people, owned_enterprise):
    later = beijing_time(-2, 21, 0)
    with pytest.raises(DomainError) as future:
        record(people, owned_enterprise, start=later, end=later + dt.timedelta(minutes=5))
    begin = beijing_time(1, 21, 0)
    with pytest.raises(DomainError) as backwards:
        record(people, owned_enterprise, start=begin, end=begin - dt.timedelta(minutes=5))
    assert future.value.code == backwards.value.code == "time_invalid"


def test_a_finding_becomes_a_case_linked_to_the_object_and_routed_to_its_owner(people, owned_enterprise, street_unit):
    checklist = current_checklist("enterprise")
    items = list(checklist.items.all())
    answers = {**all_pass(checklist), items[3].pk: ("fail", "排口冒黄烟")}
    emission = CaseCategory.objects.get(code="industrial.emission")
    lon, lat = point_in(owned_enterprise.grid)

    inspection = record(
        people,
        owned_enterprise,
        answers=answers,
        lon=lon,
        lat=lat,
        findings=[FindingInput("夜间排口冒黄烟，有刺鼻气味", emission, item_ids=[items[3].pk])],
        photos=[jpeg(gps=(lon, lat), taken="2026:05:01 21:10:00")],
    )

    finding = Finding.objects.get(inspection=inspection)
    case = finding.case
    assert inspection.has_findings and list(finding.items.all()) == [items[3]]
    assert (case.channel, case.category, case.supervised_object) == (Channel.INSPECTION, emission, owned_enterprise)
    assert case.reporter == people["unit_staff"]
    # The routing table gives emissions to the ecology bureau; the object's owner (the street) comes first.
    assert case.status == CaseStatus.DISPATCHED
    assert case.lead_unit == street_unit
    assert inspection.number in case.description
    assert case.attachments.count() == 1 and inspection.photos.get().taken_lat == pytest.approx(lat, abs=1e-4)


def test_with_dispatch_turned_off_the_finding_waits_for_the_dispatcher(people, owned_enterprise):
    PatrolSettings.objects.create(dispatch_findings=False)
    emission = CaseCategory.objects.get(code="industrial.emission")
    inspection = record(people, owned_enterprise, findings=[FindingInput("冒黄烟", emission)])
    assert inspection.findings.get().case.status == CaseStatus.REPORTED


def test_a_failed_item_without_a_finding_is_refused(people, owned_enterprise):
    checklist = current_checklist("enterprise")
    first = checklist.items.first()
    with pytest.raises(DomainError) as refused:
        record(people, owned_enterprise, answers={**all_pass(checklist), first.pk: "fail"})
    assert refused.value.code == "finding_required" and first.text in refused.value.message
    assert Inspection.objects.count() == 0


def test_every_check_item_must_be_answered(people, owned_enterprise):
    checklist = current_checklist("enterprise")
    last = checklist.items.last()
    answers = {pk: a for pk, a in all_pass(checklist).items() if pk != last.pk}
    with pytest.raises(DomainError) as refused:
        record(people, owned_enterprise, answers=answers)
    assert refused.value.code == "checklist_incomplete" and last.text in refused.value.message


def test_a_record_keeps_the_checklist_version_it_answered(people, owned_enterprise):
    first = record(people, owned_enterprise)
    v2 = checklist_publish(
        actor=people["dispatcher"],
        kind="enterprise",
        title="工业企业检查要点（2026版）",
        items=[("治污设施正常运行", "", None), ("无异味", "", None)],
    )
    second = record(people, owned_enterprise, start=beijing_time(1, 22, 0))

    first.refresh_from_db()
    assert (first.checklist.version, second.checklist) == (1, v2)
    assert v2.version == 2 and first.answers.count() == 6 and second.answers.count() == 2


def test_only_the_command_centre_publishes_checklists(people):
    with pytest.raises(DomainError) as refused:
        checklist_publish(actor=people["unit_lead"], kind="road", title="x", items=[("a", "", None)])
    assert refused.value.code == "permission_denied"


def test_a_joint_inspection_needs_another_unit(people, owned_enterprise, housing):
    with pytest.raises(DomainError) as refused:
        record(people, owned_enterprise, kind=InspectionKind.JOINT, start=beijing_time(1, 10, 0))
    assert refused.value.code == "joint_needs_units"
    joint = record(people, owned_enterprise, kind=InspectionKind.JOINT, start=beijing_time(1, 10, 0), units=[housing])
    assert set(joint.units.all()) == {people["unit_staff"].unit, housing}


def test_an_object_outside_the_inspectors_scope_is_refused(people, owned_enterprise):
    with pytest.raises(DomainError) as refused:
        record(people, owned_enterprise, who="housing_staff")
    assert refused.value.code == "object_out_of_scope"


def test_a_plan_of_the_unit_brings_its_objects_into_reach(people, make_object, street_grid, street_unit):
    from envgrid.patrols.services import plan_create

    obj = make_object(street_grid, owner=street_unit)
    plan = plan_create(
        actor=people["dispatcher"],
        title="住建夜查",
        kind=InspectionKind.NIGHT,
        starts_on=dt.date(2020, 1, 1),
        ends_on=dt.date(2030, 1, 1),
        lead_unit=people["housing_staff"].unit,
        objects=[obj],
        times=2,
    )
    inspection = record(people, obj, who="housing_staff", plan=plan)
    assert inspection.plan == plan


def test_a_leader_reads_but_never_records(people, owned_enterprise):
    with pytest.raises(DomainError) as refused:
        record(people, owned_enterprise, who="leader")
    assert refused.value.code == "permission_denied"
