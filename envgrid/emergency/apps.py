"""Duty roster (应急值班) and pollution-weather warnings (重污染天气预警): the emergency emission-reduction
list and its spot checks."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmergencyConfig(AppConfig):
    name = "envgrid.emergency"
    label = "emergency"
    verbose_name = _("Emergency response")

    def ready(self):
        from envgrid.core.hooks import DemoPart, NavItem, register_demo, register_home_counts, register_nav
        from envgrid.emergency import demo
        from envgrid.emergency.panels import measures_card
        from envgrid.emergency.selectors import home_counts
        from envgrid.sources.hooks import ObjectPanel, register_object_panel

        register_nav(
            NavItem(
                label=_("Emergency"),
                url_name="emergency-home",
                icon="exclamation-triangle",
                order=40,
                match_prefix="/emergency/",
            )
        )
        register_home_counts(home_counts)
        register_demo(DemoPart(name="emergency", load=demo.load, reset=demo.reset, order=250))
        register_object_panel(ObjectPanel(title=_("Emergency reduction"), render=measures_card, order=40))
