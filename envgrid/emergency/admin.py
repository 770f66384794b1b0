"""Administration of the emergency app's district data: shifts, settings, the reduction list; warnings,
rosters and checks are read here and changed through their pages and services."""

from django.contrib import admin

from envgrid.core.admin_utils import ReadOnlyAdmin, ReadOnlyInline, ServiceAdmin
from envgrid.emergency.models import (
    DutyAssignment,
    DutyShift,
    EmergencySettings,
    PollutionWarning,
    ReductionMeasure,
    SpotCheck,
    WarningEvent,
)
from envgrid.emergency.services.settings import (
    duty_shift_create,
    duty_shift_delete,
    duty_shift_update,
    emergency_settings_create,
    emergency_settings_delete,
    emergency_settings_update,
)


@admin.register(EmergencySettings)
class EmergencySettingsAdmin(ServiceAdmin):
    """Saves through the settings services: the spot checks a warning asks for are district rules, audited."""

    list_display = ["__str__", "checks_per_day_yellow", "checks_per_day_orange", "checks_per_day_red"]

    def has_add_permission(self, request):
        return not EmergencySettings.objects.exists() and super().has_add_permission(request)

    def create(self, request, data):
        return emergency_settings_create(actor=request.user, **data)

    def update(self, request, obj, data):
        return emergency_settings_update(actor=request.user, settings=obj, **data)

    def delete(self, request, obj):
        emergency_settings_delete(actor=request.user, settings=obj)


@admin.register(DutyShift)
class DutyShiftAdmin(ServiceAdmin):
    """Saves through the shift services (the list's inline edits too), audited."""

    list_display = ["code", "name", "start_time", "end_time", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]

    def create(self, request, data):
        return duty_shift_create(actor=request.user, **data)

    def update(self, request, obj, data):
        return duty_shift_update(actor=request.user, shift=obj, **data)

    def delete(self, request, obj):
        duty_shift_delete(actor=request.user, shift=obj)


@admin.register(DutyAssignment)
class DutyAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["date", "unit", "shift", "post", "name", "phone", "person"]
    list_filter = ["shift", "post", "date"]
    search_fields = ["name", "phone", "unit__name"]
    list_select_related = ["unit", "shift", "person"]


class WarningEventInline(ReadOnlyInline):
    model = WarningEvent
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
