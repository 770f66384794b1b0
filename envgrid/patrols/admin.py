"""Admin: the inspection settings (night window…) are edited here; the rest is read-only, since records,
plans and enforcement cases change only through their services (with audit and rules)."""

from django.contrib import admin

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


@admin.register(PatrolSettings)
class PatrolSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "night_start", "night_end", "late_entry_hours", "dispatch_findings", "nearby_radius_m"]

    def has_add_permission(self, request):
        return not PatrolSettings.objects.exists()


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    fields = ["position", "text", "guidance", "category"]
    extra = 0

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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


class MeasureInline(admin.TabularInline):
    model = EnforcementMeasure
    extra = 0
    can_delete = False


class PublicityInline(admin.TabularInline):
    model = Publicity
    extra = 0
    can_delete = False


@admin.register(EnforcementCase)
class EnforcementCaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "status", "lead_unit", "family", "filed_on"]
    list_filter = ["status", "family"]
    search_fields = ["number", "title", "party"]
    inlines = [MeasureInline, PublicityInline]
