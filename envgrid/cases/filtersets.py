import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from envgrid.cases import selectors
from envgrid.cases.choices import CaseStatus, Channel, Severity
from envgrid.cases.models import Case, CaseCategory
from envgrid.core.models import Unit
from envgrid.grids.choices import STREET_LEVELS
from envgrid.grids.models import Grid, Region


class CategoryTreeField(forms.ModelChoiceField):
    """Categories indented under their family."""

    def label_from_instance(self, obj):
        return f"\u3000{obj.name}" if obj.parent_id else obj.name


class CategoryTreeFilter(django_filters.ModelChoiceFilter):
    field_class = CategoryTreeField


DATE_INPUT = forms.DateInput({"type": "date"})


def visible_grids(request):
    if request is None:
        return Grid.objects.none()
    return Grid.objects.visible_to(request.user).only("id", "code", "name").order_by("code")


def queue_choices():
    return [(q.key, q.label) for q in selectors.QUEUES.values()]


class CaseFilterSet(django_filters.FilterSet):
    """One filter for the work queues, their htmx table, the Excel export (and the bulk forms).
    ``queue`` picks a work queue; the others narrow it down."""

    queue = django_filters.ChoiceFilter(label=_("Queue"), choices=queue_choices, method="filter_queue")
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CaseStatus.choices, empty_label=_("All statuses"))
    category = CategoryTreeFilter(
        label=_("Category"),
        queryset=CaseCategory.objects.order_by("sort_order", "code"),
        method="filter_category",
        empty_label=_("All categories"),
    )
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices, empty_label=_("All channels"))
    severity = django_filters.ChoiceFilter(
        label=_("Severity"), choices=Severity.choices, empty_label=_("All severities")
    )
    street = django_filters.ModelChoiceFilter(
        label=_("Street / town"),
        queryset=Region.objects.filter(level__in=STREET_LEVELS).order_by("sort_order", "code"),
        empty_label=_("All streets / towns"),
    )
    grid = django_filters.ModelChoiceFilter(label=_("Grid"), queryset=visible_grids, empty_label=_("All grids"))
    lead_unit = django_filters.ModelChoiceFilter(
        label=_("Lead unit"), queryset=Unit.objects.filter(is_active=True), empty_label=_("All units")
    )
    created_from = django_filters.DateFilter(
        label=_("Reported from"),
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput({"type": "date"}),
    )
    created_to = django_filters.DateFilter(
        label=_("Reported until"),
        field_name="created_at",
        lookup_expr="date__lte",
        widget=forms.DateInput({"type": "date"}),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue"),
        method="filter_overdue",
        widget=forms.Select(choices=[("", _("Overdue or not")), ("true", _("Overdue")), ("false", _("Not overdue"))]),
    )

    class Meta:
        model = Case
        fields = ["queue", "q", "status", "category", "channel", "severity", "street", "grid", "lead_unit"]

    @property
    def form(self):
        form = super().form
        if not getattr(form, "styled", False):
            for name, field in form.fields.items():
                if isinstance(field.widget, forms.Select):
                    field.widget.attrs.update({"class": "form-select form-select-sm", "aria-label": field.label})
                    field.widget.attrs["data-testid"] = f"filter-{name}"
            form.styled = True
        return form

    def only_queue(self) -> bool:
        """True when the valid form narrows nothing beyond the work queue: the list is exactly the queue,
        so its tab count is its length."""
        if not self.is_valid():
            return False
        return not any(v not in (None, "") for k, v in self.form.cleaned_data.items() if k != "queue")

    def filter_queue(self, queryset, name, value):
        filters = selectors.queue_filters(self.request.user)
        return queryset.filter(filters[value]) if value in filters else queryset

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(title__icontains=value) | Q(address__icontains=value))

    def filter_category(self, queryset, name, value):
        return queryset.filter(category_id__in=selectors.category_descendant_ids(value))

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = selectors.overdue_q(timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
