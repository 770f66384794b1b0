import re

from django import forms
from django.utils.translation import gettext_lazy as _

from envgrid.core.choices import UnitKind
from envgrid.core.models import Unit
from envgrid.directives.choices import MAX_FIGURES, Recurrence, UnitGroup

ACCEPT = "image/*,.pdf,.doc,.docx,.xls,.xlsx"
#: Unit kinds in the order the picker shows them; communities last and folded (there are many).
PICKER_KINDS = [UnitKind.DEPARTMENT, UnitKind.STREET, UnitKind.OTHER, UnitKind.COMMUNITY]
FIGURE_LINE = re.compile(r"^\s*(?P<name>[^=:：＝]+?)\s*[=:：＝]\s*(?P<value>[-+]?\d+(?:\.\d+)?)\s*$")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (photos from a phone's camera roll)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT, "class": "form-control"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        single = super().clean
        return [single(item, initial) for item in (data if isinstance(data, list | tuple) else [data])]


class DirectiveIssueForm(forms.Form):
    """The dispatcher's form: instruction, audience, deadline, repetition, figures, attachments."""

    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Instruction"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    groups = forms.MultipleChoiceField(
        label=_("Unit groups"), choices=UnitGroup.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Units"), queryset=Unit.objects.filter(is_active=True), required=False
    )
    deadline_kind = forms.ChoiceField(
        label=_("Feedback deadline"),
        choices=[("hours", _("Hours from now")), ("at", _("Date and time"))],
        initial="hours",
        widget=forms.RadioSelect,
    )
    feedback_within_hours = forms.DecimalField(
        label=_("Hours"), min_value=0.25, max_value=720, decimal_places=2, initial=2, required=False
    )
    feedback_due_at = forms.DateTimeField(
        label=_("Deadline"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    recurrence = forms.ChoiceField(
        label=_("Repeat"), choices=Recurrence.choices, initial=Recurrence.NONE, widget=forms.RadioSelect
    )
    recurrence_time = forms.TimeField(
        label=_("Every day at"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    figure_names = forms.CharField(
        label=_("Figures to report"),
        help_text=_("One per line, e.g. sites checked, problems found."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    files = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("title", "body", "feedback_within_hours", "feedback_due_at", "recurrence_time", "figure_names"):
            self.fields[name].widget.attrs.setdefault("class", "form-control")

    def unit_picker(self) -> list[dict]:
        """Units grouped by kind, each with whether it is ticked, for the checkbox picker."""
        chosen = {str(v) for v in (self["units"].value() or [])}
        units = list(self.fields["units"].queryset.order_by("sort_order", "name"))
        groups = []
        for kind in PICKER_KINDS:
            members = [{"unit": u, "checked": str(u.pk) in chosen} for u in units if u.kind == kind]
            if members:
                groups.append(
                    {
                        "kind": kind,
                        "label": UnitKind(kind).label,
                        "units": members,
                        "folded": kind == UnitKind.COMMUNITY,
                    }
                )
        return groups

    def clean_figure_names(self) -> list[str]:
        names = [line.strip() for line in self.cleaned_data["figure_names"].splitlines() if line.strip()]
        if len(names) > MAX_FIGURES:
            raise forms.ValidationError(_("At most %(n)d figures.") % {"n": MAX_FIGURES})
        return names

    def clean(self):
        data = super().clean()
        if not data.get("groups") and not data.get("units"):
            self.add_error("units", _("Choose at least one unit or unit group."))
        kind = data.get("deadline_kind")
        if kind == "hours" and data.get("feedback_within_hours") is None:
            self.add_error("feedback_within_hours", _("Give the hours allowed for feedback."))
        if kind == "at" and data.get("feedback_due_at") is None:
            self.add_error("feedback_due_at", _("Give the feedback deadline."))
        if data.get("recurrence") == Recurrence.DAILY:
            if data.get("recurrence_time") is None:
                self.add_error("recurrence_time", _("Give the time of day of the daily round."))
            if kind != "hours":
                self.add_error("deadline_kind", _("A daily directive's deadline is given in hours after each round."))
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        by_hours = data["deadline_kind"] == "hours"
        return {
            "title": data["title"],
            "body": data["body"],
            "units": [*data["groups"], *data["units"]],
            "feedback_within_hours": data["feedback_within_hours"] if by_hours else None,
            "feedback_due_at": None if by_hours else data["feedback_due_at"],
            "recurrence": data["recurrence"],
            "recurrence_time": data.get("recurrence_time"),
            "figure_names": data["figure_names"],
            "files": data["files"],
        }


class DirectiveFeedbackForm(forms.Form):
    """A unit's feedback: what was done, one number per figure the directive asks for, photos."""

    text = forms.CharField(
        label=_("What your unit did"), widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"})
    )
    extra_figures = forms.CharField(
        label=_("Other figures"),
        help_text=_("One per line: name = number."),
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        required=False,
    )
    photos = MultipleFileField(label=_("Photos and files"))

    def __init__(self, *args, directive, **kwargs):
        super().__init__(*args, **kwargs)
        self.figure_fields = []
        for i, name in enumerate(directive.figure_names):
            key = f"figure_{i}"
            self.fields[key] = forms.FloatField(
                label=name,
                widget=forms.NumberInput(attrs={"class": "form-control", "step": "any", "inputmode": "decimal"}),
            )
            self.figure_fields.append((key, name))
        self.order_fields(["text", *(k for k, _n in self.figure_fields), "extra_figures", "photos"])

    def clean_extra_figures(self) -> dict:
        figures = {}
        for line in self.cleaned_data["extra_figures"].splitlines():
            if not line.strip():
                continue
            match = FIGURE_LINE.match(line)
            if match is None:
                raise forms.ValidationError(_("Write each figure as name = number: %(line)s") % {"line": line.strip()})
            figures[match["name"].strip()] = float(match["value"])
        return figures

    def figures(self) -> dict:
        data = self.cleaned_data
        return {**data["extra_figures"], **{name: data[key] for key, name in self.figure_fields}}
