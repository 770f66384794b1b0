"""Reporting on the web: a hotline call at the desk, a point picked on a Chinese base map, and the grid
member's phone pages (report with GPS and a photo, verification, the phone home)."""

import pytest
from django.urls import reverse

from envgrid.cases import services
from envgrid.cases.choices import CaseStatus, Channel
from envgrid.cases.models import Case
from envgrid.cases.tests.conftest import jpeg, point_in
from envgrid.cases.tests.web_steps import dispatched, fed_back, loop  # noqa: F401 — loop is a fixture

pytestmark = pytest.mark.django_db

# --- reporting -----------------------------------------------------------------------------------


def test_dispatcher_reports_a_hotline_call_at_the_desk(users, login, emission, grid_of_member):
    lon, lat = point_in(grid_of_member)

    response = login(users["dispatcher"]).post(
        reverse("case-report"),
        {
            "title": "市民来电反映油烟",
            "category": emission.pk,
            "severity": "urgent",
            "channel": Channel.HOTLINE,
            "description": "晚上七点油烟很大",
            "address": "幸福路8号",
            "lon": lon,
            "lat": lat,
            "crs": "wgs84",
            "photos": [jpeg()],
        },
    )

    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("case-detail", args=[case.pk])
    assert (case.channel, case.severity, case.grid, case.reporter) == (
        Channel.HOTLINE,
        "urgent",
        grid_of_member,
        users["dispatcher"],
    )
    assert case.attachments.count() == 1


def test_a_point_picked_on_a_gcj02_map_is_stored_in_wgs84(users, login, emission, grid_of_member):
    from envgrid.grids.coords import wgs84_to_gcj02

    lon, lat = point_in(grid_of_member)
    shown_lon, shown_lat = wgs84_to_gcj02(lon, lat)

    login(users["dispatcher"]).post(
        reverse("case-report"),
        {
            "title": "t",
            "category": emission.pk,
            "severity": "normal",
            "channel": Channel.HOTLINE,
            "lon": shown_lon,
            "lat": shown_lat,
            "crs": "gcj02",
        },
    )

    case = Case.objects.get()
    assert case.lon == pytest.approx(lon, abs=1e-5) and case.lat == pytest.approx(lat, abs=1e-5)


def test_leader_may_not_report(users, login):
    assert login(users["leader"]).get(reverse("case-report")).status_code == 403
    assert login(users["leader"]).get(reverse("phone-report")).status_code == 403


# --- phone ---------------------------------------------------------------------------------------


def test_grid_member_reports_from_the_phone_with_gps_and_a_photo(users, login, emission, grid_of_member):
    lon, lat = point_in(grid_of_member)

    response = login(users["grid_member"]).post(
        reverse("phone-report"),
        {
            "title": "河边垃圾焚烧",
            "category": emission.pk,
            "lon": lon,
            "lat": lat,
            "crs": "wgs84",
            "accuracy": 12,
            "photos": [jpeg(gps=(lon, lat))],
        },
    )

    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("phone-case", args=[case.pk])
    assert (case.channel, case.grid, case.reporter) == (Channel.GRID_MEMBER, grid_of_member, users["grid_member"])
    assert case.attachments.get().taken_lat == pytest.approx(lat, abs=1e-4)


def test_phone_pages_render_for_grid_people(loop, users, login):
    client = login(users["grid_member"])

    home = client.get(reverse("phone-home"))
    mine = client.get(reverse("phone-my-reports"))
    tasks = client.get(reverse("phone-verify"))
    report = client.get(reverse("phone-report"))

    assert home.context["counts"] == {"mine": 5, "to_verify": 1}
    assert len(mine.context["page"]) == 5
    assert all(case.last_event is not None for case in mine.context["page"])
    assert [t.number for t in tasks.context["tasks"]] == [loop["fed_back"].number]
    body = report.content.decode()
    assert 'capture="environment"' in body and 'accept="image/*"' in body and "multiple" in body


def test_grid_member_passes_verification_on_the_phone(loop, users, login):
    case = loop["fed_back"]

    response = login(users["grid_member"]).post(
        reverse("phone-verify-case", args=[case.pk]),
        {"version": case.version, "result": "pass", "note": "现场已整改", "files": [jpeg("check.jpg")]},
    )

    assert response.status_code == 302 and response["Location"] == reverse("phone-verify")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    event = case.events.last()
    assert (event.action, event.actor, event.attachments.count()) == ("verify_pass", users["grid_member"], 1)


def test_failing_without_a_reason_is_refused_on_the_phone(loop, users, login):
    case = loop["fed_back"]

    response = login(users["grid_member"]).post(
        reverse("phone-verify-case", args=[case.pk]), {"version": case.version, "result": "fail"}
    )

    assert response.status_code == 400 and response.context["error_case"] == case.pk
    case.refresh_from_db()
    assert case.status == CaseStatus.FED_BACK


def test_stale_verification_on_the_phone_is_a_conflict(loop, users, login):
    case = loop["fed_back"]
    old_version = case.version
    case = services.case_verify(case=case, actor=users["dispatcher"], passed=True)

    response = login(users["grid_member"]).post(
        reverse("phone-verify-case", args=[case.pk]), {"version": old_version, "result": "pass"}
    )

    assert response.status_code == 409 and response.context["conflict"]
    assert case.events.filter(action="verify_pass").count() == 1


def test_river_chief_phone_home_has_no_verification_tile(users, login):
    response = login(users["river_chief"]).get(reverse("phone-home"))

    assert response.context["counts"] == {"mine": 0}
    assert 'data-testid="tile-verify"' not in response.content.decode()


def test_grid_people_get_a_nav_item_to_the_phone_pages(users, login):
    phone = reverse("phone-home")

    for username, expected in (("grid_member", True), ("grid_head", True), ("unit_staff", False)):
        items = login(users[username]).get(reverse("home")).context["nav_items"]
        assert any(item["url"] == phone for item in items) is expected, username
        assert any(item["url"] == reverse("case-queue") for item in items), username


def test_overdue_parts_count_the_same_cases_as_the_overdue_filter(make_case, users):
    from datetime import timedelta

    from django.utils import timezone

    from envgrid.cases import selectors

    now = timezone.now()
    past, future = now - timedelta(hours=1), now + timedelta(days=1)
    cases = [dispatched(make_case(), users) for _ in range(4)] + [make_case(), make_case()]
    Case.objects.filter(pk=cases[0].pk).update(due_at=past)  # late, not yet flagged
    Case.objects.filter(pk=cases[1].pk).update(due_at=past, is_overdue=True)  # late and flagged
    Case.objects.filter(pk=cases[2].pk).update(due_at=future, is_overdue=True)  # flagged, then extended
    Case.objects.filter(pk=cases[4].pk).update(is_overdue=True, status=CaseStatus.FED_BACK)  # fed back late
    Case.objects.filter(pk=cases[5].pk).update(is_overdue=True, status=CaseStatus.CLOSED)  # finished

    by_filter = set(Case.objects.filter(selectors.overdue_q(now)).values_list("pk", flat=True))
    parts = [set(Case.objects.filter(p).values_list("pk", flat=True)) for p in selectors.overdue_parts(now)]

    assert by_filter == {cases[0].pk, cases[1].pk, cases[2].pk, cases[4].pk}
    assert set().union(*parts) == by_filter and sum(map(len, parts)) == len(by_filter)
