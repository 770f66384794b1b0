"""Pages of the sources app: the object list, map and page (owner now, on a chosen day, and history),
the 分包 list, the coverage report with one-click assignment (htmx), the Excel imports with their polled
progress, and the Excel exports. Every queryset starts from ``visible_to(user)``; every write goes
through a form whose ``perform()`` calls a service."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from envgrid.core.spreadsheets import xlsx_response
from envgrid.core.spreadsheets.templates import template_workbook
from envgrid.grids.models import Grid, Region
from envgrid.sources import exports, selectors
from envgrid.sources.choices import STATUS_TONES, ImportKind
from envgrid.sources.errors import SourcesError
from envgrid.sources.filtersets import ResponsibilityFilterSet, SupervisedObjectFilterSet
from envgrid.sources.forms import AssignForm, EndForm, ImportForm, ObjectForm, TransferForm
from envgrid.sources.hooks import object_panels_for
from envgrid.sources.imports import objects as object_import
from envgrid.sources.imports import responsibilities as responsibility_import
from envgrid.sources.imports.jobs import import_job_apply, import_job_create
from envgrid.sources.models import ImportJob, Responsibility, SourceFamily
from envgrid.sources.permissions import can_edit_object, can_manage_sources

PAGE_SIZE = 50


def _partial(request) -> bool:
    return bool(request.htmx and not request.htmx.boosted)


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _require_manager(user) -> None:
    if not can_manage_sources(user):
        raise PermissionDenied


# --- objects -------------------------------------------------------------------------------------


def _object_filterset(request) -> SupervisedObjectFilterSet:
    return SupervisedObjectFilterSet(request.GET, queryset=selectors.objects_for_list(request.user), request=request)


@login_required
@require_GET
def source_list(request):
    """Supervised objects the user may see, filtered, 50 a page, each with its owner today."""
    filterset = _object_filterset(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_owners(list(page.object_list))
    context = {
        "filterset": filterset,
        "page": page,
        "can_manage": can_manage_sources(request.user),
        "status_tones": STATUS_TONES,
    }
    return render(request, "sources/_table.html" if _partial(request) else "sources/list.html", context)


@login_required
@require_GET
def source_export(request):
    """Every visible object the filter selects, as an Excel workbook."""
    return xlsx_response(exports.objects_workbook(_object_filterset(request).qs), "objects.xlsx", stamp=True)


@login_required
@require_GET
def source_map(request):
    return render(
        request,
        "sources/map.html",
        {
            "map_settings": settings.ENVGRID_MAP,
            "families": SourceFamily.objects.filter(active=True),
            "can_manage": can_manage_sources(request.user),
        },
    )


@login_required
@require_GET
def source_map_data(request):
    """Visible objects as GeoJSON (points; roads as lines), coloured by family, flagged when without owner."""
    return JsonResponse(selectors.map_layer(request.user, _object_filterset(request).qs))


@login_required
@require_GET
def source_detail(request, pk: int):
    """The object page: details, owner today and on a chosen day, 分包 history, cases and other apps' cards."""
    obj = get_object_or_404(selectors.objects_for_list(request.user), pk=pk)
    asked = _day(request.GET.get("on"))
    today = timezone.localdate()
    context = {
        "obj": obj,
        "typed": selectors.typed_details(obj),
        "owner": selectors.responsible_on(obj, today),
        "asked": asked,
        "owner_on": selectors.responsible_on(obj, asked) if asked else None,
        "history": selectors.responsibility_history(obj),
        "inherited": selectors.inherited_responsibilities(obj),
        "attachments": list(obj.attachments.all()),
        "panels": object_panels_for(obj, request.user),
        "can_manage": can_manage_sources(request.user),
        "can_edit": can_edit_object(request.user, obj),
        "status_tones": STATUS_TONES,
        "today": today,
        "map_settings": settings.ENVGRID_MAP,
    }
    if _partial(request) and request.GET.get("part") == "owner-on":
        return render(request, "sources/_owner_on.html", context)
    return render(request, "sources/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def source_create(request):
    _require_manager(request.user)
    form = ObjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and (obj := form.perform(request.user)) is not None:
        messages.success(request, _("Object %(obj)s registered.") % {"obj": obj})
        return redirect("source-detail", obj.pk)
    return render(request, "sources/form.html", {"form": form, "obj": None}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def source_edit(request, pk: int):
    obj = get_object_or_404(selectors.objects_for_list(request.user), pk=pk)
    if not can_edit_object(request.user, obj):
        raise PermissionDenied
    form = ObjectForm(request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid() and (saved := form.perform(request.user)) is not None:
        messages.success(request, _("Object %(obj)s saved.") % {"obj": saved})
        return redirect("source-detail", saved.pk)
    return render(request, "sources/form.html", {"form": form, "obj": obj}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def source_assign(request, pk: int):
    """Assign a 分包 owner to one object (full page, or the form alone for htmx)."""
    _require_manager(request.user)
    obj = get_object_or_404(selectors.objects_for_list(request.user), pk=pk)
    form = AssignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = form.perform(request.user, supervised_object=obj)
        except SourcesError as exc:
            form.add_error(None, exc.message)
            done = None
        if done is not None:
            messages.success(
                request,
                _("%(person)s (%(unit)s) now answers for %(obj)s.")
                % {"person": done.person, "unit": done.unit, "obj": obj},
            )
            return redirect("source-detail", obj.pk)
    context = {"form": form, "obj": obj, "action": reverse("source-assign", args=[obj.pk])}
    return render(request, "sources/assign.html", context, status=400 if form.errors else 200)


# --- responsibilities ----------------------------------------------------------------------------


def _responsibility_filterset(request) -> ResponsibilityFilterSet:
    queryset = selectors.responsibilities_for_list(request.user)
    return ResponsibilityFilterSet(request.GET, queryset=queryset, request=request)


@login_required
@require_GET
def responsibility_list(request):
    """分包 records the user may see; ``on`` answers who was responsible on a day."""
    filterset = _responsibility_filterset(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "page": page,
        "can_manage": can_manage_sources(request.user),
        "today": timezone.localdate(),
    }
    template = "sources/_responsibility_table.html" if _partial(request) else "sources/responsibilities.html"
    return render(request, template, context)


@login_required
@require_GET
def responsibility_export(request):
    return xlsx_response(
        exports.responsibilities_workbook(_responsibility_filterset(request).qs), "responsibilities.xlsx", stamp=True
    )


def _responsibility(request, pk: int) -> Responsibility:
    _require_manager(request.user)
    return get_object_or_404(selectors.responsibilities_for_list(request.user), pk=pk)


def _back(responsibility: Responsibility):
    if responsibility.supervised_object_id:
        return redirect("source-detail", responsibility.supervised_object_id)
    return redirect("source-responsibility-list")


@login_required
@require_http_methods(["GET", "POST"])
def responsibility_transfer(request, pk: int):
    """Hand a responsibility to another person or unit from a day (the old one ends the day before)."""
    responsibility = _responsibility(request, pk)
    form = TransferForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            new = form.perform(request.user, responsibility)
        except SourcesError as exc:
            form.add_error(None, exc.message)
            new = None
        if new is not None:
            messages.success(
                request, _("Handed over to %(person)s from %(day)s.") % {"person": new.person, "day": new.valid_from}
            )
            return _back(responsibility)
    context = {"form": form, "responsibility": responsibility, "title": _("Transfer responsibility")}
    return render(request, "sources/responsibility_form.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def responsibility_end(request, pk: int):
    responsibility = _responsibility(request, pk)
    form = EndForm(request.POST or None, initial={"valid_to": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            ended = form.perform(request.user, responsibility)
        except SourcesError as exc:
            form.add_error(None, exc.message)
            ended = None
        if ended is not None:
            messages.success(request, _("Responsibility ends on %(day)s.") % {"day": ended.valid_to})
            return _back(responsibility)
    context = {"form": form, "responsibility": responsibility, "title": _("End responsibility")}
    return render(request, "sources/responsibility_form.html", context, status=400 if form.errors else 200)


# --- coverage ------------------------------------------------------------------------------------


def _coverage_context(request) -> dict:
    user = request.user
    today = timezone.localdate()
    street = request.GET.get("street")
    family = request.GET.get("family")
    uncovered = (
        selectors.uncovered_objects(user, today)
        .select_related("family", "street", "grid")
        .order_by("street__sort_order", "family__sort_order", "code")
    )
    if street and street.isdigit():
        uncovered = uncovered.filter(street_id=int(street))
    if family and family.isdigit():
        uncovered = uncovered.filter(family_id=int(family))
    page = Paginator(uncovered, PAGE_SIZE).get_page(request.GET.get("page"))
    can_manage = can_manage_sources(user)
    return {
        "matrix": selectors.coverage_matrix(user, today),
        "page": page,
        "grids": list(selectors.uncovered_key_grids(user, today)[:200]),
        "key_grid_count": selectors.key_grids(user).count(),
        "can_manage": can_manage,
        "assign_form": AssignForm(auto_id=False) if can_manage else None,
        "today": today,
        "street": street or "",
        "family": family or "",
        "family_area_id": f"{family}:{street}",
    }


@login_required
@require_GET
def coverage(request):
    """What has no owner today (全覆盖、无死角): the table by street and family, the objects and roads
    without an owner and the key grids without one, each with one-click assignment."""
    context = _coverage_context(request)
    if not _partial(request):
        return render(request, "sources/coverage.html", context)
    part = "_coverage_summary" if request.GET.get("part") == "summary" else "_coverage_body"
    return render(request, f"sources/{part}.html", context)


@login_required
@require_GET
def coverage_export(request):
    user, today = request.user, timezone.localdate()
    return xlsx_response(
        exports.coverage_workbook(
            selectors.uncovered_objects(user, today),
            selectors.uncovered_key_grids(user, today),
            selectors.coverage_matrix(user, today),
        ),
        "coverage.xlsx",
        stamp=True,
    )


@login_required
@require_POST
def coverage_assign(request):
    """One-click assignment from the coverage report: an object, a grid, or a family in a street."""
    _require_manager(request.user)
    form = AssignForm(request.POST)
    target = _coverage_target(request)
    ok, message = False, ""
    if target is None:
        message = _("The target is unknown or outside your scope.")
    elif form.is_valid():
        try:
            done = form.perform(request.user, **target)
        except SourcesError as exc:
            message = exc.message
        else:
            ok = done is not None
            message = (
                _("%(person)s (%(unit)s) now answers for %(target)s.")
                % {"person": done.person, "unit": done.unit, "target": done.target}
                if ok
                else "; ".join(str(m) for errors in form.errors.values() for m in errors)
            )
    else:
        message = "; ".join(str(m) for errors in form.errors.values() for m in errors)
    if request.htmx:
        response = render(
            request, "sources/_assign_result.html", {"ok": ok, "message": message}, status=200 if ok else 400
        )
        if ok:
            response["HX-Trigger"] = "coverageChanged"
        return response
    (messages.success if ok else messages.error)(request, message)
    return redirect("source-coverage")


def _coverage_target(request) -> dict | None:
    user = request.user
    kind, value = request.POST.get("target"), request.POST.get("id", "")
    if kind == "object" and value.isdigit():
        obj = selectors.objects_visible_to(user).filter(pk=int(value)).first()
        return {"supervised_object": obj} if obj else None
    if kind == "grid" and value.isdigit():
        grid = Grid.objects.visible_to(user).filter(pk=int(value)).first()
        return {"grid": grid} if grid else None
    if kind == "family_area":
        family_id, _sep, region_id = value.partition(":")
        family = SourceFamily.objects.filter(pk=family_id).first() if family_id.isdigit() else None
        region = Region.objects.visible_to(user).filter(pk=region_id).first() if region_id.isdigit() else None
        return {"family": family, "region": region} if family and region else None
    return None


# --- imports -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request):
    """Upload an objects or responsibilities workbook: a dry run by default, then apply."""
    _require_manager(request.user)
    form = ImportForm(request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_job_create(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                data=upload.read(),
                name=upload.name,
                dry_run=form.cleaned_data["dry_run"],
                keep_good_rows=form.cleaned_data["keep_good_rows"],
            )
        except SourcesError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("source-import-job", job.pk)
    recent = ImportJob.objects.select_related("created_by").order_by("-created_at")[:10]
    return render(request, "sources/import.html", {"form": form, "recent": recent}, status=400 if form.errors else 200)


@login_required
@require_GET
def import_template(request, kind: str):
    """The empty workbook to fill, with an example row and a help sheet."""
    if kind == ImportKind.OBJECTS:
        data = template_workbook(object_import.COLUMNS, title=_("Supervised objects"))
    elif kind == ImportKind.RESPONSIBILITIES:
        data = template_workbook(responsibility_import.COLUMNS, title=_("Responsibilities"))
    else:
        raise Http404
    return xlsx_response(data, f"template-{kind}.xlsx", stamp=True)


@login_required
@require_GET
def import_job(request, pk: int):
    """An import's progress (polled by htmx until it ends), then its outcome: changes and bad rows."""
    _require_manager(request.user)
    job = get_object_or_404(ImportJob.objects.select_related("created_by"), pk=pk)
    context = {"job": job, "errors": job.errors[:500], "changes": job.changes[:200]}
    return render(request, "sources/_import_status.html" if _partial(request) else "sources/import_job.html", context)


@login_required
@require_POST
def import_apply(request, pk: int):
    """Write what a dry run checked."""
    _require_manager(request.user)
    job = get_object_or_404(ImportJob, pk=pk)
    try:
        real = import_job_apply(actor=request.user, job=job)
    except SourcesError as exc:
        messages.error(request, exc.message)
        return redirect("source-import-job", job.pk)
    return redirect("source-import-job", real.pk)
