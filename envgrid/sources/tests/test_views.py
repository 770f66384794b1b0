"""Pages: scope per demo role, the owner on a chosen day, one-click assignment from the coverage report,
exports, imports over the web, and case routing to the object's owner."""

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from envgrid.core.models import Unit
from envgrid.grids.models import Grid
from envgrid.sources import services
from envgrid.sources.demo import load as load_demo_sources
from envgrid.sources.models import ImportJob, Responsibility, SupervisedObject
from envgrid.sources.selectors import uncovered_objects
from envgrid.sources.tests.conftest import point_in
from envgrid.sources.tests.xlsx import workbook_bytes


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def district(demo):
    """The demo district with the sources demo part: ~300 objects, most with owners."""
    load_demo_sources()


@pytest.fixture
def plant(users, families):
    """An enterprise in the grid of the demo grid member, owned by the ecology bureau and then housing."""
    grid = users["grid_member"].member_grids.get()
    lon, lat = point_in(grid)
    obj = services.object_create(
        actor=None,
        family=families["industrial"],
        kind="enterprise",
        name="示例化工厂",
        code="QY-TEST",
        lon=lon,
        lat=lat,
    )
    first = services.responsibility_assign(
        actor=None,
        supervised_object=obj,
        unit=users["unit_lead"].unit,
        person=users["unit_lead"],
        valid_from=dt.date(2026, 1, 1),
    )
    housing = Unit.objects.get(name="住房和城乡建设局")
    person = users["unit_staff"].__class__.objects.create(
        username="zj", display_name="住建张三", unit=housing, role="unit_lead"
    )
    services.responsibility_transfer(
        actor=None, responsibility=first, unit=housing, person=person, on=dt.date(2026, 4, 1)
    )
    return obj


def test_scope_of_the_object_list_per_demo_role(district, users):
    total = SupervisedObject.objects.count()
    seen = {}
    for name in ("admin", "dispatcher", "leader", "unit_lead", "grid_member", "grid_head", "river_chief"):
        response = client_for(users[name]).get(reverse("source-list"))
        assert response.status_code == 200
        seen[name] = response.context["page"].paginator.count
    assert seen["admin"] == seen["dispatcher"] == seen["leader"] == total
    # the ecology bureau sees what it is or was responsible for, and no more
    ecology = users["unit_lead"].unit
    owned = SupervisedObject.objects.filter(responsibilities__unit=ecology).distinct().count()
    assert seen["unit_lead"] == owned and 0 < owned < total
    # a grid member sees the objects in their grid only
    grid = users["grid_member"].member_grids.get()
    assert seen["grid_member"] == SupervisedObject.objects.filter(grid=grid).count()
    # the river chief's street office sees every object in its street
    street_unit = users["river_chief"].unit
    assert seen["river_chief"] >= SupervisedObject.objects.filter(street__unit=street_unit).count() > 0


def test_an_object_outside_the_users_scope_is_not_found(district, users):
    grid = users["grid_member"].member_grids.get()
    elsewhere = SupervisedObject.objects.exclude(grid=grid).first()
    response = client_for(users["grid_member"]).get(reverse("source-detail", args=[elsewhere.pk]))
    assert response.status_code == 404
    api = client_for(users["grid_member"]).get(f"/api/v1/objects/{elsewhere.pk}/responsible/")
    assert api.status_code == 404


def test_the_object_page_answers_who_was_responsible_on_a_day(plant, users):
    client = client_for(users["grid_member"])
    url = reverse("source-detail", args=[plant.pk])
    before = client.get(url, {"on": "2026-03-31", "part": "owner-on"}, HTTP_HX_REQUEST="true")
    after = client.get(url, {"on": "2026-04-01", "part": "owner-on"}, HTTP_HX_REQUEST="true")
    earlier = client.get(url, {"on": "2025-12-31", "part": "owner-on"}, HTTP_HX_REQUEST="true")
    assert "生态环境分局" in before.content.decode() and "住房和城乡建设局" not in before.content.decode()
    assert "住房和城乡建设局" in after.content.decode()
    assert 'class="text-danger">2025-12-31' in earlier.content.decode()  # nobody yet
    page = client.get(url).content.decode()
    assert page.count('data-testid="history-row"') == 2


def test_writes_are_refused_to_roles_that_may_not_make_them(plant, users):
    for name in ("leader", "unit_lead", "grid_member"):
        client = client_for(users[name])
        assert client.post(reverse("source-coverage-assign"), {"target": "object", "id": plant.pk}).status_code == 403
        assert client.get(reverse("source-import")).status_code == 403
        assert client.post(reverse("source-create"), {}).status_code == 403
    assert Responsibility.objects.count() == 2


def test_one_click_assignment_shrinks_the_coverage_report(district, users):
    dispatcher = client_for(users["dispatcher"])
    page = dispatcher.get(reverse("source-coverage"))
    open_before = page.context["matrix"]["open"]
    assert open_before > 0
    obj = uncovered_objects(users["dispatcher"]).first()
    response = dispatcher.post(
        reverse("source-coverage-assign"),
        {"target": "object", "id": obj.pk, "person": users["unit_lead"].pk, "valid_from": "2026-01-01", "role": "lead"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and response["HX-Trigger"] == "coverageChanged"
    summary = dispatcher.get(reverse("source-coverage"), {"part": "summary"}, HTTP_HX_REQUEST="true")
    assert summary.context["matrix"]["open"] == open_before - 1
    assert f'data-testid="coverage-open">{open_before - 1}<' in summary.content.decode()


def test_assigning_a_family_in_a_street_covers_all_its_objects(district, users):
    dispatcher = users["dispatcher"]
    obj = uncovered_objects(dispatcher).first()
    before = uncovered_objects(dispatcher).filter(street=obj.street, family=obj.family).count()
    client_for(dispatcher).post(
        reverse("source-coverage-assign"),
        {
            "target": "family_area",
            "id": f"{obj.family_id}:{obj.street_id}",
            "person": users["river_chief"].pk,
            "valid_from": "2020-01-01",
            "role": "lead",
        },
    )
    assert before >= 1
    assert not uncovered_objects(dispatcher).filter(street=obj.street, family=obj.family).exists()


def test_key_grids_without_owner_are_listed_and_can_be_assigned(district, users):
    client = client_for(users["dispatcher"])
    grids = client.get(reverse("source-coverage")).context["grids"]
    assert len(grids) == 3
    client.post(
        reverse("source-coverage-assign"),
        {"target": "grid", "id": grids[0].pk, "person": users["unit_lead"].pk, "valid_from": "2020-01-01"},
    )
    assert len(client.get(reverse("source-coverage")).context["grids"]) == 2


def test_the_exports_hold_every_visible_row(district, users):
    client = client_for(users["grid_member"])
    response = client.get(reverse("source-export"))
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    grid = users["grid_member"].member_grids.get()
    assert len(rows) - 1 == SupervisedObject.objects.filter(grid=grid).count()
    full = client_for(users["dispatcher"]).get(reverse("source-responsibility-export"))
    sheet = load_workbook(io.BytesIO(full.content), read_only=True).worksheets[0]
    assert sum(1 for _ in sheet.iter_rows()) - 1 == Responsibility.objects.count()
    coverage = client_for(users["dispatcher"]).get(reverse("source-coverage-export"))
    book = load_workbook(io.BytesIO(coverage.content), read_only=True)
    assert sum(1 for _ in book.worksheets[1].iter_rows()) - 1 == uncovered_objects(users["dispatcher"]).count()


def test_an_import_over_the_web_goes_from_dry_run_to_applied(demo, users, families, django_capture_on_commit_callbacks):
    grid = Grid.objects.order_by("code").first()
    lon, lat = point_in(grid)
    data = workbook_bytes(
        ["编码", "名称", "六源类别", "对象类型", "经度", "纬度"], [["CY-1", "老王餐馆", "living", "餐饮", lon, lat]]
    )
    client = client_for(users["dispatcher"])
    upload = io.BytesIO(data)
    upload.name = "objects.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("source-import"), {"kind": "objects", "file": upload, "dry_run": "on"})
    job = ImportJob.objects.get()
    assert response.url == reverse("source-import-job", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert 'data-status="done"' in page and "source-import-apply" not in page or "import-apply" in page
    with django_capture_on_commit_callbacks(execute=True):
        applied = client.post(reverse("source-import-apply", args=[job.pk]))
    assert SupervisedObject.objects.filter(code="CY-1").exists()
    assert 'data-status="done"' in client.get(applied.url).content.decode()


def test_a_case_about_an_object_goes_to_its_owner_first(plant, users):
    from envgrid.cases.models import CaseCategory
    from envgrid.cases.routing import route_case
    from envgrid.cases.services import case_report

    category = CaseCategory.objects.get(code="industrial.emission")
    case = case_report(reporter=users["grid_member"], title="冒黑烟", category=category, lon=plant.lon, lat=plant.lat)
    table_lead, _co = route_case(case)
    case.supervised_object = plant
    lead, _co = route_case(case)
    assert lead.name == "住房和城乡建设局"  # today's owner since the transfer, not the table's unit
    assert table_lead != lead
    services.responsibility_end(
        actor=None, responsibility=plant.responsibilities.get(valid_to__isnull=True), valid_to=dt.date(2026, 4, 30)
    )
    assert route_case(case)[0] == table_lead  # no owner today: the routing table decides


def test_the_demo_has_owners_for_most_objects_some_without_and_past_changes(district, users):
    dispatcher = users["dispatcher"]
    total = SupervisedObject.objects.count()
    open_ = uncovered_objects(dispatcher).count()
    assert 250 <= total <= 350
    assert 5 <= open_ <= total // 5
    changed = Responsibility.objects.filter(valid_to__isnull=False, supervised_object__isnull=False)
    assert changed.exists()
    obj = changed.first().supervised_object
    ended = changed.filter(supervised_object=obj).get()
    from envgrid.sources.selectors import responsible_on

    assert responsible_on(obj, ended.valid_to).unit == ended.unit
    assert responsible_on(obj, ended.valid_to + dt.timedelta(days=1)).unit != ended.unit


def test_list_pages_do_not_grow_in_queries_with_rows(district, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(users["dispatcher"])
    counts = []
    few_rows = SupervisedObject.objects.filter(kind="fuel_point").first().family_id  # ~30 objects
    many_rows = SupervisedObject.objects.filter(kind="catering").first().family_id  # ~70 objects, 2 pages
    for params in ({"family": few_rows}, {"family": many_rows}):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("source-list"), params)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("source-responsibility-list"), {"target": "grid"})
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("source-responsibility-list"), {"target": "object"})
    assert len(few) == len(many)
