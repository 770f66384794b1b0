from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectivesConfig(AppConfig):
    name = "envgrid.directives"
    label = "directives"
    verbose_name = _("Directives")

    def ready(self):
        from envgrid.core.choices import DISTRICT_WIDE_ROLES
        from envgrid.core.hooks import NavItem, register_home_counts, register_nav
        from envgrid.directives.choices import ACTING_ROLES
        from envgrid.directives.selectors import home_counts

        register_nav(
            NavItem(
                label=_("Directives"),
                url_name="directive-list",
                icon="megaphone",
                order=30,
                roles=frozenset(DISTRICT_WIDE_ROLES | ACTING_ROLES),
                match_prefix="/directives/",
            )
        )
        register_home_counts(home_counts)
