from django.urls import reverse
from rest_framework import serializers

from envgrid.alerts.models import Alert, AlertRule
from envgrid.alerts.services import RULE_FIELDS
from envgrid.monitoring.choices import StationKind


class AlertRuleSerializer(serializers.ModelSerializer):
    """An alert rule; ``raise_level`` is read by ``kind`` (see the model)."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    unit = serializers.CharField(read_only=True)
    effective_clear_level = serializers.FloatField(read_only=True)
    station_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=StationKind.choices), required=False, allow_empty=True
    )

    class Meta:
        model = AlertRule
        fields = ["id", *RULE_FIELDS, "kind_label", "unit", "effective_clear_level", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def run_validation(self, data=serializers.empty):
        # Model rules (clean) are checked by the service, so that API and web give the same messages.
        return super().run_validation(data)


class AlertSerializer(serializers.ModelSerializer):
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    kind = serializers.CharField(source="rule.kind", read_only=True)
    factor = serializers.CharField(source="rule.factor", read_only=True)
    unit = serializers.CharField(source="rule.unit", read_only=True)
    station_mn = serializers.CharField(source="station.mn", read_only=True)
    station_name = serializers.CharField(source="station.name", read_only=True)
    grid = serializers.IntegerField(source="station.grid_id", read_only=True, allow_null=True)
    case_number = serializers.CharField(source="case.number", read_only=True, default=None)
    case_status = serializers.CharField(source="case.status", read_only=True, default=None)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "rule",
            "rule_name",
            "kind",
            "factor",
            "unit",
            "station",
            "station_mn",
            "station_name",
            "grid",
            "state",
            "started_at",
            "raised_at",
            "peak_at",
            "peak_value",
            "last_value",
            "last_data_at",
            "cleared_at",
            "reopen_count",
            "case",
            "case_number",
            "case_status",
            "evidence",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, alert) -> str:
        return reverse("alert-detail", args=[alert.pk])
