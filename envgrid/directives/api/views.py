from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from envgrid.core.api.parsers import SafeJSONParser
from envgrid.directives import selectors, services
from envgrid.directives.api import serializers as s
from envgrid.directives.models import Directive


class DirectiveViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Directives (调度指令) in the user's scope; sign, feedback, urge and close are actions calling the
    same services as the web pages, with the same rules and error codes (409 on a conflict)."""

    parser_classes = [SafeJSONParser, MultiPartParser, FormParser]
    filterset_fields = ["status", "recurrence", "parent"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema is built without a user
            return Directive.objects.none()
        queryset = Directive.objects.visible_to(self.request.user)
        if self.action == "list":
            return selectors.with_list_columns(queryset, self.request.user)
        return queryset.select_related("issued_by", "closed_by").order_by("-issued_at", "-id")

    def get_serializer_class(self):
        return s.DirectiveListSerializer if self.action == "list" else s.DirectiveDetailSerializer

    def _directive(self, pk) -> Directive:
        try:
            return selectors.directive_for_page(self.request.user, int(pk))
        except (Directive.DoesNotExist, ValueError):
            raise Http404 from None

    def _detail(self, directive: Directive) -> dict:
        user = self.request.user
        fresh = Directive.objects.visible_to(user).select_related("issued_by", "closed_by").get(pk=directive.pk)
        context = {
            "request": self.request,
            "matrix": selectors.directive_matrix(fresh, user),
            "attachments": list(fresh.attachments.filter(target__isnull=True)),
            "timeline": selectors.directive_timeline(fresh, user),
        }
        return s.DirectiveDetailSerializer(fresh, context=context).data

    def retrieve(self, request, pk=None):
        return Response(self._detail(self._directive(pk)))

    @extend_schema(request=s.IssueSerializer, responses={201: s.DirectiveDetailSerializer})
    def create(self, request):
        """Issue a directive (下发) to units and/or unit groups; the deadline in hours or as a time."""
        given = s.IssueSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        units = [*data.pop("unit_groups"), *data.pop("units")]
        directive = services.directive_issue(actor=request.user, units=units, **data)
        return Response(self._detail(directive), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.DirectiveDetailSerializer})
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        """Sign (签收) for your unit."""
        directive = self._directive(pk)
        services.directive_sign(directive=directive, actor=request.user)
        return Response(self._detail(directive))

    @extend_schema(request=s.FeedbackSerializer, responses={200: s.DirectiveDetailSerializer})
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        """Feed back (反馈) for your unit: text, figures, files."""
        directive = self._directive(pk)
        given = s.FeedbackSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.directive_feedback(directive=directive, actor=request.user, **given.validated_data)
        return Response(self._detail(directive))

    @extend_schema(request=s.UrgeSerializer, responses={200: s.DirectiveDetailSerializer})
    @action(detail=True, methods=["post"])
    def urge(self, request, pk=None):
        """Urge (催办) every unit that has not fed back (or only the listed ones)."""
        directive = self._directive(pk)
        given = s.UrgeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.directive_urge(directive=directive, actor=request.user, **given.validated_data)
        return Response(self._detail(directive))

    @extend_schema(request=s.CloseSerializer, responses={200: s.DirectiveDetailSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the directive; units without feedback are recorded late."""
        directive = self._directive(pk)
        given = s.CloseSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.directive_close(directive=directive, actor=request.user, **given.validated_data)
        return Response(self._detail(directive))
