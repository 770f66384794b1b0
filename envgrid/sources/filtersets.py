"""Filters of the object and responsibility lists: one FilterSet backs the page, its htmx table, the
Excel export and the API query parameters."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from envgrid.core.models import Unit
from envgrid.grids.choices import STREET_LEVELS
from envgrid.grids.models import Region
from envgrid.sources.choices import ObjectKind, ObjectStatus, PerformanceGrade, ResponsibilityRole, TargetKind
from envgrid.sources.models import Responsibility, SourceFamily, SupervisedObject
from envgrid.sources.selectors import covered_q


class StyledFilterSet(django_filters.FilterSet):
    @property
    def form(self):
        form = super().form
        if not getattr(form, "styled", False):
            for name, field in form.fields.items():
                css = (
                    "form-select form-select-sm"
                    if isinstance(field.widget, forms.Select)
                    else "form-control form-control-sm"
                )
                field.widget.attrs.update({"class": css, "aria-label": field.label, "data-testid": f"filter-{name}"})
            form.styled = True
        return form


def streets():
    return Region.objects.filter(level__in=STREET_LEVELS).order_by("sort_order", "code")


class SupervisedObjectFilterSet(StyledFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    family = django_filters.ModelChoiceFilter(
        label=_("Source family"), queryset=SourceFamily.objects.filter(active=True), empty_label=_("All families")
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ObjectKind.choices, empty_label=_("All kinds"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ObjectStatus.choices, empty_label=_("All statuses"))
    street = django_filters.ModelChoiceFilter(
        label=_("Street / town"), queryset=streets(), empty_label=_("All streets / towns")
    )
    grade = django_filters.ChoiceFilter(
        label=_("Performance grade"),
        field_name="enterprise__performance_grade",
        choices=PerformanceGrade.choices,
        empty_label=_("All grades"),
    )
    covered = django_filters.BooleanFilter(
        label=_("Owner"),
        method="filter_covered",
        widget=forms.Select(
            choices=[("", _("With or without owner")), ("true", _("With an owner")), ("false", _("Without an owner"))]
        ),
    )

    class Meta:
        model = SupervisedObject
        fields = ["q", "family", "kind", "status", "street", "grid", "grade", "covered"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(name__icontains=value)
            | Q(address__icontains=value)
            | Q(enterprise__credit_code__iexact=value)
        )

    def filter_covered(self, queryset, name, value):
        if value is None:
            return queryset
        covered = covered_q(timezone.localdate())
        return queryset.filter(covered) if value else queryset.exclude(covered)


class ResponsibilityFilterSet(StyledFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    unit = django_filters.ModelChoiceFilter(
        label=_("Unit"), queryset=Unit.objects.filter(is_active=True), empty_label=_("All units")
    )
    target = django_filters.ChoiceFilter(
        label=_("Target"), choices=TargetKind.choices, method="filter_target", empty_label=_("All targets")
    )
    role = django_filters.ChoiceFilter(label=_("Role"), choices=ResponsibilityRole.choices, empty_label=_("All roles"))
    on = django_filters.DateFilter(label=_("In force on"), method="filter_on", widget=forms.DateInput({"type": "date"}))
    current = django_filters.BooleanFilter(
        label=_("Period"),
        method="filter_current",
        widget=forms.Select(choices=[("", _("Current and past")), ("true", _("Current")), ("false", _("Ended"))]),
    )

    class Meta:
        model = Responsibility
        fields = ["q", "unit", "target", "role", "on", "current", "supervised_object", "grid", "family"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(supervised_object__code__icontains=value)
            | Q(supervised_object__name__icontains=value)
            | Q(grid__code__icontains=value)
            | Q(person__display_name__icontains=value)
            | Q(person__username__iexact=value)
        )

    def filter_target(self, queryset, name, value):
        if value == TargetKind.OBJECT:
            return queryset.filter(supervised_object__isnull=False)
        if value == TargetKind.GRID:
            return queryset.filter(grid__isnull=False)
        if value == TargetKind.FAMILY_AREA:
            return queryset.filter(family__isnull=False)
        return queryset

    def filter_on(self, queryset, name, value):
        return queryset.on(value) if value else queryset

    def filter_current(self, queryset, name, value):
        if value is None:
            return queryset
        current = queryset.current()
        return current if value else queryset.exclude(pk__in=current.values("pk"))
