"""The administrator's alert-rule editor."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from envgrid.alerts.models import AlertRule
from envgrid.alerts.services import RULE_FIELDS
from envgrid.cases.models import CaseCategory
from envgrid.core.models import Unit
from envgrid.grids.models import Region
from envgrid.monitoring.choices import StationKind


class AlertRuleForm(forms.ModelForm):
    """Every setting of a rule; the form only collects values, ``alert_rule_create/update`` checks and saves."""

    station_kinds = forms.MultipleChoiceField(
        label=_("Station kinds"),
        choices=StationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every kind of station."),
    )

    class Meta:
        model = AlertRule
        fields = list(RULE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = CaseCategory.objects.filter(is_active=True).order_by("sort_order", "code")
        self.fields["lead_unit"].queryset = Unit.objects.filter(is_active=True).order_by("sort_order", "name")
        self.fields["region"].queryset = Region.objects.exclude(level="district").order_by("sort_order", "code")
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
                continue
            widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")
            widget.attrs["data-field"] = name

    def _post_clean(self):
        """Model validation is the service's job (so the API and this form give the same messages)."""

    def service_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in RULE_FIELDS}
