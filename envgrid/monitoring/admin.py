from datetime import timedelta

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
from envgrid.monitoring.rollups import local_day
from envgrid.monitoring.services import STATION_EDITABLE, station_create, station_delete, station_update
from envgrid.monitoring.standards.services import standard_version_delete, standard_version_save
from envgrid.monitoring.tasks import rollup_rebuild


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    """Saves and deletes through the station services, so every change is checked and audited."""

    list_display = ["mn", "name", "kind", "grid", "is_active", "last_seen_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["mn", "name"]
    readonly_fields = ["grid", "last_seen_at", "protocol_version", "last_data_flagged"]

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in STATION_EDITABLE if name in form.cleaned_data}
        if change:
            saved = station_update(actor=request.user, station=obj, **data)
        else:
            saved = station_create(actor=request.user, **data)
        obj.pk, obj.grid = saved.pk, saved.grid  # the admin's messages and redirect use the form's object
        form.instance = saved

    def delete_model(self, request, obj):
        station_delete(actor=request.user, station=obj)

    def delete_queryset(self, request, queryset):
        for station in queryset:
            station_delete(actor=request.user, station=station)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the receiver or computed, never edited here: read-only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RejectedFrame)
class RejectedFrameAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "peer", "mn", "code", "count", "message"]
    list_filter = ["code"]
    search_fields = ["mn", "peer"]


@admin.register(ReceiverStat)
class ReceiverStatAdmin(ReadOnlyAdmin):
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
        """Saved with its rows by ``save_related`` (one service call, one audit event)."""

    def save_related(self, request, form, formsets, change):
        rows, deleted = [], []
        for formset in formsets:
            rows += formset.save(commit=False)  # also sets what the admin's change message lists
            deleted += formset.deleted_objects
        form.instance = standard_version_save(
            actor=request.user, version=form.instance, rows=rows, deleted_rows=deleted
        )

    def delete_model(self, request, obj):
        standard_version_delete(actor=request.user, version=obj)

    def delete_queryset(self, request, queryset):
        for version in queryset:
            standard_version_delete(actor=request.user, version=version)

    @admin.action(description=_("Recompute the rollups of the days these versions cover"))
    def recompute_rollups(self, request, queryset):
        for version in queryset:
            until = version.effective_to or local_day(timezone.now()) + timedelta(days=1)
            rollup_rebuild(version.effective_from.isoformat(), until.isoformat())
        messages.info(request, _("Rollups are being recomputed."))


class RollupAdmin(ReadOnlyAdmin):
    """Rollups are computed, never edited: read-only."""

    list_select_related = ["station"]
    raw_id_fields = ["station"]


@admin.register(DailyRollup)
class DailyRollupAdmin(RollupAdmin):
    list_display = ["station", "day", "pm25", "pm10", "o3_8h", "aqi", "primary_pollutants", "valid", "invalid_reason"]
    list_filter = ["valid"]
    date_hierarchy = "day"


@admin.register(MonthlyRollup)
class MonthlyRollupAdmin(RollupAdmin):
    list_display = ["station", "month", "pm25", "pm10", "o3_8h_p90", "co_p95", "valid_days", "good_days", "valid"]
