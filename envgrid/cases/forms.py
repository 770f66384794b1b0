"""Web input for the closed loop: one small form per action, each calling its service; the report
forms for the desk and the phone. A form's ``perform()`` raises the services' ``CaseError``s."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from envgrid.cases import routing, selectors, services
from envgrid.cases.choices import CaseAction, Channel, ExtensionStatus, RejectReason, Severity
from envgrid.cases.models import Case, CaseCategory, ExtensionRequest
from envgrid.core.evidence import DOCUMENT_EXTENSIONS, MAX_FILES
from envgrid.core.models import Unit
from envgrid.grids.coords import bd09_to_wgs84, gcj02_to_wgs84

PHOTO_ACCEPT = "image/*"
FILE_ACCEPT = "image/*," + ",".join(sorted(DOCUMENT_EXTENSIONS))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (photos as evidence); the services check type and size."""

    def __init__(self, *args, accept: str = FILE_ACCEPT, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(files) > MAX_FILES:
            raise ValidationError(_("At most %(n)d files at a time.") % {"n": MAX_FILES})
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def style_widgets(form: forms.Form) -> None:
    """Bootstrap classes on every widget, with big touch targets where the form is used on a phone."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select | forms.SelectMultiple) else "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def _future(value):
    if value is not None and value <= timezone.now():
        raise ValidationError(_("Choose a time in the future."))
    return value


# --- actions -------------------------------------------------------------------------------------


class ActionForm(forms.Form):
    """An action on one case: a note and the case version the page showed (a stale page gets 409)."""

    action = ""
    note_required = False
    note_label = _("Note")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea({"rows": 3}))

    def __init__(self, *args, case: Case, user, **kwargs):
        self.case, self.user = case, user
        kwargs.setdefault("initial", {}).setdefault("version", case.version)
        super().__init__(*args, **kwargs)
        self.fields["note"].required = self.note_required
        self.fields["note"].label = self.note_label
        style_widgets(self)

    title = None  # the button's words, for actions outside the transition table

    @classmethod
    def action_label(cls) -> str:
        return str(cls.title or CaseAction(cls.action).label)

    @property
    def label(self) -> str:
        return self.action_label()

    def common(self) -> dict:
        return {
            "case": self.case,
            "actor": self.user,
            "expected_version": self.cleaned_data.get("version"),
            "note": self.cleaned_data.get("note", ""),
        }

    def perform(self) -> None:
        raise NotImplementedError


class AcceptForm(ActionForm):
    action = CaseAction.ACCEPT

    def perform(self):
        services.case_accept(**self.common())


class SignForm(ActionForm):
    action = CaseAction.SIGN

    def perform(self):
        services.case_sign(**self.common())


class StartForm(ActionForm):
    action = CaseAction.START

    def perform(self):
        services.case_start(**self.common())


class ResumeForm(ActionForm):
    action = CaseAction.RESUME

    def perform(self):
        services.case_resume(**self.common())


class ReturnForm(ActionForm):
    action = CaseAction.RETURN
    note_required = True
    note_label = _("Why is your unit not responsible?")

    def perform(self):
        services.case_return(**self.common())


class HoldForm(ActionForm):
    action = CaseAction.HOLD
    note_required = True
    note_label = _("Reason for holding")

    def perform(self):
        services.case_hold(**self.common())


class RejectForm(ActionForm):
    action = CaseAction.REJECT
    note_required = True
    note_label = _("Reason")
    reason = forms.ChoiceField(label=_("Why not accepted"), choices=RejectReason.choices)
    duplicate_of = forms.CharField(label=_("Duplicate of case number"), required=False, max_length=30)

    field_order = ["reason", "duplicate_of", "note"]

    def clean_duplicate_of(self):
        number = self.cleaned_data["duplicate_of"].strip()
        if not number:
            return None
        original = Case.objects.visible_to(self.user).filter(number=number).exclude(pk=self.case.pk).first()
        if original is None:
            raise ValidationError(_("No case %(number)s that you can see.") % {"number": number})
        return original

    def clean(self):
        data = super().clean()
        if (
            data.get("reason") == RejectReason.DUPLICATE
            and not data.get("duplicate_of")
            and "duplicate_of" not in self.errors
        ):
            self.add_error("duplicate_of", _("Name the original case of a duplicate."))
        return data

    def perform(self):
        data = self.cleaned_data
        services.case_reject(**self.common(), reason=data["reason"], duplicate_of=data.get("duplicate_of"))


class DispatchForm(ActionForm):
    """派遣: the lead unit comes preselected from the routing table; the dispatcher may override it."""

    action = CaseAction.DISPATCH
    lead_unit = forms.ModelChoiceField(
        label=_("Lead unit"),
        queryset=Unit.objects.filter(is_active=True),
        required=False,
        empty_label=_("By the routing table"),
    )
    co_units = forms.ModelMultipleChoiceField(
        label=_("Co-units"),
        queryset=Unit.objects.filter(is_active=True),
        required=False,
        widget=forms.SelectMultiple({"size": 5}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    due_at = forms.DateTimeField(
        label=_("Deadline"),
        required=False,
        widget=LocalDateTimeInput,
        validators=[_future],
        help_text=_("Empty: the category's time limit."),
    )

    field_order = ["lead_unit", "co_units", "due_at", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            lead, co_units = routing.route_case(self.case)
            self.routed_unit = lead
            self.initial.update({"lead_unit": lead, "co_units": co_units})

    def perform(self):
        data = self.cleaned_data
        services.case_dispatch(
            **self.common(),
            lead_unit=data.get("lead_unit"),
            co_units=list(data.get("co_units") or []),
            due_at=data.get("due_at"),
        )


class ReassignForm(DispatchForm):
    action = CaseAction.REASSIGN
    note_required = True
    note_label = _("Reason for reassigning")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].required = True
        self.fields["lead_unit"].empty_label = "—"
        if not self.is_bound:  # a reassignment goes elsewhere: no suggestion from the table
            self.initial.update({"lead_unit": None, "co_units": []})

    def perform(self):
        data = self.cleaned_data
        services.case_reassign(
            **self.common(),
            lead_unit=data["lead_unit"],
            co_units=list(data.get("co_units") or []),
            due_at=data.get("due_at"),
        )


class EvidenceForm(ActionForm):
    files = MultipleFileField(label=_("Photos and files"))


class FeedbackForm(EvidenceForm):
    action = CaseAction.FEEDBACK
    note_required = True
    note_label = _("What was done")

    def perform(self):
        services.case_feedback(**self.common(), files=self.cleaned_data["files"])


class VerifyPassForm(EvidenceForm):
    action = CaseAction.VERIFY_PASS
    note_label = _("What you found on site")

    def perform(self):
        services.case_verify(**self.common(), passed=True, files=self.cleaned_data["files"])


class VerifyFailForm(EvidenceForm):
    action = CaseAction.VERIFY_FAIL
    note_required = True
    note_label = _("What is still wrong")

    def perform(self):
        services.case_verify(**self.common(), passed=False, files=self.cleaned_data["files"])


class CommentForm(EvidenceForm):
    action = CaseAction.COMMENT

    def perform(self):
        services.case_comment(
            case=self.case, actor=self.user, note=self.cleaned_data["note"], files=self.cleaned_data["files"]
        )


class UrgeForm(ActionForm):
    action = CaseAction.URGE
    note_label = _("Message to the unit")

    def perform(self):
        services.case_urge(case=self.case, actor=self.user, note=self.cleaned_data["note"])


class ExtendRequestForm(ActionForm):
    action = CaseAction.EXTEND_REQUEST
    note_required = True
    note_label = _("Reason")
    until = forms.DateTimeField(label=_("New deadline"), widget=LocalDateTimeInput, validators=[_future])

    field_order = ["until", "note"]

    def perform(self):
        services.case_extend_request(
            case=self.case, actor=self.user, until=self.cleaned_data["until"], note=self.cleaned_data["note"]
        )


class ExtendDecideForm(ActionForm):
    """Approve or refuse the case's pending extension request."""

    approve = True
    request_id = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pending = ExtensionRequest.objects.filter(assignment__case=self.case, status=ExtensionStatus.PENDING)
        self.pending = pending.select_related("assignment__unit", "requested_by").first()
        if self.pending is not None:
            self.initial.setdefault("request_id", self.pending.pk)

    def clean_request_id(self):
        pk = self.cleaned_data["request_id"]
        found = ExtensionRequest.objects.filter(pk=pk, assignment__case=self.case).select_related("assignment").first()
        if found is None:
            raise ValidationError(_("No such extension request on this case."))
        return found

    def perform(self):
        services.case_extend_decide(
            request=self.cleaned_data["request_id"],
            actor=self.user,
            approve=self.approve,
            note=self.cleaned_data["note"],
        )


class ExtendApproveForm(ExtendDecideForm):
    action = CaseAction.EXTEND_APPROVE


class ExtendRefuseForm(ExtendDecideForm):
    action = CaseAction.EXTEND_REFUSE
    approve = False


class CoSignForm(ActionForm):
    """A co-unit signs for its share of the case."""

    action = "co_sign"
    title = _("Sign (co-unit)")

    def perform(self):
        services.assignment_sign(case=self.case, actor=self.user)


class CoFeedbackForm(EvidenceForm):
    action = "co_feedback"
    note_required = True
    note_label = _("What your unit did")
    title = _("Feed back (co-unit)")

    def perform(self):
        services.assignment_feedback(
            case=self.case, actor=self.user, note=self.cleaned_data["note"], files=self.cleaned_data["files"]
        )


ACTION_FORMS: dict[str, type[ActionForm]] = {
    form.action: form
    for form in [
        AcceptForm,
        RejectForm,
        DispatchForm,
        SignForm,
        StartForm,
        FeedbackForm,
        VerifyPassForm,
        VerifyFailForm,
        ReturnForm,
        ReassignForm,
        HoldForm,
        ResumeForm,
        ExtendRequestForm,
        ExtendApproveForm,
        ExtendRefuseForm,
        CommentForm,
        UrgeForm,
        CoSignForm,
        CoFeedbackForm,
    ]
}


# --- reports -------------------------------------------------------------------------------------


class CaseReportForm(forms.Form):
    """上报 at the desk: what, where (a point picked on the map) and photos."""

    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.NORMAL)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.HOTLINE)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea({"rows": 4}))
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    crs = forms.ChoiceField(
        widget=forms.HiddenInput, required=False, choices=[("wgs84", "wgs84"), ("gcj02", "gcj02"), ("bd09", "bd09")]
    )
    photos = MultipleFileField(label=_("Photos"), accept=PHOTO_ACCEPT)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *selectors.category_choices()]
        style_widgets(self)

    def clean_category(self):
        category = CaseCategory.objects.filter(pk=self.cleaned_data["category"], is_active=True).first()
        if category is None:
            raise ValidationError(_("Choose a category."))
        return category

    def clean(self):
        data = super().clean()
        lon, lat = data.get("lon"), data.get("lat")
        if (lon is None) != (lat is None):
            raise ValidationError(_("Give both longitude and latitude, or neither."))
        if lon is not None and data.get("crs") in ("gcj02", "bd09"):
            convert = gcj02_to_wgs84 if data["crs"] == "gcj02" else bd09_to_wgs84
            data["lon"], data["lat"] = convert(lon, lat)
        return data

    def perform(self) -> Case:
        data = self.cleaned_data
        return services.case_report(
            reporter=self.user,
            title=data["title"],
            category=data["category"],
            description=data["description"],
            channel=data.get("channel") or self.default_channel(),
            severity=data.get("severity") or Severity.NORMAL,
            lon=data.get("lon"),
            lat=data.get("lat"),
            address=data["address"],
            files=data["photos"],
        )

    def default_channel(self) -> str:
        return Channel.GRID_MEMBER if self.user.role in selectors.GRID_ROLES else Channel.INSPECTION


class PhoneReportForm(CaseReportForm):
    """上报 on the phone: the channel follows the reporter's role; the point comes from GPS or the map."""

    accuracy = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["channel"], self.fields["severity"]
        self.fields["photos"].widget.attrs.update({"capture": "environment"})
