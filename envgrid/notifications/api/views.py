from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from envgrid.notifications import selectors
from envgrid.notifications.api.serializers import MarkedReadSerializer, NotificationSerializer
from envgrid.notifications.filtersets import NotificationFilterSet
from envgrid.notifications.services import notification_mark_read, notifications_mark_all_read


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The signed-in user's own notifications, unread first (``?unread=true`` for unread only)."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilterSet

    def get_queryset(self):
        return selectors.inbox(self.request.user)

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one notification read (another user's id answers 404)."""
        notification = notification_mark_read(user=request.user, notification=self.get_object())
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses={200: MarkedReadSerializer})
    @action(detail=False, methods=["post"], url_path="read-all", url_name="read-all")
    def read_all(self, request):
        """Mark all of the user's notifications read; answers how many changed."""
        return Response({"updated": notifications_mark_all_read(user=request.user)})
