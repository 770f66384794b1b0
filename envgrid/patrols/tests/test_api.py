"""The API records inspections (JSON, or multipart with photos), refuses a daytime night inspection with
its code, files and moves enforcement cases with the services' rules, and answers statistics."""

import datetime as dt
import json

import pytest
from rest_framework.test import APIClient

from envgrid.patrols.models import EnforcementCase, Inspection
from envgrid.patrols.services import current_checklist
from envgrid.patrols.tests.conftest import beijing_time, jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def enterprise(make_object, street_grid, street_unit, bureau):
    return make_object(street_grid, owner=street_unit, support=[bureau], name="宏达化工")


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def answers(kind="enterprise", fail=None):
    return [{"item": i.pk, "answer": "fail" if i.pk == fail else "pass"} for i in current_checklist(kind).items.all()]


def test_a_multipart_record_with_photos_and_a_finding_files_a_case_for_the_owner(people, enterprise, street_unit):
    failing = current_checklist("enterprise").items.last()
    body = {
        "kind": "night",
        "started_at": beijing_time(1, 23).isoformat(),
        "ended_at": beijing_time(0, 0, 30).isoformat(),
        "supervised_object": enterprise.pk,
        "lon": enterprise.lon,
        "lat": enterprise.lat,
        "accuracy_m": 10,
        "answers": json.dumps(answers(fail=failing.pk)),
        "findings": json.dumps(
            [{"description": "预警期间未停产", "category": "industrial.warning", "items": [failing.pk]}]
        ),
        "photos": [jpeg("a.jpg"), jpeg("b.jpg")],
    }
    response = api_for(people["unit_staff"]).post("/api/v1/inspections/", body, format="multipart")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["kind"], data["checklist_version"], len(data["photos"]), len(data["answers"])) == ("night", 1, 2, 6)
    finding = data["findings"][0]
    assert finding["category_code"] == "industrial.warning" and finding["case_lead_unit"] == street_unit.name


def test_a_daytime_night_inspection_is_refused_with_its_code(people, enterprise):
    body = {
        "kind": "night",
        "started_at": beijing_time(1, 12).isoformat(),
        "ended_at": beijing_time(1, 12, 30).isoformat(),
        "supervised_object": enterprise.pk,
        "answers": answers(),
    }
    response = api_for(people["unit_staff"]).post("/api/v1/inspections/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "outside_night_window"
    assert Inspection.objects.count() == 0


def test_an_object_outside_reach_is_unknown_not_named(people, enterprise):
    body = {
        "kind": "routine",
        "started_at": beijing_time(1, 12).isoformat(),
        "ended_at": beijing_time(1, 12, 30).isoformat(),
        "supervised_object": enterprise.pk,
    }
    response = api_for(people["housing_staff"]).post("/api/v1/inspections/", body, format="json")
    assert response.status_code == 400 and enterprise.name not in response.json()["detail"]


def test_enforcement_through_the_api_follows_the_rules(people, enterprise, housing):
    api = api_for(people["unit_lead"])
    created = api.post(
        "/api/v1/enforcement-cases/",
        {
            "title": "宏达化工超标排放",
            "violation": "超标排放",
            "legal_basis": "大气法第九十九条",
            "supervised_object": enterprise.pk,
            "units": [housing.pk],
            "measures": [{"kind": "fine", "fine_amount": "200000.00", "deadline": "2026-12-31"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    case = created.json()
    assert case["family_code"] == "industrial" and {u["name"] for u in case["units"]} == {"生态环境分局", housing.name}
    url = f"/api/v1/enforcement-cases/{case['id']}/"

    assert api.post(url + "transition/", {"to": "closed"}, format="json").json()["code"] == "invalid_transition"
    decided = api.post(url + "transition/", {"to": "decided", "version": case["version"]}, format="json")
    assert decided.status_code == 200
    stale = api.post(url + "transition/", {"to": "closed", "version": case["version"]}, format="json")
    assert (stale.status_code, stale.json()["code"]) == (409, "conflict")
    pending = api.post(url + "transition/", {"to": "closed"}, format="json")
    assert (pending.status_code, pending.json()["code"]) == (400, "measures_pending")
    bad_fine = api.post(url + "measures/", {"kind": "fine"}, format="json")
    assert bad_fine.json()["code"] == "measure_invalid"
    measure = decided.json()["measures"][0]["id"]
    api.post(url + "complete/", {"measure": measure}, format="json")
    api.post(url + "publicity/", {"channel": "tv", "published_on": "2026-06-01", "outlet": "区电视台"}, format="json")
    closed = api.post(url + "transition/", {"to": "closed"}, format="json").json()
    assert closed["status"] == "closed" and closed["publicized"] and closed["closed_on"]

    # housing took part, so it sees the case, but only the lead unit handles it
    other = api_for(people["housing_staff"])
    assert other.get(url).status_code == 200
    refused = other.post(url + "publicity/", {"channel": "tv", "published_on": "2026-06-02"}, format="json")
    assert refused.status_code == 403 and EnforcementCase.objects.get().publicity.count() == 1

    stats = api.get("/api/v1/enforcement-cases/stats/?from=2025-01-01").json()
    assert stats["total"]["cases"] == 1 and stats["total"]["fine_total"] == "200000.00"
    assert {row["label"] for row in stats["by_unit"]} == {"生态环境分局", housing.name}


def test_plans_through_the_api(people, enterprise):
    api = api_for(people["unit_lead"])
    body = {
        "title": "夜查",
        "kind": "night",
        "objects": [enterprise.pk],
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "times": 2,
        "frequency": "week",
    }
    created = api.post("/api/v1/inspection-plans/", body, format="json")
    assert created.status_code == 201 and created.json()["objects_covered"] == [enterprise.pk]
    body["lead_unit"] = people["river_chief"].unit_id
    refused = api.post("/api/v1/inspection-plans/", body, format="json")
    assert refused.status_code == 403


def test_the_schema_documents_the_endpoints(people):
    schema = api_for(people["admin"]).get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ("/api/v1/inspections/", "/api/v1/inspection-plans/", "/api/v1/enforcement-cases/{id}/transition/"):
        assert path in text


def test_nothing_changes_when_the_period_is_unreadable(people):
    response = api_for(people["dispatcher"]).get("/api/v1/enforcement-cases/stats/?from=2026-13-01")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_list_query_counts_do_not_grow_with_rows(people, enterprise, django_assert_max_num_queries):
    from envgrid.patrols.services import inspection_record

    for day in range(1, 6):
        start = beijing_time(day, 21)
        inspection_record(
            inspector=people["unit_staff"],
            kind="night",
            started_at=start,
            ended_at=start + dt.timedelta(minutes=20),
            supervised_object=enterprise,
            answers={a["item"]: "pass" for a in answers()},
        )
    api = api_for(people["unit_staff"])
    with django_assert_max_num_queries(12):
        assert api.get("/api/v1/inspections/").json()["count"] == 5
