"""The directives API: the same services, rules, codes and scope as the web pages."""

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from envgrid.core.choices import UnitKind
from envgrid.core.models import Unit
from envgrid.directives.models import Directive, DirectiveTarget
from envgrid.directives.tests.files import jpeg

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_route_names_are_apart_from_the_web_names():
    assert reverse("api-directive-list") == "/api/v1/directives/"
    assert reverse("api-directive-detail", args=[1]) == "/api/v1/directives/1/"
    for action in ("sign", "feedback", "urge", "close"):
        assert reverse(f"api-directive-{action}", args=[1]) == f"/api/v1/directives/1/{action}/"
    assert reverse("directive-list") == "/directives/" and reverse("directive-detail", args=[1]) == "/directives/1/"


def test_dispatcher_issues_to_all_streets_and_a_unit_then_the_walk_through_the_actions(people, bureau):
    dispatcher, staff = client_for(people["dispatcher"]), client_for(people["unit_staff"])

    created = dispatcher.post(
        "/api/v1/directives/",
        {
            "title": "夜查",
            "body": "22时前反馈",
            "unit_groups": ["all_streets"],
            "units": [bureau.pk],
            "feedback_within_hours": 2,
            "figure_names": ["检查点位数"],
        },
        format="json",
    )

    assert created.status_code == 201, created.json()
    body = created.json()
    streets = Unit.objects.filter(kind=UnitKind.STREET).count()
    assert len(body["targets"]) == streets + 1 and body["actions"] == ["urge", "close"]
    url = f"/api/v1/directives/{body['id']}"
    assert staff.get(f"{url}/").json()["actions"] == ["sign", "feedback"]

    signed = staff.post(f"{url}/sign/", format="json").json()
    assert signed["targets"][0]["status"] == "signed" and signed["actions"] == ["feedback"]
    fed = staff.post(f"{url}/feedback/", {"text": "已夜查", "figures": {"检查点位数": 12}}, format="json").json()
    assert fed["targets"][0]["state"] == "fed_back" and fed["targets"][0]["figures"] == {"检查点位数": 12}

    urged = dispatcher.post(f"{url}/urge/", {"note": "请尽快"}, format="json").json()
    assert {t["urge_count"] for t in urged["targets"] if t["unit"] != bureau.pk} == {1}
    closed = dispatcher.post(f"{url}/close/", {"note": "结束"}, format="json").json()
    assert closed["status"] == "closed" and closed["actions"] == []
    states = {t["unit"]: t["state"] for t in closed["targets"]}
    assert states.pop(bureau.pk) == "fed_back" and set(states.values()) == {"missing"}
    assert [e["action"] for e in closed["timeline"]][:4] == ["issue", "sign", "feedback", "urge"]


def test_feedback_over_multipart_with_figures_as_json_text_and_a_photo(issue, people, bureau):
    directive = issue([bureau])

    response = client_for(people["unit_lead"]).post(
        f"/api/v1/directives/{directive.pk}/feedback/",
        {"text": "已完成", "figures": json.dumps({"checked_sites": 12, "problems_found": 3}), "files": [jpeg()]},
        format="multipart",
    )

    assert response.status_code == 200, response.json()
    target = response.json()["targets"][0]
    assert target["figures"] == {"checked_sites": 12, "problems_found": 3}
    assert len(target["attachments"]) == 1 and target["attachments"][0]["url"].startswith("/directives/attachments/")


def test_conflicts_answer_409_with_their_code_and_change_nothing(issue, people, bureau):
    directive = issue([bureau])
    staff, lead = client_for(people["unit_staff"]), client_for(people["unit_lead"])
    url = f"/api/v1/directives/{directive.pk}"
    assert staff.post(f"{url}/sign/").status_code == 200

    again = lead.post(f"{url}/sign/")
    assert (again.status_code, again.json()["code"]) == (409, "already_signed")
    assert DirectiveTarget.objects.get(directive=directive).signed_by == people["unit_staff"]

    client_for(people["dispatcher"]).post(f"{url}/close/")
    late = staff.post(f"{url}/feedback/", {"text": "迟到"}, format="json")
    assert (late.status_code, late.json()["code"]) == (409, "directive_closed")
    assert DirectiveTarget.objects.get(directive=directive).feedback == ""


def test_bad_input_answers_400_with_a_code(issue, people, bureau):
    directive = issue([bureau], figure_names=["检查点位数"])
    staff, dispatcher = client_for(people["unit_staff"]), client_for(people["dispatcher"])

    no_figure = staff.post(f"/api/v1/directives/{directive.pk}/feedback/", {"text": "x"}, format="json")
    no_units = dispatcher.post("/api/v1/directives/", {"title": "x", "feedback_within_hours": 1}, format="json")
    bad_group = dispatcher.post("/api/v1/directives/", {"title": "x", "unit_groups": ["everyone"]}, format="json")

    assert (no_figure.status_code, no_figure.json()["code"]) == (400, "figures_invalid")
    assert (no_units.status_code, no_units.json()["code"]) == (400, "no_units")
    assert bad_group.status_code == 400 and "unit_groups" in bad_group.json()
    assert Directive.objects.count() == 1


def test_list_filters_by_status_and_pins_its_query_count(issue, people, bureau, django_assert_max_num_queries):
    for i in range(3):
        issue([bureau], title=f"指令{i}")
    closed = issue("all_streets", title="已结束")
    client_for(people["dispatcher"]).post(f"/api/v1/directives/{closed.pk}/close/")
    api = client_for(people["dispatcher"])

    with django_assert_max_num_queries(4):
        answer = api.get("/api/v1/directives/?status=open").json()

    assert answer["count"] == 3
    assert {(d["units_fed_back"], d["units_total"]) for d in answer["results"]} == {(0, 1)}
    mine = client_for(people["unit_staff"]).get("/api/v1/directives/").json()["results"]
    assert {d["my_status"] for d in mine} == {"pending"} and {d["units_total"] for d in mine} == {None}
