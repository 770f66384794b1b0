"""The closed loop on the web: work queues, the case page with its actions (htmx), bulk accept and
dispatch, the Excel export, evidence files behind a scope check, the desk report form and the phone
pages for grid members. Every write goes through a form whose ``perform()`` calls a service."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from envgrid.cases import exports, selectors, services
from envgrid.cases.choices import CaseAction, CaseStatus
from envgrid.cases.errors import CaseConflict, CaseError
from envgrid.cases.filtersets import CaseFilterSet
from envgrid.cases.forms import ACTION_FORMS, CaseReportForm, PhoneReportForm, VerifyFailForm, VerifyPassForm
from envgrid.cases.models import Case, CaseAttachment
from envgrid.cases.routing import possible_duplicates
from envgrid.cases.transitions import is_dispatcher
from envgrid.core.errors import EvidenceError
from envgrid.core.hooks import case_panels_for
from envgrid.core.http import next_url
from envgrid.core.spreadsheets import xlsx_response

PAGE_SIZE = 50
PHONE_PAGE_SIZE = 20

#: Button style per action on the case page.
ACTION_STYLES = {
    CaseAction.ACCEPT: "success",
    CaseAction.REJECT: "outline-danger",
    CaseAction.DISPATCH: "primary",
    CaseAction.SIGN: "primary",
    CaseAction.START: "warning",
    CaseAction.FEEDBACK: "success",
    CaseAction.VERIFY_PASS: "success",
    CaseAction.VERIFY_FAIL: "danger",
    CaseAction.RETURN: "outline-danger",
    CaseAction.REASSIGN: "outline-primary",
    CaseAction.HOLD: "outline-secondary",
    CaseAction.RESUME: "primary",
    CaseAction.EXTEND_REQUEST: "outline-warning",
    CaseAction.EXTEND_APPROVE: "success",
    CaseAction.EXTEND_REFUSE: "outline-danger",
    CaseAction.COMMENT: "outline-secondary",
    CaseAction.URGE: "outline-warning",
    "co_sign": "primary",
    "co_feedback": "success",
}


def _error_messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


# --- queues and export ---------------------------------------------------------------------------


def _filterset(request) -> CaseFilterSet:
    """The queue's filter over the user's visible cases; without ``queue`` the role's first queue."""
    params = request.GET.copy() if request.GET else QueryDict(mutable=True)
    if "queue" not in params:
        params["queue"] = selectors.queue_keys(request.user)[0]
    return CaseFilterSet(params, queryset=selectors.cases_for_list(request.user), request=request)


@login_required
@require_GET
def case_queue(request):
    """A role's work queues as tabs with counts; filters; 50 cases a page; htmx gets the table alone."""
    filterset = _filterset(request)
    keys = selectors.queue_keys(request.user)
    filterset.is_valid()  # validates the form, so cleaned_data holds the valid filters
    queue = filterset.form.cleaned_data.get("queue") or keys[0]
    table_only = request.htmx and not request.htmx.boosted
    counts = selectors.queue_counts(request.user, [queue] if table_only else keys)
    paginator = Paginator(filterset.qs, PAGE_SIZE)
    if filterset.only_queue():
        paginator.count = counts[queue]  # the tab's count is the list's length: no second COUNT over it
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = selectors.decorate(list(page.object_list))
    context = {
        "filterset": filterset,
        "page": page,
        "queue": queue,
        "can_bulk": is_dispatcher(request.user, None),
        "can_report": not request.user.is_read_only,
    }
    if table_only:
        return render(request, "cases/_table.html", context)
    context["tabs"] = [(selectors.QUEUES[k], counts[k]) for k in keys]
    return render(request, "cases/queue.html", context)


@login_required
@require_GET
def case_export(request):
    """Download every visible case the filter selects (all pages) as an Excel workbook."""
    filterset = _filterset(request)
    data = exports.cases_workbook(filterset.qs, decorate=selectors.decorate)
    return xlsx_response(data, "cases.xlsx", stamp=True)


def _bulk_pairs(values: list[str]) -> list[tuple[int, int | None]]:
    """Checkbox values ``"<pk>:<version>"``: the version the queue showed, so stale rows get a conflict."""
    pairs = []
    for value in values:
        pk, _sep, version = value.partition(":")
        if pk.isdigit():
            pairs.append((int(pk), int(version) if version.isdigit() else None))
    return pairs


@login_required
@require_POST
def case_bulk(request):
    """Accept, or dispatch by the routing table, the checked cases one by one; report each outcome."""
    action = request.POST.get("action")
    if action not in (CaseAction.ACCEPT, CaseAction.DISPATCH):
        return HttpResponseBadRequest(_("Unknown bulk action."))
    if not is_dispatcher(request.user, None):
        raise PermissionDenied
    pairs = _bulk_pairs(request.POST.getlist("ids"))
    found = Case.objects.visible_to(request.user).in_bulk([pk for pk, _v in pairs])
    service = services.case_accept if action == CaseAction.ACCEPT else services.case_dispatch
    done, failed = [], []
    for pk, version in pairs:
        case = found.get(pk)
        if case is None:
            failed.append((pk, _("No such case, or it is outside your scope.")))
            continue
        try:
            service(case=case, actor=request.user, expected_version=version)
        except CaseError as exc:
            failed.append((case.number, exc.message))
        except ValidationError as exc:
            failed.append((case.number, " ".join(_error_messages(exc))))
        else:
            done.append(case.number)
    context = {"action_label": CaseAction(action).label, "done": done, "failed": failed}
    if request.htmx:
        response = render(request, "cases/_bulk_result.html", context)
        response["HX-Trigger"] = "casesChanged"
        return response
    if done:
        messages.success(
            request, _("%(action)s: %(n)d cases done.") % {"action": context["action_label"], "n": len(done)}
        )
    for number, message in failed:
        messages.error(request, f"{number}: {message}")
    return redirect(next_url(request, reverse("case-queue")))


# --- the case page -------------------------------------------------------------------------------


def _panel_context(request, pk: int, *, flash: str = "") -> dict:
    case = selectors.case_for_page(request.user, pk)
    user = request.user
    actions = selectors.user_actions(case, user)
    show_duplicates = is_dispatcher(user, case) and case.status in (CaseStatus.REPORTED, CaseStatus.ACCEPTED)
    duplicates = []
    if show_duplicates:
        found = possible_duplicates(case)
        selectors.decorate([other for other, _distance in found])
        duplicates = [(other, round(distance)) for other, distance in found]
    return {
        "case": case,
        "category_path": selectors.category_path(case.category),
        "assignments": [a for a in case.assignments.all() if a.status != "cancelled"],
        "pending_extension": selectors.pending_extension(case),
        "actions": [
            (a, ACTION_FORMS[a].action_label(), ACTION_STYLES.get(a, "secondary")) for a in actions if a in ACTION_FORMS
        ],
        "attachments": selectors.photo_evidence(case),
        "events": list(case.events.all()),
        "map": selectors.case_map(case),
        "map_settings": settings.ENVGRID_MAP,
        "duplicates": duplicates,
        "show_duplicates": show_duplicates,
        "flash": flash,
        "extra_panels": case_panels_for(case, user),
    }


@login_required
@require_GET
def case_detail(request, pk: int):
    """The case page: header, description, map, photos, timeline, duplicates and the user's actions."""
    context = _panel_context(request, pk)
    template = "cases/_panel.html" if request.htmx and not request.htmx.boosted else "cases/detail.html"
    return render(request, template, context)


def _action_form_response(request, case, form, *, status: int = 200):
    context = {"case": case, "form": form, "action": form.action, "standalone": not request.htmx}
    if not request.htmx:
        return render(request, "cases/action.html", context, status=status)
    response = render(request, "cases/_action_form.html", context, status=status)
    if status != 200:
        response["HX-Retarget"] = "#case-action-form"
        response["HX-Reswap"] = "innerHTML"
    return response


def _conflict_response(request, case, exc: CaseConflict):
    context = {"case": case, "message": exc.message, "standalone": not request.htmx}
    response = render(request, "cases/_conflict.html" if request.htmx else "cases/conflict.html", context, status=409)
    if request.htmx:
        response["HX-Retarget"] = "#case-action-form"
        response["HX-Reswap"] = "innerHTML"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def case_action(request, pk: int, action: str):
    """GET: the action's small form. POST: take the action through its service; the whole case
    panel comes back on success, the form with the message on a refusal (400/403), a conflict
    notice on a stale page (409). Outside the user's scope the case does not exist (404)."""
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404
    case = selectors.visible_case(request.user, pk)
    if request.method == "GET":
        if action not in selectors.user_actions(case, request.user):
            raise PermissionDenied
        initial = (
            {"reason": "duplicate", "duplicate_of": request.GET["duplicate_of"]}
            if "duplicate_of" in request.GET
            else {}
        )
        return _action_form_response(request, case, form_class(case=case, user=request.user, initial=initial))
    form = form_class(request.POST, request.FILES, case=case, user=request.user)
    if not form.is_valid():
        return _action_form_response(request, case, form, status=400)
    try:
        form.perform()
    except CaseConflict as exc:
        return _conflict_response(request, case, exc)
    except (CaseError, EvidenceError) as exc:
        form.add_error(None, exc.message)
        return _action_form_response(request, case, form, status=exc.http_status)
    except ValidationError as exc:
        form.add_error(None, _error_messages(exc))
        return _action_form_response(request, case, form, status=400)
    flash = _("Done: %(action)s.") % {"action": form.label}
    if request.htmx:
        return render(request, "cases/_panel.html", _panel_context(request, pk, flash=flash))
    messages.success(request, flash)
    return redirect("case-detail", pk=pk)


@login_required
@require_GET
def case_attachment(request, pk: int, thumb: bool = False):
    """Serve an evidence file (or its thumbnail) only to someone who may see its case."""
    visible = Case.objects.visible_to(request.user).values("pk")
    attachment = get_object_or_404(CaseAttachment.objects.filter(case_id__in=visible), pk=pk)
    use_thumb = thumb and bool(attachment.thumbnail)
    stored = attachment.thumbnail if use_thumb else attachment.file
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("The file is missing from storage.")) from None
    response = FileResponse(
        handle,
        content_type="image/jpeg" if use_thumb else attachment.content_type,
        as_attachment=not attachment.is_image,
        filename=attachment.original_name,
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- reporting -----------------------------------------------------------------------------------


def _report(request, form) -> Case | None:
    """Run a valid report form; on a refusal put the message on the form and return None."""
    if not form.is_valid():
        return None
    try:
        return form.perform()
    except (CaseError, EvidenceError) as exc:
        form.add_error(None, exc.message)
    except ValidationError as exc:
        form.add_error(None, _error_messages(exc))
    return None


@login_required
@require_http_methods(["GET", "POST"])
def case_report_desk(request):
    """上报 at the desk: a hotline call or an inspection finding, with the point picked on a map."""
    if request.user.is_read_only:
        raise PermissionDenied
    form = CaseReportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        case = _report(request, form)
        if case is not None:
            messages.success(request, _("Case %(number)s reported.") % {"number": case.number})
            return redirect("case-detail", pk=case.pk)
    context = {"form": form, "map_settings": settings.ENVGRID_MAP}
    return render(request, "cases/report.html", context, status=400 if form.errors else 200)


# --- phone pages ---------------------------------------------------------------------------------


@login_required
@require_GET
def phone_home(request):
    """The phone start page: report a problem, my reports, my verification tasks, with counts."""
    user = request.user
    verifies = user.role in selectors.GRID_ROLES or is_dispatcher(user, None)
    counts = selectors.queue_counts(user, ["mine", "to_verify"] if verifies else ["mine"])
    recent = [selectors.summarise_timeline(c) for c in selectors.decorate(list(selectors.my_reports(user)[:3]))]
    context = {"counts": counts, "verifies": verifies, "recent": recent, "can_report": not user.is_read_only}
    return render(request, "cases/phone/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def phone_report(request):
    """上报 on the phone: camera photos, GPS (or a point picked on the map), the grid looked up."""
    if request.user.is_read_only:
        raise PermissionDenied
    form = PhoneReportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        case = _report(request, form)
        if case is not None:
            messages.success(request, _("Reported as case %(number)s.") % {"number": case.number})
            return redirect("phone-case", pk=case.pk)
    context = {"form": form, "map_settings": settings.ENVGRID_MAP}
    return render(request, "cases/phone/report.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def phone_my_reports(request):
    page = Paginator(selectors.my_reports(request.user), PHONE_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = [selectors.summarise_timeline(c) for c in selectors.decorate(list(page.object_list))]
    return render(request, "cases/phone/my_reports.html", {"page": page})


@login_required
@require_GET
def phone_case(request, pk: int):
    """A case on the phone: status, photos and the timeline; the verify form when it is the user's task."""
    context = _panel_context(request, pk)
    context["can_verify"] = CaseAction.VERIFY_PASS in selectors.user_actions(context["case"], request.user)
    return render(request, "cases/phone/case.html", context)


@login_required
@require_GET
def phone_verify(request):
    """My verification tasks (待核查): fed-back cases in my grids, each with a pass/fail form."""
    return render(request, "cases/phone/verify.html", {"tasks": selectors.verification_tasks(request.user)})


@login_required
@require_POST
def phone_verify_case(request, pk: int):
    """Pass or fail one verification from the phone; back to the task list with the outcome."""
    case = selectors.visible_case(request.user, pk)
    form_class = VerifyPassForm if request.POST.get("result") == "pass" else VerifyFailForm
    form = form_class(request.POST, request.FILES, case=case, user=request.user)
    status, error, conflict = 400, "", False
    if form.is_valid():
        try:
            form.perform()
        except CaseConflict as exc:
            status, error, conflict = 409, exc.message, True
        except (CaseError, EvidenceError) as exc:
            status, error = exc.http_status, exc.message
        except ValidationError as exc:
            error = " ".join(_error_messages(exc))
        else:
            done = _("Case %(number)s: %(result)s.") % {"number": case.number, "result": form.label}
            messages.success(request, done)
            return redirect("phone-verify")
    else:
        error = " ".join(str(m) for errors in form.errors.values() for m in errors)
    context = {
        "tasks": selectors.verification_tasks(request.user),
        "error_case": case.pk,
        "error": error,
        "conflict": conflict,
        "posted": form.data,
    }
    return render(request, "cases/phone/verify.html", context, status=status)
