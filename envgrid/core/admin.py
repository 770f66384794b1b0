from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from envgrid.core.models import AuditEvent, CalendarDay, Unit, User


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "parent", "phone", "is_active", "sort_order"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]
    list_select_related = ["parent"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "role", "unit", "phone", "is_active"]
    list_filter = ["role", "is_active", "unit__kind"]
    search_fields = ["username", "display_name", "phone"]
    list_select_related = ["unit"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("EnvGrid"), {"fields": ("display_name", "phone", "unit", "role")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("EnvGrid"), {"fields": ("display_name", "phone", "unit", "role")}),
    )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is written by services, never edited."""

    list_display = ["created_at", "actor", "action", "object_repr"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "note", "actor__username"]
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
