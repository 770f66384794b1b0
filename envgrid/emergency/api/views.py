"""The emergency API: duty roster, warnings (with activate, change, lift, cancel and the board), the
reduction list, spot checks (with record). Same scope and services as the web pages."""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from envgrid.core.api.parsers import SafeJSONParser
from envgrid.emergency import selectors
from envgrid.emergency.api import serializers as s
from envgrid.emergency.errors import EmergencyPermissionDenied
from envgrid.emergency.models import (
    DutyAssignment,
    PollutionWarning,
    ReductionMeasure,
    SpotCheck,
    can_manage_emergency,
)
from envgrid.emergency.services import checks as check_services
from envgrid.emergency.services import duty as duty_services
from envgrid.emergency.services import measures as measure_services
from envgrid.emergency.services import warnings as warning_services

PARSERS = [SafeJSONParser, MultiPartParser, FormParser]


class DutyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The duty roster (应急值班) in the user's scope. Filter by ``unit``, ``date``, ``date_from``/``date_to``;
    ``now`` lists who is on duty now; ``import`` takes an Excel roster (all-or-nothing, ``dry_run``)."""

    serializer_class = s.DutyAssignmentSerializer
    parser_classes = PARSERS
    filterset_fields = ["unit", "date", "shift", "post"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DutyAssignment.objects.none()
        queryset = DutyAssignment.objects.visible_to(self.request.user).select_related("unit", "shift")
        params = self.request.query_params
        if params.get("date_from"):
            queryset = queryset.filter(date__gte=params["date_from"])
        if params.get("date_to"):
            queryset = queryset.filter(date__lte=params["date_to"])
        return queryset.order_by("date", "unit__sort_order", "shift__sort_order", "name")

    @extend_schema(request=s.DutyAddSerializer, responses={201: s.DutyAssignmentSerializer})
    def create(self, request):
        """Put a person on a unit's shift (the command centre, or the unit's lead)."""
        given = s.DutyAddSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        assignment = duty_services.duty_assignment_add(actor=request.user, **given.validated_data)
        return Response(s.DutyAssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        duty_services.duty_assignment_remove(actor=self.request.user, assignment=instance)

    @extend_schema(
        responses={200: s.DutyAssignmentSerializer(many=True)},
        parameters=[OpenApiParameter("unit", int, description="Only this unit.")],
    )
    @action(detail=False, methods=["get"])
    def now(self, request):
        """Who is on duty right now, in the user's scope."""
        queryset = self.get_queryset().covering(timezone.now())
        if unit := request.query_params.get("unit"):
            queryset = queryset.filter(unit_id=unit)
        return Response(s.DutyAssignmentSerializer(queryset, many=True).data)

    @extend_schema(request=s.ImportSerializer, responses={200: dict})
    @action(detail=False, methods=["post"], url_path="import")
    def import_roster(self, request):
        """Import an Excel roster; errors come back as ``details`` [{row, column, message}]."""
        given = s.ImportSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        result = duty_services.duty_roster_import(
            actor=request.user, content=given.validated_data["file"].read(), dry_run=given.validated_data["dry_run"]
        )
        return Response(result.as_dict())


class WarningViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Pollution-weather warnings (重污染天气预警) with their history; record, activate, change (level or end),
    lift and cancel are commands of the command centre; ``board`` is the compliance board in your scope."""

    parser_classes = PARSERS
    filterset_fields = ["status", "level"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PollutionWarning.objects.none()
        queryset = PollutionWarning.objects.visible_to(self.request.user).select_related("region")
        if self.action != "list":
            queryset = queryset.prefetch_related("events")
        return queryset.order_by("-starts_at", "-id")

    def get_serializer_class(self):
        return s.WarningSerializer if self.action == "list" else s.WarningDetailSerializer

    def _detail(self, warning) -> Response:
        return Response(s.WarningDetailSerializer(self.get_queryset().get(pk=warning.pk)).data)

    @extend_schema(request=s.WarningRecordSerializer, responses={201: s.WarningDetailSerializer})
    def create(self, request):
        """Record a warning (document number, level, area, start, end)."""
        given = s.WarningRecordSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        warning = warning_services.warning_record(actor=request.user, **given.validated_data)
        response = self._detail(warning)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=s.NoteSerializer, responses={200: s.WarningDetailSerializer})
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        """Activate: the listed enterprises' spot checks are made for their responsible units."""
        given = s.NoteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        warning = warning_services.warning_activate(
            warning=self.get_object(), actor=request.user, **given.validated_data
        )
        return self._detail(warning)

    @extend_schema(request=s.WarningChangeSerializer, responses={200: s.WarningDetailSerializer})
    @action(detail=True, methods=["post"])
    def change(self, request, pk=None):
        """Change the level and/or the end; while active, checks not yet due are replanned."""
        given = s.WarningChangeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        warning = warning_services.warning_change(warning=self.get_object(), actor=request.user, **given.validated_data)
        return self._detail(warning)

    @extend_schema(request=s.NoteSerializer, responses={200: s.WarningDetailSerializer})
    @action(detail=True, methods=["post"])
    def lift(self, request, pk=None):
        """Lift: checks not yet due are cancelled, past-due unrecorded ones are missed."""
        given = s.NoteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        warning = warning_services.warning_lift(warning=self.get_object(), actor=request.user, **given.validated_data)
        return self._detail(warning)

    @extend_schema(request=s.NoteSerializer, responses={200: s.WarningDetailSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a recorded warning that never started (a reason is required)."""
        given = s.NoteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        warning = warning_services.warning_cancel(warning=self.get_object(), actor=request.user, **given.validated_data)
        return self._detail(warning)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def board(self, request, pk=None):
        """The compliance board in your scope: totals, per enterprise, per unit, duty units with nobody on duty."""
        board = selectors.warning_board(self.get_object(), request.user)
        return Response(
            {
                "totals": board["totals"],
                "by_object": board["by_object"],
                "by_unit": board["by_unit"],
                "uncovered_units": [{"id": u.pk, "name": u.name} for u in board["uncovered"]],
                "at": board["now"],
            }
        )


class MeasureViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The emergency reduction list (应急减排清单) in your scope; the command centre sets lines (one per
    enterprise and level; posting again replaces it) and imports the list from Excel."""

    serializer_class = s.MeasureSerializer
    parser_classes = PARSERS
    filterset_fields = ["level", "supervised_object", "heavy_truck_ban"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReductionMeasure.objects.none()
        return (
            ReductionMeasure.objects.visible_to(self.request.user)
            .select_related("supervised_object")
            .order_by("supervised_object__code", "level")
        )

    @extend_schema(request=s.MeasureSerializer, responses={201: s.MeasureSerializer})
    def create(self, request):
        """Set one enterprise's measures at one level (replacing the line if there is one)."""
        if not can_manage_emergency(request.user):
            raise EmergencyPermissionDenied(_("Only the command centre keeps the emergency reduction list."))
        given = s.MeasureSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        measure = measure_services.measure_save(
            actor=request.user,
            supervised_object=data.pop("supervised_object"),
            level=data.pop("level"),
            measures=data.pop("measures"),
            **data,
        )
        return Response(s.MeasureSerializer(measure).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        measure_services.measure_delete(actor=self.request.user, measure=instance)

    @extend_schema(request=s.ImportSerializer, responses={200: dict})
    @action(detail=False, methods=["post"], url_path="import")
    def import_list(self, request):
        """Import the list from Excel; errors come back as ``details`` [{row, column, message}]."""
        given = s.ImportSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        result = measure_services.measures_import(
            actor=request.user, content=given.validated_data["file"].read(), dry_run=given.validated_data["dry_run"]
        )
        return Response(result.as_dict())


class SpotCheckViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Spot checks in your scope (a unit: its own; the command centre: all). Filter by ``warning``,
    ``status`` (or ``open``), ``unit``, ``supervised_object``; ``record`` answers one with photos."""

    parser_classes = PARSERS

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SpotCheck.objects.none()
        params = self.request.query_params
        queryset = selectors.checks_for(self.request.user, status=params.get("status", ""))
        for key in ("warning", "unit", "supervised_object"):
            value = params.get(key, "")
            if value and not value.isdigit():
                raise serializers.ValidationError({key: _("Give the id as a whole number.")})
            if value:
                queryset = queryset.filter(**{f"{key}_id": int(value)})
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("photos")
        return queryset

    def get_serializer_class(self):
        return s.SpotCheckSerializer if self.action == "list" else s.SpotCheckDetailSerializer

    @extend_schema(request=s.RecordSerializer, responses={200: s.SpotCheckDetailSerializer})
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        """Record complied or violated (with ``note`` and photos in ``files``; a violation opens a case)."""
        try:
            check = self.get_queryset().get(pk=pk)
        except (SpotCheck.DoesNotExist, ValueError):
            raise Http404 from None
        data = request.data.copy() if hasattr(request.data, "copy") else dict(request.data)
        fields = ("result", "note", "lon", "lat", "legal_basis")
        given = s.RecordSerializer(
            data={**{k: data.get(k) for k in fields if k in data}, "files": request.FILES.getlist("files")}
        )
        given.is_valid(raise_exception=True)
        check_services.spot_check_record(check=check, actor=request.user, **given.validated_data)
        return Response(s.SpotCheckDetailSerializer(self.get_queryset().prefetch_related("photos").get(pk=pk)).data)
