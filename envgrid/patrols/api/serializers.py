"""API shapes of inspections, plans and enforcement cases, and the small input serializers of the
commands (record an inspection, file an enforcement case, move it on, add a measure, publicity)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from envgrid.cases.choices import Severity
from envgrid.core import jsontext
from envgrid.patrols.choices import Answer, EnforcementStatus, Frequency, InspectionKind, MeasureKind, PublicityChannel
from envgrid.patrols.models import (
    EnforcementCase,
    EnforcementMeasure,
    Finding,
    Inspection,
    InspectionAnswer,
    InspectionPhoto,
    InspectionPlan,
    Publicity,
)


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AnswerSerializer(serializers.ModelSerializer):
    text = serializers.CharField(source="item.text", read_only=True)

    class Meta:
        model = InspectionAnswer
        fields = ["item", "text", "answer", "note"]


class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = InspectionPhoto
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "is_image",
            "taken_at",
            "taken_lon",
            "taken_lat",
            "url",
        ]

    def get_url(self, photo) -> str:
        return reverse("patrols-photo", args=[photo.pk])


class FindingSerializer(serializers.ModelSerializer):
    category_code = serializers.CharField(source="category.code", read_only=True)
    case_number = serializers.CharField(source="case.number", default=None, read_only=True)
    case_status = serializers.CharField(source="case.status", default=None, read_only=True)
    case_lead_unit = serializers.CharField(source="case.lead_unit", default=None, read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "description",
            "category",
            "category_code",
            "severity",
            "items",
            "case",
            "case_number",
            "case_status",
            "case_lead_unit",
        ]


class InspectionListSerializer(serializers.ModelSerializer):
    units = UnitRefSerializer(many=True, read_only=True)
    object_name = serializers.CharField(source="supervised_object.name", default=None, read_only=True)
    inspector_name = serializers.CharField(source="inspector", read_only=True)
    finding_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "number",
            "kind",
            "plan",
            "lead_unit",
            "units",
            "inspector",
            "inspector_name",
            "supervised_object",
            "object_name",
            "grid",
            "street",
            "started_at",
            "ended_at",
            "lon",
            "lat",
            "accuracy_m",
            "checklist",
            "has_findings",
            "finding_count",
            "recorded_at",
        ]


class InspectionDetailSerializer(InspectionListSerializer):
    checklist_version = serializers.IntegerField(source="checklist.version", default=None, read_only=True)
    answers = AnswerSerializer(many=True, read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)
    findings = FindingSerializer(many=True, read_only=True)

    class Meta(InspectionListSerializer.Meta):
        fields = [
            *InspectionListSerializer.Meta.fields,
            "checklist_version",
            "companions",
            "summary",
            "answers",
            "photos",
            "findings",
        ]


@extend_schema_field({"type": "array", "items": {"type": "object"}})
class JSONListField(serializers.Field):
    """A list given as JSON, or as a JSON string (multipart forms that also carry photos)."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = jsontext.loads(data or "[]")
            except ValueError as exc:
                raise serializers.ValidationError(_("Not valid JSON.")) from exc
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            raise serializers.ValidationError(_("Give a list of objects."))
        return data


class AnswerInputSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    answer = serializers.ChoiceField(choices=Answer.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class FindingInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=2000)
    category = serializers.CharField(help_text=_("Case category id or code."))
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.NORMAL)
    items = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class InspectionInputSerializer(serializers.Serializer):
    """Record an inspection. ``answers`` ([{item, answer, note}]) and ``findings`` ([{description, category,
    severity, items}]) may be JSON strings in a multipart request that also uploads ``photos``."""

    kind = serializers.ChoiceField(choices=InspectionKind.choices)
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()
    supervised_object = serializers.IntegerField(required=False, allow_null=True)
    grid = serializers.IntegerField(required=False, allow_null=True)
    plan = serializers.IntegerField(required=False, allow_null=True)
    units = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    lon = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    accuracy_m = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    answers = JSONListField(required=False, default=list)
    findings = JSONListField(required=False, default=list)
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    companions = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)

    def validate_answers(self, rows):
        given = AnswerInputSerializer(data=rows, many=True)
        given.is_valid(raise_exception=True)
        return given.validated_data

    def validate_findings(self, rows):
        given = FindingInputSerializer(data=rows, many=True)
        given.is_valid(raise_exception=True)
        return given.validated_data


class PlanSerializer(serializers.ModelSerializer):
    units = UnitRefSerializer(many=True, read_only=True)
    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True)

    class Meta:
        model = InspectionPlan
        fields = [
            "id",
            "title",
            "kind",
            "lead_unit",
            "lead_unit_name",
            "units",
            "objects_covered",
            "grids",
            "starts_on",
            "ends_on",
            "times",
            "frequency",
            "status",
            "note",
            "created_at",
        ]


class PlanInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=InspectionKind.choices)
    lead_unit = serializers.IntegerField(required=False, allow_null=True)
    units = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    objects = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    grids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    times = serializers.IntegerField(min_value=1, default=1)
    frequency = serializers.ChoiceField(choices=Frequency.choices, default=Frequency.WEEK)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class MeasureSerializer(serializers.ModelSerializer):
    class Meta:
        model = EnforcementMeasure
        fields = ["id", "kind", "fine_amount", "deadline", "done_on", "note"]


class PublicitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Publicity
        fields = ["id", "channel", "outlet", "published_on", "link"]


class EnforcementSerializer(serializers.ModelSerializer):
    units = UnitRefSerializer(many=True, read_only=True)
    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True)
    family_code = serializers.CharField(source="family.code", default=None, read_only=True)
    measures = MeasureSerializer(many=True, read_only=True)
    publicity = PublicitySerializer(many=True, read_only=True)
    publicized = serializers.SerializerMethodField()

    class Meta:
        model = EnforcementCase
        fields = [
            "id",
            "number",
            "title",
            "party",
            "supervised_object",
            "family",
            "family_code",
            "grid",
            "street",
            "lead_unit",
            "lead_unit_name",
            "units",
            "inspections",
            "cases",
            "violation",
            "legal_basis",
            "status",
            "version",
            "filed_on",
            "decided_on",
            "closed_on",
            "measures",
            "publicized",
            "publicity",
            "note",
        ]

    def get_publicized(self, obj) -> bool:
        return bool(obj.publicity.all())


class MeasureInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MeasureKind.choices)
    fine_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)
    deadline = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class EnforcementInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    violation = serializers.CharField()
    legal_basis = serializers.CharField()
    party = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    supervised_object = serializers.IntegerField(required=False, allow_null=True)
    lead_unit = serializers.IntegerField(required=False, allow_null=True)
    units = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    inspections = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    cases = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    filed_on = serializers.DateField(required=False, allow_null=True)
    measures = MeasureInputSerializer(many=True, required=False, default=list)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TransitionInputSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=EnforcementStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("The version you saw (409 if stale).")
    )


class CompleteInputSerializer(serializers.Serializer):
    measure = serializers.IntegerField()
    done_on = serializers.DateField(required=False, allow_null=True)


class PublicityInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=PublicityChannel.choices)
    outlet = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    published_on = serializers.DateField()
    link = serializers.URLField(required=False, allow_blank=True, default="")
