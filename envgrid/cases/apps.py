from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "envgrid.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from envgrid.cases.selectors import home_counts
        from envgrid.core.choices import Role
        from envgrid.core.hooks import NavItem, register_home_counts, register_nav

        register_nav(NavItem(label=_("Cases"), url_name="case-queue", icon="inboxes", order=20, match_prefix="/cases/"))
        phone_roles = frozenset({Role.GRID_HEAD, Role.GRID_MEMBER, Role.RIVER_CHIEF})
        register_nav(NavItem(label=_("Phone patrol"), url_name="phone-home", icon="phone", roles=phone_roles, order=21))
        register_home_counts(home_counts)
