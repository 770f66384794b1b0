from django.contrib import admin

from envgrid.grids.models import Grid, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "unit", "sort_order"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent", "unit"]
    autocomplete_fields = ["parent"]


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    """Editing boundaries here skips the service's overlap check: use the GeoJSON import for outlines."""

    list_display = ["code", "name", "kind", "street", "community", "head", "households", "population"]
    list_filter = ["kind", "street"]
    search_fields = ["code", "name", "head__display_name"]
    list_select_related = ["street", "community", "head"]
    autocomplete_fields = ["community", "head", "members"]
    readonly_fields = ["street", "area_m2", "centroid_lon", "centroid_lat", "created_at", "updated_at"]
