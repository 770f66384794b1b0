"""Web pages of the duty roster (应急值班): today's list, the week grid editor and the Excel import."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from envgrid.core.errors import DomainError
from envgrid.core.models import Unit
from envgrid.core.spreadsheets import xlsx_response
from envgrid.core.spreadsheets.templates import template_workbook
from envgrid.emergency import selectors
from envgrid.emergency.forms import DutyAddForm
from envgrid.emergency.models import DutyAssignment
from envgrid.emergency.services import duty as duty_services
from envgrid.emergency.views import _common, import_view


@login_required
@require_GET
def duty_today(request):
    """Today's duty list (今日值班): every unit the user may see with who is on duty now and today; units
    with nobody on duty now are flagged — in red while a warning is active."""
    rows = selectors.duty_today(request.user)
    context = {
        **_common(request, "duty"),
        "rows": rows,
        "uncovered": sum(1 for r in rows if r.uncovered),
        "today": timezone.localdate(),
        "may_edit": duty_services.may_edit_some_roster(request.user),
    }
    return render(request, "emergency/duty_today.html", context)


def _week_start(value: str | None) -> dt.date:
    try:
        day = dt.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    return day - dt.timedelta(days=day.weekday())


@login_required
@require_GET
def duty_week(request):
    """The week grid (值班周表): units × days; a cell opens its editor for those who keep that roster."""
    start = _week_start(request.GET.get("start"))
    grid = selectors.week_grid(request.user, start)
    for row in grid["rows"]:
        row["editable"] = duty_services.can_edit_roster(request.user, row["unit"])
    context = {
        **_common(request, "duty"),
        **grid,
        "start": start,
        "today": timezone.localdate(),
        "previous": start - dt.timedelta(days=7),
        "next": start + dt.timedelta(days=7),
        "may_edit": duty_services.may_edit_some_roster(request.user),
    }
    return render(request, "emergency/duty_week.html", context)


def _cell_context(request, unit: Unit, day: dt.date, form=None, error: str = "") -> dict:
    people = list(
        DutyAssignment.objects.filter(unit=unit, date=day)
        .select_related("shift", "person")
        .order_by("shift__sort_order", "post", "name")
    )
    return {
        "unit": unit,
        "day": day,
        "people": people,
        "form": form or DutyAddForm(unit=unit),
        "error": error,
        "editable": duty_services.can_edit_roster(request.user, unit),
    }


@login_required
@require_http_methods(["GET", "POST"])
def duty_cell(request, unit_id: int, day: str):
    """One cell of the week grid: its people, and (GET ?edit=1 or POST) the form to add one."""
    unit = get_object_or_404(Unit.objects.visible_to(request.user), pk=unit_id)
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        raise PermissionDenied from None
    editing = request.method == "POST" or request.GET.get("edit") == "1"
    if editing and not duty_services.can_edit_roster(request.user, unit):
        raise PermissionDenied
    form, error = None, ""
    if request.method == "POST":
        form = DutyAddForm(request.POST, unit=unit)
        if form.is_valid():
            try:
                duty_services.duty_assignment_add(actor=request.user, unit=unit, date=date, **form.cleaned_data)
            except DomainError as exc:
                error = exc.message
            else:
                form = None
        else:
            error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    template = "emergency/_duty_cell_edit.html" if editing else "emergency/_duty_cell.html"
    return render(request, template, _cell_context(request, unit, date, form, error), status=400 if error else 200)


@login_required
@require_POST
def duty_remove(request, pk: int):
    """Take a person off a shift; answers with the cell's editor."""
    assignment = get_object_or_404(DutyAssignment.objects.visible_to(request.user).select_related("unit"), pk=pk)
    unit, day = assignment.unit, assignment.date
    error = ""
    try:
        duty_services.duty_assignment_remove(actor=request.user, assignment=assignment)
    except DomainError as exc:
        if exc.code == "permission_denied":
            raise PermissionDenied from None
        error = exc.message
    return render(request, "emergency/_duty_cell_edit.html", _cell_context(request, unit, day, error=error))


@login_required
@require_http_methods(["GET", "POST"])
def duty_import(request):
    if not duty_services.may_edit_some_roster(request.user):
        raise PermissionDenied
    return import_view(
        request,
        run=lambda **kw: duty_services.duty_roster_import(actor=request.user, **kw),
        template_url=reverse("emergency-duty-template"),
        title=_("Import a duty roster"),
        tab="duty",
        done_url=reverse("emergency-duty-week"),
    )


@login_required
@require_GET
def duty_template(request):
    notes = [
        _("One row per person and shift. Unit: the unit's full or short name. Shift: 白班, 夜班 or 24小时."),
        _("Post: 带班领导 or 值班员 (empty: 值班员). Account: the person's EnvGrid username, if any, to notify them."),
        _("For every unit and date in the file, its rows replace that day's roster. Any bad row refuses the file."),
    ]
    content = template_workbook(duty_services.DUTY_COLUMNS, title="值班表", notes=notes)
    return xlsx_response(content, "duty-roster-template.xlsx")
