from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from envgrid.core.services import audit_record
from envgrid.grids.lookup import grid_for_point
from envgrid.monitoring.models import (
    DailyRollup,
    MonthlyRollup,
    ReceiverStat,
    RejectedFrame,
    StandardBreakpoint,
    StandardLimit,
    StandardValidityRule,
    StandardVersion,
    Station,
)


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["mn", "name", "kind", "grid", "is_active", "last_seen_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["mn", "name"]
    readonly_fields = ["grid", "last_seen_at", "protocol_version", "last_data_flagged"]

    def save_model(self, request, obj, form, change):
        obj.grid = grid_for_point(obj.lon, obj.lat)  # as station_create / station_move do
        super().save_model(request, obj, form, change)


@admin.register(RejectedFrame)
class RejectedFrameAdmin(admin.ModelAdmin):
    list_display = ["received_at", "peer", "mn", "code", "message"]
    list_filter = ["code"]
    search_fields = ["mn", "peer"]


@admin.register(ReceiverStat)
class ReceiverStatAdmin(admin.ModelAdmin):
    list_display = ["name", "updated_at", "connections_open", "frames_per_minute", "readings_stored"]


# --- standards (admin-correctable) and rollups (read-only) ------------------------------------------------


class BreakpointInline(admin.TabularInline):
    model = StandardBreakpoint
    extra = 0


class LimitInline(admin.TabularInline):
    model = StandardLimit
    extra = 0


class ValidityRuleInline(admin.TabularInline):
    model = StandardValidityRule
    extra = 0


@admin.register(StandardVersion)
class StandardVersionAdmin(admin.ModelAdmin):
    """Standards as rows: correct a breakpoint, limit or rule, or close a version and add the next one. Every
    computation reads the version in force on the data's date; saving reloads them in every process."""

    list_display = ["code", "kind", "effective_from", "effective_to", "provisional", "evidence", "updated_at"]
    list_filter = ["kind", "provisional"]
    search_fields = ["code", "title"]
    actions = ["recompute_rollups"]

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        if obj.kind in ("aqi_daily", "aqi_hourly"):
            return [BreakpointInline]
        return [LimitInline] if obj.kind == "limits" else [ValidityRuleInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="standard.update" if change else "standard.create",
            obj=obj,
            after={name: str(form.cleaned_data.get(name)) for name in form.changed_data},
        )

    @admin.action(description=_("Recompute the rollups of the days these versions cover"))
    def recompute_rollups(self, request, queryset):
        from datetime import timedelta

        from django.utils import timezone

        from envgrid.monitoring.rollups import local_day
        from envgrid.monitoring.tasks import rollup_rebuild

        for version in queryset:
            until = version.effective_to or local_day(timezone.now()) + timedelta(days=1)
            rollup_rebuild(version.effective_from.isoformat(), until.isoformat())
        messages.info(request, _("Rollups are being recomputed."))


class RollupAdmin(admin.ModelAdmin):
    """Rollups are computed, never edited: read-only."""

    list_select_related = ["station"]
    raw_id_fields = ["station"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DailyRollup)
class DailyRollupAdmin(RollupAdmin):
    list_display = ["station", "day", "pm25", "pm10", "o3_8h", "aqi", "primary_pollutants", "valid", "invalid_reason"]
    list_filter = ["valid"]
    date_hierarchy = "day"


@admin.register(MonthlyRollup)
class MonthlyRollupAdmin(RollupAdmin):
    list_display = ["station", "month", "pm25", "pm10", "o3_8h_p90", "co_p95", "valid_days", "good_days", "valid"]
