"""Forms of the sources pages. Each form's ``perform()`` calls a service; the service's ValidationError
is put back on the form's fields."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from envgrid.core import jsontext
from envgrid.core.choices import Role
from envgrid.core.models import User
from envgrid.core.spreadsheets import CellError, code_list
from envgrid.sources import services
from envgrid.sources.choices import (
    SIX_HUNDRED_PERCENT,
    ImportKind,
    ObjectKind,
    PerformanceGrade,
    ResponsibilityRole,
    RoadGrade,
    SiteStage,
)
from envgrid.sources.models import SourceFamily, SupervisedObject

#: Roles of the people a 分包 can name.
OWNER_ROLES = (Role.UNIT_LEAD, Role.UNIT_STAFF, Role.RIVER_CHIEF, Role.GRID_HEAD)
DATE = forms.DateInput({"type": "date"}, format="%Y-%m-%d")


def owner_people():
    return (
        User.objects.filter(is_active=True, unit__isnull=False, unit__is_active=True, role__in=OWNER_ROLES)
        .select_related("unit")
        .order_by("unit__sort_order", "unit__name", "display_name", "username")
    )


class PersonField(forms.ModelChoiceField):
    """People grouped under their unit, labelled with name and role."""

    def __init__(self, **kwargs):
        super().__init__(queryset=owner_people(), **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.unit.short_name or obj.unit.name} · {obj}（{obj.get_role_display()}）"


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
            widget.attrs.setdefault("data-testid", f"field-{name}")

    def add_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                field = name.split(".")[-1]
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, exc)


class ObjectForm(StyledForm):
    """A supervised object with the typed details of its kind."""

    family = forms.ModelChoiceField(label=_("Source family"), queryset=SourceFamily.objects.filter(active=True))
    kind = forms.ChoiceField(label=_("Kind"), choices=ObjectKind.choices)
    code = forms.CharField(label=_("Code"), max_length=50)
    name = forms.CharField(label=_("Name"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    lon = forms.FloatField(label=_("Longitude (WGS-84)"), required=False)
    lat = forms.FloatField(label=_("Latitude (WGS-84)"), required=False)
    geometry = forms.CharField(
        label=_("Road line (GeoJSON LineString)"), required=False, widget=forms.Textarea({"rows": 2})
    )
    status = forms.ChoiceField(label=_("Status"), choices=SupervisedObject._meta.get_field("status").choices)
    contact_name = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea({"rows": 2}))
    # enterprise
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18, required=False)
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)
    performance_grade = forms.ChoiceField(
        label=_("Performance grade"), choices=[("", "—"), *PerformanceGrade.choices], required=False
    )
    permit_number = forms.CharField(label=_("Emission permit number"), max_length=50, required=False)
    monitoring_mns = forms.CharField(label=_("Online-monitoring MN numbers"), required=False)
    # construction site
    site_permit = forms.CharField(label=_("Construction permit number"), max_length=50, required=False)
    area_m2 = forms.FloatField(label=_("Area (m²)"), required=False, min_value=0)
    stage = forms.ChoiceField(label=_("Stage"), choices=[("", "—"), *SiteStage.choices], required=False)
    # road
    road_grade = forms.ChoiceField(label=_("Road grade"), choices=[("", "—"), *RoadGrade.choices], required=False)
    length_m = forms.FloatField(label=_("Length (m)"), required=False, min_value=0)
    cleaning_standard = forms.CharField(label=_("Cleaning standard"), max_length=200, required=False)

    ENTERPRISE = ("credit_code", "industry", "performance_grade", "permit_number", "monitoring_mns")
    SITE = ("site_permit", "area_m2", "stage", *(name for name, _label in SIX_HUNDRED_PERCENT))
    ROAD = ("road_grade", "length_m", "cleaning_standard", "geometry")

    def __init__(self, *args, instance: SupervisedObject | None = None, **kwargs):
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = self._initial(instance)
        super().__init__(*args, **kwargs)
        for name, label in SIX_HUNDRED_PERCENT:
            self.fields[name] = forms.BooleanField(label=label, required=False)
            self.fields[name].widget.attrs.update({"class": "form-check-input", "data-testid": f"field-{name}"})

    @staticmethod
    def _initial(obj: SupervisedObject) -> dict:
        initial = {
            name: getattr(obj, name)
            for name in (
                "kind",
                "code",
                "name",
                "address",
                "lon",
                "lat",
                "status",
                "contact_name",
                "contact_phone",
                "note",
            )
        }
        initial["family"] = obj.family_id
        initial["geometry"] = json.dumps(obj.geometry) if obj.geometry else ""
        detail = services.detail_model(obj.kind)
        row = detail.objects.filter(supervised_object=obj).first() if detail else None
        if row is not None and obj.kind == ObjectKind.ENTERPRISE:
            initial.update(
                {k: getattr(row, k) for k in ("credit_code", "industry", "performance_grade", "permit_number")}
            )
            initial["monitoring_mns"] = "; ".join(row.monitoring_mns)
        elif row is not None and obj.kind == ObjectKind.CONSTRUCTION_SITE:
            initial.update(site_permit=row.permit_number, area_m2=row.area_m2, stage=row.stage)
            initial.update({name: getattr(row, name) for name, _label in SIX_HUNDRED_PERCENT})
        elif row is not None and obj.kind == ObjectKind.ROAD:
            initial.update(road_grade=row.grade, length_m=row.length_m, cleaning_standard=row.cleaning_standard)
        return initial

    def clean_geometry(self):
        raw = self.cleaned_data["geometry"].strip()
        if not raw:
            return None
        try:
            return jsontext.loads(raw)
        except json.JSONDecodeError:
            raise ValidationError(_("Not valid GeoJSON.")) from None

    def clean_monitoring_mns(self):
        raw = self.cleaned_data["monitoring_mns"]
        try:
            return code_list(raw) if raw.strip() else []
        except CellError as exc:
            raise ValidationError(exc.reason) from None

    def typed(self) -> dict:
        data, kind = self.cleaned_data, self.cleaned_data["kind"]
        if kind == ObjectKind.ENTERPRISE:
            return {k: data[k] for k in self.ENTERPRISE}
        if kind == ObjectKind.CONSTRUCTION_SITE:
            typed = {"permit_number": data["site_permit"], "area_m2": data["area_m2"], "stage": data["stage"]}
            return typed | {name: data[name] for name, _label in SIX_HUNDRED_PERCENT}
        if kind == ObjectKind.ROAD:
            return {
                "grade": data["road_grade"],
                "length_m": data["length_m"],
                "cleaning_standard": data["cleaning_standard"],
            }
        return {}

    def perform(self, actor) -> SupervisedObject | None:
        data = self.cleaned_data
        fields = {
            k: data[k]
            for k in (
                "family",
                "kind",
                "name",
                "code",
                "address",
                "lon",
                "lat",
                "status",
                "contact_name",
                "contact_phone",
                "note",
            )
        }
        fields["geometry"] = data["geometry"] if data["kind"] == ObjectKind.ROAD else None
        try:
            if self.instance is None:
                return services.object_create(actor=actor, typed=self.typed(), **fields)
            return services.object_update(actor=actor, obj=self.instance, typed=self.typed(), **fields)
        except ValidationError as exc:
            self.add_service_errors(exc)
            return None


class AssignForm(StyledForm):
    """Name the unit (through its person) and the person who answer for a target from a day."""

    person = PersonField(label=_("Responsible person (unit)"))
    deputy = PersonField(label=_("Deputy"), required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=ResponsibilityRole.choices, initial=ResponsibilityRole.LEAD, required=False
    )
    valid_from = forms.DateField(label=_("From"), widget=DATE)
    valid_to = forms.DateField(label=_("Until (empty: open-ended)"), widget=DATE, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("valid_from", timezone.localdate())
        super().__init__(*args, **kwargs)

    def perform(self, actor, **target):
        data = self.cleaned_data
        try:
            return services.responsibility_assign(
                actor=actor,
                unit=data["person"].unit,
                person=data["person"],
                deputy=data["deputy"],
                role=data["role"] or ResponsibilityRole.LEAD,
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                note=data["note"],
                **target,
            )
        except ValidationError as exc:
            self.add_service_errors(exc)
            return None


class TransferForm(StyledForm):
    person = PersonField(label=_("New responsible person (unit)"))
    deputy = PersonField(label=_("Deputy"), required=False)
    on = forms.DateField(label=_("From"), widget=DATE)
    note = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def perform(self, actor, responsibility):
        data = self.cleaned_data
        try:
            return services.responsibility_transfer(
                actor=actor,
                responsibility=responsibility,
                unit=data["person"].unit,
                person=data["person"],
                deputy=data["deputy"],
                on=data["on"],
                note=data["note"],
            )
        except ValidationError as exc:
            self.add_service_errors(exc)
            return None


class EndForm(StyledForm):
    valid_to = forms.DateField(label=_("Last day"), widget=DATE)
    note = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def perform(self, actor, responsibility):
        try:
            return services.responsibility_end(
                actor=actor,
                responsibility=responsibility,
                valid_to=self.cleaned_data["valid_to"],
                note=self.cleaned_data["note"],
            )
        except ValidationError as exc:
            self.add_service_errors(exc)
            return None


class ImportForm(StyledForm):
    kind = forms.ChoiceField(label=_("Import"), choices=ImportKind.choices)
    file = forms.FileField(label=_("Excel file (.xlsx)"))
    dry_run = forms.BooleanField(
        label=_("Dry run: check and show what would change, write nothing"), required=False, initial=True
    )
    keep_good_rows = forms.BooleanField(
        label=_("Keep the good rows (bad rows come back as a report); otherwise all or nothing"), required=False
    )
