"""Spot checks: a unit records complied or violated on site; a violation opens a case routed to the
enterprise's owner; the rules of who may record what and when; the board and the period summaries."""

import pytest

from envgrid.cases.choices import CaseStatus, Channel
from envgrid.emergency import selectors
from envgrid.emergency.choices import CheckStatus
from envgrid.emergency.errors import EmergencyConflict, EmergencyError, EmergencyPermissionDenied
from envgrid.emergency.services.checks import spot_check_record
from envgrid.emergency.services.warnings import warning_activate, warning_lift
from envgrid.emergency.tests.conftest import jpeg, put_on_duty

pytestmark = pytest.mark.django_db


@pytest.fixture
def active(listed, record, people):
    warning = record(level="orange")
    return warning_activate(warning=warning, actor=people["dispatcher"])


def first_check(warning, obj):
    return warning.spot_checks.filter(supervised_object=obj).order_by("due_at").first()


def test_a_unit_records_a_compliant_check(active, listed, people, clock):
    check = first_check(active, listed[0])

    check = spot_check_record(
        check=check, actor=people["unit_staff"], result="complied", files=[jpeg()], lon=113.55, lat=34.8
    )

    check.refresh_from_db()
    assert check.status == CheckStatus.COMPLIED and check.checked_by == people["unit_staff"]
    assert check.checked_at == clock.now and not check.is_late and check.case is None
    assert check.photos.count() == 1 and (check.lon, check.lat) == (113.55, 34.8)


def test_a_violation_opens_a_case_on_the_enterprise_routed_to_its_owner(active, listed, people, street):
    check = first_check(active, listed[1])

    check = spot_check_record(
        check=check,
        actor=people["river_chief"],
        result="violated",
        note="2号线仍在生产，重型货车进出",
        files=[jpeg("line2.jpg")],
    )

    check.refresh_from_db()
    case = check.case
    assert check.status == CheckStatus.VIOLATED and case is not None
    assert case.supervised_object == listed[1] and case.channel == Channel.INSPECTION
    assert case.status == CaseStatus.DISPATCHED and case.lead_unit == street
    assert case.category.code == "industrial.warning" and case.reporter == people["river_chief"]
    assert active.document_number in case.title or listed[1].name in case.title
    assert "2号线仍在生产" in case.description and case.attachments.count() == 1


def test_a_violation_needs_a_note_and_a_photo(active, listed, people):
    check = first_check(active, listed[0])
    with pytest.raises(EmergencyError) as no_note:
        spot_check_record(check=check, actor=people["unit_staff"], result="violated", files=[jpeg()])
    with pytest.raises(EmergencyError) as no_photo:
        spot_check_record(check=check, actor=people["unit_staff"], result="violated", note="仍在生产")
    assert (no_note.value.code, no_photo.value.code) == ("note_required", "photo_required")
    check.refresh_from_db()
    assert check.status == CheckStatus.PENDING


@pytest.mark.parametrize("username", ["river_chief", "dispatcher", "leader", "grid_member", "unit_lead"])
def test_only_the_responsible_units_people_record_a_check(active, listed, people, username):
    check = first_check(active, listed[0])  # the ecology bureau's
    if username == "unit_lead":  # the bureau's lead may
        check = spot_check_record(check=check, actor=people[username], result="complied")
        return
    with pytest.raises(EmergencyPermissionDenied):
        spot_check_record(check=check, actor=people[username], result="complied")
    check.refresh_from_db()
    assert check.status == CheckStatus.PENDING and check.checked_at is None


def test_a_check_is_recorded_once_and_not_after_the_warning_is_lifted(active, listed, people):
    check = first_check(active, listed[0])
    check = spot_check_record(check=check, actor=people["unit_staff"], result="complied")
    with pytest.raises(EmergencyConflict) as twice:
        spot_check_record(check=check, actor=people["unit_lead"], result="complied")
    assert twice.value.code == "already_recorded"
    later = active.spot_checks.filter(supervised_object=listed[0], status="pending").first()
    active = warning_lift(warning=active, actor=people["dispatcher"])
    later.refresh_from_db()
    with pytest.raises(EmergencyConflict):
        spot_check_record(check=later, actor=people["unit_staff"], result="complied")


def test_a_check_recorded_after_its_window_is_late(active, listed, people, clock):
    check = first_check(active, listed[0])
    clock.advance(hours=3)
    check = spot_check_record(check=check, actor=people["unit_staff"], result="complied")
    check.refresh_from_db()
    assert check.is_late


def test_the_board_counts_per_enterprise_and_unit_within_scope(active, listed, people, bureau, clock):
    spot_check_record(check=first_check(active, listed[0]), actor=people["unit_staff"], result="complied")
    spot_check_record(
        check=first_check(active, listed[1]),
        actor=people["river_chief"],
        result="violated",
        note="未停产",
        files=[jpeg()],
    )
    clock.advance(hours=3)  # 12:30: the first windows closed; the second ones opened

    board = selectors.warning_board(active, people["dispatcher"])
    assert board["totals"] == {"planned": 10, "due": 4, "done": 2, "violated": 1, "overdue": 0, "late": 0}
    assert {r["supervised_object__code"]: r["done"] for r in board["by_object"]} == {
        listed[0].code: 1,
        listed[1].code: 1,
    }

    mine = selectors.warning_board(active, people["unit_staff"])
    assert [r["unit__name"] for r in mine["by_unit"]] == [bureau.name]
    assert mine["totals"]["planned"] == 5 and mine["totals"]["violated"] == 0

    clock.advance(hours=12)  # 00:30 next day: the 12–24 windows passed unchecked
    assert selectors.warning_board(active, people["dispatcher"])["totals"]["overdue"] == 2


def test_the_board_flags_duty_units_with_nobody_on_duty(active, people, bureau, street):
    put_on_duty(bureau, people["unit_lead"])
    board = selectors.warning_board(active, people["dispatcher"])
    flagged = {u.name for u in board["uncovered"]}
    assert street.name in flagged and bureau.name not in flagged


def test_board_queries_do_not_grow_with_the_enterprises(
    active, listed, people, make_enterprise, bureau, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        selectors.warning_board(active, people["dispatcher"])


def test_the_period_summaries_give_per_unit_figures_for_the_assessment(active, listed, people, clock, bureau):
    spot_check_record(check=first_check(active, listed[0]), actor=people["unit_staff"], result="complied")
    clock.advance(hours=3)
    active = warning_lift(warning=active, actor=people["dispatcher"])
    start, end = clock.at(hours=-24), clock.at(hours=24)

    rows = {r["unit__name"]: r for r in selectors.unit_check_summary(start, end)}
    # Only the windows opened before the lift count: 09:30–12 (done / missed) and 12–24 (cancelled at lift).
    assert rows[bureau.name]["planned"] == 1 and rows[bureau.name]["done"] == 1
    assert rows[bureau.name]["completion"] == 100.0
    warnings = selectors.warnings_in_period(start, end)
    assert len(warnings) == 1 and warnings[0]["hours"] == 3.0 and warnings[0]["missed"] == 1


def test_a_violation_with_a_legal_basis_also_files_an_enforcement_case(active, listed, people):
    from envgrid.patrols.models import EnforcementCase
    from envgrid.patrols.permissions import can_file_enforcement

    check = first_check(active, listed[0])
    actor = people["unit_staff"] if can_file_enforcement(people["unit_staff"]) else people["unit_lead"]
    check = spot_check_record(
        check=check,
        actor=actor,
        result="violated",
        note="橙色预警期间2号线未停产",
        files=[jpeg()],
        legal_basis="《中华人民共和国大气污染防治法》第九十六条",
    )

    check.refresh_from_db()
    enforcement = EnforcementCase.objects.get()
    assert enforcement.supervised_object == listed[0] and list(enforcement.cases.all()) == [check.case]
    assert "第九十六条" in enforcement.legal_basis and enforcement.violation == check.note
