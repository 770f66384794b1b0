from django.urls import path

from envgrid.grids import views

urlpatterns = [
    path("map/", views.grid_map, name="grid-map"),
]
