"""Supervised objects of the six source families (六源) and their 分包 responsibility."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SourcesConfig(AppConfig):
    name = "envgrid.sources"
    label = "sources"
    verbose_name = _("Sources")

    def ready(self):
        from envgrid.core.hooks import DemoPart, NavItem, register_demo, register_home_counts, register_nav
        from envgrid.sources import demo
        from envgrid.sources.selectors import home_counts

        register_nav(
            NavItem(label=_("Sources"), url_name="source-list", icon="buildings", order=15, match_prefix="/sources/")
        )
        register_home_counts(home_counts)
        register_demo(DemoPart(name="sources", load=demo.load, reset=demo.reset, order=100))
