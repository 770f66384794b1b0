"""Web pages of stations, the HJ 212 receiver and the readings upload (under /monitoring/)."""

from django.urls import path

from envgrid.monitoring import views

urlpatterns = [
    path("", views.station_list, name="station-list"),
    path("map/", views.station_map, name="station-map"),
    path("map/data/", views.station_map_data, name="station-map-data"),
    path("stations/<int:pk>/", views.station_detail, name="station-detail"),
    path("stations/<int:pk>/series/", views.station_series_data, name="station-series"),
    path("stations/<int:pk>/wind/", views.station_wind_data, name="station-wind"),
    path("receiver/", views.receiver_status, name="monitoring-receiver"),
    path("upload/", views.readings_upload, name="readings-upload"),
    path("upload/template.<str:fmt>", views.readings_upload_template, name="readings-upload-template"),
]
