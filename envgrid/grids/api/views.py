from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from envgrid.core.models import User
from envgrid.grids import coords
from envgrid.grids.api.serializers import GridLookupSerializer, PointQuerySerializer, RegionSerializer
from envgrid.grids.filtersets import GridFilterSet
from envgrid.grids.lookup import grid_for_point
from envgrid.grids.models import Grid, Region
from envgrid.grids.services import grids_export_geojson

FeatureCollection = inline_serializer(
    "GridFeatureCollection",
    {"type": serializers.CharField(), "features": serializers.ListField(child=serializers.DictField())},
)


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """The region tree (district → streets/towns → communities/villages) the user may see."""

    serializer_class = RegionSerializer
    filterset_fields = ["level", "parent"]
    pagination_class = None

    def get_queryset(self):
        return Region.objects.visible_to(self.request.user).select_related("unit").order_by("sort_order", "code")


class GridViewSet(viewsets.GenericViewSet):
    """Grids as GeoJSON (WGS-84), scoped to the user; point → grid lookup."""

    filterset_class = GridFilterSet
    pagination_class = None

    def get_queryset(self):
        return (
            Grid.objects.visible_to(self.request.user)
            .select_related("community", "street", "head")
            .prefetch_related(Prefetch("members", queryset=User.objects.order_by("username")))
            .order_by("code")
        )

    @extend_schema(responses={200: FeatureCollection})
    def list(self, request):
        """All visible grids as a GeoJSON FeatureCollection (filters: q, street, community, kind)."""
        return Response(grids_export_geojson(self.filter_queryset(self.get_queryset())))

    @extend_schema(responses={200: FeatureCollection})
    def retrieve(self, request, pk=None):
        grid = self.get_object()
        return Response(grids_export_geojson(Grid.objects.filter(pk=grid.pk))["features"][0])

    @extend_schema(
        parameters=[
            OpenApiParameter("lon", float, required=True, description="Longitude"),
            OpenApiParameter("lat", float, required=True, description="Latitude"),
            OpenApiParameter("crs", str, enum=["wgs84", "gcj02", "bd09"], description="Datum (default wgs84)"),
        ],
        responses={200: GridLookupSerializer},
    )
    @action(detail=False, methods=["get"])
    def lookup(self, request):
        """The grid containing a point, with its community, street, head and members."""
        query = PointQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        lon, lat = query.validated_data["lon"], query.validated_data["lat"]
        if query.validated_data["crs"] == "gcj02":
            lon, lat = coords.gcj02_to_wgs84(lon, lat)
        elif query.validated_data["crs"] == "bd09":
            lon, lat = coords.bd09_to_wgs84(lon, lat)
        found = grid_for_point(lon, lat)
        grid = self.get_queryset().filter(pk=found.pk).first() if found else None
        if grid is None:
            return Response(
                {
                    "code": "no_grid",
                    "detail": _("No grid you can see contains the point (%(lon)s, %(lat)s).")
                    % {"lon": lon, "lat": lat},
                },
                status=404,
            )
        return Response(GridLookupSerializer(grid).data)
