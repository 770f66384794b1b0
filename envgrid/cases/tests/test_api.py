"""The cases API: the same services and rules as the web, with the same scope."""

import pytest
from rest_framework.test import APIClient

from envgrid.cases.choices import CaseStatus
from envgrid.cases.models import Case, CaseEvent
from envgrid.cases.tests.service_fixtures import (  # noqa: F401 — fixtures
    district,
    industrial,
    inside_point,
    jpeg,
    member_grid,
    people,
    reported,
)

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_grid_member_reports_with_a_photo_over_multipart(people, member_grid):
    lon, lat = inside_point(member_grid)
    response = client_for(people["grid_member"]).post(
        "/api/v1/cases/",
        {"title": "工地未覆盖", "category": "dust.site", "lon": lon, "lat": lat, "photos": [jpeg()]},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "reported" and body["grid_code"] == member_grid.code
    assert len(body["attachments"]) == 1
    assert body["timeline"][0]["action"] == "report"


def test_report_with_unknown_category_names_the_field(people):
    response = client_for(people["grid_member"]).post("/api/v1/cases/", {"title": "x", "category": "nope"})
    assert response.status_code == 400
    assert "category" in response.json()


def test_walk_through_the_actions_and_read_the_timeline(reported, people):
    url = f"/api/v1/cases/{reported.pk}"
    dispatcher, staff, member = (client_for(people[u]) for u in ("dispatcher", "unit_staff", "grid_member"))
    assert dispatcher.post(f"{url}/accept/", {"version": 1}, format="json").status_code == 200
    body = dispatcher.post(f"{url}/dispatch/", {}, format="json").json()
    assert body["status"] == "dispatched" and body["lead_unit_name"] == "生态环境分局"
    assert "sign" in staff.get(f"{url}/").json()["actions"]
    assert staff.post(f"{url}/sign/", {}, format="json").status_code == 200
    assert staff.post(f"{url}/feedback/", {"note": "已整改"}, format="json").status_code == 200
    done = member.post(f"{url}/verify/", {"passed": True, "note": "复核通过"}, format="json").json()
    assert done["status"] == "closed"
    assert [e["action"] for e in done["timeline"]] == [
        "report",
        "accept",
        "dispatch",
        "sign",
        "feedback",
        "verify_pass",
    ]


def test_stale_version_answers_409_and_changes_nothing(reported, people):
    api = client_for(people["dispatcher"])
    api.post(f"/api/v1/cases/{reported.pk}/accept/", {}, format="json")
    response = api.post(f"/api/v1/cases/{reported.pk}/reject/", {"reason": "invalid", "note": "x", "version": 1})
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert Case.objects.get(pk=reported.pk).status == CaseStatus.ACCEPTED


def test_action_not_allowed_now_is_409_with_code(reported, people):
    response = client_for(people["unit_staff"]).post(f"/api/v1/cases/{reported.pk}/sign/", {}, format="json")
    # The ecology bureau has no share yet: the case is not even visible to it
    assert response.status_code == 404
    response = client_for(people["dispatcher"]).post(f"/api/v1/cases/{reported.pk}/verify/", {"passed": True})
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"


def test_permission_refusal_is_403_and_changes_nothing(reported, people):
    events = CaseEvent.objects.count()
    response = client_for(people["grid_member"]).post(f"/api/v1/cases/{reported.pk}/accept/", {}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert CaseEvent.objects.count() == events


def test_scope_a_unit_never_sees_another_units_cases(reported, people):
    from envgrid.cases import services

    reported = services.case_accept(case=reported, actor=people["dispatcher"])
    reported = services.case_dispatch(case=reported, actor=people["dispatcher"])
    seen = {u: {c["id"] for c in client_for(people[u]).get("/api/v1/cases/").json()["results"]} for u in people}
    assert reported.pk in seen["unit_staff"] and reported.pk in seen["unit_lead"]  # the ecology bureau leads
    assert reported.pk not in seen["river_chief"]  # a street office with no share
    assert reported.pk in seen["grid_member"] and reported.pk in seen["grid_head"]  # their grid
    for user in ("dispatcher", "admin", "leader", "taskforce_lead"):
        assert reported.pk in seen[user]
    assert client_for(people["river_chief"]).get(f"/api/v1/cases/{reported.pk}/").status_code == 404


def test_leader_is_read_only(reported, people):
    api = client_for(people["leader"])
    assert api.get(f"/api/v1/cases/{reported.pk}/").status_code == 200
    assert api.post(f"/api/v1/cases/{reported.pk}/accept/", {}, format="json").status_code == 403
    assert api.post("/api/v1/cases/", {"title": "x", "category": "other"}).status_code == 403


def test_case_categories_and_list_query_count(people, reported, django_assert_max_num_queries):
    api = client_for(people["dispatcher"])
    categories = api.get("/api/v1/case-categories/").json()
    assert {"industrial", "industrial.emission", "dust.site"} <= {c["code"] for c in categories}
    with django_assert_max_num_queries(6):
        api.get("/api/v1/cases/")
