"""Web input for inspections and enforcement; each form's ``perform()`` calls a service (which raises
the patrols' ``PatrolError``s with their codes)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from envgrid.cases.choices import Severity
from envgrid.cases.forms import PHOTO_ACCEPT, LocalDateTimeInput, MultipleFileField, style_widgets
from envgrid.cases.models import Case, CaseCategory
from envgrid.core.models import Unit
from envgrid.grids.models import Grid
from envgrid.patrols import services
from envgrid.patrols.choices import (
    Answer,
    EnforcementStatus,
    Frequency,
    InspectionKind,
    MeasureKind,
    PublicityChannel,
)
from envgrid.patrols.models import EnforcementCase, Inspection, InspectionPlan, PatrolSettings
from envgrid.patrols.night import window_around
from envgrid.patrols.permissions import is_command
from envgrid.sources.models import SupervisedObject


def DateInput():  # noqa: N802 — reads like the widget it builds
    """A date picker: the browser needs the ISO form whatever the UI language."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _categories():
    return CaseCategory.objects.filter(is_active=True, parent__isnull=False).order_by("sort_order", "code")


class InspectionForm(forms.Form):
    """The on-site record for one object (the phone page): kind, plan, units, times, GPS, every check
    item, photos and the problem found."""

    kind = forms.ChoiceField(label=_("Kind"), choices=InspectionKind.choices, widget=forms.RadioSelect)
    plan = forms.ModelChoiceField(
        label=_("Plan"), queryset=InspectionPlan.objects.none(), required=False, empty_label=_("(no plan)")
    )
    other_units = forms.ModelMultipleChoiceField(
        label=_("Other units (joint inspection)"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    companions = forms.CharField(label=_("Other inspectors"), max_length=200, required=False)
    started_at = forms.DateTimeField(
        label=_("Started at"), widget=LocalDateTimeInput(), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    ended_at = forms.DateTimeField(
        label=_("Ended at"),
        widget=LocalDateTimeInput(),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Empty: now, when you submit."),
    )
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    accuracy = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=0)
    photos = MultipleFileField(label=_("Photos"), accept=PHOTO_ACCEPT)
    finding = forms.CharField(
        label=_("Problem found"), required=False, max_length=2000, widget=forms.Textarea({"rows": 3})
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=CaseCategory.objects.none(), required=False)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.NORMAL)
    summary = forms.CharField(label=_("Summary"), required=False, max_length=2000, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, obj: SupervisedObject, user, checklist, plans, **kwargs):
        self.obj, self.user, self.checklist = obj, user, checklist
        now = timezone.localtime()
        cfg = PatrolSettings.current()
        night_now = window_around(now, cfg.night_start, cfg.night_end) is not None
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("kind", InspectionKind.NIGHT if night_now else InspectionKind.ROUTINE)
        initial.setdefault("started_at", now.replace(second=0, microsecond=0))
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans
        same_kind = [p for p in plans if p.kind == self.initial.get("kind")]
        if "plan" not in initial and len(same_kind) == 1:
            self.initial["plan"] = same_kind[0].pk
        self.fields["other_units"].queryset = Unit.objects.filter(is_active=True).exclude(pk=user.unit_id)
        self.fields["category"].queryset = _categories()
        self.items = list(checklist.items.select_related("category")) if checklist else []
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.ChoiceField(
                label=item.text,
                choices=Answer.choices,
                widget=forms.RadioSelect,
                help_text=item.guidance,
                error_messages={"required": _("Answer this item.")},
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(label=_("Note"), required=False, max_length=200)
        style_widgets(self)
        self.fields["photos"].widget.attrs.update({"capture": "environment"})

    def item_rows(self):
        """(item, answer field, note field) for the template."""
        return [(item, self[f"item_{item.pk}"], self[f"note_{item.pk}"]) for item in self.items]

    def failed_items(self):
        return [item for item in self.items if self.cleaned_data.get(f"item_{item.pk}") == Answer.FAIL]

    def clean(self):
        data = super().clean()
        if data.get("finding") and not data.get("category"):
            failed = [i for i in self.failed_items() if i.category_id]
            if failed:
                data["category"] = failed[0].category
            else:
                self.add_error("category", _("Choose the category of the problem found."))
        return data

    def perform(self) -> Inspection:
        data = self.cleaned_data
        findings = []
        if data.get("finding"):
            findings.append(
                services.FindingInput(
                    data["finding"], data["category"], data["severity"], [i.pk for i in self.failed_items()]
                )
            )
        answers = {item.pk: (data[f"item_{item.pk}"], data[f"note_{item.pk}"]) for item in self.items}
        return services.inspection_record(
            inspector=self.user,
            kind=data["kind"],
            started_at=data["started_at"],
            ended_at=data.get("ended_at") or timezone.now(),
            supervised_object=self.obj,
            units=list(data["other_units"]),
            plan=data.get("plan"),
            lon=data.get("lon"),
            lat=data.get("lat"),
            accuracy_m=round(data["accuracy"]) if data.get("accuracy") is not None else None,
            answers=answers,
            findings=findings,
            photos=data["photos"],
            summary=data["summary"],
            companions=data["companions"],
        )


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=InspectionKind.choices)
    lead_unit = forms.ModelChoiceField(label=_("Lead unit"), queryset=Unit.objects.filter(is_active=True))
    other_units = forms.ModelMultipleChoiceField(
        label=_("Other units"),
        queryset=Unit.objects.filter(is_active=True),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    objects = forms.ModelMultipleChoiceField(
        label=_("Objects to inspect"),
        queryset=SupervisedObject.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    grids = forms.ModelMultipleChoiceField(
        label=_("Grids to inspect"),
        queryset=Grid.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput())
    times = forms.IntegerField(label=_("Times"), min_value=1, max_value=100, initial=1)
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices, initial=Frequency.WEEK)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["objects"].queryset = SupervisedObject.objects.visible_to(user).order_by("code")
        self.fields["grids"].queryset = Grid.objects.visible_to(user).order_by("code")
        if not is_command(user):
            self.fields["lead_unit"].queryset = Unit.objects.filter(pk=user.unit_id)
            self.fields["lead_unit"].initial = user.unit_id
        style_widgets(self)

    def perform(self) -> InspectionPlan:
        d = self.cleaned_data
        return services.plan_create(
            actor=self.user,
            title=d["title"],
            kind=d["kind"],
            lead_unit=d["lead_unit"],
            units=d["other_units"],
            objects=d["objects"],
            grids=d["grids"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
            times=d["times"],
            frequency=d["frequency"],
            note=d["note"],
        )


class EnforcementForm(forms.Form):
    """File an enforcement case (立案), optionally from the inspections and cases that found it."""

    title = forms.CharField(label=_("Title"), max_length=200)
    supervised_object = forms.ModelChoiceField(
        label=_("Supervised object"), queryset=SupervisedObject.objects.none(), required=False
    )
    party = forms.CharField(label=_("Party (当事人)"), max_length=200, required=False)
    lead_unit = forms.ModelChoiceField(label=_("Lead unit"), queryset=Unit.objects.filter(is_active=True))
    other_units = forms.ModelMultipleChoiceField(
        label=_("Other units involved"),
        queryset=Unit.objects.filter(is_active=True),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    violation = forms.CharField(label=_("Violation"), widget=forms.Textarea({"rows": 3}))
    legal_basis = forms.CharField(label=_("Legal basis"), widget=forms.Textarea({"rows": 2}))
    filed_on = forms.DateField(label=_("Filed on"), widget=DateInput())
    inspections = forms.ModelMultipleChoiceField(
        label=_("Triggering inspections"),
        queryset=Inspection.objects.none(),
        required=False,
        widget=forms.MultipleHiddenInput,
    )
    cases = forms.ModelMultipleChoiceField(
        label=_("Triggering cases"), queryset=Case.objects.none(), required=False, widget=forms.MultipleHiddenInput
    )
    measure = forms.ChoiceField(label=_("First measure"), choices=[("", "—"), *MeasureKind.choices], required=False)
    fine_amount = forms.DecimalField(label=_("Fine (yuan)"), required=False, min_value=0, decimal_places=2)
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        self.user = user
        kwargs.setdefault("initial", {}).setdefault("filed_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["supervised_object"].queryset = SupervisedObject.objects.visible_to(user).order_by("code")
        self.fields["inspections"].queryset = Inspection.objects.visible_to(user)
        self.fields["cases"].queryset = Case.objects.visible_to(user)
        if not is_command(user):
            self.fields["lead_unit"].queryset = Unit.objects.filter(pk=user.unit_id)
        self.fields["lead_unit"].initial = user.unit_id
        style_widgets(self)

    def clean(self):
        data = super().clean()
        if data.get("measure") == MeasureKind.FINE and not data.get("fine_amount"):
            self.add_error("fine_amount", _("A fine needs its amount in yuan (more than 0)."))
        return data

    def perform(self) -> EnforcementCase:
        d = self.cleaned_data
        measures = (
            [{"kind": d["measure"], "fine_amount": d.get("fine_amount"), "deadline": d.get("deadline")}]
            if d.get("measure")
            else []
        )
        return services.enforcement_open(
            actor=self.user,
            title=d["title"],
            violation=d["violation"],
            legal_basis=d["legal_basis"],
            lead_unit=d["lead_unit"],
            units=d["other_units"],
            supervised_object=d.get("supervised_object"),
            party=d["party"],
            inspections=d["inspections"],
            cases=d["cases"],
            filed_on=d["filed_on"],
            measures=measures,
            note=d["note"],
        )


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Measure"), choices=MeasureKind.choices)
    fine_amount = forms.DecimalField(label=_("Fine (yuan)"), required=False, min_value=0, decimal_places=2)
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)
        for field in self.fields.values():  # the compact forms on the case page show no labels
            field.widget.attrs.setdefault("placeholder", str(field.label))
            field.widget.attrs.setdefault("aria-label", str(field.label))


class PublicityForm(forms.Form):
    channel = forms.ChoiceField(label=_("Where"), choices=PublicityChannel.choices)
    outlet = forms.CharField(label=_("Outlet / column"), required=False, max_length=100)
    published_on = forms.DateField(label=_("Published on"), widget=DateInput())
    link = forms.URLField(label=_("Link"), required=False, assume_scheme="https")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)
        for field in self.fields.values():  # the compact forms on the case page show no labels
            field.widget.attrs.setdefault("placeholder", str(field.label))
            field.widget.attrs.setdefault("aria-label", str(field.label))


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=EnforcementStatus.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    version = forms.IntegerField(required=False)


def parse_period(params, *, default_days: int = 30):
    """(first, last) dates from ``?from=…&to=…``; by default the last ``default_days`` days."""
    import datetime as dt

    today = timezone.localdate()
    try:
        first = dt.date.fromisoformat(params.get("from", "")) if params.get("from") else None
        last = dt.date.fromisoformat(params.get("to", "")) if params.get("to") else None
    except ValueError as exc:
        raise ValidationError(_("Dates are written YYYY-MM-DD.")) from exc
    last = last or today
    first = first or last - dt.timedelta(days=default_days - 1)
    if first > last:
        raise ValidationError(_("The period ends before it starts."))
    if (last - first).days > 366 * 3:
        raise ValidationError(_("Choose a period of at most three years."))
    return first, last
