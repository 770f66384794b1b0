import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from envgrid.core.models import EvidenceFile
from envgrid.core.workflow import UnitTimelineEvent
from envgrid.directives.choices import (
    DirectiveAction,
    DirectiveStatus,
    Recurrence,
    TargetStatus,
)
from envgrid.directives.permissions import can_act_for, can_manage_directives
from envgrid.directives.querysets import DirectiveEventQuerySet, DirectiveQuerySet, DirectiveTargetQuerySet


class Directive(models.Model):
    """A directive (调度指令): the command centre's instruction to many units at once, each of which
    signs for it and feeds back by the deadline. A daily directive (e.g. the nightly 21:00 night
    check) spawns one new round per day; the rounds point to the first one through ``parent``."""

    number = models.CharField(_("directive number"), max_length=30, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("instruction"), blank=True)
    figure_names = models.JSONField(
        _("figures to report"),
        default=list,
        blank=True,
        help_text=_("Names of the numbers each unit must report, e.g. sites checked, problems found."),
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="issued_directives",
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now, db_index=True)
    feedback_due_at = models.DateTimeField(_("feedback deadline"), db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DirectiveStatus.choices, default=DirectiveStatus.OPEN, db_index=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    recurrence = models.CharField(_("repeat"), max_length=10, choices=Recurrence.choices, default=Recurrence.NONE)
    recurrence_time = models.TimeField(_("time of day (local)"), null=True, blank=True)
    recurrence_stopped_at = models.DateTimeField(_("repetition stopped at"), null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("first round"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="instances",
    )
    occurrence_date = models.DateField(_("round of"), null=True, blank=True)

    objects = DirectiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("directive")
        verbose_name_plural = _("directives")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["status", "-issued_at"], name="directive_status_issued")]
        constraints = [
            # One round per series and day: the daily spawn is idempotent even when two workers race.
            models.UniqueConstraint(
                fields=["parent", "occurrence_date"],
                condition=Q(parent__isnull=False),
                name="directive_one_round_a_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status == DirectiveStatus.OPEN

    @property
    def is_recurring(self) -> bool:
        return self.recurrence != Recurrence.NONE

    @property
    def repeats(self) -> bool:
        """True for the first round of a daily series that has not been stopped."""
        return self.is_recurring and self.parent_id is None and self.recurrence_stopped_at is None

    @property
    def feedback_window(self) -> dt.timedelta:
        return self.feedback_due_at - self.issued_at

    def is_past_due(self, moment: dt.datetime | None = None) -> bool:
        return (moment or timezone.now()) > self.feedback_due_at

    def can_manage(self, user) -> bool:
        """Whether ``user`` urges and closes this directive (``permissions.can_manage_directives``)."""
        return can_manage_directives(user)


class DirectiveTarget(models.Model):
    """One unit's row on a directive (指令接收单位): its signature (签收), its feedback (反馈) with
    text, figures and photos, whether it was late, and how often it was urged (催办)."""

    directive = models.ForeignKey(
        Directive, verbose_name=_("directive"), on_delete=models.CASCADE, related_name="targets"
    )
    unit = models.ForeignKey(
        "core.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="directive_targets"
    )
    status = models.CharField(_("status"), max_length=10, choices=TargetStatus.choices, default=TargetStatus.PENDING)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    feedback = models.TextField(_("feedback"), blank=True)
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    fed_back_at = models.DateTimeField(_("fed back at"), null=True, blank=True)
    fed_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("fed back by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_late = models.BooleanField(_("late"), default=False, help_text=_("Fed back after the deadline, or not at all."))
    urge_count = models.PositiveIntegerField(_("times urged"), default=0)
    last_urged_at = models.DateTimeField(_("last urged at"), null=True, blank=True)

    objects = DirectiveTargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("directive unit")
        verbose_name_plural = _("directive units")
        ordering = ["directive", "unit__sort_order", "unit__name"]
        constraints = [models.UniqueConstraint(fields=["directive", "unit"], name="directive_target_unique_unit")]
        indexes = [models.Index(fields=["unit", "status"], name="directive_target_unit_status")]

    def __str__(self) -> str:
        return f"{self.directive.number} → {self.unit}"

    @property
    def is_fed_back(self) -> bool:
        return self.status == TargetStatus.FED_BACK

    def can_act(self, user) -> bool:
        """Whether ``user`` signs and feeds back for this unit (``permissions.can_act_for``)."""
        return can_act_for(user, self)

    def state(self, moment: dt.datetime | None = None) -> str:
        """The cell of the matrix: pending, signed, fed_back, fed_back_late, overdue or missing."""
        if self.is_fed_back:
            return "fed_back_late" if self.is_late else "fed_back"
        if not self.directive.is_open:
            return "missing"
        if self.is_late or self.directive.is_past_due(moment):
            return "overdue"
        return self.status


#: How each matrix cell reads and looks.
TARGET_STATES = {
    "pending": (_("Waiting for signature"), "secondary"),
    "signed": (_("Signed"), "primary"),
    "fed_back": (_("Fed back"), "success"),
    "fed_back_late": (_("Fed back late"), "warning"),
    "overdue": (_("Overdue"), "danger"),
    "missing": (_("No feedback (late)"), "danger"),
}


class DirectiveEvent(UnitTimelineEvent):
    """One entry of a directive's timeline: who, in which role and unit, did what and when — for the
    directive as a whole or for one unit's row. Never edited or deleted."""

    directive = models.ForeignKey(
        Directive, verbose_name=_("directive"), on_delete=models.CASCADE, related_name="events"
    )
    target = models.ForeignKey(
        DirectiveTarget,
        verbose_name=_("unit row"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    action = models.CharField(_("action"), max_length=20, choices=DirectiveAction.choices)

    objects = DirectiveEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("directive event")
        verbose_name_plural = _("directive events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.directive.number} {self.action} {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance: "DirectiveAttachment", filename: str) -> str:
    return f"directives/{timezone.now():%Y/%m}/{instance.directive_id}/{filename}"


class DirectiveAttachment(EvidenceFile):
    """A file that goes with a directive (the notice itself, a checklist) or with one unit's feedback
    (photos of the night check, a signed report): images, PDF and Office documents only."""

    directive = models.ForeignKey(
        Directive, verbose_name=_("directive"), on_delete=models.CASCADE, related_name="attachments"
    )
    target = models.ForeignKey(
        DirectiveTarget,
        verbose_name=_("unit row"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
        help_text=_("Empty: attached to the directive itself."),
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    thumbnail = models.FileField(_("thumbnail"), upload_to=attachment_path, blank=True, max_length=255)

    class Meta:
        verbose_name = _("directive attachment")
        verbose_name_plural = _("directive attachments")
        ordering = ["uploaded_at", "id"]
