import datetime as dt

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from envgrid.sources import selectors, services
from envgrid.sources.api import serializers as s
from envgrid.sources.errors import SourcesPermissionDenied
from envgrid.sources.filtersets import ResponsibilityFilterSet, SupervisedObjectFilterSet
from envgrid.sources.models import SourceFamily
from envgrid.sources.permissions import can_manage_sources

ON = OpenApiParameter("on", OpenApiTypes.DATE, description="A day (YYYY-MM-DD); default today.")


def _day(request) -> dt.date:
    raw = request.query_params.get("on")
    if not raw:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise serializers.ValidationError({"on": _("Give the day as YYYY-MM-DD.")}) from None


class SourceFamilyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The district's source families (六源); everyone reads them, administrators change them."""

    serializer_class = s.SourceFamilySerializer
    queryset = SourceFamily.objects.order_by("sort_order", "code")
    pagination_class = None

    def perform_create(self, serializer):
        serializer.instance = services.family_save(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.family_save(
            actor=self.request.user, family=serializer.instance, **serializer.validated_data
        )


class SupervisedObjectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Supervised objects in the user's scope, each with its lead owner today (or on ``?on=``)."""

    filterset_class = SupervisedObjectFilterSet

    def get_queryset(self):
        queryset = selectors.objects_for_list(self.request.user)
        if self.action == "retrieve":
            queryset = queryset.select_related("construction_site", "road")
        return queryset

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return s.ObjectWriteSerializer
        return s.ObjectDetailSerializer if self.action == "retrieve" else s.ObjectListSerializer

    def _with_owners(self, objects):
        return selectors.with_owners(list(objects), _day(self.request))

    @extend_schema(parameters=[ON])
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.ObjectListSerializer(self._with_owners(page), many=True).data)

    @extend_schema(parameters=[ON])
    def retrieve(self, request, *args, **kwargs):
        obj = self._with_owners([self.get_object()])[0]
        return Response(s.ObjectDetailSerializer(obj).data)

    @extend_schema(request=s.ObjectWriteSerializer, responses={201: s.ObjectDetailSerializer})
    def create(self, request, *args, **kwargs):
        given = s.ObjectWriteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        obj = services.object_create(actor=request.user, **given.validated_data)
        return Response(self._detail(obj), status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ObjectWriteSerializer, responses={200: s.ObjectDetailSerializer})
    def update(self, request, *args, **kwargs):
        obj = self.get_object()
        given = s.ObjectWriteSerializer(data=request.data, partial=kwargs.get("partial", False))
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        typed = data.pop("typed", None)
        obj = services.object_update(actor=request.user, obj=obj, typed=typed, **data)
        return Response(self._detail(obj))

    def _detail(self, obj) -> dict:
        fresh = selectors.objects_for_list(self.request.user).filter(pk=obj.pk).first() or obj
        return s.ObjectDetailSerializer(self._with_owners([fresh])[0]).data

    @extend_schema(parameters=[ON], responses={200: s.ResponsibleOnSerializer})
    @action(detail=True, methods=["get"])
    def responsible(self, request, pk=None):
        """Who answered for this object on ``?on=`` (default today): its own 分包, else its grid's, else its
        family's in the smallest area containing it; ``responsibility`` is null when nobody did."""
        obj = self.get_object()
        day = _day(request)
        found = selectors.responsible_on(obj, day)
        return Response(
            {"object": obj.pk, "on": day, "responsibility": s.ResponsibilitySerializer(found).data if found else None}
        )


class ResponsibilityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """分包 records in the user's scope. ``?on=YYYY-MM-DD`` keeps those in force that day; ``?object=<id>``
    keeps those that reach the object (its own, its grid's, its family's in an area containing it)."""

    serializer_class = s.ResponsibilitySerializer
    filterset_class = ResponsibilityFilterSet

    def get_queryset(self):
        queryset = selectors.responsibilities_for_list(self.request.user)
        object_id = self.request.query_params.get("object")
        if object_id and object_id.isdigit():
            obj = get_object_or_404(
                selectors.objects_visible_to(self.request.user).select_related("grid", "street"), pk=int(object_id)
            )
            reach = Q(supervised_object=obj) | Q(family_id=obj.family_id, region_id__in=selectors.area_chain(obj))
            if obj.grid_id:
                reach |= Q(grid_id=obj.grid_id)
            queryset = queryset.filter(reach)
        return queryset

    @extend_schema(parameters=[OpenApiParameter("object", OpenApiTypes.INT, description="A supervised object's id.")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _require_manager(self):
        if not can_manage_sources(self.request.user):
            raise SourcesPermissionDenied(_("Only the command centre may assign or change responsibilities (分包)."))

    @extend_schema(request=s.AssignSerializer, responses={201: s.ResponsibilitySerializer})
    def create(self, request):
        """Assign a unit and a named person to an object, a grid, or a family in an area."""
        self._require_manager()
        given = s.AssignSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        responsibility = services.responsibility_assign(actor=request.user, **given.validated_data)
        return Response(s.ResponsibilitySerializer(responsibility).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.TransferSerializer, responses={201: s.ResponsibilitySerializer})
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        """Hand over from ``on``: this one ends the day before; the answer is the new responsibility."""
        self._require_manager()
        responsibility = self.get_object()
        given = s.TransferSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        new = services.responsibility_transfer(
            actor=request.user, responsibility=responsibility, **given.validated_data
        )
        return Response(s.ResponsibilitySerializer(new).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.EndSerializer, responses={200: s.ResponsibilitySerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        self._require_manager()
        responsibility = self.get_object()
        given = s.EndSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        ended = services.responsibility_end(actor=request.user, responsibility=responsibility, **given.validated_data)
        return Response(s.ResponsibilitySerializer(ended).data)
