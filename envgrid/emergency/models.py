"""Duty roster (应急值班) and pollution-weather warnings (重污染天气预警): the emergency emission-reduction
list (应急减排清单) and its on-site spot checks."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from envgrid.core.models import EvidenceFile
from envgrid.core.workflow import TimelineEvent
from envgrid.emergency.choices import (
    CheckStatus,
    DutyPost,
    WarningAction,
    WarningLevel,
    WarningStatus,
)
from envgrid.emergency.permissions import can_manage_emergency, can_record_check
from envgrid.emergency.querysets import (
    DutyAssignmentQuerySet,
    PollutionWarningQuerySet,
    ReductionMeasureQuerySet,
    SpotCheckQuerySet,
)


def default_duty_unit_kinds() -> list[str]:
    return ["department", "street"]


class EmergencySettings(models.Model):
    """The district's emergency rules (应急响应设置): how many spot checks per enterprise and day each
    warning level asks for, and which kinds of unit must keep someone on duty. One row; an
    administrator edits it."""

    checks_per_day_yellow = models.PositiveSmallIntegerField(
        _("spot checks per day at yellow"), default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    checks_per_day_orange = models.PositiveSmallIntegerField(
        _("spot checks per day at orange"), default=2, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    checks_per_day_red = models.PositiveSmallIntegerField(
        _("spot checks per day at red"), default=3, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    min_window_minutes = models.PositiveSmallIntegerField(
        _("shortest check window (minutes)"),
        default=60,
        help_text=_("A check window cut shorter than this by the warning's start or end is not planned."),
    )
    duty_unit_kinds = models.JSONField(
        _("unit kinds that keep duty"),
        default=default_duty_unit_kinds,
        blank=True,
        help_text=_("Units of these kinds must have someone on duty during a warning (department, street, …)."),
    )

    class Meta:
        verbose_name = _("emergency settings")
        verbose_name_plural = _("emergency settings")

    def __str__(self) -> str:
        return str(_("Emergency settings"))

    @classmethod
    def current(cls) -> EmergencySettings:
        return cls.objects.order_by("pk").first() or cls()

    def checks_per_day(self, level: str) -> int:
        return {
            WarningLevel.YELLOW: self.checks_per_day_yellow,
            WarningLevel.ORANGE: self.checks_per_day_orange,
            WarningLevel.RED: self.checks_per_day_red,
        }[WarningLevel(level)]


class DutyShift(models.Model):
    """A duty shift (班次): day, night or a full 24 hours, with its local start and end time. An end at
    or before the start runs into the next day (the night shift; a 24-hour shift ends when it began)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=30)
    start_time = models.TimeField(_("starts (local time)"))
    end_time = models.TimeField(_("ends (local time)"))
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.name} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def span(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The shift's start and end (aware) when it begins on ``day``, local time."""
        tz = timezone.get_current_timezone()
        start = timezone.make_aware(dt.datetime.combine(day, self.start_time), tz)
        end_day = day if self.end_time > self.start_time else day + dt.timedelta(days=1)
        return start, timezone.make_aware(dt.datetime.combine(end_day, self.end_time), tz)


class DutyAssignment(models.Model):
    """One person on one unit's duty roster (值班表) for one shift of one day, with the phone to reach
    them. ``starts_at``/``ends_at`` keep the hours the shift had when the roster was made, so a later
    change of shift times does not rewrite who was on duty when."""

    unit = models.ForeignKey("core.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    shift = models.ForeignKey(DutyShift, verbose_name=_("shift"), on_delete=models.PROTECT, related_name="+")
    post = models.CharField(_("post"), max_length=10, choices=DutyPost.choices, default=DutyPost.OFFICER)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The person's EnvGrid account, when they have one: they are notified."),
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30)
    starts_at = models.DateTimeField(_("starts at"), editable=False)
    ends_at = models.DateTimeField(_("ends at"), editable=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = DutyAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("duty assignment")
        verbose_name_plural = _("duty roster")
        ordering = ["date", "unit__sort_order", "unit__name", "shift__sort_order", "post", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "date", "shift", "name"], name="emergency_duty_one_person_shift")
        ]
        indexes = [
            models.Index(fields=["unit", "starts_at", "ends_at"], name="emergency_duty_unit_span"),
            models.Index(fields=["starts_at", "ends_at"], name="emergency_duty_span"),
            models.Index(fields=["date", "unit"], name="emergency_duty_date_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.unit} {self.shift.name} {self.name}"


class PollutionWarning(models.Model):
    """A heavy-pollution weather warning (重污染天气预警): its document number (文号), level (黄/橙/红),
    area, planned start and end. Activated, changed and lifted by the command centre; while active,
    the listed enterprises' reduction measures are spot-checked on site."""

    document_number = models.CharField(_("document number"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    level = models.CharField(pgettext_lazy("warning", "level"), max_length=10, choices=WarningLevel.choices)
    region = models.ForeignKey(
        "grids.Region",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the whole district."),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=10, choices=WarningStatus.choices, default=WarningStatus.RECORDED, db_index=True
    )
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = PollutionWarningQuerySet.as_manager()

    class Meta:
        verbose_name = _("pollution-weather warning")
        verbose_name_plural = _("pollution-weather warnings")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="emergency_warning_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document_number} {self.get_level_display()}"

    @property
    def is_active(self) -> bool:
        return self.status == WarningStatus.ACTIVE

    @property
    def area_name(self) -> str:
        return self.region.name if self.region_id else str(_("Whole district"))

    def can_manage(self, user) -> bool:
        """Whether ``user`` manages this warning (``permissions.can_manage_emergency``)."""
        return can_manage_emergency(user)


class WarningEvent(TimelineEvent):
    """One entry of a warning's history (预警过程记录): recorded, activated, level or end changed, lifted —
    who, when, and the level before and after. Never edited or deleted."""

    warning = models.ForeignKey(
        PollutionWarning, verbose_name=_("warning"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=10, choices=WarningAction.choices)
    from_level = models.CharField(_("level before"), max_length=10, choices=WarningLevel.choices, blank=True)
    to_level = models.CharField(_("level after"), max_length=10, choices=WarningLevel.choices, blank=True)

    class Meta:
        verbose_name = _("warning event")
        verbose_name_plural = _("warning events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.warning.document_number} {self.action} {self.created_at:%Y-%m-%d %H:%M}"


class ReductionMeasure(models.Model):
    """One line of the emergency emission-reduction list (应急减排清单, "一厂一策"): what one enterprise
    must do at one warning level — e.g. stop line 2, cut output by 30 %, no heavy-truck transport."""

    supervised_object = models.ForeignKey(
        "sources.SupervisedObject",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="reduction_measures",
    )
    level = models.CharField(_("warning level"), max_length=10, choices=WarningLevel.choices)
    measures = models.TextField(_("measures"))
    stop_lines = models.CharField(_("lines or equipment stopped"), max_length=200, blank=True)
    cut_percent = models.PositiveSmallIntegerField(
        _("output cut (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    heavy_truck_ban = models.BooleanField(_("no heavy-truck transport"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ReductionMeasureQuerySet.as_manager()

    class Meta:
        verbose_name = _("reduction measure")
        verbose_name_plural = _("emergency reduction list")
        ordering = ["supervised_object__code", "level"]
        constraints = [
            models.UniqueConstraint(fields=["supervised_object", "level"], name="emergency_measure_one_per_level")
        ]

    def __str__(self) -> str:
        return f"{self.supervised_object} · {self.get_level_display()}"

    def summary(self) -> str:
        """The measures as one line for a task and a case: the text, then lines, cut and truck ban."""
        parts = [self.measures.strip()]
        if self.stop_lines:
            parts.append(str(_("stop: %(lines)s")) % {"lines": self.stop_lines})
        if self.cut_percent is not None:
            parts.append(str(_("cut output by %(n)d%%")) % {"n": self.cut_percent})
        if self.heavy_truck_ban:
            parts.append(str(_("no heavy-truck transport")))
        return "；".join(p for p in parts if p)


class SpotCheck(models.Model):
    """A spot-check task (减排措施落实情况抽查): during an active warning, the unit responsible for a
    listed enterprise checks on site within a window that its measures are carried out, and records
    complied or violated with photos; a violation opens a case. Kept for the assessment."""

    warning = models.ForeignKey(
        PollutionWarning, verbose_name=_("warning"), on_delete=models.CASCADE, related_name="spot_checks"
    )
    supervised_object = models.ForeignKey(
        "sources.SupervisedObject", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="spot_checks"
    )
    measure = models.ForeignKey(
        ReductionMeasure, verbose_name=_("measure"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    level = models.CharField(pgettext_lazy("warning", "level"), max_length=10, choices=WarningLevel.choices)
    measures_text = models.TextField(_("measures to check"))
    unit = models.ForeignKey(
        "core.Unit", verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    window_start = models.DateTimeField(_("window opens"))
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(_("status"), max_length=10, choices=CheckStatus.choices, default=CheckStatus.PENDING)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_late = models.BooleanField(_("late"), default=False)
    note = models.TextField(_("what was found"), blank=True)
    lon = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = SpotCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["warning", "status"], name="emergency_check_warning"),
            models.Index(fields=["unit", "status", "due_at"], name="emergency_check_unit"),
            models.Index(fields=["status", "due_at"], name="emergency_check_due"),
        ]

    def __str__(self) -> str:
        return f"{self.supervised_object} {timezone.localtime(self.window_start):%m-%d %H:%M}"

    def is_overdue(self, moment: dt.datetime | None = None) -> bool:
        return self.status == CheckStatus.MISSED or (
            self.status == CheckStatus.PENDING and (moment or timezone.now()) > self.due_at
        )

    def can_record(self, user) -> bool:
        """Whether ``user`` may record this check (``permissions.can_record_check``)."""
        return can_record_check(user, self)


def photo_path(instance: SpotCheckPhoto, filename: str) -> str:
    return f"emergency/{timezone.now():%Y/%m}/{instance.spot_check_id}/{filename}"


class SpotCheckPhoto(EvidenceFile):
    """A photo taken on a spot check (现场照片), with its camera time and GPS kept."""

    spot_check = models.ForeignKey(
        SpotCheck, verbose_name=_("spot check"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("file"), upload_to=photo_path, max_length=255)
    thumbnail = models.FileField(_("thumbnail"), upload_to=photo_path, blank=True, max_length=255)

    class Meta:
        verbose_name = _("spot-check photo")
        verbose_name_plural = _("spot-check photos")
        ordering = ["uploaded_at", "id"]
