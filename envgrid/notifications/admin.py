from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from envgrid.core.admin_utils import ReadOnlyInline
from envgrid.notifications.models import Delivery, Notification
from envgrid.notifications.services import deliveries_retry_now


class DeliveryInline(ReadOnlyInline):
    model = Delivery
    fields = ["channel", "state", "attempts", "next_attempt_at", "sent_at", "last_error"]
    readonly_fields = fields


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: notifications are written by the services that send them."""

    list_display = ["title", "recipient", "verb", "created_at", "read_at"]
    list_filter = ["verb", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "verb", "recipient__username", "recipient__display_name"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    inlines = [DeliveryInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Read-mostly: the only change is "retry now", through the service."""

    list_display = ["notification", "recipient", "channel", "state", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["state", "channel"]
    search_fields = ["notification__title", "notification__recipient__username", "last_error"]
    list_select_related = ["notification__recipient"]
    actions = ["retry_now"]

    @admin.display(description=_("recipient"), ordering="notification__recipient__username")
    def recipient(self, delivery):
        return delivery.notification.recipient

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Viewing is allowed; the change form would have nothing to change.
        return False

    def has_retry_permission(self, request):
        return request.user.has_perm("notifications.change_delivery")

    @admin.action(description=_("Retry now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        count = deliveries_retry_now(actor=request.user, deliveries=queryset)
        message = ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)
