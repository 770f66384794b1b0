from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "envgrid.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from envgrid.cases import demo, panels
        from envgrid.cases.selectors import home_counts
        from envgrid.core.choices import Role
        from envgrid.core.hooks import DemoPart, NavItem, register_demo, register_home_counts, register_nav
        from envgrid.sources.hooks import ObjectPanel, register_object_panel

        register_nav(NavItem(label=_("Cases"), url_name="case-queue", icon="inboxes", order=20, match_prefix="/cases/"))
        phone_roles = frozenset({Role.GRID_HEAD, Role.GRID_MEMBER, Role.RIVER_CHIEF})
        register_nav(NavItem(label=_("Phone patrol"), url_name="phone-home", icon="phone", roles=phone_roles, order=21))
        register_home_counts(home_counts)
        # The routing table comes before every other app's demo part, which may route cases.
        register_demo(DemoPart(name="cases", load=demo.create_demo_routing, reset=demo.reset, order=10))
        register_object_panel(ObjectPanel(title=_("Cases"), render=panels.object_cases_card, order=10))
