from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from envgrid.cases.choices import (
    FINAL_STATUSES,
    OPEN_ASSIGNMENT_STATUSES,
    AssignmentRole,
    AssignmentStatus,
    CaseStatus,
    Channel,
    DeadlineUnit,
    ExtensionStatus,
    RejectReason,
    Severity,
)
from envgrid.cases.querysets import CaseQuerySet
from envgrid.core.models import EvidenceFile
from envgrid.core.workflow import UnitTimelineEvent


class CaseCategory(models.Model):
    """A kind of problem (问题类别) in a tree: the six pollution-source families (六源) with their
    sub-types, and the other grid-governance domains (river/lake 四乱, city appearance, safety…).
    The tree is district data an administrator edits."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list["CaseCategory"]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


class CaseSLA(models.Model):
    """The time allowed (处置时限) for a category and severity, in hours, working hours or working
    days, and when overdue work escalates (a second threshold, as extra time past the deadline)."""

    category = models.ForeignKey(
        CaseCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Empty: any category."),
    )
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices, blank=True)
    amount = models.PositiveIntegerField(_("time allowed"))
    unit = models.CharField(_("time unit"), max_length=20, choices=DeadlineUnit.choices, default=DeadlineUnit.HOURS)
    escalate_after_hours = models.PositiveIntegerField(_("escalate after (hours past deadline)"), default=24)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        constraints = [
            models.UniqueConstraint(fields=["category", "severity"], name="cases_sla_unique_category_severity")
        ]

    def __str__(self) -> str:
        category, severity = self.category or _("any"), self.get_severity_display() or _("any")
        return f"{category} / {severity}: {self.amount} {self.get_unit_display()}"


class RoutingRule(models.Model):
    """Which unit leads a category of problem in a grid or area (派遣规则). The most specific rule
    wins: a grid beats a community, a community beats a street, a street beats the whole district;
    a category beats its parent category."""

    category = models.ForeignKey(
        CaseCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Empty: any category."),
    )
    region = models.ForeignKey(
        "grids.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Empty: the whole district."),
    )
    grid = models.ForeignKey("grids.Grid", verbose_name=_("grid"), null=True, blank=True, on_delete=models.CASCADE)
    unit = models.ForeignKey("core.Unit", verbose_name=_("lead unit"), on_delete=models.CASCADE)
    co_units = models.ManyToManyField("core.Unit", verbose_name=_("co-units"), blank=True, related_name="+")

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        where = self.grid or self.region or _("whole district")
        return f"{self.category or _('any category')} @ {where} → {self.unit}"


class Case(models.Model):
    """A case (案卷): one problem clue followed through the closed loop until it is verified on site
    and closed, or rejected. Its timeline of events is the record of who did what and when."""

    number = models.CharField(_("case number"), max_length=30, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.GRID_MEMBER)
    category = models.ForeignKey(CaseCategory, verbose_name=_("category"), on_delete=models.PROTECT)
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices, default=Severity.NORMAL)
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.REPORTED, db_index=True
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    lon = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    grid = models.ForeignKey(
        "grids.Grid", verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
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

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
    )
    reporter_name = models.CharField(_("reporter name"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=30, blank=True)
    external_id = models.CharField(_("external id"), max_length=64, blank=True, db_index=True)
    partner = models.ForeignKey(
        "cases.Open311Partner", verbose_name=_("partner system"), null=True, blank=True, on_delete=models.SET_NULL
    )

    supervised_object = models.ForeignKey(
        "sources.SupervisedObject",
        verbose_name=_("related supervised object"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )

    lead_unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("lead unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_cases",
    )
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True, db_index=True)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    is_escalated = models.BooleanField(_("escalated"), default=False)
    rework_count = models.PositiveIntegerField(_("rework count"), default=0)
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("duplicate of"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reject_reason = models.CharField(_("reject reason"), max_length=20, choices=RejectReason.choices, blank=True)
    held_from = models.CharField(_("held from status"), max_length=20, choices=CaseStatus.choices, blank=True)

    created_at = models.DateTimeField(_("reported at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="cases_status_created"),
            models.Index(fields=["lead_unit", "status"], name="cases_unit_status"),
            models.Index(fields=["category", "status", "created_at"], name="cases_cat_status_created"),
            # The overdue tab counts: flagged running cases, and due-but-not-yet-flagged ones (overdue_parts).
            models.Index(fields=["status", "is_overdue", "due_at"], name="cases_status_overdue_due"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    def is_overdue_at(self, moment) -> bool:
        return bool(self.due_at and not self.is_final and self.status != CaseStatus.ON_HOLD and moment > self.due_at)


class CaseAssignment(models.Model):
    """A unit's share of a case (派遣): the lead unit or a co-unit, each with its own deadline,
    signature and feedback."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey("core.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(_("role"), max_length=10, choices=AssignmentRole.choices, default=AssignmentRole.LEAD)
    status = models.CharField(
        _("status"), max_length=20, choices=AssignmentStatus.choices, default=AssignmentStatus.DISPATCHED
    )
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), default=timezone.now)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    fed_back_at = models.DateTimeField(_("fed back at"), null=True, blank=True)
    fed_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("fed back by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    feedback = models.TextField(_("feedback"), blank=True)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    is_escalated = models.BooleanField(_("escalated"), default=False)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["case", "role", "id"]
        indexes = [models.Index(fields=["unit", "status"], name="cases_assign_unit_status")]

    def __str__(self) -> str:
        return f"{self.case.number} → {self.unit}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ASSIGNMENT_STATUSES


class CaseEvent(UnitTimelineEvent):
    """One entry of a case's timeline (处置记录): who, in which role and unit, did what and when,
    with a note and evidence, and the status before and after. Never edited or deleted."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from status"), max_length=20, blank=True)
    to_status = models.CharField(_("to status"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case.number} {self.action} {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance: "CaseAttachment", filename: str) -> str:
    now = timezone.now()
    return f"cases/{now:%Y/%m}/{instance.case_id}/{filename}"


class CaseAttachment(EvidenceFile):
    """A photo or document attached to a case as evidence, with the photo's own EXIF time and GPS
    position kept apart from the upload time."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        CaseEvent,
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    thumbnail = models.FileField(_("thumbnail"), upload_to=attachment_path, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]


class ExtensionRequest(models.Model):
    """A unit's request for more time (延期申请), approved or refused by the dispatcher."""

    assignment = models.ForeignKey(
        CaseAssignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="extensions"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    until = models.DateTimeField(_("new deadline"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.assignment} → {self.until:%Y-%m-%d %H:%M}"


class Open311Partner(models.Model):
    """A partner system (a citizen app, the 12345 hotline platform) allowed to file requests through
    Open311 GeoReport v2 with its own api_key."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    api_key = models.CharField(_("API key"), max_length=64, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.CITIZEN)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 partner")
        verbose_name_plural = _("Open311 partners")

    def __str__(self) -> str:
        return self.name


class CaseSettings(models.Model):
    """District-wide case settings an administrator tunes: how near and how recent an open case of
    the same category must be to be shown as a possible duplicate at acceptance."""

    duplicate_radius_m = models.PositiveIntegerField(_("duplicate radius (m)"), default=200)
    duplicate_window_hours = models.PositiveIntegerField(_("duplicate window (hours)"), default=72)

    class Meta:
        verbose_name = _("case settings")
        verbose_name_plural = _("case settings")

    def __str__(self) -> str:
        return str(_("Case settings"))

    @classmethod
    def current(cls) -> "CaseSettings":
        return cls.objects.order_by("pk").first() or cls()
