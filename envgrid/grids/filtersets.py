import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from envgrid.grids.choices import COMMUNITY_LEVELS, STREET_LEVELS, GridKind
from envgrid.grids.models import Grid, Region


class GridFilterSet(django_filters.FilterSet):
    """One filter for the grid list page, its export and the API."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    street = django_filters.ModelChoiceFilter(
        label=_("Street / town"),
        queryset=Region.objects.filter(level__in=STREET_LEVELS),
        empty_label=_("All streets / towns"),
    )
    community = django_filters.ModelChoiceFilter(
        label=_("Community / village"),
        queryset=Region.objects.filter(level__in=COMMUNITY_LEVELS),
        empty_label=_("All communities / villages"),
    )
    kind = django_filters.ChoiceFilter(label=_("Grid type"), choices=GridKind.choices, empty_label=_("All grid types"))

    class Meta:
        model = Grid
        fields = ["q", "street", "community", "kind"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(name__icontains=value)
            | Q(head__display_name__icontains=value)
            | Q(community__name__icontains=value)
        )
