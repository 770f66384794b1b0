"""Rankings page (排名): street and grid tables for a period, a period picker, and the Excel export.

Every signed-in user may read them (the district's published figures); the page and the export call the same
``stats.ranking_query`` as the API.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from envgrid.core.errors import DomainError
from envgrid.core.spreadsheets import xlsx_response
from envgrid.monitoring.periods import default_period
from envgrid.monitoring.rollups import local_day
from envgrid.monitoring.stats import RANK_BY, StatsResult, ranking_query


def _by_choices() -> list[tuple[str, str]]:
    labels = {"composite_index": _("Composite index"), "pm25": _("PM2.5"), "good_ratio": _("Good-day ratio")}
    return [(key, labels[key]) for key in RANK_BY]


def _tables(request) -> tuple[list[StatsResult], str | None]:
    """The street and grid rankings for the request's period and figure, or the error naming the bad parameter."""
    period, by = request.GET.get("period") or None, request.GET.get("by") or None
    try:
        return [ranking_query(level=level, period=period, by=by) for level in ("street", "grid")], None
    except DomainError as exc:
        return [], exc.message


@login_required
def rankings_page(request):
    """The street and grid ranking tables; only the tables when asked by htmx."""
    tables, error = _tables(request)
    today = local_day(timezone.now())
    context = {
        "tables": tables,
        "error": error,
        "period": request.GET.get("period") or default_period(today).label,
        "by": request.GET.get("by") or "composite_index",
        "by_choices": _by_choices(),
        "examples": [
            "2026",
            f"{today.year}-Q{(today.month - 1) // 3 + 1}",
            default_period(today).label,
            f"{today.isocalendar()[0]}-W{today.isocalendar()[1]:02d}",
            f"{today.replace(day=1).isoformat()}..{today.isoformat()}",
        ],
    }
    template = "monitoring/rankings_tables.html" if getattr(request, "htmx", False) else "monitoring/rankings.html"
    return render(request, template, context, status=400 if error else 200)


def _figure(area, name):
    value = area.value(name)
    return (
        None
        if value is None
        else round(value, 1 if name in ("co_p95", "good_ratio") else 0 if name != "composite_index" else 2)
    )  # noqa: E501


EXPORT_COLUMNS = (
    ("rank", gettext_lazy("Rank")),
    ("name", gettext_lazy("Street / grid")),
    ("composite_index", gettext_lazy("Composite index")),
    ("pm25", gettext_lazy("PM2.5")),
    ("pm10", gettext_lazy("PM10")),
    ("so2", gettext_lazy("SO2")),
    ("no2", gettext_lazy("NO2")),
    ("co_p95", gettext_lazy("CO 95th percentile")),
    ("o3_8h_p90", gettext_lazy("O3-8h 90th percentile")),
    ("good_ratio", gettext_lazy("Good-day ratio (%)")),
    ("valid_days", gettext_lazy("Valid days")),
    ("expected_days", gettext_lazy("Days in period")),
    ("yoy", gettext_lazy("PM2.5 year on year (%)")),
    ("pop", gettext_lazy("PM2.5 period on period (%)")),
    ("reason", gettext_lazy("Not ranked because")),
)


def _export_row(area) -> list:
    changes = area.changes or {}
    row = []
    for key, _label in EXPORT_COLUMNS:
        if key == "rank":
            row.append(area.rank)
        elif key == "name":
            row.append(area.name)
        elif key in ("valid_days", "expected_days"):
            row.append(getattr(area, key))
        elif key == "yoy":
            row.append(changes.get("year_on_year", {}).get("pm25", {}).get("change_percent"))
        elif key == "pop":
            row.append(changes.get("period_on_period", {}).get("pm25", {}).get("change_percent"))
        elif key == "reason":
            row.append(area.reason)
        else:
            row.append(_figure(area, key))
    return row


@login_required
def rankings_export(request):
    """The same rankings as an Excel workbook: one sheet per level, with the period and the standards noted."""
    tables, error = _tables(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    workbook = Workbook()
    workbook.remove(workbook.active)
    for result in tables:
        sheet = workbook.create_sheet(_("Streets") if result.level == "street" else _("Grids"))
        sheet.append(
            [
                _("Rankings"),
                result.period.label,
                _("Standards"),
                "; ".join(code for codes in result.standards.values() for code in codes),
            ]
        )
        for note in result.notes:
            sheet.append([note])
        sheet.append([str(label) for _key, label in EXPORT_COLUMNS])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for area in result.areas:
            sheet.append(_export_row(area))
        sheet.column_dimensions["B"].width = 24
    label = tables[0].period.label.replace("..", "_")
    return xlsx_response(workbook, f"rankings-{label}.xlsx")
