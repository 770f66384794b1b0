"""Inspections (日常巡查/夜查/专项检查/联合检查) with their versioned checklists and findings, and
joint-enforcement cases (联合执法) with measures and publicity (曝光)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from envgrid.cases.choices import Severity
from envgrid.core.models import EvidenceFile
from envgrid.patrols.choices import (
    Answer,
    EnforcementStatus,
    Frequency,
    InspectionKind,
    MeasureKind,
    PlanStatus,
    PublicityChannel,
)
from envgrid.patrols.querysets import EnforcementQuerySet, InspectionQuerySet, PlanQuerySet
from envgrid.sources.choices import ObjectKind


class PatrolSettings(models.Model):
    """District-wide inspection settings an administrator tunes: the night window (夜查时段, Beijing time;
    it may cross midnight), when a record counts as entered late (补录), whether findings are dispatched at
    once to the object's owner, and how near "nearby" objects are on the phone."""

    night_start = models.TimeField(_("night window starts"), default=dt.time(20, 0))
    night_end = models.TimeField(_("night window ends"), default=dt.time(6, 0))
    late_entry_hours = models.PositiveIntegerField(
        _("late entry after (hours)"),
        default=12,
        help_text=_("A record entered this long after the inspection ended is marked as entered late (补录)."),
    )
    dispatch_findings = models.BooleanField(
        _("dispatch findings at once"),
        default=True,
        help_text=_("Accept and dispatch a finding's case at once, to the object's responsible unit first."),
    )
    nearby_radius_m = models.PositiveIntegerField(_("nearby radius on the phone (m)"), default=1000)

    class Meta:
        verbose_name = _("inspection settings")
        verbose_name_plural = _("inspection settings")

    def __str__(self) -> str:
        return str(_("Inspection settings"))

    @classmethod
    def current(cls) -> PatrolSettings:
        return cls.objects.order_by("pk").first() or cls()

    @property
    def night_window_label(self) -> str:
        return f"{self.night_start:%H:%M}–{self.night_end:%H:%M}"


class Checklist(models.Model):
    """One version of the check items (检查要点) for a kind of supervised object — e.g. the "six 100%"
    for construction sites. Versions are never edited once answered: a change is a new version, and
    each inspection keeps the version it answered."""

    kind = models.CharField(_("object kind"), max_length=20, choices=ObjectKind.choices)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=100)
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

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        ordering = ["kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="patrols_checklist_kind_version")]

    def __str__(self) -> str:
        return gettext("%(title)s v%(version)s") % {"title": self.title, "version": self.version}


class ChecklistItem(models.Model):
    """One check item of a checklist version, with the case category a failure suggests."""

    checklist = models.ForeignKey(
        Checklist, verbose_name=_("checklist"), on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    text = models.CharField(_("check item"), max_length=200)
    guidance = models.CharField(_("how to check"), max_length=300, blank=True)
    category = models.ForeignKey(
        "cases.CaseCategory",
        verbose_name=_("case category when not met"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("check item")
        verbose_name_plural = _("check items")
        ordering = ["checklist", "position", "id"]

    def __str__(self) -> str:
        return self.text


class InspectionPlan(models.Model):
    """An inspection plan (检查计划): which units inspect which objects or grids, how (routine, night,
    special campaign, joint), over which period and how often (e.g. a night check twice a week)."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=InspectionKind.choices)
    lead_unit = models.ForeignKey(
        "core.Unit", verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="led_inspection_plans"
    )
    units = models.ManyToManyField(
        "core.Unit",
        verbose_name=_("units"),
        related_name="inspection_plans",
        help_text=_("Every unit that inspects under the plan, the lead unit included."),
    )
    objects_covered = models.ManyToManyField(
        "sources.SupervisedObject", verbose_name=_("objects to inspect"), blank=True, related_name="inspection_plans"
    )
    grids = models.ManyToManyField("grids.Grid", verbose_name=_("grids to inspect"), blank=True, related_name="+")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    times = models.PositiveIntegerField(_("times"), default=1)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.WEEK)
    status = models.CharField(_("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="patrols_plan_period_order")
        ]

    def __str__(self) -> str:
        return self.title

    def visits_due(self, first: dt.date, last: dt.date) -> int:
        """How many visits each target is due between ``first`` and ``last`` (inside the plan's period)."""
        first, last = max(first, self.starts_on), min(last, self.ends_on)
        if last < first:
            return 0
        days = (last - first).days + 1
        if self.frequency == Frequency.ONCE:
            return self.times
        per = {Frequency.DAY: 1, Frequency.WEEK: 7, Frequency.MONTH: 30}[self.frequency]
        return max(1, round(self.times * days / per))


class Inspection(models.Model):
    """An inspection record (检查记录): who inspected which object (or grid), for which units — several
    for a joint inspection — from when to when, where (GPS), the checklist version answered, photos and
    the problems found. A night inspection lies inside the night window."""

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    plan = models.ForeignKey(
        InspectionPlan,
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspections",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=InspectionKind.choices, db_index=True)
    lead_unit = models.ForeignKey(
        "core.Unit", verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="led_inspections"
    )
    units = models.ManyToManyField("core.Unit", verbose_name=_("units"), related_name="inspections")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("inspector"), on_delete=models.PROTECT, related_name="inspections"
    )
    companions = models.CharField(_("other inspectors"), max_length=200, blank=True)
    supervised_object = models.ForeignKey(
        "sources.SupervisedObject",
        verbose_name=_("supervised object"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    grid = models.ForeignKey(
        "grids.Grid", verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(
        "grids.Region",
        verbose_name=_("street / town"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    started_at = models.DateTimeField(_("started at"), db_index=True)
    ended_at = models.DateTimeField(_("ended at"))
    lon = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    accuracy_m = models.PositiveIntegerField(_("GPS accuracy (m)"), null=True, blank=True)
    checklist = models.ForeignKey(
        Checklist,
        verbose_name=_("checklist version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    summary = models.TextField(_("summary"), blank=True)
    has_findings = models.BooleanField(_("problems found"), default=False, db_index=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "started_at"], name="patrols_insp_kind_started"),
            models.Index(fields=["supervised_object", "started_at"], name="patrols_insp_object_started"),
            models.Index(fields=["street", "started_at"], name="patrols_insp_street_started"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ended_at__gte=models.F("started_at")), name="patrols_insp_time_order")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"

    @property
    def target(self):
        return self.supervised_object or self.grid

    def is_late_entry(self, hours: int) -> bool:
        """Entered more than ``hours`` after it ended (补录)."""
        return self.recorded_at - self.ended_at > dt.timedelta(hours=hours)


class InspectionAnswer(models.Model):
    """The answer to one check item on site."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="answers"
    )
    item = models.ForeignKey(ChecklistItem, verbose_name=_("check item"), on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        ordering = ["inspection", "item__position", "item_id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="patrols_answer_once")]

    def __str__(self) -> str:
        return f"{self.item}: {self.get_answer_display()}"


def photo_path(instance: InspectionPhoto, filename: str) -> str:
    now = timezone.now()
    return f"patrols/{now:%Y/%m}/{instance.inspection_id}/{filename}"


class InspectionPhoto(EvidenceFile):
    """A photo (or document) taken during an inspection, with its EXIF time and position."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("file"), upload_to=photo_path)
    thumbnail = models.FileField(_("thumbnail"), upload_to=photo_path, blank=True)

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
        ordering = ["uploaded_at", "id"]


class Finding(models.Model):
    """A problem found during an inspection (发现问题). It becomes a case of the closed loop, linked to the
    object, and is followed there."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="findings"
    )
    description = models.TextField(_("problem found"))
    category = models.ForeignKey("cases.CaseCategory", verbose_name=_("category"), on_delete=models.PROTECT)
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices, default=Severity.NORMAL)
    items = models.ManyToManyField(ChecklistItem, verbose_name=_("items not met"), blank=True, related_name="+")
    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspection_finding",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["inspection", "id"]

    def __str__(self) -> str:
        return self.description[:60]


class EnforcementCase(models.Model):
    """A joint-enforcement case (联合执法案件): the violation found at an object, the units acting on it,
    the legal basis, the measures decided (order to rectify, fine, suspension, sealing, transfer to the
    police) with their deadlines, and where it was made public (曝光). Linked to the inspections and
    cases that triggered it."""

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    party = models.CharField(_("party (当事人)"), max_length=200, blank=True)
    supervised_object = models.ForeignKey(
        "sources.SupervisedObject",
        verbose_name=_("supervised object"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enforcement_cases",
    )
    family = models.ForeignKey(
        "sources.SourceFamily",
        verbose_name=_("source family"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    grid = models.ForeignKey(
        "grids.Grid", verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(
        "grids.Region",
        verbose_name=_("street / town"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    lead_unit = models.ForeignKey(
        "core.Unit", verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="led_enforcement_cases"
    )
    units = models.ManyToManyField("core.Unit", verbose_name=_("units involved"), related_name="enforcement_cases")
    inspections = models.ManyToManyField(
        Inspection, verbose_name=_("triggering inspections"), blank=True, related_name="enforcement_cases"
    )
    cases = models.ManyToManyField(
        "cases.Case", verbose_name=_("triggering cases"), blank=True, related_name="enforcement_cases"
    )
    violation = models.TextField(_("violation"))
    legal_basis = models.TextField(_("legal basis"))
    status = models.CharField(
        _("status"), max_length=20, choices=EnforcementStatus.choices, default=EnforcementStatus.FILED, db_index=True
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    filed_on = models.DateField(_("filed on"), db_index=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = EnforcementQuerySet.as_manager()

    class Meta:
        verbose_name = _("enforcement case")
        verbose_name_plural = _("enforcement cases")
        ordering = ["-filed_on", "-id"]
        indexes = [models.Index(fields=["family", "filed_on"], name="patrols_enf_family_filed")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        from envgrid.patrols.choices import OPEN_ENFORCEMENT

        return self.status in OPEN_ENFORCEMENT


class EnforcementMeasure(models.Model):
    """One measure decided in an enforcement case, with its deadline and when it was carried out."""

    enforcement = models.ForeignKey(
        EnforcementCase, verbose_name=_("enforcement case"), on_delete=models.CASCADE, related_name="measures"
    )
    kind = models.CharField(_("measure"), max_length=20, choices=MeasureKind.choices)
    fine_amount = models.DecimalField(_("fine (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    done_on = models.DateField(_("carried out on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("enforcement measure")
        verbose_name_plural = _("enforcement measures")
        ordering = ["enforcement", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="fine") | Q(fine_amount__gt=0), name="patrols_measure_fine_has_amount"
            )
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    def is_overdue_on(self, day: dt.date) -> bool:
        return bool(self.deadline and self.done_on is None and day > self.deadline)


class Publicity(models.Model):
    """Where and when an enforcement case was made public (曝光), with a link to the report."""

    enforcement = models.ForeignKey(
        EnforcementCase, verbose_name=_("enforcement case"), on_delete=models.CASCADE, related_name="publicity"
    )
    channel = models.CharField(_("where"), max_length=20, choices=PublicityChannel.choices)
    outlet = models.CharField(_("outlet / column"), max_length=100, blank=True)
    published_on = models.DateField(_("published on"))
    link = models.URLField(_("link"), blank=True)

    class Meta:
        verbose_name = _("publicity")
        verbose_name_plural = _("publicity")
        ordering = ["enforcement", "published_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.published_on}"
