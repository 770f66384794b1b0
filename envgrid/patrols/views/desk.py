"""Desk pages for inspections: records (list, page, photos), plans (list, new, page, cancel), the
night-inspection coverage report and the checklist versions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from envgrid.core.errors import DomainError
from envgrid.core.spreadsheets import xlsx_response
from envgrid.patrols import exports, selectors, services
from envgrid.patrols.choices import KIND_TONES
from envgrid.patrols.filtersets import InspectionFilterSet, PlanFilterSet
from envgrid.patrols.forms import PlanForm, parse_period
from envgrid.patrols.models import Checklist, Inspection, InspectionPhoto, InspectionPlan, PatrolSettings
from envgrid.patrols.permissions import can_file_enforcement, can_inspect, can_plan, is_command

PAGE_SIZE = 50


def small_widgets(form) -> None:
    """Compact Bootstrap widgets for a filter bar."""
    from django import forms

    for field in form.fields.values():
        css = "form-select form-select-sm" if isinstance(field.widget, forms.Select) else "form-control form-control-sm"
        field.widget.attrs["class"] = css
        field.widget.attrs.setdefault("aria-label", str(field.label))


@login_required
@require_GET
def inspection_list(request):
    """Inspection records in scope with filters; 50 a page; the table alone for htmx; Excel with ?export=xlsx."""
    queryset = selectors.inspections_for_list(request.user)
    if request.GET.get("mine"):
        queryset = queryset.filter(inspector=request.user)
    filterset = InspectionFilterSet(request.GET or None, queryset=queryset, request=request)
    rows = filterset.qs
    small_widgets(filterset.form)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(exports.inspections_workbook(rows), "inspections.xlsx", stamp=True)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "page": page,
        "tones": KIND_TONES,
        "can_inspect": can_inspect(request.user),
        "settings": PatrolSettings.current(),
    }
    template = "patrols/_inspection_table.html" if request.htmx and not request.htmx.boosted else "patrols/list.html"
    return render(request, template, context)


@login_required
@require_GET
def inspection_detail(request, pk: int):
    try:
        inspection = selectors.inspection_for_page(request.user, pk)
    except Inspection.DoesNotExist:
        raise Http404(_("No such inspection, or it is outside your scope.")) from None
    cfg = PatrolSettings.current()
    context = {
        "inspection": inspection,
        "late": inspection.is_late_entry(cfg.late_entry_hours),
        "settings": cfg,
        "can_enforce": can_file_enforcement(request.user),
    }
    return render(request, "patrols/detail.html", context)


@login_required
@require_GET
def inspection_photo(request, pk: int, thumb: bool = False):
    """Serve a photo (or its thumbnail) only to someone who may see its inspection."""
    visible = Inspection.objects.visible_to(request.user).values("pk")
    photo = get_object_or_404(InspectionPhoto.objects.filter(inspection_id__in=visible), pk=pk)
    stored = photo.thumbnail if thumb and photo.thumbnail else photo.file
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("The file is missing from storage.")) from None
    response = FileResponse(
        handle,
        content_type="image/jpeg" if stored is photo.thumbnail else photo.content_type,
        as_attachment=not photo.is_image,
        filename=photo.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- plans ---------------------------------------------------------------------------------------


@login_required
@require_GET
def plan_list(request):
    filterset = PlanFilterSet(request.GET or None, queryset=selectors.plans_for_list(request.user), request=request)
    small_widgets(filterset.form)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filterset": filterset, "page": page, "tones": KIND_TONES, "can_plan": can_plan(request.user)}
    return render(request, "patrols/plan_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request):
    if not can_plan(request.user):
        raise PermissionDenied
    form = PlanForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            plan = form.perform()
        except DomainError as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error(None, list(exc.messages))
        else:
            messages.success(request, _("Plan “%(title)s” created.") % {"title": plan.title})
            return redirect("patrols-plan-detail", pk=plan.pk)
    return render(request, "patrols/plan_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_GET
def plan_detail(request, pk: int):
    """A plan with its targets and, per target, the records made under it."""
    plan = get_object_or_404(
        InspectionPlan.objects.visible_to(request.user)
        .select_related("lead_unit", "created_by")
        .prefetch_related("units", "objects_covered", "grids"),
        pk=pk,
    )
    records = list(plan.inspections.select_related("supervised_object", "grid", "inspector").order_by("-started_at"))
    visits: dict = {}
    for r in records:
        visits.setdefault(("o", r.supervised_object_id), []).append(r)
        visits.setdefault(("g", r.grid_id), []).append(r)
    due = plan.visits_due(plan.starts_on, min(plan.ends_on, timezone.localdate()))
    targets = [(o, len(visits.get(("o", o.pk), []))) for o in plan.objects_covered.all()]
    targets += [(g, len(visits.get(("g", g.pk), []))) for g in plan.grids.all()]
    context = {
        "plan": plan,
        "records": records[:100],
        "targets": targets,
        "due": due,
        "tones": KIND_TONES,
        "can_cancel": plan.status == "active"
        and (is_command(request.user) or (can_plan(request.user) and request.user.unit_id == plan.lead_unit_id)),
    }
    return render(request, "patrols/plan_detail.html", context)


@login_required
@require_POST
def plan_cancel(request, pk: int):
    plan = get_object_or_404(InspectionPlan.objects.visible_to(request.user), pk=pk)
    try:
        services.plan_cancel(actor=request.user, plan=plan, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Plan cancelled."))
    return redirect("patrols-plan-detail", pk=pk)


# --- reports -------------------------------------------------------------------------------------


@login_required
@require_GET
def night_coverage(request):
    """Night-inspection coverage (夜查覆盖率) per unit and street over a period (default: 30 days)."""
    try:
        first, last = parse_period(request.GET)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        first, last = parse_period({})
    coverage = selectors.night_coverage(request.user, first, last)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(exports.coverage_workbook(coverage), "night-coverage.xlsx", stamp=True)
    return render(request, "patrols/coverage.html", {"coverage": coverage})


@login_required
@require_GET
def checklist_list(request):
    """Every checklist version per object kind, newest first, with its items."""
    checklists = Checklist.objects.prefetch_related("items__category").order_by("kind", "-version")
    return render(request, "patrols/checklists.html", {"checklists": checklists})
