from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from envgrid.alerts import selectors, services
from envgrid.alerts.api.serializers import AlertRuleSerializer, AlertSerializer
from envgrid.alerts.filtersets import AlertFilterSet, AlertRuleFilterSet
from envgrid.alerts.models import Alert, AlertRule


class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    """Monitoring alerts in the user's scope, newest first: filter by ``state``, ``kind``, ``rule``,
    ``factor``, ``station``, ``q`` (station name or MN), ``since``/``until`` (dates) and ``has_case``."""

    serializer_class = AlertSerializer
    filterset_class = AlertFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Alert.objects.none()
        return selectors.alerts_for(self.request.user)


class AlertRuleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Alert rules: everyone reads them; administrators create (POST) and change (PATCH) them through the
    same service as the web editor (403 ``permission_denied`` for others, 400 with the field for bad values)."""

    serializer_class = AlertRuleSerializer
    filterset_class = AlertRuleFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AlertRule.objects.none()
        return selectors.rules_list()

    def create(self, request, *args, **kwargs):
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        rule = services.alert_rule_create(actor=request.user, **given.validated_data)
        return Response(self.get_serializer(rule).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        rule = self.get_object()
        given = self.get_serializer(rule, data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        services.alert_rule_update(rule=rule, actor=request.user, **given.validated_data)
        return Response(self.get_serializer(selectors.rules_list().get(pk=rule.pk)).data)
