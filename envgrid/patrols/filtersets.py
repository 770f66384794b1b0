"""One filter per list, shared by the page (and its htmx table), the API query parameters and the export."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from envgrid.core.models import Unit
from envgrid.grids.choices import STREET_LEVELS
from envgrid.grids.models import Region
from envgrid.patrols.choices import EnforcementStatus, InspectionKind, MeasureKind, PlanStatus
from envgrid.patrols.models import EnforcementCase, Inspection, InspectionPlan
from envgrid.sources.models import SourceFamily

DATE_INPUT = forms.DateInput({"type": "date"}, format="%Y-%m-%d")


def _units(request):
    return Unit.objects.filter(is_active=True).order_by("sort_order", "name")


def _streets(request):
    return Region.objects.filter(level__in=STREET_LEVELS).order_by("sort_order", "code")


def _unit_filter() -> django_filters.ModelChoiceFilter:
    """The unit filter of every list here: a unit's id (the unit may take part as lead or co-unit)."""
    return extend_schema_field(OpenApiTypes.INT)(
        django_filters.ModelChoiceFilter(
            label=_("Unit"), queryset=_units, method="filter_unit", empty_label=_("All units")
        )
    )


def _by_unit(queryset, name, value):
    if not value:
        return queryset
    return queryset.filter(pk__in=queryset.model.units.through.objects.filter(unit=value).values(name))


class InspectionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=InspectionKind.choices, empty_label=_("All kinds"))
    unit = _unit_filter()
    street = django_filters.ModelChoiceFilter(label=_("Street / town"), queryset=_streets, empty_label=_("All streets"))
    supervised_object = django_filters.NumberFilter(label=_("Object id"))
    plan = django_filters.NumberFilter(label=_("Plan id"))
    has_findings = django_filters.BooleanFilter(label=_("Problems found"))
    started_from = django_filters.DateFilter(
        label=_("From"), field_name="started_at", lookup_expr="date__gte", widget=DATE_INPUT
    )
    started_to = django_filters.DateFilter(
        label=_("To"), field_name="started_at", lookup_expr="date__lte", widget=DATE_INPUT
    )

    class Meta:
        model = Inspection
        fields = ["q", "kind", "unit", "street", "supervised_object", "plan", "has_findings"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(supervised_object__name__icontains=value)
            | Q(supervised_object__code__icontains=value)
            | Q(grid__name__icontains=value)
        )

    def filter_unit(self, queryset, name, value):
        return _by_unit(queryset, "inspection_id", value)


class PlanFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=InspectionKind.choices, empty_label=_("All kinds"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=PlanStatus.choices, empty_label=_("Any status"))
    unit = _unit_filter()
    running_on = django_filters.DateFilter(label=_("Running on"), method="filter_running", widget=DATE_INPUT)

    class Meta:
        model = InspectionPlan
        fields = ["kind", "status", "unit"]

    def filter_unit(self, queryset, name, value):
        return _by_unit(queryset, "inspectionplan_id", value)

    def filter_running(self, queryset, name, value):
        return queryset.filter(starts_on__lte=value, ends_on__gte=value) if value else queryset


class EnforcementFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=EnforcementStatus.choices, empty_label=_("Any status")
    )
    family = django_filters.ModelChoiceFilter(
        label=_("Source family"), queryset=SourceFamily.objects.all(), empty_label=_("All families")
    )
    unit = _unit_filter()
    measure = django_filters.ChoiceFilter(
        label=_("Measure"), choices=MeasureKind.choices, method="filter_measure", empty_label=_("Any measure")
    )
    publicized = django_filters.BooleanFilter(label=_("Publicized"), method="filter_publicized")
    supervised_object = django_filters.NumberFilter(label=_("Object id"))
    filed_from = django_filters.DateFilter(
        label=_("Filed from"), field_name="filed_on", lookup_expr="gte", widget=DATE_INPUT
    )
    filed_to = django_filters.DateFilter(
        label=_("Filed to"), field_name="filed_on", lookup_expr="lte", widget=DATE_INPUT
    )

    class Meta:
        model = EnforcementCase
        fields = ["q", "status", "family", "unit", "measure", "publicized", "supervised_object"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(title__icontains=value)
            | Q(party__icontains=value)
            | Q(supervised_object__name__icontains=value)
        )

    def filter_unit(self, queryset, name, value):
        return _by_unit(queryset, "enforcementcase_id", value)

    def filter_measure(self, queryset, name, value):
        return queryset.filter(measures__kind=value).distinct() if value else queryset

    def filter_publicized(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(publicity__isnull=not value).distinct()
