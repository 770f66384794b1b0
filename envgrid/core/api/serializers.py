from rest_framework import serializers

from envgrid.core.models import Unit, User


class UnitSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "short_name", "kind", "kind_label", "parent", "phone", "is_active"]


class MeSerializer(serializers.ModelSerializer):
    unit = UnitSerializer(read_only=True)
    roles = serializers.SerializerMethodField()
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    grids = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "phone", "role", "roles", "role_label", "unit", "grids"]

    def get_roles(self, user) -> list[str]:
        return [user.role]

    def get_grids(self, user) -> list[dict]:
        headed = {g.pk: g for g in user.headed_grids.all()}
        member = {g.pk: g for g in user.member_grids.all()}
        return [
            {"id": g.pk, "code": g.code, "name": g.name, "as": "head" if g.pk in headed else "member"}
            for g in sorted({**member, **headed}.values(), key=lambda g: g.code)
        ]


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(required=False, max_length=80, help_text="What the token is for, e.g. 数据对接 12345")


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Shown once; only its hash is kept.")
    expires_at = serializers.DateTimeField()
