from rest_framework import serializers

from envgrid.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)
    target_type = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "verb", "title", "body", "url", "target_type", "target_object_id"]
        fields += ["created_at", "read_at", "is_read"]
        read_only_fields = fields

    def get_target_type(self, notification) -> str | None:
        """``app_label.model`` of what the notification is about, e.g. ``cases.case``."""
        ct = notification.target_content_type
        return f"{ct.app_label}.{ct.model}" if ct else None


class MarkedReadSerializer(serializers.Serializer):
    updated = serializers.IntegerField()
