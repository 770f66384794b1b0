from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from envgrid.core.choices import Role


class DirectiveStatus(models.TextChoices):
    """A directive is open while units sign and feed back, closed once the dispatcher closes it."""

    OPEN = "open", pgettext_lazy("directive status", "Open")
    CLOSED = "closed", pgettext_lazy("directive status", "Closed")


class Recurrence(models.TextChoices):
    """How a directive repeats: once, or every day at a set time (e.g. the nightly 21:00 check)."""

    NONE = "none", _("Once")
    DAILY = "daily", _("Every day")


class TargetStatus(models.TextChoices):
    """Where one unit stands on a directive (待签收 → 已签收 → 已反馈)."""

    PENDING = "pending", _("Waiting for signature")
    SIGNED = "signed", _("Signed")
    FED_BACK = "fed_back", _("Fed back")


TARGET_STATUS_COLOURS = {
    TargetStatus.PENDING: "secondary",
    TargetStatus.SIGNED: "primary",
    TargetStatus.FED_BACK: "success",
}

#: States in which a unit still owes its feedback (a laggard, 未反馈).
AWAITING_FEEDBACK = frozenset({TargetStatus.PENDING, TargetStatus.SIGNED})


class UnitGroup(models.TextChoices):
    """Shortcuts for the usual audiences of a directive."""

    ALL_STREETS = "all_streets", _("All streets / towns")
    ALL_DEPARTMENTS = "all_departments", _("All district departments")


class DirectiveAction(models.TextChoices):
    """Entries of a directive's timeline."""

    ISSUE = "issue", _("Issued")
    SPAWN = "spawn", _("Issued by the daily schedule")
    SIGN = "sign", _("Signed")
    FEEDBACK = "feedback", _("Fed back")
    URGE = "urge", _("Urged")
    OVERDUE = "overdue", _("Deadline passed without feedback")
    CLOSE = "close", _("Closed")
    MISSING = "missing", _("Recorded as missing feedback")


#: Roles that issue, urge and close directives (the command centre).
MANAGING_ROLES = frozenset({Role.DISPATCHER, Role.ADMIN})
#: Roles that sign and feed back for their own unit: its lead and staff; a street's river chief and a
#: community's grid head are often the only officials of those units in EnvGrid.
ACTING_ROLES = frozenset({Role.UNIT_LEAD, Role.UNIT_STAFF, Role.RIVER_CHIEF, Role.GRID_HEAD})

#: At most this many figures may be asked for or given on one feedback.
MAX_FIGURES = 12
MAX_FIGURE_NAME = 40
