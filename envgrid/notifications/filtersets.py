from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from envgrid.notifications.models import Notification


class NotificationFilterSet(filters.FilterSet):
    """Filters of the inbox page and of the API list (``?unread=true``)."""

    unread = filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label=_("Unread only"))

    class Meta:
        model = Notification
        fields = ["unread", "verb"]
