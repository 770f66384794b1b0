"""Excel imports: every bad row reported by row, column and reason; all or nothing by default; keep the good
rows on request; a dry run writes nothing; re-imports change nothing; transfers end the old owner."""

import datetime as dt
import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from envgrid.core.models import AuditEvent
from envgrid.core.spreadsheets import FileRefused
from envgrid.core.spreadsheets.templates import template_workbook
from envgrid.grids.models import Grid
from envgrid.sources import services
from envgrid.sources.choices import ImportStatus
from envgrid.sources.exports import objects_workbook
from envgrid.sources.imports import objects as object_import
from envgrid.sources.imports import responsibilities as responsibility_import
from envgrid.sources.imports.jobs import import_job_apply, import_job_create
from envgrid.sources.models import ConstructionSiteDetail, EnterpriseDetail, Responsibility, SupervisedObject
from envgrid.sources.selectors import responsible_on
from envgrid.sources.tests.conftest import point_in
from envgrid.sources.tests.xlsx import workbook_bytes

OBJECT_HEADER = [
    "编码",
    "名称",
    "六源类别",
    "对象类型",
    "经度",
    "纬度",
    "统一社会信用代码",
    "绩效分级",
    "周边围挡",
    "地址",
]
RESP_HEADER = ["对象编码", "网格编码", "六源类别", "区域编码", "责任单位", "责任人", "副责任人", "开始日期", "结束日期"]


@pytest.fixture
def grids(demo) -> list[Grid]:
    return list(Grid.objects.select_related("street").order_by("code")[:3])


@pytest.fixture
def good_rows(grids) -> list[list]:
    (x1, y1), (x2, y2), (x3, y3) = (point_in(g) for g in grids)
    return [
        [
            "QY-0001",
            "鹿鸣化工有限公司",
            "industrial",
            "工业企业",
            x1,
            y1,
            "91350100M000100Y43",
            "B级",
            None,
            "科学大道1号",
        ],
        ["GD-0001", "翠湖项目工地", "扬尘源（建筑工地）", "建筑工地", x2, y2, None, None, "是", ""],
        ["CY-0001", "老王餐馆", "生活源", "餐饮", x3, y3, None, None, None, ""],
    ]


def run(data, **options):
    return object_import.import_objects(data, **options)


def test_a_dry_run_shows_what_would_change_and_writes_nothing(good_rows):
    result = run(workbook_bytes(OBJECT_HEADER, good_rows), dry_run=True)
    assert (result.created, result.updated, result.errors, result.written) == (3, 0, [], False)
    assert [c["code"] for c in result.changes] == ["QY-0001", "GD-0001", "CY-0001"]
    assert not SupervisedObject.objects.exists()


def test_a_good_file_is_written_with_grids_and_typed_details(good_rows, grids, users):
    result = run(workbook_bytes(OBJECT_HEADER, good_rows), dry_run=False, actor=users["dispatcher"])
    assert (result.created, result.written) == (3, True)
    plant = SupervisedObject.objects.get(code="QY-0001")
    assert (plant.grid, plant.street, plant.kind) == (grids[0], grids[0].street, "enterprise")
    assert EnterpriseDetail.objects.get(supervised_object=plant).performance_grade == "B"
    assert ConstructionSiteDetail.objects.get(supervised_object__code="GD-0001").fence_enclosure is True
    assert AuditEvent.objects.get(action="source_object.import").after["created"] == ["QY-0001", "GD-0001", "CY-0001"]
    again = run(workbook_bytes(OBJECT_HEADER, good_rows), dry_run=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_every_bad_row_is_reported_by_row_column_and_reason_and_nothing_is_written(good_rows):
    rows = [*good_rows]
    rows.append(["QY-0002", "坏厂", "industrial", "工业企业", 200, 34.8, "91350100M000100Y44", None, None, ""])
    rows.append(["QY-0001", "重复编码", "不存在的类别", "飞船", 113.5, 34.8, None, None, None, ""])
    rows.append(["CY-0002", "远方餐馆", "living", "餐饮", 120.0, 30.0, None, None, None, ""])
    rows.append(["GD-0002", "工地", "construction", "建筑工地", 113.5, 34.8, "91350100M000100Y43", None, "也许", ""])
    result = run(workbook_bytes(OBJECT_HEADER, rows), dry_run=False)
    found = {(e.row, e.column, e.code) for e in result.errors}
    assert (5, "E", "invalid") in found  # longitude 200 is out of range
    assert (5, "G", "credit_code_invalid") in found
    assert (6, "A", "duplicate") in found
    assert (6, "C", "invalid") in found  # unknown family
    assert (6, "D", "invalid") in found  # unknown kind
    assert (7, "E", "outside_grids") in found
    assert (8, "G", "invalid") in found  # a credit code on a construction site
    assert (8, "I", "invalid") in found  # 也许 is not yes or no
    reasons = {e.row: e.message for e in result.errors if e.column == "A"}
    assert "row 2" in reasons[6]
    assert result.written is False
    assert not SupervisedObject.objects.exists()


def test_keep_good_rows_writes_them_and_reports_the_bad_ones(good_rows):
    rows = [*good_rows, ["CY-0009", "", "living", "餐饮", 113.5, 34.8, None, None, None, ""]]
    result = run(workbook_bytes(OBJECT_HEADER, rows), dry_run=False, keep_good_rows=True)
    assert result.created == 3 and result.written
    assert [(e.row, e.column, e.code) for e in result.errors] == [(5, "B", "required")]
    assert SupervisedObject.objects.count() == 3


def test_a_known_code_updates_the_object_and_the_preview_lists_the_changes(good_rows):
    run(workbook_bytes(OBJECT_HEADER, good_rows), dry_run=False)
    good_rows[0][1] = "鹿鸣化工股份有限公司"
    good_rows[0][7] = "A"
    preview = run(workbook_bytes(OBJECT_HEADER, good_rows), dry_run=True)
    assert (preview.created, preview.updated, preview.unchanged) == (0, 1, 2)
    assert preview.changes[0]["fields"] == {
        "name": ["鹿鸣化工有限公司", "鹿鸣化工股份有限公司"],
        "enterprise.performance_grade": ["B", "A"],
    }
    run(workbook_bytes(OBJECT_HEADER, good_rows), dry_run=False)
    plant = SupervisedObject.objects.get(code="QY-0001")
    assert plant.name == "鹿鸣化工股份有限公司"
    assert plant.enterprise.performance_grade == "A"


def test_a_file_without_a_required_column_or_not_excel_is_refused(demo):
    with pytest.raises(FileRefused) as caught, translation.override("zh-hans"):
        run(workbook_bytes(["编码", "名称"], [["X", "Y"]]))
    assert {e.header for e in caught.value.errors} == {"六源类别", "对象类型"}
    with pytest.raises(FileRefused) as caught:
        run(b"code,name\n1,2\n")
    assert caught.value.errors[0].code == "bad_format"


def test_the_template_and_the_export_import_back(good_rows, grids):
    with translation.override("zh-hans"):
        template = load_workbook(io.BytesIO(template_workbook(object_import.COLUMNS, title="objects")))
    header = [cell.value for cell in template.active[1]]
    assert header[:4] == ["编码", "名称", "六源类别", "对象类型"]
    example = [cell.value for cell in template.active[2]]
    assert example[0] == "QY-0001"
    run(workbook_bytes(OBJECT_HEADER, good_rows), dry_run=False)
    exported = objects_workbook(SupervisedObject.objects.all())
    again = run(exported, dry_run=True)
    assert (again.errors, again.created, again.updated, again.unchanged) == ([], 0, 0, 3)


# --- responsibilities ----------------------------------------------------------------------------


@pytest.fixture
def objects(good_rows):
    run(workbook_bytes(OBJECT_HEADER, good_rows), dry_run=False)
    return {o.code: o for o in SupervisedObject.objects.select_related("grid", "street")}


def test_responsibilities_are_imported_for_objects_grids_and_families_in_an_area(objects, users, grids):
    lead = users["unit_lead"]
    rows = [
        [
            "QY-0001",
            None,
            None,
            None,
            "生态环境分局",
            lead.username,
            users["unit_staff"].display_name,
            "2026-01-01",
            None,
        ],
        [None, grids[1].code, None, None, "生态环境分局", "unit_staff", None, dt.date(2026, 1, 1), None],
        [
            None,
            None,
            "living",
            grids[2].street.code,
            "生态环境分局",
            lead.display_name,
            None,
            "2026/01/01",
            "2026-12-31",
        ],
    ]
    result = responsibility_import.import_responsibilities(
        workbook_bytes(RESP_HEADER, rows), dry_run=False, actor=users["dispatcher"]
    )
    assert (result.errors, result.created) == ([], 3)
    assert responsible_on(objects["QY-0001"], dt.date(2026, 2, 1)).deputy == users["unit_staff"]
    assert responsible_on(objects["GD-0001"], dt.date(2026, 2, 1)).grid == grids[1]
    assert responsible_on(objects["CY-0001"], dt.date(2026, 12, 31)).region == grids[2].street
    assert responsible_on(objects["CY-0001"], dt.date(2027, 1, 1)) is None
    again = responsibility_import.import_responsibilities(workbook_bytes(RESP_HEADER, rows), dry_run=False)
    assert (again.created, again.unchanged) == (0, 3)


def test_bad_responsibility_rows_are_reported_and_nothing_is_written(objects, users):
    rows = [
        ["QY-0001", None, None, None, "生态环境分局", "unit_lead", None, "2026-01-01", None],
        ["QY-9999", None, None, None, "生态环境分局", "unit_lead", None, "2026-01-01", None],
        ["GD-0001", None, None, None, "不存在局", "unit_lead", None, "2026-01-01", None],
        ["CY-0001", None, None, None, "住房和城乡建设局", "unit_lead", None, "2026-01-01", None],
        ["QY-0001", None, None, None, "生态环境分局", "unit_staff", None, "2026-06-01", None],
        ["GD-0001", "G-1", None, None, "生态环境分局", "unit_lead", None, "2026-01-01", None],
        ["CY-0001", None, None, None, "生态环境分局", "unit_lead", None, "2026-02-01", "2026-01-01"],
        ["CY-0001", None, None, None, "生态环境分局", "unit_lead", None, "明天", None],
    ]
    result = responsibility_import.import_responsibilities(workbook_bytes(RESP_HEADER, rows), dry_run=False)
    found = {(e.row, e.column, e.code) for e in result.errors}
    assert found == {
        (3, "A", "unknown_object"),
        (4, "E", "unknown_unit"),
        (5, "F", "unknown_person"),  # unit_lead is not in the housing bureau
        (6, "H", "responsibility_overlap"),  # overlaps row 2 (open-ended)
        (7, "A", "target_invalid"),
        (8, "I", "invalid"),
        (9, "H", "invalid"),
    }
    assert not Responsibility.objects.exists()


def test_a_row_for_a_target_with_a_current_owner_is_a_transfer(objects, users, housing):
    plant = objects["QY-0001"]
    services.responsibility_assign(
        actor=None,
        supervised_object=plant,
        unit=users["unit_lead"].unit,
        person=users["unit_lead"],
        valid_from=dt.date(2026, 1, 1),
    )
    staff = users["unit_staff"]
    staff.unit = housing
    staff.save()
    rows = [["QY-0001", None, None, None, "住建", "unit_staff", None, "2026-05-01", None]]
    preview = responsibility_import.import_responsibilities(workbook_bytes(RESP_HEADER, rows), dry_run=True)
    assert preview.changes[0]["action"] == "transfer" and preview.ended == 1
    responsibility_import.import_responsibilities(workbook_bytes(RESP_HEADER, rows), dry_run=False)
    assert responsible_on(plant, dt.date(2026, 4, 30)).unit == users["unit_lead"].unit
    assert responsible_on(plant, dt.date(2026, 5, 1)).unit == housing


# --- jobs (Huey runs them at once in the tests) ----------------------------------------------------


def test_an_import_job_runs_checks_and_applies(good_rows, users, django_capture_on_commit_callbacks):
    dispatcher = users["dispatcher"]
    data = workbook_bytes(OBJECT_HEADER, good_rows)
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(actor=dispatcher, kind="objects", data=data, name="objects.xlsx", dry_run=True)
    job.refresh_from_db()
    assert (job.status, job.summary["created"], job.processed_rows, job.percent) == (ImportStatus.DONE, 3, 3, 100)
    assert not SupervisedObject.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        real = import_job_apply(actor=dispatcher, job=job)
    real.refresh_from_db()
    assert (real.status, real.dry_run, real.summary["written"]) == (ImportStatus.DONE, False, True)
    assert SupervisedObject.objects.count() == 3


def test_a_refused_import_job_keeps_the_errors(good_rows, users, django_capture_on_commit_callbacks):
    rows = [*good_rows, ["CY-0009", "远方", "living", "餐饮", 120.0, 30.0, None, None, None, ""]]
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(
            actor=users["admin"],
            kind="objects",
            data=workbook_bytes(OBJECT_HEADER, rows),
            name="bad.xlsx",
            dry_run=False,
        )
    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED
    assert [(e["row"], e["column"]) for e in job.errors] == [(5, "E")]
    assert not SupervisedObject.objects.exists()


def test_only_the_command_centre_imports(good_rows, users):
    from envgrid.sources.errors import SourcesPermissionDenied

    with pytest.raises(SourcesPermissionDenied):
        import_job_create(actor=users["unit_lead"], kind="objects", data=b"", name="x.xlsx")
