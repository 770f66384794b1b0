from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "envgrid.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self):
        from envgrid.core.hooks import NavItem, register_home_counts, register_nav
        from envgrid.monitoring.selectors import home_counts
        from envgrid.monitoring.signals import connect_receivers

        connect_receivers()

        # Every signed-in role sees at least the control stations (their scope is in selectors).
        register_nav(
            NavItem(
                label=_("Monitoring"), url_name="station-list", icon="broadcast", order=40, match_prefix="/monitoring/"
            )
        )
        register_home_counts(home_counts)
        from envgrid.core.hooks import DemoPart, register_demo
        from envgrid.monitoring import demo

        register_demo(DemoPart(name="monitoring", load=demo.create_demo_stations, order=20))
