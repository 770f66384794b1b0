"""Inspections (日常/夜查/专项/联合检查) and joint enforcement (联合执法)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatrolsConfig(AppConfig):
    name = "envgrid.patrols"
    label = "patrols"
    verbose_name = _("Patrols")

    def ready(self):
        from envgrid.core.hooks import (
            CasePanel,
            DemoPart,
            NavItem,
            register_case_panel,
            register_demo,
            register_home_counts,
            register_nav,
        )
        from envgrid.patrols import demo, panels
        from envgrid.patrols.selectors import home_counts
        from envgrid.sources.hooks import ObjectPanel, register_object_panel

        register_nav(
            NavItem(
                label=_("Inspections"),
                url_name="patrols-inspection-list",
                icon="clipboard2-check",
                order=40,
                match_prefix="/patrols/",
            )
        )
        register_home_counts(home_counts)
        register_demo(DemoPart(name="patrols", load=demo.load, reset=demo.reset, order=200))
        register_case_panel(CasePanel(title=_("Inspection behind the case"), render=panels.case_card, order=30))
        register_object_panel(ObjectPanel(title=_("Inspections"), render=panels.object_inspections_card, order=20))
        register_object_panel(ObjectPanel(title=_("Enforcement"), render=panels.object_enforcement_card, order=30))
