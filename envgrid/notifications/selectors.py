"""Reads of the notifications app."""

from django.db.models import QuerySet

from envgrid.notifications.models import Notification


def inbox(user) -> QuerySet[Notification]:
    """The user's own notifications, unread first, newest first within each."""
    return Notification.objects.visible_to(user).select_related("target_content_type").unread_first()


def unread_count(user) -> int:
    """How many of the user's notifications are unread: one COUNT on the (recipient, read_at) index."""
    return Notification.objects.visible_to(user).unread().count()
