from django.urls import include, path

urlpatterns = [
    path("", include("envgrid.monitoring.api.station_urls")),
    path("", include("envgrid.monitoring.api.ranking_urls")),
]
