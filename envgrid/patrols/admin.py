"""Admin: the inspection settings (night window…) are edited here; the rest is read-only, since records,
plans and enforcement cases change only through their services (with audit and rules)."""

from django.contrib import admin

from envgrid.core.admin_utils import ReadOnlyAdmin, ReadOnlyInline, ServiceAdmin
from envgrid.patrols.models import (
    Checklist,
    ChecklistItem,
    EnforcementCase,
    EnforcementMeasure,
    Inspection,
    InspectionPlan,
    PatrolSettings,
    Publicity,
)
from envgrid.patrols.services.settings import patrol_settings_create, patrol_settings_delete, patrol_settings_update


@admin.register(PatrolSettings)
class PatrolSettingsAdmin(ServiceAdmin):
    """Saves through the settings services: the night window and late entry decide how records are judged."""

    list_display = ["__str__", "night_start", "night_end", "late_entry_hours", "dispatch_findings", "nearby_radius_m"]

    def has_add_permission(self, request):
        return not PatrolSettings.objects.exists() and super().has_add_permission(request)

    def create(self, request, data):
        return patrol_settings_create(actor=request.user, **data)

    def update(self, request, obj, data):
        return patrol_settings_update(actor=request.user, settings=obj, **data)

    def delete(self, request, obj):
        patrol_settings_delete(actor=request.user, settings=obj)


class ChecklistItemInline(ReadOnlyInline):
    model = ChecklistItem
    fields = ["position", "text", "guidance", "category"]


@admin.register(Checklist)
class ChecklistAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "version", "created_at"]
    list_filter = ["kind"]
    inlines = [ChecklistItemInline]


@admin.register(InspectionPlan)
class InspectionPlanAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "lead_unit", "starts_on", "ends_on", "times", "frequency", "status"]
    list_filter = ["kind", "status"]


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "supervised_object", "lead_unit", "inspector", "started_at", "has_findings"]
    list_filter = ["kind", "has_findings"]
    search_fields = ["number", "supervised_object__name"]


class MeasureInline(ReadOnlyInline):
    model = EnforcementMeasure


class PublicityInline(ReadOnlyInline):
    model = Publicity


@admin.register(EnforcementCase)
class EnforcementCaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "status", "lead_unit", "family", "filed_on"]
    list_filter = ["status", "family"]
    search_fields = ["number", "title", "party"]
    inlines = [MeasureInline, PublicityInline]
