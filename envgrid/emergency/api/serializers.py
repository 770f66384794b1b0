"""Serializers of the emergency API: read shapes of rosters, warnings, measures and checks, and the small
input serializers of the commands (activate, change, lift, record, import)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from envgrid.core.models import Unit, User
from envgrid.emergency.choices import CheckStatus, DutyPost, WarningLevel
from envgrid.emergency.models import (
    DutyAssignment,
    DutyShift,
    PollutionWarning,
    ReductionMeasure,
    SpotCheck,
    SpotCheckPhoto,
    WarningEvent,
)


class DutyAssignmentSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    shift_code = serializers.CharField(source="shift.code", read_only=True)
    shift_name = serializers.CharField(source="shift.name", read_only=True)

    class Meta:
        model = DutyAssignment
        fields = [
            "id",
            "unit",
            "unit_name",
            "date",
            "shift",
            "shift_code",
            "shift_name",
            "post",
            "person",
            "name",
            "phone",
            "starts_at",
            "ends_at",
            "note",
        ]
        read_only_fields = fields


class DutyAddSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True))
    date = serializers.DateField()
    shift = serializers.SlugRelatedField(slug_field="code", queryset=DutyShift.objects.filter(is_active=True))
    post = serializers.ChoiceField(choices=DutyPost.choices, default=DutyPost.OFFICER)
    person = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True, default=None
    )
    name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(default=False)


class WarningEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = WarningEvent
        fields = ["id", "created_at", "actor", "actor_name", "action", "from_level", "to_level", "note", "data"]


class WarningSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area_name", read_only=True)

    class Meta:
        model = PollutionWarning
        fields = [
            "id",
            "document_number",
            "title",
            "level",
            "region",
            "area",
            "starts_at",
            "ends_at",
            "status",
            "activated_at",
            "lifted_at",
            "note",
            "created_at",
            "created_by",
        ]
        read_only_fields = fields


class WarningDetailSerializer(WarningSerializer):
    events = WarningEventSerializer(many=True, read_only=True)

    class Meta(WarningSerializer.Meta):
        fields = [*WarningSerializer.Meta.fields, "events"]
        read_only_fields = fields


class WarningRecordSerializer(serializers.Serializer):
    document_number = serializers.CharField(max_length=80)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    level = serializers.ChoiceField(choices=WarningLevel.choices)
    region = serializers.IntegerField(required=False, allow_null=True, default=None)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_region(self, value):
        if value is None:
            return None
        from envgrid.grids.models import Region

        region = Region.objects.filter(pk=value).first()
        if region is None:
            raise serializers.ValidationError("No such region.")
        return region


class WarningChangeSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=WarningLevel.choices, required=False, default=None)
    ends_at = serializers.DateTimeField(required=False, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="ReductionMeasure")
class MeasureSerializer(serializers.ModelSerializer):
    object_code = serializers.CharField(source="supervised_object.code", read_only=True)
    object_name = serializers.CharField(source="supervised_object.name", read_only=True)

    class Meta:
        model = ReductionMeasure
        fields = [
            "id",
            "supervised_object",
            "object_code",
            "object_name",
            "level",
            "measures",
            "stop_lines",
            "cut_percent",
            "heavy_truck_ban",
            "note",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = ["id", "object_code", "object_name", "updated_at", "updated_by"]
        validators = []  # posting a line again replaces it (the service upserts by enterprise and level)


@extend_schema_serializer(component_name="SpotCheckPhoto")
class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = SpotCheckPhoto
        fields = ["id", "original_name", "content_type", "size", "taken_at", "taken_lon", "taken_lat", "url"]

    def get_url(self, photo) -> str:
        return reverse("emergency-photo", args=[photo.pk])


class SpotCheckSerializer(serializers.ModelSerializer):
    object_code = serializers.CharField(source="supervised_object.code", read_only=True)
    object_name = serializers.CharField(source="supervised_object.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    warning_number = serializers.CharField(source="warning.document_number", read_only=True)
    case_number = serializers.CharField(source="case.number", read_only=True, default=None)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = SpotCheck
        fields = [
            "id",
            "warning",
            "warning_number",
            "supervised_object",
            "object_code",
            "object_name",
            "level",
            "measures_text",
            "unit",
            "unit_name",
            "person",
            "window_start",
            "due_at",
            "status",
            "overdue",
            "checked_at",
            "checked_by",
            "is_late",
            "note",
            "lon",
            "lat",
            "case",
            "case_number",
        ]
        read_only_fields = fields

    def get_overdue(self, check) -> bool:
        return check.is_overdue()


class SpotCheckDetailSerializer(SpotCheckSerializer):
    photos = PhotoSerializer(many=True, read_only=True)

    class Meta(SpotCheckSerializer.Meta):
        fields = [*SpotCheckSerializer.Meta.fields, "photos"]
        read_only_fields = fields


class RecordSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=[CheckStatus.COMPLIED, CheckStatus.VIOLATED])
    note = serializers.CharField(required=False, allow_blank=True, default="")
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    lon = serializers.FloatField(required=False, allow_null=True, default=None)
    lat = serializers.FloatField(required=False, allow_null=True, default=None)
    legal_basis = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="With a violation: also file an enforcement case on this basis.",
    )
