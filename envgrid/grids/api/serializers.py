from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from envgrid.core.models import User
from envgrid.grids.models import Grid, Region


class PersonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__")

    class Meta:
        model = User
        fields = ["id", "username", "name", "phone"]


class RegionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name", "level"]


class RegionSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", default=None, read_only=True)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "parent", "unit", "unit_name"]


class GridLookupSerializer(serializers.ModelSerializer):
    """The grid that contains a point, with who answers for it."""

    community = RegionBriefSerializer()
    street = RegionBriefSerializer()
    head = PersonSerializer(allow_null=True)
    members = PersonSerializer(many=True)

    class Meta:
        model = Grid
        fields = ["id", "code", "name", "kind", "community", "street", "head", "members", "households", "population"]


class PointQuerySerializer(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180, help_text=_("Longitude, WGS-84"))
    lat = serializers.FloatField(min_value=-90, max_value=90, help_text=_("Latitude, WGS-84"))
    crs = serializers.ChoiceField(
        choices=["wgs84", "gcj02", "bd09"], default="wgs84", help_text=_("Datum of the given point")
    )

    def validate(self, attrs):
        import math

        for key in ("lon", "lat"):
            if not math.isfinite(attrs[key]):
                raise serializers.ValidationError({key: _("Must be a finite number.")})
        return attrs
