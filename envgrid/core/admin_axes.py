"""django-axes in the admin, in the user's language: the sign-in lockout app's name and the two list columns
axes builds from method names (which gettext cannot reach). Axes ships no zh_Hans catalog; its own strings
are translated in envgrid/locale; its app name comes from envgrid.core.axes_config."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class LocalizedAccessAttemptAdmin(AccessAttemptAdmin):
    """Axes' access-attempt admin with labelled columns."""

    @admin.display(description=_("Expires at"))
    def expiration(self, obj: AccessAttempt):
        return super().expiration(obj)

    @admin.display(description=_("Status"))
    def status(self, obj: AccessAttempt):
        return super().status(obj)


def register() -> None:
    """Replace axes' own registration (called from envgrid.core.admin, after axes.admin has registered)."""
    if admin.site.is_registered(AccessAttempt):
        admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, LocalizedAccessAttemptAdmin)
