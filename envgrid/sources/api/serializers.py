from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from envgrid.core.models import Unit, User
from envgrid.grids.models import Grid, Region
from envgrid.sources.choices import ObjectKind, ObjectStatus, ResponsibilityRole
from envgrid.sources.models import (
    ConstructionSiteDetail,
    EnterpriseDetail,
    Responsibility,
    RoadDetail,
    SourceFamily,
    SupervisedObject,
)


class SourceFamilySerializer(serializers.ModelSerializer):
    class Meta:
        model = SourceFamily
        fields = ["id", "code", "name", "sort_order", "active"]


@extend_schema_serializer(component_name="ResponsiblePerson")
class PersonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "phone"]


class ResponsibilitySerializer(serializers.ModelSerializer):
    target = serializers.CharField(source="target_kind", read_only=True)
    object_code = serializers.CharField(source="supervised_object.code", default=None, read_only=True)
    grid_code = serializers.CharField(source="grid.code", default=None, read_only=True)
    family_code = serializers.CharField(source="family.code", default=None, read_only=True)
    region_code = serializers.CharField(source="region.code", default=None, read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    person = PersonSerializer(read_only=True)
    deputy = PersonSerializer(read_only=True)

    class Meta:
        model = Responsibility
        fields = [
            "id",
            "target",
            "supervised_object",
            "object_code",
            "grid",
            "grid_code",
            "family",
            "family_code",
            "region",
            "region_code",
            "role",
            "unit",
            "unit_name",
            "person",
            "deputy",
            "valid_from",
            "valid_to",
            "note",
            "created_at",
        ]


class EnterpriseSerializer(serializers.ModelSerializer):
    class Meta:
        model = EnterpriseDetail
        fields = ["credit_code", "industry", "performance_grade", "permit_number", "monitoring_mns"]


class ConstructionSiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConstructionSiteDetail
        exclude = ["supervised_object"]


class RoadSerializer(serializers.ModelSerializer):
    class Meta:
        model = RoadDetail
        exclude = ["supervised_object"]


class ObjectListSerializer(serializers.ModelSerializer):
    family_code = serializers.CharField(source="family.code", read_only=True)
    grid_code = serializers.CharField(source="grid.code", default=None, read_only=True)
    street_name = serializers.CharField(source="street.name", default=None, read_only=True)
    owner = serializers.SerializerMethodField()

    class Meta:
        model = SupervisedObject
        fields = [
            "id",
            "code",
            "name",
            "family",
            "family_code",
            "kind",
            "status",
            "address",
            "lon",
            "lat",
            "geometry",
            "grid",
            "grid_code",
            "street",
            "street_name",
            "contact_name",
            "contact_phone",
            "owner",
            "updated_at",
        ]

    def get_owner(self, obj) -> dict | None:
        owner = getattr(obj, "owner", None)
        return ResponsibilitySerializer(owner).data if owner is not None else None


class ObjectDetailSerializer(ObjectListSerializer):
    enterprise = serializers.SerializerMethodField()
    construction_site = serializers.SerializerMethodField()
    road = serializers.SerializerMethodField()

    class Meta(ObjectListSerializer.Meta):
        fields = [*ObjectListSerializer.Meta.fields, "details", "note", "enterprise", "construction_site", "road"]

    def _typed(self, obj, name, serializer):
        try:
            return serializer(getattr(obj, name)).data
        except SupervisedObject._meta.get_field(name).related_model.DoesNotExist:
            return None

    def get_enterprise(self, obj) -> dict | None:
        return self._typed(obj, "enterprise", EnterpriseSerializer)

    def get_construction_site(self, obj) -> dict | None:
        return self._typed(obj, "construction_site", ConstructionSiteSerializer)

    def get_road(self, obj) -> dict | None:
        return self._typed(obj, "road", RoadSerializer)


class ObjectWriteSerializer(serializers.Serializer):
    """Fields of an object to create or change; ``typed`` holds the fields of its kind's details."""

    family = serializers.PrimaryKeyRelatedField(queryset=SourceFamily.objects.all())
    kind = serializers.ChoiceField(choices=ObjectKind.choices)
    code = serializers.CharField(max_length=50)
    name = serializers.CharField(max_length=200)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    lon = serializers.FloatField(required=False, allow_null=True)
    lat = serializers.FloatField(required=False, allow_null=True)
    geometry = serializers.JSONField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=ObjectStatus.choices, required=False)
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    details = serializers.JSONField(required=False)
    note = serializers.CharField(required=False, allow_blank=True)
    typed = serializers.DictField(required=False)


class AssignSerializer(serializers.Serializer):
    supervised_object = serializers.PrimaryKeyRelatedField(queryset=SupervisedObject.objects.all(), required=False)
    grid = serializers.PrimaryKeyRelatedField(queryset=Grid.objects.all(), required=False)
    family = serializers.PrimaryKeyRelatedField(queryset=SourceFamily.objects.all(), required=False)
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all(), required=False)
    role = serializers.ChoiceField(choices=ResponsibilityRole.choices, default=ResponsibilityRole.LEAD)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    person = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    deputy = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class TransferSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    person = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    deputy = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    on = serializers.DateField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class EndSerializer(serializers.Serializer):
    valid_to = serializers.DateField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ResponsibleOnSerializer(serializers.Serializer):
    """Who answered for an object on a day: the effective 分包 (own, grid's or family-in-area's), or null."""

    object = serializers.IntegerField()
    on = serializers.DateField()
    responsibility = ResponsibilitySerializer(allow_null=True)
