"""Choices of the emergency app: warning levels and states, duty posts, spot-check results, and the
roles that manage warnings, keep rosters and record checks."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from envgrid.core.choices import Role
from envgrid.core.workflow import Transition, TransitionTable


class WarningLevel(models.TextChoices):
    """Heavy-pollution weather warning level (重污染天气预警级别, the national yellow/orange/red grading; see
    docs/standards.md), lowest first."""

    YELLOW = "yellow", _("Yellow")
    ORANGE = "orange", _("Orange")
    RED = "red", _("Red")


#: Bootstrap tone and the level's own colour (badges, the board's header).
LEVEL_TONES = {WarningLevel.YELLOW: "warning", WarningLevel.ORANGE: "orange", WarningLevel.RED: "danger"}
LEVEL_COLOURS = {WarningLevel.YELLOW: "#f2c037", WarningLevel.ORANGE: "#f07f1a", WarningLevel.RED: "#d62828"}
LEVEL_RANK = {WarningLevel.YELLOW: 1, WarningLevel.ORANGE: 2, WarningLevel.RED: 3}


class WarningStatus(models.TextChoices):
    """A warning is recorded (已发布, not yet in force), then activated (已启动) and lifted (已解除);
    a recorded warning that never started is cancelled (已取消)."""

    RECORDED = "recorded", pgettext_lazy("warning status", "Recorded")
    ACTIVE = "active", pgettext_lazy("warning status", "Active")
    LIFTED = "lifted", pgettext_lazy("warning status", "Lifted")
    CANCELLED = "cancelled", pgettext_lazy("warning status", "Cancelled")


STATUS_TONES = {
    WarningStatus.RECORDED: "secondary",
    WarningStatus.ACTIVE: "danger",
    WarningStatus.LIFTED: "success",
    WarningStatus.CANCELLED: "dark",
}


class WarningAction(models.TextChoices):
    """Entries of a warning's history."""

    RECORD = "record", _("Recorded")
    ACTIVATE = "activate", _("Activated")
    CHANGE = "change", _("Level or end changed")
    LIFT = "lift", _("Lifted")
    EXPIRE = "expire", _("Lifted at its end time")
    CANCEL = "cancel", _("Cancelled")


#: The transition table: which action moves a warning from which states to which state (None: unchanged).
TRANSITIONS = TransitionTable(
    Transition(WarningAction.ACTIVATE, frozenset({WarningStatus.RECORDED}), WarningStatus.ACTIVE),
    Transition(WarningAction.CHANGE, frozenset({WarningStatus.RECORDED, WarningStatus.ACTIVE})),
    Transition(WarningAction.LIFT, frozenset({WarningStatus.ACTIVE}), WarningStatus.LIFTED),
    Transition(WarningAction.EXPIRE, frozenset({WarningStatus.ACTIVE}), WarningStatus.LIFTED),
    Transition(WarningAction.CANCEL, frozenset({WarningStatus.RECORDED}), WarningStatus.CANCELLED),
)


class DutyPost(models.TextChoices):
    """A person's post on a duty shift: the leader in charge (带班领导) or the duty officer (值班员)."""

    LEADER = "leader", _("Leader in charge")
    OFFICER = "officer", _("Duty officer")


class CheckStatus(models.TextChoices):
    """A spot check (抽查任务) waits (待检查), is recorded complied (落实) or violated (未落实), is missed
    when the warning ends before anyone checked after its due time (逾期未查), or is cancelled when the
    warning ended or changed before its window."""

    PENDING = "pending", _("To check")
    COMPLIED = "complied", _("Complied")
    VIOLATED = "violated", _("Violated")
    MISSED = "missed", _("Missed")
    CANCELLED = "cancelled", pgettext_lazy("spot check status", "Cancelled")


CHECK_TONES = {
    CheckStatus.PENDING: "secondary",
    CheckStatus.COMPLIED: "success",
    CheckStatus.VIOLATED: "danger",
    CheckStatus.MISSED: "dark",
    CheckStatus.CANCELLED: "light",
}
DONE_STATUSES = frozenset({CheckStatus.COMPLIED, CheckStatus.VIOLATED})

#: Roles that record, activate, change and lift warnings and keep the reduction list (the command centre).
MANAGING_ROLES = frozenset({Role.DISPATCHER, Role.ADMIN})
#: Roles that keep their own unit's duty roster (besides the command centre, which keeps every unit's).
ROSTER_ROLES = frozenset({Role.UNIT_LEAD})
#: Roles that do spot checks for their unit and record what they found.
CHECK_ROLES = frozenset({Role.UNIT_LEAD, Role.UNIT_STAFF, Role.GRID_HEAD, Role.RIVER_CHIEF})
