from rest_framework.routers import SimpleRouter

from envgrid.alerts.api.views import AlertRuleViewSet, AlertViewSet

router = SimpleRouter()
router.register("alerts", AlertViewSet, basename="api-alert")
router.register("alert-rules", AlertRuleViewSet, basename="api-alert-rule")
urlpatterns = router.urls
