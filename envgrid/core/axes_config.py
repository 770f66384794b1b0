"""django-axes (sign-in lockouts) under a name people read in the admin (登录锁定); INSTALLED_APPS names this
config instead of "axes". Kept apart from envgrid.core.apps so that module keeps a single AppConfig."""

from axes.apps import AppConfig as BaseAxesConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(BaseAxesConfig):
    verbose_name = _("Sign-in lockouts")
