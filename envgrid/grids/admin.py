from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from envgrid.core.admin_utils import ServiceAdmin
from envgrid.grids.models import Grid, Region
from envgrid.grids.regions import region_create, region_delete, region_update
from envgrid.grids.services import grid_clean, grid_create, grid_delete, grid_update


@admin.register(Region)
class RegionAdmin(ServiceAdmin):
    """Saves through the region services: an area's governing unit decides who sees its work, so it is audited."""

    list_display = ["code", "name", "level", "parent", "unit", "sort_order"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent", "unit"]
    autocomplete_fields = ["parent"]

    def create(self, request, data):
        return region_create(actor=request.user, **data)

    def update(self, request, obj, data):
        return region_update(actor=request.user, region=obj, **data)

    def delete(self, request, obj):
        region_delete(actor=request.user, region=obj)


class GridAdminForm(forms.ModelForm):
    class Meta:
        model = Grid
        fields = ["code", "name", "kind", "community", "geometry", "households", "population", "head", "members"]

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            # The service's own checks (valid polygon, inside China, no overlap) on a throwaway copy.
            probe = Grid(pk=self.instance.pk, **{k: v for k, v in self.cleaned_data.items() if k != "members"})
            grid_clean(probe, geometry=self.cleaned_data["geometry"])
        except ValidationError as exc:
            self._update_errors(exc)


@admin.register(Grid)
class GridAdmin(ServiceAdmin):
    """Saves through the grid services, so the admin gets the same checks and audit as the import."""

    form = GridAdminForm
    list_display = ["code", "name", "kind", "street", "community", "head", "households", "population"]
    list_filter = ["kind", "street"]
    search_fields = ["code", "name", "head__display_name"]
    list_select_related = ["street", "community", "head"]
    autocomplete_fields = ["community", "head", "members"]
    readonly_fields = ["street", "area_m2", "centroid_lon", "centroid_lat", "created_at", "updated_at"]

    def create(self, request, data):
        return grid_create(actor=request.user, **data)

    def update(self, request, obj, data):
        return grid_update(actor=request.user, grid=obj, **data)

    def delete(self, request, obj):
        grid_delete(actor=request.user, grid=obj)
