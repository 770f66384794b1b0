from django.conf import settings
from django.urls import reverse

from envgrid.core.hooks import hooks


def navigation(request):
    """Navigation entries for the signed-in user's role (registered by each app)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for item in hooks.nav:
        if item.roles is not None and not (user.is_superuser or user.role in item.roles):
            continue
        url = reverse(item.url_name)
        active = request.path == url or bool(item.match_prefix and request.path.startswith(item.match_prefix))
        items.append({"label": item.label, "url": url, "icon": item.icon, "active": active})
    return {"nav_items": items, "envgrid_debug": settings.DEBUG}
