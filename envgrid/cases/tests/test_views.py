"""The closed loop on the web: queues and counts per role, the case page and its actions, conflicts,
scope (404 outside it), evidence files, bulk accept/dispatch, reports from the desk and the phone."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from envgrid.cases import services
from envgrid.cases.choices import AssignmentStatus, CaseAction, CaseStatus, ExtensionStatus
from envgrid.cases.models import Case, CaseEvent
from envgrid.cases.tests.conftest import ECOLOGY, HOUSING, jpeg, point_in
from envgrid.cases.tests.web_steps import HTMX, accepted, dispatched, fed_back, listed, loop, signed, tab_counts  # noqa: F401 — loop is a fixture
from envgrid.core.models import Unit

pytestmark = pytest.mark.django_db

# --- queues --------------------------------------------------------------------------------------


def test_dispatcher_has_every_queue_with_its_count(loop, users, login):
    response = login(users["dispatcher"]).get(reverse("case-queue"))

    assert response.status_code == 200
    assert tab_counts(response) == {
        "reported": 1,
        "to_dispatch": 1,
        "to_sign": 1,
        "in_progress": 1,
        "to_verify": 1,
        "overdue": 0,
        "mine": 0,
        "all": 5,
    }
    assert response.context["queue"] == "reported"
    assert listed(response) == {loop["reported"].number}


@pytest.mark.parametrize(
    ("queue", "stage"),
    [
        ("reported", "reported"),
        ("to_dispatch", "accepted"),
        ("to_sign", "dispatched"),
        ("in_progress", "signed"),
        ("to_verify", "fed_back"),
    ],
)
def test_each_dispatcher_queue_lists_its_stage(loop, users, login, queue, stage):
    response = login(users["dispatcher"]).get(reverse("case-queue"), {"queue": queue})

    assert listed(response) == {loop[stage].number}


def test_unit_staff_sees_their_units_queues_only(loop, users, login):
    response = login(users["unit_staff"]).get(reverse("case-queue"))

    assert tab_counts(response) == {"to_sign": 1, "in_progress": 1, "overdue": 0, "mine": 0, "all": 3}
    assert listed(response) == {loop["dispatched"].number}
    everything = login(users["unit_staff"]).get(reverse("case-queue"), {"queue": "all"})
    assert listed(everything) == {loop[k].number for k in ("dispatched", "signed", "fed_back")}


def test_another_department_has_empty_queues(loop, users, login):
    response = login(users["housing_staff"]).get(reverse("case-queue"), {"queue": "all"})

    assert tab_counts(response) == {"to_sign": 0, "in_progress": 0, "overdue": 0, "mine": 0, "all": 0}
    assert listed(response) == set()


def test_grid_member_verifies_in_their_grid_and_sees_what_they_reported(loop, users, login):
    response = login(users["grid_member"]).get(reverse("case-queue"))

    assert tab_counts(response) == {"to_verify": 1, "mine": 5, "all": 5}
    assert listed(response) == {loop["fed_back"].number}


def test_overdue_queue_holds_cases_past_their_deadline(make_case, users, login):
    late = dispatched(make_case(title="超期"), users)
    Case.objects.filter(pk=late.pk).update(is_overdue=True)
    dispatched(make_case(title="未超期"), users)

    for username in ("dispatcher", "unit_staff"):
        response = login(users[username]).get(reverse("case-queue"), {"queue": "overdue"})
        assert tab_counts(response)["overdue"] == 1, username
        assert listed(response) == {late.number}, username


def test_the_page_count_is_the_tab_count_only_when_nothing_else_narrows_the_queue(make_case, users, login):
    for title in ("超期甲", "超期乙"):
        Case.objects.filter(pk=dispatched(make_case(title=title), users).pk).update(is_overdue=True)
    client = login(users["dispatcher"])

    whole = client.get(reverse("case-queue"), {"queue": "overdue"})
    narrowed = client.get(reverse("case-queue"), {"queue": "overdue", "q": "超期甲"})

    assert whole.context["page"].paginator.count == tab_counts(whole)["overdue"] == 2
    assert narrowed.context["page"].paginator.count == 1
    assert tab_counts(narrowed)["overdue"] == 2


def test_home_shows_each_roles_case_counts(loop, users, login):
    expected = {
        "dispatcher": [1, 1, 1, 1, 1, 0, 0],
        "unit_staff": [1, 1, 0, 0],
        "grid_member": [1, 5],
        "housing_staff": [0, 0, 0, 0],
    }
    for username, values in expected.items():
        response = login(users[username]).get(reverse("home"))
        counts = [c for c in response.context["counts"] if "/cases/" in c.url]
        assert [c.value for c in counts] == values, username


def test_filters_narrow_the_queue_and_a_family_includes_its_sub_types(make_case, users, login):
    from envgrid.cases.models import CaseCategory

    smoke = make_case(title="烟囱", address="工业路1号")
    straw = make_case(title="秸秆", category=CaseCategory.objects.get(code="agricultural.straw"))
    family = CaseCategory.objects.get(code="industrial")
    client = login(users["dispatcher"])

    by_family = client.get(reverse("case-queue"), {"queue": "all", "category": family.pk})
    by_address = client.get(reverse("case-queue"), {"queue": "all", "q": "工业路"})
    by_number = client.get(reverse("case-queue"), {"queue": "all", "q": straw.number})

    assert listed(by_family) == {smoke.number}
    assert listed(by_address) == {smoke.number}
    assert listed(by_number) == {straw.number}


def test_htmx_filter_refresh_returns_only_the_table(make_case, users, login):
    make_case()
    response = login(users["dispatcher"]).get(reverse("case-queue"), {"queue": "all"}, **HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'data-testid="case-table"' in body
    assert [t.name for t in response.templates][0] == "cases/_table.html"


def test_queue_page_queries_do_not_grow_with_the_cases_on_it(make_case, users, login):
    for _ in range(3):
        dispatched(make_case(), users)
    client = login(users["unit_staff"])
    dispatcher = login(users["dispatcher"])

    def queries(c, **params) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert c.get(reverse("case-queue"), params).status_code == 200
        return len(captured)

    few = (queries(client, queue="all"), queries(dispatcher, queue="all"))
    for _ in range(52):
        dispatched(make_case(), users)
    many = (queries(client, queue="all"), queries(dispatcher, queue="all"))

    assert many == few
    assert max(many) <= 22  # the dispatcher: 10 queue counts, one page, the filter choices, session


def test_case_page_queries_do_not_grow_with_the_timeline(make_case, users, login, django_assert_max_num_queries):
    case = fed_back(make_case(files=[jpeg()]), users)
    client = login(users["dispatcher"])
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("case-detail", args=[case.pk]))
    for i in range(10):
        case = services.case_comment(case=case, actor=users["dispatcher"], note=f"批注{i}", files=[jpeg(f"c{i}.jpg")])

    with django_assert_max_num_queries(len(before)):
        response = client.get(reverse("case-detail", args=[case.pk]))
    assert len(response.context["events"]) == 15


# --- the case page -------------------------------------------------------------------------------


def page_actions(response) -> list[str]:
    return [slug for slug, _label, _style in response.context["actions"]]


def test_case_page_shows_only_the_actions_the_user_may_take(make_case, users, login):
    case = make_case()
    url = reverse("case-detail", args=[case.pk])

    assert page_actions(login(users["dispatcher"]).get(url)) == ["accept", "reject", "comment"]
    assert page_actions(login(users["grid_member"]).get(url)) == ["comment"]
    leader = login(users["leader"]).get(url)
    assert page_actions(leader) == [] and 'data-testid="case-actions"' not in leader.content.decode()

    dispatched(case, users)
    assert page_actions(login(users["unit_staff"]).get(url)) == ["sign", "return", "extend_request", "comment"]
    assert page_actions(login(users["dispatcher"]).get(url)) == ["reassign", "hold", "urge", "comment"]


def test_case_page_shows_the_header_photos_timeline_and_map(make_case, users, login, grid_of_member):
    lon, lat = point_in(grid_of_member)
    case = make_case(files=[jpeg(gps=(lon, lat), taken="2026:05:01 09:30:00")])
    dispatched(case, users)

    response = login(users["dispatcher"]).get(reverse("case-detail", args=[case.pk]))
    body = response.content.decode()

    assert case.number in body and "厂区烟囱冒黄烟" in body
    assert response.context["category_path"] == "工业源 / 废气超标排放"
    assert [a.unit.name for a in response.context["assignments"]] == [ECOLOGY]
    assert response.context["map"]["grid"] == grid_of_member.name
    photo = response.context["attachments"][0]
    assert photo.taken_at is not None and photo.distance_m == 0
    assert reverse("case-attachment-thumb", args=[photo.pk]) in body
    assert [e.action for e in response.context["events"]] == ["report", "accept", "dispatch"]
    dispatch_event = response.context["events"][2]
    assert dispatch_event.role_label and f"{ECOLOGY}" in " ".join(dispatch_event.details)


def test_dispatcher_sees_possible_duplicates_at_acceptance(make_case, users, login):
    original = make_case(title="第一次上报")
    again = make_case(title="又冒烟了")

    response = login(users["dispatcher"]).get(reverse("case-detail", args=[again.pk]))

    assert [(other.number, distance) for other, distance in response.context["duplicates"]] == [(original.number, 0)]


def test_action_form_is_served_for_an_allowed_action_and_refused_otherwise(make_case, users, login):
    case = accepted(make_case(), users)
    client = login(users["dispatcher"])

    form = client.get(reverse("case-action", args=[case.pk, "dispatch"]), **HTMX)
    refused = client.get(reverse("case-action", args=[case.pk, "sign"]), **HTMX)
    unknown = client.get(reverse("case-action", args=[case.pk, "explode"]))

    assert form.status_code == 200
    assert form.context["form"].initial["lead_unit"] == Unit.objects.get(name=ECOLOGY)
    assert f'value="{case.version}"' in form.content.decode()
    assert refused.status_code == 403
    assert unknown.status_code == 404


def test_accepting_through_the_web_changes_the_status_and_writes_the_event(make_case, users, login):
    case = make_case()

    response = login(users["dispatcher"]).post(
        reverse("case-action", args=[case.pk, "accept"]), {"version": case.version, "note": "属实"}
    )

    assert response.status_code == 302 and response["Location"] == reverse("case-detail", args=[case.pk])
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED
    event = case.events.last()
    assert (event.action, event.actor, event.note) == (CaseAction.ACCEPT, users["dispatcher"], "属实")


def test_dispatching_with_htmx_swaps_in_the_whole_panel(make_case, users, login):
    case = accepted(make_case(), users)
    housing = Unit.objects.get(name=HOUSING)

    response = login(users["dispatcher"]).post(
        reverse("case-action", args=[case.pk, "dispatch"]),
        {"version": case.version, "lead_unit": Unit.objects.get(name=ECOLOGY).pk, "co_units": [housing.pk]},
        **HTMX,
    )

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "cases/_panel.html"
    assert 'data-testid="action-done"' in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED and case.lead_unit.name == ECOLOGY
    assert {(a.unit.name, a.role) for a in case.assignments.all()} == {(ECOLOGY, "lead"), (HOUSING, "co")}


def test_stale_page_gets_409_and_changes_nothing(make_case, users, login):
    case = make_case()
    stale_version = case.version
    accepted(case, users)
    events = CaseEvent.objects.filter(case=case).count()

    plain = login(users["dispatcher"]).post(
        reverse("case-action", args=[case.pk, "reject"]),
        {"version": stale_version, "reason": "invalid", "note": "无效"},
    )
    htmx = login(users["dispatcher"]).post(
        reverse("case-action", args=[case.pk, "dispatch"]), {"version": stale_version}, **HTMX
    )

    assert plain.status_code == 409 and htmx.status_code == 409
    assert htmx["HX-Retarget"] == "#case-action-form"
    assert 'data-testid="action-conflict"' in htmx.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.version == stale_version + 1
    assert CaseEvent.objects.filter(case=case).count() == events


def test_refused_action_is_403_and_changes_nothing(make_case, users, login):
    case = make_case()

    response = login(users["grid_member"]).post(
        reverse("case-action", args=[case.pk, "accept"]), {"version": case.version}, **HTMX
    )

    assert response.status_code == 403
    assert 'data-testid="action-error"' in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.REPORTED and case.events.count() == 1


def test_missing_reason_is_400_with_the_form_again(make_case, users, login):
    case = make_case()

    response = login(users["dispatcher"]).post(
        reverse("case-action", args=[case.pk, "reject"]), {"version": case.version, "reason": "invalid"}, **HTMX
    )

    assert response.status_code == 400
    assert response.context["form"].errors["note"]
    case.refresh_from_db()
    assert case.status == CaseStatus.REPORTED


def test_reject_as_duplicate_names_the_original_by_number(make_case, users, login):
    original, again = make_case(), make_case()

    login(users["dispatcher"]).post(
        reverse("case-action", args=[again.pk, "reject"]),
        {"version": again.version, "reason": "duplicate", "duplicate_of": original.number, "note": "重复"},
    )

    again.refresh_from_db()
    assert again.status == CaseStatus.REJECTED and again.duplicate_of == original


def test_unit_signs_and_feeds_back_with_a_photo_through_the_web(make_case, users, login):
    case = dispatched(make_case(), users)
    client = login(users["unit_staff"])

    client.post(reverse("case-action", args=[case.pk, "sign"]), {"version": case.version})
    case.refresh_from_db()
    response = client.post(
        reverse("case-action", args=[case.pk, "feedback"]),
        {"version": case.version, "note": "已整改", "files": [jpeg("after.jpg")]},
        **HTMX,
    )

    assert response.status_code == 200
    case.refresh_from_db()
    assert case.status == CaseStatus.FED_BACK
    assert case.events.last().attachments.get().original_name == "after.jpg"


def test_extension_is_requested_and_approved_through_the_web(make_case, users, login):
    from datetime import timedelta

    case = dispatched(make_case(), users)
    until = (case.due_at + timedelta(days=2)).astimezone().strftime("%Y-%m-%dT%H:%M")

    asked = login(users["unit_staff"]).post(
        reverse("case-action", args=[case.pk, "extend_request"]), {"until": until, "note": "需要采购设备"}
    )
    approved = login(users["dispatcher"]).post(
        reverse("case-action", args=[case.pk, "extend_approve"]),
        {"request_id": case.assignments.get().extensions.get().pk, "note": "同意"},
    )

    assert asked.status_code == 302 and approved.status_code == 302
    assert case.assignments.get().extensions.get().status == ExtensionStatus.APPROVED


def test_co_unit_signs_its_share_through_the_web(make_case, users, login):
    case = dispatched(make_case(), users, co_units=[Unit.objects.get(name=HOUSING)])
    client = login(users["housing_staff"])
    page = client.get(reverse("case-detail", args=[case.pk]))
    assert "co_sign" in page_actions(page)

    client.post(reverse("case-action", args=[case.pk, "co_sign"]), {})

    share = case.assignments.get(unit__name=HOUSING)
    assert share.status == AssignmentStatus.SIGNED and share.signed_by == users["housing_staff"]


# --- scope ---------------------------------------------------------------------------------------


def test_another_unit_finds_nothing_of_a_case_anywhere_on_the_web(make_case, users, login):
    case = dispatched(make_case(files=[jpeg()]), users)
    attachment = case.attachments.get()
    client = login(users["housing_staff"])

    assert client.get(reverse("case-detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("case-action", args=[case.pk, "sign"])).status_code == 404
    assert client.post(reverse("case-action", args=[case.pk, "sign"]), {"version": case.version}).status_code == 404
    assert client.get(reverse("case-attachment", args=[attachment.pk])).status_code == 404
    assert client.get(reverse("case-attachment-thumb", args=[attachment.pk])).status_code == 404
    assert client.get(reverse("phone-case", args=[case.pk])).status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPATCHED


def test_evidence_files_are_served_to_those_who_see_the_case(make_case, users, login):
    case = make_case(files=[jpeg("现场.jpg")])
    attachment = case.attachments.get()
    client = login(users["grid_member"])

    full = client.get(reverse("case-attachment", args=[attachment.pk]))
    thumb = client.get(reverse("case-attachment-thumb", args=[attachment.pk]))

    assert full.status_code == 200 and full["Content-Type"] == "image/jpeg"
    assert b"".join(full.streaming_content) == attachment.file.open("rb").read()
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert full["X-Content-Type-Options"] == "nosniff"


# --- bulk ----------------------------------------------------------------------------------------


def test_bulk_accept_reports_each_case_and_refuses_a_stale_one(make_case, users, login):
    first, second, stale = make_case(), make_case(), make_case()
    old_version = stale.version
    stale = services.case_comment(case=stale, actor=users["dispatcher"], note="x")  # comments keep the version
    stale = services.case_accept(case=stale, actor=users["dispatcher"])

    response = login(users["dispatcher"]).post(
        reverse("case-bulk"),
        {
            "action": "accept",
            "ids": [f"{c.pk}:{v}" for c, v in ((first, first.version), (second, second.version), (stale, old_version))],
        },
        **HTMX,
    )

    assert response.status_code == 200 and response["HX-Trigger"] == "casesChanged"
    assert response.context["done"] == [first.number, second.number]
    assert [number for number, _message in response.context["failed"]] == [stale.number]
    assert set(Case.objects.filter(status=CaseStatus.ACCEPTED).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
        stale.pk,
    }


def test_bulk_dispatch_routes_each_case_by_the_table(make_case, users, login):
    cases = [accepted(make_case(), users) for _ in range(3)]
    not_yet = make_case()

    response = login(users["dispatcher"]).post(
        reverse("case-bulk"), {"action": "dispatch", "ids": [f"{c.pk}:{c.version}" for c in [*cases, not_yet]]}
    )

    assert response.status_code == 302
    for case in cases:
        case.refresh_from_db()
        assert case.status == CaseStatus.DISPATCHED and case.lead_unit.name == ECOLOGY
    not_yet.refresh_from_db()
    assert not_yet.status == CaseStatus.REPORTED


def test_bulk_is_for_dispatchers_only(make_case, users, login):
    case = make_case()

    response = login(users["unit_lead"]).post(reverse("case-bulk"), {"action": "accept", "ids": [f"{case.pk}:1"]})

    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == CaseStatus.REPORTED
