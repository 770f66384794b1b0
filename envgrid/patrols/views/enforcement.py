"""Desk pages for joint enforcement (联合执法): list, file, the case page with its actions (measures,
carried out, publicity, status), and the statistics by family, unit and month (table and Excel)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from envgrid.cases.models import Case
from envgrid.core.errors import DomainError
from envgrid.core.models import AuditEvent
from envgrid.core.spreadsheets import xlsx_response
from envgrid.patrols import exports, selectors, services
from envgrid.patrols.choices import ENFORCEMENT_TONES, ENFORCEMENT_TRANSITIONS, EnforcementStatus
from envgrid.patrols.filtersets import EnforcementFilterSet
from envgrid.patrols.forms import EnforcementForm, MeasureForm, PublicityForm, TransitionForm, parse_period
from envgrid.patrols.models import EnforcementCase, EnforcementMeasure, Inspection
from envgrid.patrols.permissions import can_file_enforcement, can_handle_enforcement
from envgrid.patrols.views.desk import PAGE_SIZE, small_widgets


@login_required
@require_GET
def enforcement_list(request):
    filterset = EnforcementFilterSet(
        request.GET or None, queryset=selectors.enforcement_for_list(request.user), request=request
    )
    small_widgets(filterset.form)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(exports.enforcement_workbook(filterset.qs), "enforcement.xlsx", stamp=True)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "page": page,
        "tones": ENFORCEMENT_TONES,
        "can_file": can_file_enforcement(request.user),
    }
    template = (
        "patrols/_enforcement_table.html"
        if request.htmx and not request.htmx.boosted
        else ("patrols/enforcement_list.html")
    )
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def enforcement_create(request):
    """File an enforcement case; ``?inspection=<id>`` or ``?case=<id>`` links what triggered it."""
    if not can_file_enforcement(request.user):
        raise PermissionDenied
    initial = {}
    if request.method == "GET":
        inspection = (
            Inspection.objects.visible_to(request.user)
            .filter(pk=request.GET.get("inspection") or 0)
            .select_related("supervised_object")
            .first()
        )
        if inspection is not None:
            others = [u.pk for u in inspection.units.all() if u.pk != request.user.unit_id]
            initial.update(
                inspections=[inspection.pk], supervised_object=inspection.supervised_object_id, other_units=others
            )
            finding = inspection.findings.first()
            if finding:
                visible = Case.objects.visible_to(request.user).filter(pk=finding.case_id).exists()
                initial.update(violation=finding.description, cases=[finding.case_id] if visible else [])
    form = EnforcementForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            enforcement = form.perform()
        except DomainError as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error(None, list(exc.messages))
        else:
            messages.success(request, _("Enforcement case %(n)s filed.") % {"n": enforcement.number})
            return redirect("patrols-enforcement-detail", pk=enforcement.pk)
    return render(request, "patrols/enforcement_form.html", {"form": form}, status=400 if form.errors else 200)


def _visible(request, pk: int) -> EnforcementCase:
    try:
        return selectors.enforcement_for_page(request.user, pk)
    except EnforcementCase.DoesNotExist:
        raise Http404(_("No such enforcement case, or it is outside your scope.")) from None


@login_required
@require_GET
def enforcement_detail(request, pk: int):
    enforcement = _visible(request, pk)
    can_handle = can_handle_enforcement(request.user, enforcement)
    labels = {
        "patrols.enforcement_open": _("Filed"),
        "patrols.enforcement_measure": _("Measure recorded."),
        "patrols.enforcement_measure_done": _("Measure marked as carried out."),
        "patrols.enforcement_publicize": _("Publicity recorded."),
        **{f"patrols.enforcement_{s}": EnforcementStatus(s).label for s in EnforcementStatus.values},
    }
    history = AuditEvent.objects.filter(
        content_type__app_label="patrols", content_type__model="enforcementcase", object_id=str(enforcement.pk)
    ).select_related("actor")
    history = [(event, labels.get(event.action, event.action)) for event in history]
    context = {
        "enforcement": enforcement,
        "tones": ENFORCEMENT_TONES,
        "can_handle": can_handle,
        "next_statuses": [
            EnforcementStatus(s)
            for s in EnforcementStatus.values
            if s in ENFORCEMENT_TRANSITIONS.next_statuses(enforcement.status)
        ]
        if can_handle
        else [],
        "measure_form": MeasureForm(),
        "publicity_form": PublicityForm(),
        "history": history,
    }
    return render(request, "patrols/enforcement_detail.html", context)


def _act(request, pk: int, call, done: str):
    """Run one action service on the enforcement case; its refusal becomes a message on the page."""
    enforcement = _visible(request, pk)
    try:
        call(enforcement)
    except DomainError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("patrols-enforcement-detail", pk=pk)


def _form_or_error(form) -> dict:
    if not form.is_valid():
        raise ValidationError(
            [
                f"{form.fields[f].label}: {' '.join(e)}" if f in form.fields else " ".join(e)
                for f, e in form.errors.items()
            ]
        )
    return form.cleaned_data


@login_required
@require_POST
def enforcement_transition(request, pk: int):
    def call(enforcement):
        d = _form_or_error(TransitionForm(request.POST))
        services.enforcement_transition(
            enforcement=enforcement, actor=request.user, to=d["to"], note=d["note"], expected_version=d.get("version")
        )

    return _act(request, pk, call, _("Status changed."))


@login_required
@require_POST
def enforcement_measure(request, pk: int):
    def call(enforcement):
        d = _form_or_error(MeasureForm(request.POST))
        services.enforcement_add_measure(
            enforcement=enforcement,
            actor=request.user,
            kind=d["kind"],
            fine_amount=d.get("fine_amount"),
            deadline=d.get("deadline"),
            note=d.get("note", ""),
        )

    return _act(request, pk, call, _("Measure recorded."))


@login_required
@require_POST
def enforcement_measure_done(request, pk: int, measure_pk: int):
    def call(enforcement):
        measure = get_object_or_404(EnforcementMeasure, pk=measure_pk, enforcement=enforcement)
        services.enforcement_complete_measure(measure=measure, actor=request.user)

    return _act(request, pk, call, _("Measure marked as carried out."))


@login_required
@require_POST
def enforcement_publicity(request, pk: int):
    def call(enforcement):
        d = _form_or_error(PublicityForm(request.POST))
        services.enforcement_publicize(
            enforcement=enforcement,
            actor=request.user,
            channel=d["channel"],
            published_on=d["published_on"],
            outlet=d["outlet"],
            link=d["link"],
        )

    return _act(request, pk, call, _("Publicity recorded."))


@login_required
@require_GET
def enforcement_stats(request):
    """Statistics by family, unit and month over a period (default: this year); Excel with ?export=xlsx."""
    from django.utils import timezone

    today = timezone.localdate()
    params = request.GET.copy()
    params.setdefault("from", today.replace(month=1, day=1).isoformat())
    try:
        first, last = parse_period(params)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        first, last = today.replace(month=1, day=1), today
    stats = selectors.enforcement_stats(request.user, first, last)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(exports.stats_workbook(stats), "enforcement-stats.xlsx", stamp=True)
    return render(request, "patrols/enforcement_stats.html", {"stats": stats, "measures": exports.measure_labels()})
