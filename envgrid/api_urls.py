"""The REST API, version 1: each app contributes its routes under /api/v1/."""

from django.urls import include, path

urlpatterns = [
    path("", include("envgrid.core.api.urls")),
    path("", include("envgrid.grids.api.urls")),
    path("", include("envgrid.notifications.api.urls")),
    path("", include("envgrid.cases.api.urls")),
    path("", include("envgrid.directives.api.urls")),
    path("", include("envgrid.sources.api.urls")),
    path("", include("envgrid.patrols.api.urls")),
    path("", include("envgrid.monitoring.api.urls")),
    path("", include("envgrid.alerts.api.urls")),
    path("", include("envgrid.emergency.api.urls")),
]
