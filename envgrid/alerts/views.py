"""Pages of the alerts app: the alerts list and page, the rule list and the administrators' rule editor."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from envgrid.alerts import selectors, services
from envgrid.alerts.filtersets import AlertFilterSet
from envgrid.alerts.forms import AlertRuleForm
from envgrid.alerts.models import Alert, AlertRule
from envgrid.alerts.panels import render_alert_readings
from envgrid.cases.models import Case
from envgrid.core.errors import DomainError

PAGE_SIZE = 50


@login_required
@require_GET
def alert_list(request):
    """Alerts in the user's scope with filters; the table alone for htmx."""
    filterset = AlertFilterSet(request.GET or None, queryset=selectors.alerts_for(request.user), request=request)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    visible_cases = set(
        Case.objects.visible_to(request.user)
        .filter(pk__in=[a.case_id for a in page if a.case_id])
        .values_list("pk", flat=True)
    )
    context = {"filter": filterset, "page": page, "visible_cases": visible_cases}
    template = "alerts/_table.html" if request.htmx and not request.htmx.boosted else "alerts/list.html"
    return render(request, template, context)


@login_required
@require_GET
def alert_detail(request, pk: int):
    """One alert: its rule, values, case and the readings behind it."""
    try:
        alert = selectors.alert_for_page(request.user, pk)
    except Alert.DoesNotExist:
        raise Http404(_("No such alert, or it is outside your scope.")) from None
    case_visible = bool(alert.case_id and Case.objects.visible_to(request.user).filter(pk=alert.case_id).exists())
    context = {
        "alert": alert,
        "headline": services.alert_headline(alert),
        "readings": render_alert_readings([alert]),
        "case_visible": case_visible,
    }
    return render(request, "alerts/detail.html", context)


@login_required
@require_GET
def rule_list(request):
    """The alert rules: everyone reads them, administrators edit them."""
    context = {"rules": selectors.rules_list(), "can_manage": services.can_manage_rules(request.user)}
    return render(request, "alerts/rules.html", context)


def _rule_form(request, rule: AlertRule | None):
    if not services.can_manage_rules(request.user):
        raise PermissionDenied
    form = AlertRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            if rule is None:
                saved = services.alert_rule_create(actor=request.user, **form.service_fields())
            else:
                saved = services.alert_rule_update(rule=rule, actor=request.user, **form.service_fields())
        except DjangoValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Alert rule “%(name)s” saved.") % {"name": saved.name})
            return redirect("alert-rule-list")
    status = 400 if request.method == "POST" else 200
    return render(request, "alerts/rule_form.html", {"form": form, "rule": rule}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def rule_create(request):
    return _rule_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk: int):
    return _rule_form(request, get_object_or_404(AlertRule, pk=pk))
