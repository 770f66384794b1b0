"""The closed loop through its services: every transition, its guards and its timeline."""

import datetime as dt

import pytest
from django.utils import timezone

from envgrid.cases import services
from envgrid.cases.choices import AssignmentStatus, CaseAction, CaseStatus, RejectReason
from envgrid.cases.errors import CaseConflict, CaseError, CaseErrorCode, CasePermissionDenied
from envgrid.cases.models import Case, CaseCategory, CaseEvent, RoutingRule
from envgrid.cases.routing import possible_duplicates, route_case
from envgrid.cases.tests.service_fixtures import (  # noqa: F401 — fixtures
    district,
    industrial,
    inside_point,
    jpeg,
    member_grid,
    people,
    reported,
)
from envgrid.core.errors import EvidenceError, EvidenceErrorCode
from envgrid.core.models import Unit

pytestmark = pytest.mark.django_db


def dispatched_case(reported, people):
    reported = services.case_accept(case=reported, actor=people["dispatcher"])
    return services.case_dispatch(case=reported, actor=people["dispatcher"])


def test_report_locates_the_grid_numbers_the_case_and_keeps_the_photo(reported, member_grid, people):
    assert reported.status == CaseStatus.REPORTED
    assert reported.grid == member_grid
    assert reported.street_id == member_grid.street_id
    assert reported.number.endswith(f"-{reported.pk:06d}")
    attachment = reported.attachments.get()
    assert attachment.is_image and attachment.thumbnail.name
    event = reported.events.get()
    assert (event.action, event.actor, event.to_status) == (CaseAction.REPORT, people["grid_member"], "reported")


def test_full_loop_from_report_to_closure_writes_one_event_per_step(reported, people):
    case = dispatched_case(reported, people)
    assert case.lead_unit.name == "生态环境分局"
    assert case.due_at > timezone.now()
    case = services.case_sign(case=case, actor=people["unit_staff"])
    case = services.case_start(case=case, actor=people["unit_staff"])
    case = services.case_feedback(
        case=case, actor=people["unit_staff"], note="已责令停产整改", files=[jpeg("after.jpg")]
    )
    case = services.case_verify(case=case, actor=people["grid_member"], passed=True, note="现场已无冒烟")

    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_at is not None
    steps = list(case.events.values_list("action", "actor__username", "to_status"))
    assert steps == [
        ("report", "grid_member", "reported"),
        ("accept", "dispatcher", "accepted"),
        ("dispatch", "dispatcher", "dispatched"),
        ("sign", "unit_staff", "signed"),
        ("start", "unit_staff", "in_progress"),
        ("feedback", "unit_staff", "fed_back"),
        ("verify_pass", "grid_member", "closed"),
    ]
    assert case.assignments.get(role="lead").status == AssignmentStatus.DONE
    assert case.version == 7


def test_failed_verification_sends_the_case_back_and_counts_rework(reported, people):
    case = dispatched_case(reported, people)
    case = services.case_sign(case=case, actor=people["unit_staff"])
    case = services.case_feedback(case=case, actor=people["unit_staff"], note="已处理")
    case = services.case_verify(case=case, actor=people["grid_head"], passed=False, note="仍在冒烟")
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED
    assert case.rework_count == 1
    assert case.events.last().note == "仍在冒烟"


def test_the_handler_cannot_verify_their_own_work(reported, people):
    case = dispatched_case(reported, people)
    case = services.case_sign(case=case, actor=people["unit_staff"])
    case = services.case_feedback(case=case, actor=people["unit_staff"], note="已处理")
    with pytest.raises(CasePermissionDenied):
        services.case_verify(case=case, actor=people["unit_lead"], passed=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.FED_BACK


@pytest.mark.parametrize("username", ["grid_member", "unit_staff", "leader", "river_chief"])
def test_only_the_dispatcher_accepts_and_a_refusal_changes_nothing(reported, people, username):
    events_before = CaseEvent.objects.count()
    with pytest.raises(CasePermissionDenied):
        services.case_accept(case=reported, actor=people[username])
    reported.refresh_from_db()
    assert reported.status == CaseStatus.REPORTED and reported.version == 1
    assert CaseEvent.objects.count() == events_before


def test_another_unit_cannot_sign(reported, people):
    case = dispatched_case(reported, people)
    with pytest.raises(CasePermissionDenied):
        services.case_sign(case=case, actor=people["river_chief"])


def test_stale_version_is_a_conflict(reported, people):
    reported = services.case_accept(case=reported, actor=people["dispatcher"])
    with pytest.raises(CaseConflict) as caught:
        services.case_dispatch(case=reported, actor=people["dispatcher"], expected_version=1)
    assert caught.value.code == CaseErrorCode.CONFLICT
    reported.refresh_from_db()
    assert reported.status == CaseStatus.ACCEPTED


def test_an_action_not_allowed_in_the_current_state_is_refused_with_its_code(reported, people):
    with pytest.raises(CaseConflict) as caught:
        services.case_sign(case=reported, actor=people["unit_staff"])
    assert caught.value.code == CaseErrorCode.INVALID_TRANSITION


def test_reject_as_duplicate_links_the_original(reported, people, industrial, member_grid):
    lon, lat = inside_point(member_grid)
    second = services.case_report(reporter=people["grid_head"], title="同一烟囱", category=industrial, lon=lon, lat=lat)
    assert [c for c, _d in possible_duplicates(second)] == [reported]
    with pytest.raises(CaseError) as caught:
        services.case_reject(case=second, actor=people["dispatcher"], reason=RejectReason.DUPLICATE, note="重复")
    assert caught.value.code == CaseErrorCode.INVALID
    second = services.case_reject(
        case=second, actor=people["dispatcher"], reason=RejectReason.DUPLICATE, note="重复", duplicate_of=reported
    )
    second.refresh_from_db()
    assert (second.status, second.duplicate_of, second.reject_reason) == ("rejected", reported, "duplicate")


def test_reason_is_required_to_return(reported, people):
    case = dispatched_case(reported, people)
    with pytest.raises(CaseError) as caught:
        services.case_return(case=case, actor=people["unit_staff"], note="  ")
    assert caught.value.code == CaseErrorCode.REASON_REQUIRED
    case = services.case_return(case=case, actor=people["unit_staff"], note="不属于本单位职责")
    case.refresh_from_db()
    assert case.status == CaseStatus.RETURNED and case.lead_unit is None
    assert case.assignments.get(role="lead").status == AssignmentStatus.RETURNED


def test_reassign_moves_the_case_to_another_unit(reported, people):
    case = dispatched_case(reported, people)
    housing = Unit.objects.get(name="住房和城乡建设局")
    case = services.case_reassign(case=case, actor=people["dispatcher"], lead_unit=housing, note="属工地扬尘")
    case.refresh_from_db()
    assert case.lead_unit == housing
    statuses = dict(case.assignments.values_list("unit__name", "status"))
    assert statuses == {"生态环境分局": "cancelled", "住房和城乡建设局": "dispatched"}


def test_hold_stops_the_clock_and_resume_returns_to_the_held_state(reported, people):
    case = dispatched_case(reported, people)
    case = services.case_sign(case=case, actor=people["unit_staff"])
    due = Case.objects.get(pk=case.pk).due_at
    case = services.case_hold(case=case, actor=people["dispatcher"], note="等待上级意见")
    held = case.events.get(action="hold")
    held.created_at -= dt.timedelta(hours=5)
    held.save()
    case = services.case_resume(case=case, actor=people["dispatcher"])
    case.refresh_from_db()
    assert case.status == CaseStatus.SIGNED
    assert abs((case.due_at - due) - dt.timedelta(hours=5)) < dt.timedelta(seconds=5)


def test_extension_request_and_approval_move_the_deadline(reported, people):
    case = dispatched_case(reported, people)
    until = case.due_at + dt.timedelta(days=3)
    request = services.case_extend_request(case=case, actor=people["unit_lead"], until=until, note="需要第三方检测")
    with pytest.raises(CaseError):
        services.case_extend_request(case=case, actor=people["unit_lead"], until=until, note="again")
    services.case_extend_decide(request=request, actor=people["dispatcher"], approve=True, note="同意")
    case.refresh_from_db()
    assert case.due_at == until
    with pytest.raises(CaseConflict):
        services.case_extend_decide(request=request, actor=people["dispatcher"], approve=False)


def test_co_units_sign_and_feed_back_their_own_share(people, member_grid, district):
    category = CaseCategory.objects.get(code="mobile.black_smoke")  # 交警 leads, 生态环境 co-unit
    lon, lat = inside_point(member_grid)
    case = services.case_report(
        reporter=people["grid_member"], title="柴油车冒黑烟", category=category, lon=lon, lat=lat
    )
    case = services.case_accept(case=case, actor=people["dispatcher"])
    case = services.case_dispatch(case=case, actor=people["dispatcher"])
    assert case.lead_unit.name == "交警大队"
    services.assignment_sign(case=case, actor=people["unit_staff"])
    services.assignment_feedback(case=case, actor=people["unit_staff"], note="已配合检测尾气")
    co = case.assignments.get(role="co")
    assert (co.unit.name, co.status) == ("生态环境分局", AssignmentStatus.FED_BACK)
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED  # the lead unit has not signed yet


def test_routing_prefers_the_category_rule_then_the_place(reported, people, member_grid):
    lead, co = route_case(reported)
    assert (lead.name, co) == ("生态环境分局", [])
    other = services.case_report(
        reporter=people["grid_member"],
        title="其他问题",
        category=CaseCategory.objects.get(code="other"),
        lon=reported.lon,
        lat=reported.lat,
    )
    lead, _co = route_case(other)
    assert lead == member_grid.street.unit  # no category rule: the street government of the place
    grid_rule = RoutingRule.objects.create(category=None, grid=member_grid, unit=Unit.objects.get(name="应急管理局"))
    assert route_case(other)[0] == grid_rule.unit
    assert route_case(reported)[0].name == "生态环境分局"  # a category rule still beats a place rule


def test_every_category_routes_in_every_demo_grid(district, people):
    from envgrid.grids.models import Grid

    categories = list(CaseCategory.objects.all())
    for grid in Grid.objects.all()[::25]:
        for category in categories:
            case = Case(category=category, grid=grid)
            assert route_case(case)[0] is not None, (grid.code, category.code)


def test_overdue_marks_once_then_escalates_after_the_second_threshold(reported, people, mailoutbox):
    from envgrid.notifications.models import Notification

    case = dispatched_case(reported, people)
    later = case.due_at + dt.timedelta(minutes=1)
    assert services.cases_mark_overdue(now=later) == {"overdue": 1, "escalated": 0}
    assert services.cases_mark_overdue(now=later) == {"overdue": 0, "escalated": 0}
    case.refresh_from_db()
    assert case.is_overdue and not case.is_escalated
    assert Notification.objects.filter(verb="case.overdue", recipient=people["unit_lead"]).count() == 1
    much_later = case.due_at + dt.timedelta(hours=25)
    assert services.cases_mark_overdue(now=much_later) == {"overdue": 0, "escalated": 1}
    assert Notification.objects.filter(verb="case.escalated", recipient=people["leader"]).count() == 1
    assert list(case.events.filter(action__in=["overdue", "escalate"]).values_list("action", flat=True)) == [
        "overdue",
        "escalate",
    ]


def test_refused_attachment_leaves_no_case_behind(people, industrial, member_grid):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    before = Case.objects.count()
    with pytest.raises(EvidenceError) as caught:
        services.case_report(reporter=people["grid_member"], title="x", category=industrial, files=[bad])
    assert caught.value.code == EvidenceErrorCode.REFUSED
    assert "virus.exe" in caught.value.message
    assert Case.objects.count() == before


def test_extension_decisions_are_offered_only_while_a_request_waits(reported, people):
    from envgrid.cases.transitions import available_actions

    case = dispatched_case(reported, people)
    assert "extend_approve" not in available_actions(case, people["dispatcher"])
    services.case_extend_request(
        case=case, actor=people["unit_lead"], until=case.due_at + dt.timedelta(days=1), note="需要检测"
    )
    assert {"extend_approve", "extend_refuse"} <= set(available_actions(case, people["dispatcher"]))
