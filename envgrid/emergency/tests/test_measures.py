"""The emergency reduction list: Excel import with template, dry run, row/column errors, all-or-nothing."""

import pytest

from envgrid.core.spreadsheets import read_records as read_rows
from envgrid.emergency.errors import EmergencyPermissionDenied, ImportInvalid
from envgrid.emergency.models import ReductionMeasure
from envgrid.emergency.services.measures import MEASURE_COLUMNS, measure_save, measures_import
from envgrid.emergency.tests.conftest import xlsx

pytestmark = pytest.mark.django_db

HEADER = [
    "对象编码",
    "统一社会信用代码",
    "企业名称",
    "预警级别",
    "减排措施",
    "停产生产线",
    "限产比例(%)",
    "禁止重型货车运输",
]


@pytest.fixture
def firms(make_enterprise, people, bureau):
    from envgrid.sources.models import EnterpriseDetail

    first = make_enterprise(bureau, people["unit_staff"], name="鹿鸣铸造有限公司")
    second = make_enterprise(bureau, people["unit_staff"], name="东风建材有限公司")
    EnterpriseDetail.objects.filter(supervised_object=second).update(credit_code="91410100MA44XXXX1X")
    return first, second


def test_import_creates_and_replaces_lines_after_a_dry_run(firms, people):
    first, second = firms
    ReductionMeasure.objects.create(supervised_object=first, level="orange", measures="旧措施")
    content = xlsx(
        HEADER,
        [
            [first.code, "", first.name, "橙色", "停止2号生产线", "2号线", 30, "是"],
            [first.code, "", "", "红", "全厂停产", "全部", "100%", "是"],
            ["", "91410100ma44xxxx1x", "", "yellow", "限产20%", "", "", "否"],
        ],
    )

    dry = measures_import(actor=people["dispatcher"], content=content, dry_run=True)
    assert (dry.rows, dry.created, dry.updated, dry.enterprises) == (3, 2, 1, 2)
    assert ReductionMeasure.objects.get(supervised_object=first, level="orange").measures == "旧措施"

    measures_import(actor=people["dispatcher"], content=content)

    orange = ReductionMeasure.objects.get(supervised_object=first, level="orange")
    assert (orange.measures, orange.stop_lines, orange.cut_percent, orange.heavy_truck_ban) == (
        "停止2号生产线",
        "2号线",
        30,
        True,
    )
    assert ReductionMeasure.objects.get(supervised_object=first, level="red").cut_percent == 100
    yellow = ReductionMeasure.objects.get(supervised_object=second, level="yellow")
    assert yellow.heavy_truck_ban is False and yellow.updated_by == people["dispatcher"]


def test_a_bad_row_refuses_the_file_with_row_column_and_reason(firms, people, make_enterprise, bureau):
    first, _second = firms
    road = make_enterprise(bureau, people["unit_staff"], name="某道路")
    road.kind = "road"
    road.save()
    content = xlsx(
        HEADER,
        [
            [first.code, "", "", "橙色", "停止2号生产线", "", 30, "是"],
            ["QY-9999", "", "", "橙色", "停产", "", "", ""],
            [first.code, "", "别的公司", "紫色", "", "", 130, "也许"],
            [road.code, "", "", "红色", "停产", "", "", ""],
            [first.code, "", "", "橙", "重复", "", "", ""],
            ["", "", "", "黄色", "限产", "", "", ""],
        ],
    )

    with pytest.raises(ImportInvalid) as refused:
        measures_import(actor=people["dispatcher"], content=content)

    errors = {(e["row"], e["column"]) for e in refused.value.errors}
    assert errors == {
        (2, "预警级别"),
        (6, "预警级别"),  # two orange rows for the same enterprise
        (3, "对象编码"),
        (4, "企业名称"),
        (4, "预警级别"),
        (4, "减排措施"),
        (4, "限产比例(%)"),
        (4, "禁止重型货车运输"),
        (5, "对象编码"),
        (7, "对象编码"),
    }
    assert "6 of 6 rows" in refused.value.message or "rows have errors" in refused.value.message
    assert not ReductionMeasure.objects.exists()


def test_only_the_command_centre_keeps_the_list(firms, people):
    content = xlsx(HEADER, [[firms[0].code, "", "", "橙色", "停产", "", "", ""]])
    for username in ("unit_lead", "leader"):
        with pytest.raises(EmergencyPermissionDenied):
            measures_import(actor=people[username], content=content)
        with pytest.raises(EmergencyPermissionDenied):
            measure_save(actor=people[username], supervised_object=firms[0], level="red", measures="停产")
    assert not ReductionMeasure.objects.exists()


def test_the_template_reads_back_with_every_column(client, people):
    client.force_login(people["dispatcher"])
    response = client.get("/emergency/measures/template.xlsx")
    assert response.status_code == 200
    rows = read_rows(response.content, MEASURE_COLUMNS)
    assert rows[0][0] == 2 and set(rows[0][1]) == {c.key for c in MEASURE_COLUMNS}
