from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from envgrid.core.api.schema import api_docs_required

admin.site.site_header = _("EnvGrid administration")
admin.site.site_title = _("EnvGrid")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", include("envgrid.core.urls")),
    path("grids/", include("envgrid.grids.urls")),
    path("notifications/", include("envgrid.notifications.urls")),
    path("cases/", include("envgrid.cases.urls")),
    path("directives/", include("envgrid.directives.urls")),
    path("sources/", include("envgrid.sources.urls")),
    path("patrols/", include("envgrid.patrols.urls")),
    path("monitoring/", include("envgrid.monitoring.urls")),
    path("alerts/", include("envgrid.alerts.urls")),
    path("emergency/", include("envgrid.emergency.urls")),
    path("open311/v2/", include("envgrid.cases.open311.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("envgrid.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs_required(SpectacularSwaggerView.as_view(url_name="api-schema")), name="api-docs"),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
