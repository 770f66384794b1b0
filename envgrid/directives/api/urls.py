from rest_framework.routers import SimpleRouter

from envgrid.directives.api.views import DirectiveViewSet

router = SimpleRouter()
router.register("directives", DirectiveViewSet, basename="api-directive")
urlpatterns = router.urls
