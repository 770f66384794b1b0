"""Forms of the monitoring pages: the station filter (shared by the list page and the stations API) and the
readings upload."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from envgrid.grids.choices import STREET_LEVELS
from envgrid.grids.models import Region
from envgrid.monitoring import ingest, selectors
from envgrid.monitoring.choices import StationKind, StationStatus
from envgrid.monitoring.models import Station


class StationFilterSet(django_filters.FilterSet):
    """One filter for the station list, the map and the stations API: text, kind, device status, street."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(
        label=_("Station kind"), choices=StationKind.choices, empty_label=_("All station kinds")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=StationStatus.choices, method="by_status", empty_label=_("All statuses")
    )
    street = django_filters.ModelChoiceFilter(
        label=_("Street / town"),
        field_name="grid__street",
        queryset=Region.objects.none(),
        empty_label=_("All streets and towns"),
    )
    active = django_filters.BooleanFilter(label=_("Active"), field_name="is_active")

    class Meta:
        model = Station
        fields = ["q", "kind", "status", "street", "active"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        user = user or getattr(self.request, "user", None)
        streets = Region.objects.filter(level__in=STREET_LEVELS)
        if user is not None:
            streets = streets.filter(pk__in=Region.objects.visible_to(user).values("pk"))
        self.filters["street"].queryset = streets.order_by("sort_order", "code")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(mn__icontains=value) | Q(name__icontains=value) | Q(grid__name__icontains=value))

    def by_status(self, queryset, name, value):
        return selectors.status_filter(queryset, value)


INTERVAL_CHOICES = [
    ("hour", _("Hourly data (CN 2061)")),
    ("minute", _("Minute data (CN 2051)")),
    ("day", _("Daily data (CN 2031)")),
    ("realtime", _("Real-time data (CN 2011)")),
]


class ReadingsUploadForm(forms.Form):
    """A CSV or Excel file of readings, the interval its rows hold unless a CN column says, and whether to
    keep the good rows when some are refused."""

    file = forms.FileField(
        label=_("File (.csv or .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )
    interval = forms.ChoiceField(
        label=_("Data interval"),
        choices=INTERVAL_CHOICES,
        initial=ingest.DEFAULT_INTERVAL,
        help_text=_("Used for rows without a CN column value."),
    )
    keep_good = forms.BooleanField(
        label=_("Keep the good rows"),
        required=False,
        help_text=_("Store the valid rows and report the others; otherwise nothing is stored when any row is bad."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > ingest.MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB."), params={"mb": ingest.MAX_FILE_BYTES >> 20}
            )
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file (old .xls files: save as .xlsx first)."))
        return upload
