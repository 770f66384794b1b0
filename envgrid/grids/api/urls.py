from rest_framework.routers import SimpleRouter

from envgrid.grids.api.views import GridViewSet, RegionViewSet

router = SimpleRouter()
router.register("grids", GridViewSet, basename="api-grid")
router.register("regions", RegionViewSet, basename="api-region")
urlpatterns = router.urls
