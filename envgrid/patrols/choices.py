"""Choices of the patrols app: kinds of inspection, checklist answers, plan frequency, and the status,
measures and publicity channels of a joint-enforcement case."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from envgrid.core.choices import Role
from envgrid.core.workflow import Transition, TransitionTable


class InspectionKind(models.TextChoices):
    """How an inspection is run: by day (日常巡查), at night (夜查, inside the night window), as part of a
    special campaign (专项检查), or jointly by several units (联合检查)."""

    ROUTINE = "routine", _("Routine inspection")
    NIGHT = "night", _("Night inspection")
    SPECIAL = "special", _("Special campaign")
    JOINT = "joint", _("Joint inspection")


KIND_TONES = {
    InspectionKind.ROUTINE: "secondary",
    InspectionKind.NIGHT: "dark",
    InspectionKind.SPECIAL: "info",
    InspectionKind.JOINT: "primary",
}


class Frequency(models.TextChoices):
    """The period a plan's ``times`` count refers to: e.g. 2 per week."""

    ONCE = "once", _("over the whole plan")
    DAY = "day", _("per day")
    WEEK = "week", _("per week")
    MONTH = "month", _("per month")


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")


class Answer(models.TextChoices):
    """One checklist item's answer on site: met (合格), not met (不合格), or not applicable (不涉及)."""

    PASS = "pass", _("Met")
    FAIL = "fail", _("Not met")
    NA = "na", _("Not applicable")


class EnforcementStatus(models.TextChoices):
    """Where an enforcement case (执法案件) stands: filed (立案), under investigation (调查取证), decided
    (作出处理决定), closed once every measure is carried out (结案), or withdrawn (撤销)."""

    FILED = "filed", _("Filed")
    INVESTIGATING = "investigating", _("Investigating")
    DECIDED = "decided", _("Decided")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


ENFORCEMENT_TONES = {
    EnforcementStatus.FILED: "secondary",
    EnforcementStatus.INVESTIGATING: "info",
    EnforcementStatus.DECIDED: "warning",
    EnforcementStatus.CLOSED: "success",
    EnforcementStatus.WITHDRAWN: "dark",
}

#: Which status may follow which (the one table ``enforcement_transition`` checks): each action is named by
#: the status it leads to.
ENFORCEMENT_TRANSITIONS = TransitionTable(
    Transition(EnforcementStatus.INVESTIGATING, frozenset({EnforcementStatus.FILED}), EnforcementStatus.INVESTIGATING),
    Transition(
        EnforcementStatus.DECIDED,
        frozenset({EnforcementStatus.FILED, EnforcementStatus.INVESTIGATING}),
        EnforcementStatus.DECIDED,
    ),
    Transition(EnforcementStatus.CLOSED, frozenset({EnforcementStatus.DECIDED}), EnforcementStatus.CLOSED),
    Transition(
        EnforcementStatus.WITHDRAWN,
        frozenset({EnforcementStatus.FILED, EnforcementStatus.INVESTIGATING}),
        EnforcementStatus.WITHDRAWN,
        needs_reason=True,
    ),
)

OPEN_ENFORCEMENT = frozenset({EnforcementStatus.FILED, EnforcementStatus.INVESTIGATING, EnforcementStatus.DECIDED})


class MeasureKind(models.TextChoices):
    """What the units decided against the violator (处理措施)."""

    RECTIFY = "rectify", _("Order to rectify")
    FINE = "fine", _("Fine")
    SUSPEND = "suspend", _("Suspend production")
    SEAL = "seal", _("Seal up / seize")
    POLICE = "police", _("Transfer to police")


class PublicityChannel(models.TextChoices):
    """Where a case was made public (曝光)."""

    TV = "tv", _("Television")
    NEWSPAPER = "newspaper", _("Newspaper")
    WECHAT = "wechat", _("WeChat official account")
    WEBSITE = "website", _("Government website")
    BULLETIN = "bulletin", _("Internal bulletin")
    OTHER = "other", _("Other")


#: Roles that inspect: unit people, grid people, and the command centre.
INSPECTOR_ROLES = frozenset(
    {Role.ADMIN, Role.DISPATCHER, Role.UNIT_LEAD, Role.UNIT_STAFF, Role.RIVER_CHIEF, Role.GRID_HEAD, Role.GRID_MEMBER}
)
#: Roles that plan inspections (their own unit's; the command centre any unit's).
PLANNER_ROLES = frozenset({Role.ADMIN, Role.DISPATCHER, Role.UNIT_LEAD})
#: Roles that file and handle enforcement cases.
ENFORCER_ROLES = frozenset({Role.ADMIN, Role.DISPATCHER, Role.UNIT_LEAD, Role.UNIT_STAFF})
