from django.urls import path
from rest_framework.routers import SimpleRouter

from envgrid.cases.api.views import CaseCategoryListView, CaseViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="api-case")
urlpatterns = [
    path("case-categories/", CaseCategoryListView.as_view(), name="api-case-categories"),
    *router.urls,
]
