"""The desk and phone pages: each renders for the roles that use it, refuses those that may not act,
keeps to the user's scope, and the phone form records an inspection whose finding becomes a case."""

import datetime as dt

import pytest
from django.test import Client
from openpyxl import load_workbook

from envgrid.cases.models import Case, CaseCategory
from envgrid.patrols.choices import InspectionKind
from envgrid.patrols.models import EnforcementCase, Inspection
from envgrid.patrols.services import (
    FindingInput,
    current_checklist,
    enforcement_open,
    inspection_record,
    plan_create,
)
from envgrid.patrols.tests.conftest import all_pass, beijing_time, jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(people, make_object, street_grid, street_unit, bureau, housing):
    """An enterprise the street owns (the bureau supports), a night plan, one night record with a finding,
    and an enforcement case of the bureau with housing."""
    obj = make_object(street_grid, owner=street_unit, support=[bureau], name="宏达化工")
    plan = plan_create(
        actor=people["unit_lead"],
        title="夜查专项",
        kind=InspectionKind.NIGHT,
        objects=[obj],
        starts_on=dt.date(2020, 1, 1),
        ends_on=dt.date(2030, 1, 1),
        times=2,
    )
    checklist = current_checklist("enterprise")
    first = checklist.items.first()
    emission = CaseCategory.objects.get(code="industrial.emission")
    inspection = inspection_record(
        inspector=people["unit_staff"],
        kind=InspectionKind.NIGHT,
        started_at=beijing_time(1, 21),
        ended_at=beijing_time(1, 21, 30),
        supervised_object=obj,
        plan=plan,
        answers={**all_pass(checklist), first.pk: "fail"},
        findings=[FindingInput("冒黄烟", emission)],
    )
    enforcement = enforcement_open(
        actor=people["unit_lead"],
        title="宏达化工超标排放",
        violation="超标排放",
        legal_basis="大气法第九十九条",
        units=[housing],
        supervised_object=obj,
        inspections=[inspection],
        measures=[{"kind": "fine", "fine_amount": 100000}],
    )
    return {"obj": obj, "plan": plan, "inspection": inspection, "enforcement": enforcement}


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


PAGES = [
    "/patrols/",
    "/patrols/plans/",
    "/patrols/night-coverage/",
    "/patrols/checklists/",
    "/patrols/enforcement/",
    "/patrols/enforcement/stats/",
]


@pytest.mark.parametrize("username", ["dispatcher", "unit_staff", "river_chief", "grid_member", "leader"])
def test_every_desk_page_renders_for_each_role(world, people, username):
    c = client_for(people[username])
    for url in PAGES:
        assert c.get(url).status_code == 200, url
    for url in [
        f"/patrols/inspections/{world['inspection'].pk}/",
        f"/patrols/plans/{world['plan'].pk}/",
        f"/patrols/enforcement/{world['enforcement'].pk}/",
    ]:
        expected = 404 if username == "grid_member" else 200  # the member's grid is not the enterprise's
        assert c.get(url).status_code == expected, (url, username)


def test_the_record_list_shows_only_the_users_scope(world, people):
    number = world["inspection"].number
    assert f'data-number="{number}"' in client_for(people["unit_staff"]).get("/patrols/").content.decode()
    assert f'data-number="{number}"' in client_for(people["river_chief"]).get("/patrols/").content.decode()
    assert f'data-number="{number}"' not in client_for(people["housing_staff"]).get("/patrols/").content.decode()
    assert client_for(people["housing_staff"]).get(f"/patrols/inspections/{world['inspection'].pk}/").status_code == 404


def test_lists_export_to_excel(world, people):
    c = client_for(people["dispatcher"])
    for url, number in [
        ("/patrols/?export=xlsx", world["inspection"].number),
        ("/patrols/enforcement/?export=xlsx", world["enforcement"].number),
    ]:
        response = c.get(url)
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        sheet = load_workbook(__import__("io").BytesIO(response.content)).active
        assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [number]


def test_enforcement_stats_count_by_family_unit_and_month_and_export(world, people):
    c = client_for(people["dispatcher"])
    page = c.get("/patrols/enforcement/stats/").content.decode()
    assert 'data-label="工业源（工业企业）" data-cases="1"' in page
    assert 'data-label="住房和城乡建设局" data-cases="1"' in page and 'data-label="生态环境分局" data-cases="1"' in page
    book = load_workbook(__import__("io").BytesIO(c.get("/patrols/enforcement/stats/?export=xlsx").content))
    family_sheet = book.worksheets[0]
    rows = list(family_sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][0] == "工业源（工业企业）" and rows[0][1] == 1 and rows[-1][-2] == 100000.0


def test_night_coverage_counts_the_plans_targets_per_unit_and_street(world, people, street_unit):
    page = client_for(people["dispatcher"]).get("/patrols/night-coverage/").content.decode()
    assert 'data-label="生态环境分局" data-percent="100"' in page
    assert f'data-label="{world["obj"].street.name}" data-percent="100"' in page


def test_the_phone_page_records_a_night_inspection_whose_finding_becomes_a_case(world, people, street_unit):
    obj, checklist = world["obj"], current_checklist("enterprise")
    items = list(checklist.items.all())
    data = {
        "kind": "night",
        "started_at": beijing_time(1, 22).strftime("%Y-%m-%dT%H:%M"),
        "ended_at": beijing_time(1, 22, 40).strftime("%Y-%m-%dT%H:%M"),
        "lon": obj.lon,
        "lat": obj.lat,
        "accuracy": 12,
        "severity": "normal",
        "finding": "夜间排口冒黄烟",
        "photos": [jpeg()],
    }
    data.update({f"item_{i.pk}": "pass" for i in items})
    data[f"item_{items[3].pk}"] = "fail"
    c = client_for(people["unit_staff"])
    assert c.get(f"/patrols/m/objects/{obj.pk}/").status_code == 200
    response = c.post(f"/patrols/m/objects/{obj.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    inspection = Inspection.objects.latest("pk")
    case = inspection.findings.get().case
    assert (case.lead_unit, case.supervised_object, case.category) == (street_unit, obj, items[3].category)
    page = c.get(response["Location"]).content.decode()
    assert case.number in page and street_unit.name in page


def test_the_phone_page_refuses_a_daytime_night_inspection_with_the_reason(world, people):
    obj = world["obj"]
    data = {
        "kind": "night",
        "started_at": beijing_time(1, 14).strftime("%Y-%m-%dT%H:%M"),
        "ended_at": beijing_time(1, 14, 30).strftime("%Y-%m-%dT%H:%M"),
        "severity": "normal",
    }
    data.update({f"item_{i.pk}": "pass" for i in current_checklist("enterprise").items.all()})
    before = (Inspection.objects.count(), Case.objects.count())
    response = client_for(people["unit_staff"]).post(f"/patrols/m/objects/{obj.pk}/", data)
    assert response.status_code == 400
    assert "20:00–06:00" in response.content.decode()
    assert (Inspection.objects.count(), Case.objects.count()) == before


def test_nearby_objects_come_nearest_first_and_only_within_reach(world, people):
    obj = world["obj"]
    mine = client_for(people["unit_staff"]).get(f"/patrols/m/objects/?lon={obj.lon}&lat={obj.lat}").content.decode()
    assert f'data-code="{obj.code}"' in mine
    other = client_for(people["housing_staff"]).get(f"/patrols/m/objects/?lon={obj.lon}&lat={obj.lat}")
    assert f'data-code="{obj.code}"' not in other.content.decode()  # neither housing's object nor in its plans
    assert client_for(people["leader"]).get("/patrols/m/").status_code == 403


def test_enforcement_actions_on_the_page_follow_the_rules(world, people):
    enforcement = world["enforcement"]
    c = client_for(people["unit_lead"])
    url = f"/patrols/enforcement/{enforcement.pk}/"
    c.post(url + "status/", {"to": "closed", "version": enforcement.version})
    assert EnforcementCase.objects.get().status == "filed"
    c.post(url + "status/", {"to": "decided"})
    measure = enforcement.measures.get()
    c.post(url + f"measures/{measure.pk}/done/")
    c.post(url + "publicity/", {"channel": "wechat", "published_on": "2026-05-01", "outlet": "曝光台"})
    c.post(url + "status/", {"to": "closed"})
    enforcement.refresh_from_db()
    assert enforcement.status == "closed" and enforcement.publicity.count() == 1
    # another unit's staff cannot act on it
    housing = client_for(people["housing_staff"])
    assert housing.post(url + "measures/", {"kind": "rectify"}).status_code == 302
    assert enforcement.measures.count() == 1


def test_the_case_page_shows_the_inspection_behind_it(world, people):
    case = world["inspection"].findings.get().case
    page = client_for(people["dispatcher"]).get(f"/cases/{case.pk}/").content.decode()
    assert world["inspection"].number in page


def test_the_object_page_shows_its_inspections_and_enforcement(world, people):
    page = client_for(people["unit_staff"]).get(f"/sources/{world['obj'].pk}/").content.decode()
    assert 'data-testid="object-inspections"' in page and world["inspection"].number in page
    assert 'data-testid="object-enforcement"' in page and world["enforcement"].number in page


def test_list_pages_do_not_grow_in_queries_with_rows(world, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = client_for(people["dispatcher"])
    urls = ["/patrols/", "/patrols/enforcement/", "/patrols/plans/"]
    before = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert c.get(url).status_code == 200
        before.append(len(queries))
    obj, checklist = world["obj"], current_checklist("enterprise")
    for day in range(2, 7):
        inspection_record(
            inspector=people["unit_staff"],
            kind=InspectionKind.NIGHT,
            started_at=beijing_time(day, 22),
            ended_at=beijing_time(day, 22, 30),
            supervised_object=obj,
            plan=world["plan"],
            answers=all_pass(checklist),
        )
        enforcement_open(
            actor=people["unit_lead"],
            title=f"案件{day}",
            violation="v",
            legal_basis="b",
            supervised_object=obj,
            measures=[{"kind": "rectify"}],
        )
    after = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert c.get(url).status_code == 200
        after.append(len(queries))
    assert after == before
