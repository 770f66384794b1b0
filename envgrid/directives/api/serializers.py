from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from envgrid.core import jsontext
from envgrid.directives.choices import Recurrence, UnitGroup
from envgrid.directives.models import Directive, DirectiveAttachment, DirectiveEvent


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = DirectiveAttachment
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "is_image",
            "taken_at",
            "taken_lon",
            "taken_lat",
            "uploaded_at",
            "url",
        ]

    def get_url(self, attachment) -> str:
        return reverse("directive-attachment", args=[attachment.pk])


class MatrixRowSerializer(serializers.Serializer):
    """One unit's row; ``state`` is the matrix cell: pending, signed, fed_back, fed_back_late, overdue, missing."""

    id = serializers.IntegerField(source="target.pk")
    unit = serializers.IntegerField(source="target.unit_id")
    unit_name = serializers.CharField(source="target.unit.name")
    status = serializers.CharField(source="target.status")
    state = serializers.CharField()
    signed_at = serializers.DateTimeField(source="target.signed_at")
    signed_by = serializers.CharField(source="target.signed_by", default=None)
    feedback = serializers.CharField(source="target.feedback")
    figures = serializers.DictField(source="target.figures")
    fed_back_at = serializers.DateTimeField(source="target.fed_back_at")
    fed_back_by = serializers.CharField(source="target.fed_back_by", default=None)
    is_late = serializers.BooleanField(source="target.is_late")
    urge_count = serializers.IntegerField(source="target.urge_count")
    last_urged_at = serializers.DateTimeField(source="target.last_urged_at")
    attachments = AttachmentSerializer(source="target.attachments.all", many=True)


class EventSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="target.unit.name", default=None)

    class Meta:
        model = DirectiveEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_name",
            "actor_role",
            "actor_unit",
            "action",
            "unit_name",
            "note",
            "data",
        ]


class DirectiveListSerializer(serializers.ModelSerializer):
    issued_by_name = serializers.CharField(source="issued_by", default=None, read_only=True)
    units_total = serializers.IntegerField(read_only=True, default=None, help_text=_("District-wide roles only."))
    units_fed_back = serializers.IntegerField(read_only=True, default=None, help_text=_("District-wide roles only."))
    units_late = serializers.IntegerField(read_only=True, default=None, help_text=_("District-wide roles only."))
    my_status = serializers.CharField(read_only=True, default=None, help_text=_("Your own unit's status."))

    class Meta:
        model = Directive
        fields = [
            "id",
            "number",
            "title",
            "status",
            "issued_by",
            "issued_by_name",
            "issued_at",
            "feedback_due_at",
            "recurrence",
            "recurrence_time",
            "parent",
            "occurrence_date",
            "figure_names",
            "closed_at",
            "units_total",
            "units_fed_back",
            "units_late",
            "my_status",
        ]


class DirectiveDetailSerializer(DirectiveListSerializer):
    """A directive with the unit rows the user may see (all for the command centre, their own for a unit)."""

    targets = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(DirectiveListSerializer.Meta):
        fields = [
            *DirectiveListSerializer.Meta.fields,
            "body",
            "closed_by",
            "recurrence_stopped_at",
            "targets",
            "attachments",
            "timeline",
            "actions",
        ]

    def get_targets(self, directive) -> list[dict]:
        return MatrixRowSerializer(self.context["matrix"].rows, many=True).data

    def get_attachments(self, directive) -> list[dict]:
        return AttachmentSerializer(self.context["attachments"], many=True).data

    def get_timeline(self, directive) -> list[dict]:
        return EventSerializer(self.context["timeline"], many=True).data

    def get_actions(self, directive) -> list[str]:
        """What the user may do now: sign, feedback (for their unit), urge, close (the command centre)."""
        user, own = self.context["request"].user, self.context["matrix"].own
        if not directive.is_open:
            return []
        actions = []
        if own is not None and own.can_act(user):
            actions += (["sign"] if own.status == "pending" else []) + ([] if own.is_fed_back else ["feedback"])
        if directive.can_manage(user):
            actions += (["urge"] if self.context["matrix"].laggards else []) + ["close"]
        return actions


@extend_schema_field({"type": "object", "additionalProperties": {"type": "number"}, "example": {"checked_sites": 12}})
class FiguresField(serializers.Field):
    """``{"checked_sites": 12}`` as JSON, or as a JSON string in a multipart form."""

    default_error_messages = {"invalid": _("Give figures as a JSON object of names and numbers.")}

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = jsontext.loads(data) if data.strip() else {}
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, dict):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class IssueSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(required=False, allow_blank=True, default="")
    units = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list)
    unit_groups = serializers.ListField(
        child=serializers.ChoiceField(choices=UnitGroup.choices),
        required=False,
        default=list,
        help_text=_("all_streets and/or all_departments"),
    )
    feedback_due_at = serializers.DateTimeField(required=False, default=None)
    feedback_within_hours = serializers.DecimalField(
        max_digits=6, decimal_places=2, required=False, default=None, help_text=_("Hours from now; or feedback_due_at")
    )
    recurrence = serializers.ChoiceField(choices=Recurrence.choices, default=Recurrence.NONE)
    recurrence_time = serializers.TimeField(required=False, default=None, help_text=_("Local time, e.g. 21:00"))
    figure_names = serializers.ListField(child=serializers.CharField(max_length=100), required=False, default=list)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class FeedbackSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, default="")
    figures = FiguresField(required=False, default=dict)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class UrgeSerializer(serializers.Serializer):
    units = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=None,
        help_text=_("Only these units (among those not fed back); all laggards when left out."),
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CloseSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    stop_recurrence = serializers.BooleanField(required=False, default=False)
