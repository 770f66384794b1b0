from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from envgrid.cases.choices import Channel, RejectReason, Severity
from envgrid.cases.models import Case, CaseAssignment, CaseAttachment, CaseCategory, CaseEvent
from envgrid.core.models import Unit


class CaseCategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = CaseCategory
        fields = ["id", "code", "name", "parent", "is_active"]


class AssignmentSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = CaseAssignment
        fields = [
            "id",
            "unit",
            "unit_name",
            "role",
            "status",
            "due_at",
            "signed_at",
            "fed_back_at",
            "feedback",
            "is_overdue",
            "is_escalated",
        ]


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseAttachment
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
        ]


class EventSerializer(serializers.ModelSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_name",
            "actor_role",
            "actor_unit",
            "action",
            "from_status",
            "to_status",
            "note",
            "data",
            "attachments",
        ]


class CaseListSerializer(serializers.ModelSerializer):
    category_code = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    lead_unit_name = serializers.CharField(source="lead_unit.name", default=None, read_only=True)
    grid_code = serializers.CharField(source="grid.code", default=None, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "title",
            "status",
            "version",
            "channel",
            "severity",
            "category_code",
            "category_name",
            "lon",
            "lat",
            "address",
            "grid_code",
            "lead_unit",
            "lead_unit_name",
            "due_at",
            "is_overdue",
            "rework_count",
            "created_at",
            "closed_at",
        ]


class CaseDetailSerializer(CaseListSerializer):
    assignments = AssignmentSerializer(many=True, read_only=True)
    timeline = EventSerializer(source="events", many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "description",
            "reporter_name",
            "duplicate_of",
            "reject_reason",
            "assignments",
            "attachments",
            "timeline",
            "actions",
        ]

    def get_actions(self, case) -> list[str]:
        from envgrid.cases.transitions import available_actions

        return available_actions(case, self.context["request"].user)


class CaseReportSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    category = serializers.SlugRelatedField(slug_field="code", queryset=CaseCategory.objects.filter(is_active=True))
    description = serializers.CharField(required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(
        choices=[c for c in Channel.choices if c[0] != Channel.CITIZEN], default=Channel.GRID_MEMBER
    )
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.NORMAL)
    lon = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180, default=None)
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90, default=None)
    address = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class ActionSerializer(serializers.Serializer):
    """Input of a case action; ``version`` (optional) turns a stale write into a 409."""

    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, min_value=1)
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class RejectSerializer(ActionSerializer):
    reason = serializers.ChoiceField(choices=RejectReason.choices)
    duplicate_of = serializers.SlugRelatedField(slug_field="number", queryset=Case.objects.all(), required=False)


class DispatchSerializer(ActionSerializer):
    lead_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True), required=False)
    co_units = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True), many=True, required=False
    )
    due_at = serializers.DateTimeField(required=False)


class ReassignSerializer(DispatchSerializer):
    lead_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True))


class VerifySerializer(ActionSerializer):
    passed = serializers.BooleanField(help_text=_("true: pass and close; false: back to the unit"))


class ExtendSerializer(serializers.Serializer):
    """Request an extension (``until`` + ``note``), or decide the pending one (``decision``)."""

    until = serializers.DateTimeField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    decision = serializers.ChoiceField(choices=["approve", "refuse"], required=False)

    def validate(self, attrs):
        if "decision" not in attrs and "until" not in attrs:
            raise serializers.ValidationError({"until": _("Give the new deadline, or a decision.")})
        return attrs
