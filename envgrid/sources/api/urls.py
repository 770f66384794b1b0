from rest_framework.routers import SimpleRouter

from envgrid.sources.api.views import ResponsibilityViewSet, SourceFamilyViewSet, SupervisedObjectViewSet

router = SimpleRouter()
router.register("source-families", SourceFamilyViewSet, basename="api-source-family")
router.register("objects", SupervisedObjectViewSet, basename="api-object")
router.register("responsibilities", ResponsibilityViewSet, basename="api-responsibility")
urlpatterns = router.urls
