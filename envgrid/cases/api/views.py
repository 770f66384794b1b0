from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from envgrid.cases import services
from envgrid.cases.api import serializers as s
from envgrid.cases.choices import ExtensionStatus
from envgrid.cases.errors import CasePermissionDenied
from envgrid.cases.models import Case, CaseCategory, CaseEvent, ExtensionRequest
from envgrid.core.api.parsers import SafeJSONParser
from envgrid.core.idempotency import idempotent, request_fingerprint


class CaseCategoryListView(generics.ListAPIView):
    """The category tree (six source families with sub-types, and the other domains)."""

    serializer_class = s.CaseCategorySerializer
    pagination_class = None
    queryset = CaseCategory.objects.filter(is_active=True).select_related("parent").order_by("sort_order", "code")


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cases in the user's scope; transitions are actions that call the same services as the web."""

    parser_classes = [SafeJSONParser, MultiPartParser, FormParser]
    filterset_fields = ["status", "channel", "severity", "lead_unit", "grid", "is_overdue"]

    def get_queryset(self):
        queryset = Case.objects.visible_to(self.request.user).select_related("category", "lead_unit", "grid")
        if self.action == "retrieve":
            events = CaseEvent.objects.prefetch_related("attachments").order_by("created_at", "id")
            queryset = queryset.select_related("grid__head").prefetch_related(
                "assignments__unit", Prefetch("events", queryset=events), "attachments", "grid__members"
            )
        return queryset.order_by("-created_at", "-id")

    def get_serializer_class(self):
        return s.CaseDetailSerializer if self.action == "retrieve" else s.CaseListSerializer

    @extend_schema(request=s.CaseReportSerializer, responses={201: s.CaseDetailSerializer})
    def create(self, request):
        """Report a problem clue (上报); the grid comes from lon/lat."""
        if request.user.is_read_only:
            raise CasePermissionDenied(_("Read-only users cannot report cases."))
        given = s.CaseReportSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)

        def report() -> dict:
            return {"id": services.case_report(reporter=request.user, files=data.pop("photos"), **data).pk}

        key = request.headers.get("Idempotency-Key", "")
        if key:
            # A retry with the same key (a phone that lost the answer) gets the case its first attempt made.
            sent = {
                k: request.data.getlist(k) if hasattr(request.data, "getlist") else v for k, v in request.data.items()
            }
            filed, replayed = idempotent(
                scope=f"api:{request.user.pk}", key=key, fingerprint=request_fingerprint(sent), run=report
            )
        else:
            filed, replayed = report(), False
        response = Response(self._detail(Case.objects.get(pk=filed["id"])), status=status.HTTP_201_CREATED)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    def _case(self, pk) -> Case:
        return get_object_or_404(Case.objects.visible_to(self.request.user), pk=pk)

    def _detail(self, case: Case) -> dict:
        self.action = "retrieve"
        fresh = self.get_queryset().filter(pk=case.pk).first()
        if fresh is None:  # the action moved the case out of the user's scope
            return {"id": case.pk, "number": case.number, "status": case.status, "version": case.version}
        return s.CaseDetailSerializer(fresh, context={"request": self.request}).data

    def _run(self, request, pk, serializer_class, call):
        case = self._case(pk)
        given = serializer_class(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        common = {"case": case, "actor": request.user, "expected_version": data.pop("version", None)}
        return Response(self._detail(call(common, data)))

    @extend_schema(request=s.ActionSerializer, responses={200: s.CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._run(request, pk, s.ActionSerializer, lambda c, d: services.case_accept(**c, note=d["note"]))

    @extend_schema(request=s.RejectSerializer, responses={200: s.CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._run(
            request,
            pk,
            s.RejectSerializer,
            lambda c, d: services.case_reject(
                **c, reason=d["reason"], note=d["note"], duplicate_of=d.get("duplicate_of")
            ),
        )

    @extend_schema(request=s.DispatchSerializer, responses={200: s.CaseDetailSerializer})
    @action(detail=True, methods=["post"], url_path="dispatch")
    def dispatch_(self, request, pk=None):
        return self._run(
            request,
            pk,
            s.DispatchSerializer,
            lambda c, d: services.case_dispatch(
                **c,
                note=d["note"],
                lead_unit=d.get("lead_unit"),
                co_units=d.get("co_units", []),
                due_at=d.get("due_at"),
            ),
        )

    @extend_schema(request=s.ReassignSerializer, responses={200: s.CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        return self._run(
            request,
            pk,
            s.ReassignSerializer,
            lambda c, d: services.case_reassign(
                **c, note=d["note"], lead_unit=d["lead_unit"], co_units=d.get("co_units", []), due_at=d.get("due_at")
            ),
        )

    @extend_schema(request=s.ActionSerializer, responses={200: s.CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        case = self._case(pk)
        if case.lead_unit_id != request.user.unit_id and case.assignments.filter(unit_id=request.user.unit_id).exists():
            services.assignment_sign(case=case, actor=request.user)
            return Response(self._detail(case))
        return self._run(request, pk, s.ActionSerializer, lambda c, d: services.case_sign(**c, note=d["note"]))

    @extend_schema(request=s.ActionSerializer, responses={200: s.CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._run(request, pk, s.ActionSerializer, lambda c, d: services.case_start(**c, note=d["note"]))

    @extend_schema(request=s.ActionSerializer, responses={200: s.CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        case = self._case(pk)
        if case.lead_unit_id != request.user.unit_id and case.assignments.filter(unit_id=request.user.unit_id).exists():
            given = s.ActionSerializer(data=request.data)
            given.is_valid(raise_exception=True)
            services.assignment_feedback(
                case=case, actor=request.user, note=given.validated_data["note"], files=given.validated_data["photos"]
            )
            return Response(self._detail(case))
        return self._run(
            request,
            pk,
            s.ActionSerializer,
            lambda c, d: services.case_feedback(**c, note=d["note"], files=d["photos"]),
        )

    @extend_schema(request=s.VerifySerializer, responses={200: s.CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return self._run(
            request,
            pk,
            s.VerifySerializer,
            lambda c, d: services.case_verify(**c, passed=d["passed"], note=d["note"], files=d["photos"]),
        )

    @extend_schema(request=s.ActionSerializer, responses={200: s.CaseDetailSerializer})
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        return self._run(request, pk, s.ActionSerializer, lambda c, d: services.case_return(**c, note=d["note"]))

    @extend_schema(request=s.ActionSerializer, responses={200: s.CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        return self._run(request, pk, s.ActionSerializer, lambda c, d: services.case_hold(**c, note=d["note"]))

    @extend_schema(request=s.ActionSerializer, responses={200: s.CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._run(request, pk, s.ActionSerializer, lambda c, d: services.case_resume(**c, note=d["note"]))

    @extend_schema(request=s.ActionSerializer, responses={200: s.CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def comment(self, request, pk=None):
        case = self._case(pk)
        given = s.ActionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.case_comment(
            case=case, actor=request.user, note=given.validated_data["note"], files=given.validated_data["photos"]
        )
        return Response(self._detail(case))

    @extend_schema(request=s.ActionSerializer, responses={200: s.CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def urge(self, request, pk=None):
        case = self._case(pk)
        given = s.ActionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.case_urge(case=case, actor=request.user, note=given.validated_data["note"])
        return Response(self._detail(case))

    @extend_schema(request=s.ExtendSerializer, responses={200: s.CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        """Request an extension (until + note) or, as dispatcher, decide the pending one (decision)."""
        case = self._case(pk)
        given = s.ExtendSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        if "decision" in data:
            pending = get_object_or_404(ExtensionRequest, assignment__case=case, status=ExtensionStatus.PENDING)
            services.case_extend_decide(
                request=pending, actor=request.user, approve=data["decision"] == "approve", note=data["note"]
            )
        else:
            services.case_extend_request(case=case, actor=request.user, until=data["until"], note=data["note"])
        return Response(self._detail(case))
