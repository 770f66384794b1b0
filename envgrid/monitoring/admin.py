from django.contrib import admin

from envgrid.grids.lookup import grid_for_point
from envgrid.monitoring.models import ReceiverStat, RejectedFrame, Station


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
