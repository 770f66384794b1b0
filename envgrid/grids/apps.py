from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "envgrid.grids"
    label = "grids"
    verbose_name = _("Grids")

    def ready(self):
        from envgrid.core.hooks import NavItem, register_home_counts, register_nav
        from envgrid.grids.selectors import home_counts

        register_nav(NavItem(label=_("Grid map"), url_name="grid-map", icon="map", order=10))
        register_nav(NavItem(label=_("Grids"), url_name="grid-list", icon="grid-3x3", order=11, match_prefix="/grids/"))
        register_home_counts(home_counts)
