"""Serializers of the stations and readings API. A station's HJ 212 password is never serialized."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from envgrid.monitoring.models import Station


class LatestAqiSerializer(serializers.Serializer):
    """The latest hourly AQI (实时报) of a station, HJ 633-2012 Table 2 level, category and colour."""

    aqi = serializers.IntegerField()
    level = serializers.CharField()
    category = serializers.CharField()
    color = serializers.CharField()
    primary_pollutants = serializers.ListField(child=serializers.CharField())
    data_time = serializers.DateTimeField(allow_null=True)


class GridBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    street = serializers.CharField(source="street.name")


class StationSerializer(serializers.ModelSerializer):
    """A station: MN, kind, grid, WGS-84 location, device status and latest AQI (never the password)."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    grid = GridBriefSerializer(allow_null=True, read_only=True)
    location = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    latest_aqi = serializers.SerializerMethodField()

    class Meta:
        model = Station
        fields = [
            "id",
            "mn",
            "name",
            "kind",
            "kind_label",
            "grid",
            "location",
            "is_active",
            "interval_minutes",
            "last_seen_at",
            "protocol_version",
            "status",
            "latest_aqi",
        ]

    def _row(self, station):
        return self.context["rows"][station.pk]

    @extend_schema_field(
        {"type": "object", "properties": {"type": {"type": "string"}, "coordinates": {"type": "array"}}}
    )
    def get_location(self, station) -> dict:
        """A GeoJSON point in WGS-84 (lon, lat)."""
        return {"type": "Point", "coordinates": [station.lon, station.lat]}

    def get_status(self, station) -> str:
        """online, late, offline or flagged, from arrival times."""
        return self._row(station).status.value

    @extend_schema_field(LatestAqiSerializer(allow_null=True))
    def get_latest_aqi(self, station):
        aqi = self._row(station).aqi
        if aqi is None:
            return None
        return LatestAqiSerializer({k: v for k, v in aqi.items() if k != "text_color"}).data


class SeriesSerializer(serializers.Serializer):
    """A station's readings over a window: minute data as stored, hourly and daily rollups with AQI and coverage."""

    station = serializers.IntegerField()
    mn = serializers.CharField()
    interval = serializers.ChoiceField(choices=["minute", "hour", "day"])
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    count = serializers.IntegerField()
    points = serializers.ListField(child=serializers.DictField())


class ReadingIngestRowSerializer(serializers.Serializer):
    """One reading to store (schema only: rows are validated one by one by the ingest, which names the row and
    field of each problem). Values in the stored units unless ``units`` declares another."""

    mn = serializers.CharField(required=False, help_text="Station MN (or give station).")
    station = serializers.IntegerField(required=False, help_text="Station id (or give mn).")
    data_time = serializers.CharField(help_text="ISO 8601; Beijing time when no offset is given.")
    cn = serializers.IntegerField(required=False, help_text="2011, 2051, 2061 or 2031 (default from ?interval=).")
    interval = serializers.CharField(required=False, help_text="realtime, minute, hour or day (instead of cn).")
    pm25 = serializers.FloatField(required=False, allow_null=True, help_text="ug/m3")
    pm10 = serializers.FloatField(required=False, allow_null=True, help_text="ug/m3")
    so2 = serializers.FloatField(required=False, allow_null=True, help_text="ug/m3")
    no2 = serializers.FloatField(required=False, allow_null=True, help_text="ug/m3")
    co = serializers.FloatField(required=False, allow_null=True, help_text="mg/m3")
    o3 = serializers.FloatField(required=False, allow_null=True, help_text="ug/m3")
    temperature = serializers.FloatField(required=False, allow_null=True, help_text="degC")
    humidity = serializers.FloatField(required=False, allow_null=True, help_text="%")
    pressure = serializers.FloatField(required=False, allow_null=True, help_text="kPa")
    wind_speed = serializers.FloatField(required=False, allow_null=True, help_text="m/s")
    wind_direction = serializers.FloatField(required=False, allow_null=True, help_text="deg")
    units = serializers.DictField(child=serializers.CharField(), required=False, help_text='e.g. {"co": "ug/m3"}')


class RowErrorSerializer(serializers.Serializer):
    """A ``core.spreadsheets.RowError`` of a posted list."""

    row = serializers.IntegerField(help_text="Position in the posted list, from 0.")
    column = serializers.CharField(help_text="The field ('' for the whole row).")
    code = serializers.CharField()
    message = serializers.CharField()


class ImportResultSerializer(serializers.Serializer):
    """A ``core.spreadsheets.ImportResult`` of readings: rows read, readings stored, already stored, refused."""

    total = serializers.IntegerField(source="total_rows")
    stored = serializers.IntegerField(source="created")
    duplicates = serializers.IntegerField()
    rejected_rows = serializers.IntegerField(source="error_rows")
    errors = RowErrorSerializer(many=True)
