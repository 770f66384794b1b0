"""Monitoring alert rules and alerts that open cases in the closed loop."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "envgrid.alerts"
    label = "alerts"
    verbose_name = _("Alerts")

    def ready(self):
        from envgrid.alerts import demo, handlers, panels, selectors
        from envgrid.core.hooks import (
            CasePanel,
            DemoPart,
            NavItem,
            register_case_panel,
            register_demo,
            register_home_counts,
            register_nav,
        )
        from envgrid.monitoring.signals import readings_stored

        readings_stored.connect(handlers.on_readings_stored, dispatch_uid="alerts.on_readings_stored")
        register_nav(NavItem(label=_("Alerts"), url_name="alert-list", icon="bell", order=45, match_prefix="/alerts/"))
        register_home_counts(selectors.home_counts)
        register_case_panel(CasePanel(title=_("Monitoring readings"), render=panels.render_case_panel, order=10))
        register_demo(DemoPart(name="alerts", load=demo.demo_rules_load, reset=demo.demo_rules_reset, order=300))
