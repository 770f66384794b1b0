"""Web pages of the monitoring app: stations and the receiver (station_urls), statistics and rankings
(ranking_urls)."""

from django.urls import include, path

urlpatterns = [
    path("", include("envgrid.monitoring.station_urls")),
    path("", include("envgrid.monitoring.ranking_urls")),
]
