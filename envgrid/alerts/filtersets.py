"""One filter for the alerts page, its htmx table and the API's query parameters."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from envgrid.alerts.choices import AlertKind, AlertState, Factor
from envgrid.alerts.models import Alert, AlertRule

DATE_INPUT = forms.DateInput({"type": "date"})


class AlertFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Station"), method="search")
    state = django_filters.ChoiceFilter(label=_("State"), choices=AlertState.choices, empty_label=_("Open and cleared"))
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), field_name="rule__kind", choices=AlertKind.choices, empty_label=_("All kinds")
    )
    rule = django_filters.ModelChoiceFilter(
        label=_("Rule"), queryset=AlertRule.objects.order_by("name"), empty_label=_("All rules")
    )
    factor = django_filters.ChoiceFilter(
        label=_("Factor"), field_name="rule__factor", choices=Factor.choices, empty_label=_("All factors")
    )
    station = django_filters.NumberFilter(label=_("Station id"), field_name="station_id", widget=forms.HiddenInput)
    since = django_filters.DateFilter(
        label=_("Began on or after"), field_name="started_at", lookup_expr="date__gte", widget=DATE_INPUT
    )
    until = django_filters.DateFilter(
        label=_("Began on or before"), field_name="started_at", lookup_expr="date__lte", widget=DATE_INPUT
    )
    has_case = django_filters.BooleanFilter(
        label=_("Has a case"), field_name="case", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Alert
        fields = ["q", "state", "kind", "rule", "factor", "station", "since", "until", "has_case"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(station__name__icontains=value) | Q(station__mn__icontains=value))


class AlertRuleFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=AlertKind.choices)
    factor = django_filters.ChoiceFilter(label=_("Factor"), choices=Factor.choices)
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = AlertRule
        fields = ["kind", "factor", "is_active"]
