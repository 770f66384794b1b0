from rest_framework.routers import SimpleRouter

from envgrid.emergency.api.views import DutyViewSet, MeasureViewSet, SpotCheckViewSet, WarningViewSet

router = SimpleRouter()
router.register("duty", DutyViewSet, basename="api-duty")
router.register("warnings", WarningViewSet, basename="api-warning")
router.register("reduction-measures", MeasureViewSet, basename="api-measure")
router.register("spot-checks", SpotCheckViewSet, basename="api-spot-check")
urlpatterns = router.urls
