"""The patrols API: ``/api/v1/inspections/``, ``/api/v1/inspection-plans/``, ``/api/v1/enforcement-cases/``.
Every queryset starts from ``visible_to(user)``; writes call the same services as the pages, with the same
rules and error codes (``{"code", "detail"}``; 409 on a conflict)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from envgrid.cases.models import Case, CaseCategory
from envgrid.core.models import Unit
from envgrid.grids.models import Grid
from envgrid.patrols import selectors, services
from envgrid.patrols.api import serializers as s
from envgrid.patrols.errors import PatrolError, PatrolErrorCode
from envgrid.patrols.filtersets import EnforcementFilterSet, InspectionFilterSet, PlanFilterSet
from envgrid.patrols.forms import parse_period
from envgrid.patrols.models import EnforcementCase, EnforcementMeasure, Inspection, InspectionPlan
from envgrid.patrols.services.inspections import inspectable_objects
from envgrid.sources.models import SupervisedObject


def _one(queryset, pk, what: str):
    """The row ``pk`` of a scoped queryset, or a 400 naming the field (an id outside scope is unknown)."""
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise PatrolError(
            PatrolErrorCode.INVALID, _("Unknown %(what)s %(pk)s (or outside your scope).") % {"what": what, "pk": pk}
        )
    return found


def _many(queryset, pks, what: str) -> list:
    rows = list(queryset.filter(pk__in=pks))
    missing = sorted(set(pks) - {r.pk for r in rows})
    if missing:
        raise PatrolError(
            PatrolErrorCode.INVALID,
            _("Unknown %(what)s: %(ids)s (or outside your scope).")
            % {"what": what, "ids": ", ".join(map(str, missing))},
        )
    return rows


def _category(value: str) -> CaseCategory:
    found = CaseCategory.objects.filter(Q(code=value) | Q(pk=int(value)) if value.isdigit() else Q(code=value)).first()
    if found is None:
        raise PatrolError(PatrolErrorCode.INVALID, _("Unknown category %(c)r.") % {"c": value})
    return found


class InspectionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Inspection records (检查记录) in your scope; POST records one (JSON, or multipart with photos)."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_class = InspectionFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Inspection.objects.none()
        if self.action == "list":
            return selectors.inspections_for_list(self.request.user)
        return Inspection.objects.visible_to(self.request.user).prefetch_related(
            "units", "answers__item", "photos", "findings__case__lead_unit", "findings__category", "findings__items"
        )

    def get_serializer_class(self):
        return s.InspectionListSerializer if self.action == "list" else s.InspectionDetailSerializer

    @extend_schema(request=s.InspectionInputSerializer, responses={201: s.InspectionDetailSerializer})
    def create(self, request, *args, **kwargs):
        given = s.InspectionInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        d, user = given.validated_data, request.user
        photos = request.FILES.getlist("photos") if hasattr(request, "FILES") else []
        inspection = services.inspection_record(
            inspector=user,
            kind=d["kind"],
            started_at=d["started_at"],
            ended_at=d["ended_at"],
            supervised_object=_one(
                inspectable_objects(user, timezone.localdate(d["started_at"])), d.get("supervised_object"), _("object")
            ),
            grid=_one(Grid.objects.visible_to(user), d.get("grid"), _("grid")),
            plan=_one(InspectionPlan.objects.visible_to(user), d.get("plan"), _("plan")),
            units=_many(Unit.objects.filter(is_active=True), d["units"], _("units")),
            lon=d.get("lon"),
            lat=d.get("lat"),
            accuracy_m=d.get("accuracy_m"),
            answers={a["item"]: (a["answer"], a["note"]) for a in d["answers"]},
            findings=[
                services.FindingInput(f["description"], _category(f["category"]), f["severity"], f["items"])
                for f in d["findings"]
            ],
            photos=photos,
            summary=d["summary"],
            companions=d["companions"],
        )
        body = s.InspectionDetailSerializer(self.get_queryset().get(pk=inspection.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


class InspectionPlanViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Inspection plans (检查计划) in your scope; POST creates one for your unit (any unit: command centre)."""

    serializer_class = s.PlanSerializer
    filterset_class = PlanFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InspectionPlan.objects.none()
        return (
            InspectionPlan.objects.visible_to(self.request.user)
            .select_related("lead_unit")
            .prefetch_related("units", "objects_covered", "grids")
            .order_by("-starts_on", "-id")
        )

    @extend_schema(request=s.PlanInputSerializer, responses={201: s.PlanSerializer})
    def create(self, request, *args, **kwargs):
        given = s.PlanInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        d, user = given.validated_data, request.user
        units = Unit.objects.filter(is_active=True)
        plan = services.plan_create(
            actor=user,
            title=d["title"],
            kind=d["kind"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
            times=d["times"],
            frequency=d["frequency"],
            note=d["note"],
            lead_unit=_one(units, d.get("lead_unit"), _("unit")),
            units=_many(units, d["units"], _("units")),
            objects=_many(SupervisedObject.objects.visible_to(user), d["objects"], _("objects")),
            grids=_many(Grid.objects.visible_to(user), d["grids"], _("grids")),
        )
        return Response(s.PlanSerializer(self.get_queryset().get(pk=plan.pk)).data, status=status.HTTP_201_CREATED)


class EnforcementViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Joint-enforcement cases (联合执法) in your scope: a unit sees its own and the joint ones it took part in.
    Actions: ``transition``, ``measures``, ``complete``, ``publicity``; ``stats`` by family, unit and month."""

    serializer_class = s.EnforcementSerializer
    filterset_class = EnforcementFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return EnforcementCase.objects.none()
        return selectors.enforcement_for_list(self.request.user).prefetch_related("inspections", "cases")

    def _case(self, pk) -> EnforcementCase:
        try:
            return EnforcementCase.objects.visible_to(self.request.user).get(pk=int(pk))
        except (EnforcementCase.DoesNotExist, ValueError):
            raise Http404 from None

    def _answer(self, enforcement, code=status.HTTP_200_OK) -> Response:
        return Response(s.EnforcementSerializer(self.get_queryset().get(pk=enforcement.pk)).data, status=code)

    @extend_schema(request=s.EnforcementInputSerializer, responses={201: s.EnforcementSerializer})
    def create(self, request, *args, **kwargs):
        given = s.EnforcementInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        d, user = given.validated_data, request.user
        units = Unit.objects.filter(is_active=True)
        enforcement = services.enforcement_open(
            actor=user,
            title=d["title"],
            violation=d["violation"],
            legal_basis=d["legal_basis"],
            party=d["party"],
            supervised_object=_one(SupervisedObject.objects.visible_to(user), d.get("supervised_object"), _("object")),
            lead_unit=_one(units, d.get("lead_unit"), _("unit")),
            units=_many(units, d["units"], _("units")),
            inspections=_many(Inspection.objects.visible_to(user), d["inspections"], _("inspections")),
            cases=_many(Case.objects.visible_to(user), d["cases"], _("cases")),
            filed_on=d.get("filed_on"),
            measures=d["measures"],
            note=d["note"],
        )
        return self._answer(enforcement, status.HTTP_201_CREATED)

    @extend_schema(request=s.TransitionInputSerializer, responses={200: s.EnforcementSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the case on: investigating, decided (needs a measure), closed (every measure carried out),
        withdrawn (needs a reason)."""
        enforcement = self._case(pk)
        given = s.TransitionInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        d = given.validated_data
        services.enforcement_transition(
            enforcement=enforcement, actor=request.user, to=d["to"], note=d["note"], expected_version=d.get("version")
        )
        return self._answer(enforcement)

    @extend_schema(request=s.MeasureInputSerializer, responses={200: s.EnforcementSerializer})
    @action(detail=True, methods=["post"])
    def measures(self, request, pk=None):
        """Add a measure (a fine with its amount in yuan), with its deadline."""
        enforcement = self._case(pk)
        given = s.MeasureInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.enforcement_add_measure(enforcement=enforcement, actor=request.user, **given.validated_data)
        return self._answer(enforcement)

    @extend_schema(request=s.CompleteInputSerializer, responses={200: s.EnforcementSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Mark one of the case's measures carried out."""
        enforcement = self._case(pk)
        given = s.CompleteInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        measure = get_object_or_404(EnforcementMeasure, pk=given.validated_data["measure"], enforcement=enforcement)
        services.enforcement_complete_measure(
            measure=measure, actor=request.user, done_on=given.validated_data.get("done_on")
        )
        return self._answer(enforcement)

    @extend_schema(request=s.PublicityInputSerializer, responses={200: s.EnforcementSerializer})
    @action(detail=True, methods=["post"])
    def publicity(self, request, pk=None):
        """Record that the case was made public (曝光): where, when, link."""
        enforcement = self._case(pk)
        given = s.PublicityInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.enforcement_publicize(enforcement=enforcement, actor=request.user, **given.validated_data)
        return self._answer(enforcement)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, description="YYYY-MM-DD (default: 1 January)"),
            OpenApiParameter("to", str, description="YYYY-MM-DD (default: today)"),
        ],
        responses={200: dict},
    )
    @action(detail=False, methods=["get"])
    def stats(self, request):
        """Counts by source family, by unit involved and by month filed: cases, open, closed, each measure,
        fines total (yuan), publicized."""
        params = request.query_params.copy()
        params.setdefault("from", timezone.localdate().replace(month=1, day=1).isoformat())
        try:
            first, last = parse_period(params)
        except DjangoValidationError as exc:
            raise PatrolError(PatrolErrorCode.INVALID, " ".join(exc.messages)) from exc
        stats = selectors.enforcement_stats(request.user, first, last)

        def rows(items):
            return [
                {
                    "label": r.label,
                    "cases": r.cases,
                    "open": r.open,
                    "closed": r.closed,
                    "measures": {k: r.measures[k] for k in selectors.STAT_MEASURES},
                    "fine_total": str(r.fine_total),
                    "publicized": r.publicized,
                }
                for r in items
            ]

        return Response(
            {
                "from": first,
                "to": last,
                "by_family": rows(stats.by_family),
                "by_unit": rows(stats.by_unit),
                "by_month": rows(stats.by_month),
                "total": rows([stats.total])[0],
            }
        )
