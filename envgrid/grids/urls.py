from django.urls import path

from envgrid.grids import views

urlpatterns = [
    path("", views.grid_list, name="grid-list"),
    path("map/", views.grid_map, name="grid-map"),
    path("map/data.geojson", views.grid_map_data, name="grid-map-data"),
    path("export.geojson", views.grid_export, name="grid-export"),
    path("import/", views.grid_import, name="grid-import"),
    path("<int:pk>/", views.grid_card, name="grid-detail"),
]
