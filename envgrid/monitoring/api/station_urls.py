"""API routes of stations and readings (basenames apart from the web url names)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from envgrid.monitoring.api.views import ReadingIngestView, StationViewSet

router = SimpleRouter()
router.register("stations", StationViewSet, basename="api-station")
urlpatterns = [
    path("readings/", ReadingIngestView.as_view(), name="api-readings"),
    *router.urls,
]
