from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from envgrid.core.errors import DomainError
from envgrid.directives import selectors, services
from envgrid.directives.choices import DirectiveStatus, TargetStatus
from envgrid.directives.forms import DirectiveFeedbackForm, DirectiveIssueForm
from envgrid.directives.models import Directive, DirectiveAttachment, can_manage_directives

PAGE_SIZE = 50


def _visible(request, pk: int) -> Directive:
    try:
        return selectors.directive_for_page(request.user, pk)
    except Directive.DoesNotExist:
        raise Http404(_("No such directive, or it is outside your scope.")) from None


@login_required
@require_GET
def directive_list(request):
    """Directives by tab (mine to handle, issued by me, all I may see) with counts; the table alone for htmx."""
    tabs = selectors.tabs_for(request.user)
    tab = request.GET.get("tab") if request.GET.get("tab") in tabs else tabs[0]
    queryset = selectors.directives_in_tab(request.user, tab)
    status = request.GET.get("status", "")
    if status in DirectiveStatus.values:
        queryset = queryset.filter(status=status)
    if q := request.GET.get("q", "").strip():
        queryset = queryset.filter(Q(title__icontains=q) | Q(number__icontains=q))
    page = Paginator(selectors.with_list_columns(queryset, request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    if not request.user.is_district_wide:
        for directive in page:
            directive.row_state = selectors.own_row_state(directive)
    counts = selectors.tab_counts(request.user, tabs)
    labels = {"todo": _("Mine to handle"), "issued": _("Issued by me"), "all": _("All")}
    context = {
        "page": page,
        "tab": tab,
        "tabs": [{"key": t, "label": labels[t], "count": counts[t]} for t in tabs],
        "status": status,
        "q": q,
        "can_issue": can_manage_directives(request.user),
        "district_wide": request.user.is_district_wide,
        "statuses": DirectiveStatus.choices,
    }
    template = "directives/_table.html" if request.htmx and not request.htmx.boosted else "directives/list.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def directive_create(request):
    """The issue form (下发指令): units or unit groups, deadline in hours or as a time, repetition, files."""
    if not can_manage_directives(request.user):
        raise PermissionDenied
    form = DirectiveIssueForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            directive = services.directive_issue(actor=request.user, **form.service_arguments())
        except DomainError as exc:
            form.add_error(None, exc.message)
        except DjangoValidationError as exc:
            form.add_error(None, exc)
        else:
            count = directive.targets.count()
            messages.success(
                request,
                ngettext(
                    "Directive %(number)s issued to %(count)d unit.",
                    "Directive %(number)s issued to %(count)d units.",
                    count,
                )
                % {"number": directive.number, "count": count},
            )
            return redirect("directive-detail", pk=directive.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "directives/form.html", {"form": form}, status=status)


def _page_context(request, directive: Directive, feedback_form=None) -> dict:
    matrix = selectors.directive_matrix(directive, request.user)
    own = matrix.own
    can_act = bool(directive.is_open and own is not None and own.can_act(request.user))
    if can_act and own.status != TargetStatus.FED_BACK and feedback_form is None:
        feedback_form = DirectiveFeedbackForm(directive=directive)
    return {
        "directive": directive,
        "matrix": matrix,
        "own": own,
        "can_act": can_act,
        "can_manage": directive.is_open and directive.can_manage(request.user),
        "feedback_form": feedback_form,
        "attachments": list(directive.attachments.filter(target__isnull=True)),
        "timeline": selectors.directive_timeline(directive, request.user),
    }


@login_required
@require_GET
def directive_detail(request, pk: int):
    """The directive page; for htmx polling only the live matrix (units × status)."""
    directive = _visible(request, pk)
    if request.htmx:
        context = {
            "directive": directive,
            "matrix": selectors.directive_matrix(directive, request.user),
            "can_manage": directive.is_open and directive.can_manage(request.user),
        }
        return render(request, "directives/_matrix.html", context)
    return render(request, "directives/detail.html", _page_context(request, directive))


def _act(request, pk: int, call, done: str):
    """Run one action service; its refusal (with its code) becomes a message on the directive page."""
    directive = _visible(request, pk)
    try:
        call(directive)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("directive-detail", pk=directive.pk)


@login_required
@require_POST
def directive_sign(request, pk: int):
    return _act(
        request, pk, lambda d: services.directive_sign(directive=d, actor=request.user), _("Signed for your unit.")
    )


@login_required
@require_POST
def directive_feedback(request, pk: int):
    directive = _visible(request, pk)
    form = DirectiveFeedbackForm(request.POST, request.FILES, directive=directive)
    if form.is_valid():
        try:
            services.directive_feedback(
                directive=directive,
                actor=request.user,
                text=form.cleaned_data["text"],
                figures=form.figures(),
                files=form.cleaned_data["photos"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Feedback sent."))
            return redirect("directive-detail", pk=directive.pk)
    return render(request, "directives/detail.html", _page_context(request, directive, form), status=400)


@login_required
@require_POST
def directive_urge(request, pk: int):
    """Urge (催办) every unit that has not fed back, in one click."""
    directive = _visible(request, pk)
    try:
        urged = services.directive_urge(directive=directive, actor=request.user, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        count = len(urged)
        messages.success(request, ngettext("%(count)d unit urged.", "%(count)d units urged.", count) % {"count": count})
    return redirect("directive-detail", pk=directive.pk)


@login_required
@require_POST
def directive_close(request, pk: int):
    return _act(
        request,
        pk,
        lambda d: services.directive_close(
            directive=d,
            actor=request.user,
            note=request.POST.get("note", ""),
            stop_recurrence=request.POST.get("stop_recurrence") == "on",
        ),
        _("Directive closed; units without feedback are recorded late."),
    )


@login_required
@require_GET
def directive_attachment(request, pk: int):
    """Download a file of a directive or of a unit's feedback, within the user's scope."""
    attachment = get_object_or_404(DirectiveAttachment.objects.select_related("target"), pk=pk)
    if not selectors.attachment_visible(attachment, request.user):
        raise Http404
    return FileResponse(
        attachment.file.open("rb"), filename=attachment.original_name, as_attachment=not attachment.is_image
    )


@login_required
@require_GET
def directive_attachment_thumbnail(request, pk: int):
    attachment = get_object_or_404(DirectiveAttachment.objects.select_related("target"), pk=pk, is_image=True)
    if not selectors.attachment_visible(attachment, request.user) or not attachment.thumbnail:
        raise Http404
    return FileResponse(attachment.thumbnail.open("rb"), content_type="image/jpeg")
