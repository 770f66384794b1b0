from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "envgrid.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from envgrid.core.hooks import NavItem, register_nav

        register_nav(NavItem(label=_("Home"), url_name="home", icon="house", order=0))
