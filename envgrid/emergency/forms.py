"""Web input of the emergency app: one small form per action, each feeding its service."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from envgrid.cases.forms import LocalDateTimeInput, MultipleFileField, style_widgets
from envgrid.core.models import User
from envgrid.emergency.choices import CheckStatus, DutyPost, WarningLevel
from envgrid.emergency.models import DutyShift


class _Styled(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class WarningRecordForm(_Styled):
    document_number = forms.CharField(
        label=_("Document number"),
        max_length=80,
        widget=forms.TextInput(attrs={"placeholder": "鹿高攻坚办〔2026〕12号"}),
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    level = forms.ChoiceField(label=_("Level"), choices=WarningLevel.choices, initial=WarningLevel.ORANGE)
    region = forms.ModelChoiceField(
        label=pgettext_lazy("warning area", "Area"), queryset=None, required=False, empty_label=_("Whole district")
    )
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=LocalDateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=LocalDateTimeInput())
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    activate = forms.BooleanField(label=_("Activate now"), required=False)

    def __init__(self, *args, **kwargs):
        from envgrid.grids.choices import STREET_LEVELS, RegionLevel
        from envgrid.grids.models import Region

        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.filter(
            level__in=[RegionLevel.DISTRICT, *STREET_LEVELS]
        ).order_by("level", "code")
        self.fields["activate"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("The warning must end after it starts."))
        return data


class WarningChangeForm(_Styled):
    level = forms.ChoiceField(label=_("New level"), choices=WarningLevel.choices)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=LocalDateTimeInput())
    note = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class NoteForm(_Styled):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ImportForm(_Styled):
    file = forms.FileField(label=_("Excel file (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))
    dry_run = forms.BooleanField(label=_("Dry run: check only, change nothing"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dry_run"].widget.attrs["class"] = "form-check-input"


class DutyAddForm(_Styled):
    shift = forms.ModelChoiceField(
        label=_("Shift"), queryset=DutyShift.objects.filter(is_active=True), empty_label=None
    )
    post = forms.ChoiceField(label=_("Post"), choices=DutyPost.choices, initial=DutyPost.OFFICER)
    person = forms.ModelChoiceField(
        label=_("Account"), queryset=User.objects.none(), required=False, empty_label=_("(no account)")
    )
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)

    def __init__(self, *args, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        if unit is not None:
            self.fields["person"].queryset = User.objects.filter(unit=unit, is_active=True).order_by("username")
        for field in self.fields.values():  # compact: the form sits inside a cell of the week grid
            css = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = f"{css} {'form-select-sm' if 'form-select' in css else 'form-control-sm'}"

    def clean(self):
        data = super().clean()
        if not data.get("person") and not (data.get("name") or "").strip():
            self.add_error("name", _("Choose an account or give a name."))
        return data


class CheckRecordForm(forms.Form):
    result = forms.ChoiceField(choices=[(CheckStatus.COMPLIED, _("Complied")), (CheckStatus.VIOLATED, _("Violated"))])
    note = forms.CharField(label=_("What you found on site"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    photos = MultipleFileField(label=_("Photos"), accept="image/*")
    legal_basis = forms.CharField(
        label=_("Legal basis, to also file an enforcement case"), max_length=500, required=False
    )
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
