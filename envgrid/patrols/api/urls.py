from rest_framework.routers import SimpleRouter

from envgrid.patrols.api.views import EnforcementViewSet, InspectionPlanViewSet, InspectionViewSet

router = SimpleRouter()
router.register("inspections", InspectionViewSet, basename="api-inspection")
router.register("inspection-plans", InspectionPlanViewSet, basename="api-inspection-plan")
router.register("enforcement-cases", EnforcementViewSet, basename="api-enforcement-case")
urlpatterns = router.urls
