"""Administration of the emergency app's district data: shifts, settings, the reduction list; warnings,
rosters and checks are read here and changed through their pages and services."""

from django.contrib import admin

from envgrid.emergency.models import (
    DutyAssignment,
    DutyShift,
    EmergencySettings,
    PollutionWarning,
    ReductionMeasure,
    SpotCheck,
    WarningEvent,
)


@admin.register(EmergencySettings)
class EmergencySettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "checks_per_day_yellow", "checks_per_day_orange", "checks_per_day_red"]

    def has_add_permission(self, request):
        return not EmergencySettings.objects.exists()


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "start_time", "end_time", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DutyAssignment)
class DutyAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["date", "unit", "shift", "post", "name", "phone", "person"]
    list_filter = ["shift", "post", "date"]
    search_fields = ["name", "phone", "unit__name"]
    list_select_related = ["unit", "shift", "person"]


class WarningEventInline(admin.TabularInline):
    model = WarningEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "actor_name", "action", "from_level", "to_level", "note", "data"]
    fields = readonly_fields


@admin.register(PollutionWarning)
class PollutionWarningAdmin(ReadOnlyAdmin):
    list_display = ["document_number", "level", "status", "starts_at", "ends_at", "region"]
    list_filter = ["level", "status"]
    inlines = [WarningEventInline]


@admin.register(ReductionMeasure)
class ReductionMeasureAdmin(ReadOnlyAdmin):
    list_display = ["supervised_object", "level", "measures", "cut_percent", "heavy_truck_ban"]
    list_filter = ["level", "heavy_truck_ban"]
    search_fields = ["supervised_object__name", "supervised_object__code"]


@admin.register(SpotCheck)
class SpotCheckAdmin(ReadOnlyAdmin):
    list_display = ["supervised_object", "warning", "unit", "window_start", "due_at", "status", "is_late"]
    list_filter = ["status", "level"]
    list_select_related = ["supervised_object", "warning", "unit"]
