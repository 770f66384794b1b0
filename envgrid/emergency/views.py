"""Web pages of warnings, the reduction list and spot checks. Thin callers of the services and selectors;
every page starts from the user's scope."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from envgrid.core.errors import DomainError
from envgrid.core.spreadsheets import xlsx_response
from envgrid.core.spreadsheets.templates import template_workbook
from envgrid.emergency import selectors
from envgrid.emergency.choices import (
    CHECK_ROLES,
    CHECK_TONES,
    LEVEL_COLOURS,
    STATUS_TONES,
    CheckStatus,
    WarningLevel,
    WarningStatus,
)
from envgrid.emergency.errors import ImportInvalid
from envgrid.emergency.forms import CheckRecordForm, ImportForm, NoteForm, WarningChangeForm, WarningRecordForm
from envgrid.emergency.models import (
    PollutionWarning,
    ReductionMeasure,
    SpotCheck,
    SpotCheckPhoto,
    can_manage_emergency,
)
from envgrid.emergency.services import checks as check_services
from envgrid.emergency.services import measures as measure_services
from envgrid.emergency.services import warnings as warning_services

PAGE_SIZE = 50


def _require_manager(request) -> None:
    if not can_manage_emergency(request.user):
        raise PermissionDenied


def _warning(request, pk: int) -> PollutionWarning:
    return get_object_or_404(PollutionWarning.objects.visible_to(request.user).select_related("region"), pk=pk)


def _common(request, tab: str) -> dict:
    return {
        "tab": tab,
        "can_manage": can_manage_emergency(request.user),
        "does_checks": request.user.role in CHECK_ROLES or request.user.is_district_wide,
        "active_warnings": selectors.active_warnings(),
        "level_colours": LEVEL_COLOURS,
        "status_tones": STATUS_TONES,
    }


# --- warnings -------------------------------------------------------------------------------------


@login_required
@require_GET
def emergency_home(request):
    """The warnings (预警) list, newest first, with the active ones on top."""
    warnings = PollutionWarning.objects.visible_to(request.user).select_related("region").order_by("-starts_at", "-id")
    page = Paginator(warnings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "emergency/home.html", {**_common(request, "warnings"), "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def warning_create(request):
    """Record a warning (发布预警): document number, level, area, start and end; optionally activate at once."""
    _require_manager(request)
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = WarningRecordForm(
        request.POST or None, initial={"starts_at": now, "ends_at": now + timezone.timedelta(days=3)}
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        activate = data.pop("activate")
        try:
            warning = warning_services.warning_record(actor=request.user, **data)
            if activate:
                warning_services.warning_activate(warning=warning, actor=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Warning %(number)s recorded.") % {"number": warning.document_number})
            return redirect("emergency-warning-detail", pk=warning.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "emergency/warning_form.html", {**_common(request, "warnings"), "form": form}, status=status)


@login_required
@require_GET
def warning_detail(request, pk: int):
    """A warning: level, period, area, its history, the actions open to the command centre, and the board."""
    warning = _warning(request, pk)
    manager = warning.can_manage(request.user)
    context = {
        **_common(request, "warnings"),
        "warning": warning,
        "events": warning.events.select_related("actor"),
        "board": selectors.warning_board(warning, request.user),
        "measures_count": warning_services.listed_measures(warning).count(),
        "change_form": WarningChangeForm(
            initial={"level": warning.level, "ends_at": timezone.localtime(warning.ends_at)}
        )
        if manager
        else None,
        "note_form": NoteForm() if manager else None,
        "may_activate": manager and warning.status == WarningStatus.RECORDED,
        "may_change": manager and warning.status in (WarningStatus.RECORDED, WarningStatus.ACTIVE),
        "may_lift": manager and warning.is_active,
    }
    return render(request, "emergency/warning_detail.html", context)


@login_required
@require_GET
def warning_board(request, pk: int):
    """The live compliance board (落实情况看板); htmx polls the board alone."""
    warning = _warning(request, pk)
    context = {
        **_common(request, "warnings"),
        "warning": warning,
        "board": selectors.warning_board(warning, request.user),
    }
    if request.htmx:
        return render(request, "emergency/_board.html", context)
    return render(request, "emergency/board.html", context)


def _act(request, pk: int, call, done: str):
    warning = _warning(request, pk)
    try:
        call(warning)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("emergency-warning-detail", pk=warning.pk)


@login_required
@require_POST
def warning_activate(request, pk: int):
    return _act(
        request,
        pk,
        lambda w: warning_services.warning_activate(warning=w, actor=request.user, note=request.POST.get("note", "")),
        _("Warning activated: the spot checks are made and the units told."),
    )


@login_required
@require_POST
def warning_change(request, pk: int):
    form = WarningChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("emergency-warning-detail", pk=pk)
    return _act(
        request,
        pk,
        lambda w: warning_services.warning_change(warning=w, actor=request.user, **form.cleaned_data),
        _("Warning changed; the checks not yet due were replanned."),
    )


@login_required
@require_POST
def warning_lift(request, pk: int):
    return _act(
        request,
        pk,
        lambda w: warning_services.warning_lift(warning=w, actor=request.user, note=request.POST.get("note", "")),
        _("Warning lifted; the remaining spot checks are cancelled."),
    )


@login_required
@require_POST
def warning_cancel(request, pk: int):
    return _act(
        request,
        pk,
        lambda w: warning_services.warning_cancel(warning=w, actor=request.user, note=request.POST.get("note", "")),
        _("Warning cancelled."),
    )


# --- the reduction list ---------------------------------------------------------------------------


@login_required
@require_GET
def measure_list(request):
    """The emergency reduction list (应急减排清单): per enterprise, the measures at each level."""
    queryset = ReductionMeasure.objects.visible_to(request.user).select_related(
        "supervised_object", "supervised_object__enterprise"
    )
    level = request.GET.get("level", "")
    if level in WarningLevel.values:
        queryset = queryset.filter(level=level)
    if q := request.GET.get("q", "").strip():
        queryset = queryset.filter(Q(supervised_object__name__icontains=q) | Q(supervised_object__code__icontains=q))
    page = Paginator(queryset.order_by("supervised_object__code", "level"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {**_common(request, "measures"), "page": page, "level": level, "q": q, "levels": WarningLevel.choices}
    return render(request, "emergency/measure_list.html", context)


def import_view(request, *, run, template_url: str, title: str, tab: str, done_url: str):
    """The shared import page: upload, dry run (preview), then the real import; errors by row and column."""
    form = ImportForm(request.POST or None, request.FILES or None)
    result, errors, message = None, [], ""
    if request.method == "POST" and form.is_valid():
        try:
            result = run(content=form.cleaned_data["file"].read(), dry_run=form.cleaned_data["dry_run"])
        except ImportInvalid as exc:
            errors, message = exc.errors, exc.message
        except DomainError as exc:
            message = exc.message
        else:
            if not result.dry_run:
                messages.success(request, _("Imported %(n)d rows.") % {"n": result.rows})
                return redirect(done_url)
    context = {
        **_common(request, tab),
        "form": form,
        "result": result,
        "errors": errors,
        "message": message,
        "template_url": template_url,
        "title": title,
    }
    status = 400 if (errors or message) else 200
    return render(request, "emergency/import.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def measure_import(request):
    _require_manager(request)
    from django.urls import reverse

    return import_view(
        request,
        run=lambda **kw: measure_services.measures_import(actor=request.user, **kw),
        template_url=reverse("emergency-measure-template"),
        title=_("Import the emergency reduction list"),
        tab="measures",
        done_url=reverse("emergency-measure-list"),
    )


@login_required
@require_GET
def measure_template(request):
    notes = [
        _("One row per enterprise and level. Name the enterprise by its object code or its credit code."),
        _("Level: 黄色, 橙色 or 红色. Output cut: a whole number of percent. Heavy-truck ban: 是 or 否."),
        _("A row replaces the enterprise's measures at that level. Any bad row refuses the whole file."),
    ]
    content = template_workbook(measure_services.MEASURE_COLUMNS, title="应急减排清单", notes=notes)
    return xlsx_response(content, "reduction-list-template.xlsx")


# --- spot checks ----------------------------------------------------------------------------------


@login_required
@require_GET
def check_list(request):
    """Spot checks (抽查任务) of the user's unit — or all, for the command centre — as phone-sized cards;
    open ones first."""
    status = request.GET.get("status", "open")
    queryset = selectors.checks_for(request.user, status=status)
    if warning_id := request.GET.get("warning", ""):
        queryset = queryset.filter(warning_id=warning_id) if warning_id.isdigit() else queryset.none()
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for check in page:
        check.overdue_now = check.is_overdue(now)
        check.tone = CHECK_TONES[check.status]
    statuses = [("open", pgettext("spot checks", "Open")), *CheckStatus.choices, ("", _("All"))]
    context = {**_common(request, "checks"), "page": page, "status": status, "statuses": statuses}
    return render(request, "emergency/check_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def check_detail(request, pk: int):
    """One spot check: the enterprise, its measures and window; the unit records complied or violated here
    (photos, GPS) on the phone."""
    check = get_object_or_404(selectors.checks_for(request.user, status=""), pk=pk)
    form = CheckRecordForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                check = check_services.spot_check_record(
                    check=check,
                    actor=request.user,
                    result=data["result"],
                    note=data["note"],
                    files=data["photos"],
                    lon=data["lon"],
                    lat=data["lat"],
                    legal_basis=data["legal_basis"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                if check.status == CheckStatus.VIOLATED:
                    messages.warning(
                        request, _("Violation recorded: case %(number)s opened.") % {"number": check.case.number}
                    )
                else:
                    messages.success(request, _("Recorded: measures carried out."))
                return redirect("emergency-check-list")
    check.overdue_now = check.is_overdue()
    context = {
        **_common(request, "checks"),
        "check": check,
        "form": form,
        "tone": CHECK_TONES[check.status],
        "can_record": check.status == CheckStatus.PENDING
        and check.warning.is_active
        and check.can_record(request.user),
        "photos": list(check.photos.all()),
        "may_enforce": _may_enforce(request.user),
    }
    return render(request, "emergency/check_detail.html", context, status=400 if form.errors else 200)


def _may_enforce(user) -> bool:
    from django.apps import apps

    if not apps.is_installed("envgrid.patrols"):
        return False
    from envgrid.patrols.permissions import can_file_enforcement

    return can_file_enforcement(user)


@login_required
@require_GET
def check_photo(request, pk: int, thumbnail: bool = False):
    """A spot-check photo, for those who may see the check."""
    photo = get_object_or_404(
        SpotCheckPhoto.objects.filter(spot_check__in=SpotCheck.objects.visible_to(request.user)), pk=pk
    )
    if thumbnail:
        if not photo.thumbnail:
            raise Http404
        return FileResponse(photo.thumbnail.open("rb"), content_type="image/jpeg")
    return FileResponse(photo.file.open("rb"), filename=photo.original_name, as_attachment=not photo.is_image)
