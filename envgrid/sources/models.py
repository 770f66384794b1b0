"""Supervised objects of the six source families (六源) and their 分包 responsibility."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from envgrid.core.models import EvidenceFile
from envgrid.sources.choices import (
    FINISHED_IMPORT_STATUSES,
    ImportKind,
    ImportStatus,
    ObjectKind,
    ObjectStatus,
    PerformanceGrade,
    ResponsibilityRole,
    RoadGrade,
    SiteStage,
    TargetKind,
)
from envgrid.sources.querysets import ResponsibilityQuerySet, SupervisedObjectQuerySet
from envgrid.sources.validators import validate_credit_code


class SourceFamily(models.Model):
    """A pollution-source family (六源之一): industrial enterprises, construction dust, roads and
    transport, fuel and coal, catering and living sources, farmland. The list is the district's own
    data, seeded with six families and edited by an administrator."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("source family")
        verbose_name_plural = _("source families")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class SupervisedObject(models.Model):
    """A supervised object (监管对象): an enterprise, construction site, road, fuel/coal point, eatery,
    farmland or other source that someone must answer for. Located in WGS-84 (a road also by its
    LineString), placed in the grid that contains it."""

    family = models.ForeignKey(
        SourceFamily, verbose_name=_("source family"), on_delete=models.PROTECT, related_name="supervised_objects"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ObjectKind.choices)
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=50, unique=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    geometry = models.JSONField(
        _("line (GeoJSON LineString, WGS-84)"), null=True, blank=True, help_text=_("Roads: the segment's line.")
    )
    grid = models.ForeignKey(
        "grids.Grid",
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_objects",
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
    status = models.CharField(
        _("status"), max_length=20, choices=ObjectStatus.choices, default=ObjectStatus.ACTIVE, db_index=True
    )
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    details = models.JSONField(_("other details"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SupervisedObjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervised object")
        verbose_name_plural = _("supervised objects")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["family", "status"], name="sources_obj_family_status"),
            models.Index(fields=["street", "family"], name="sources_obj_street_family"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class EnterpriseDetail(models.Model):
    """What an enterprise (工业企业) carries besides its place: credit code, industry, emergency-response
    performance grade (绩效分级), emission permit and its online-monitoring points (MN numbers)."""

    supervised_object = models.OneToOneField(
        SupervisedObject,
        verbose_name=_("supervised object"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="enterprise",
    )
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    performance_grade = models.CharField(
        _("performance grade"), max_length=20, choices=PerformanceGrade.choices, blank=True
    )
    permit_number = models.CharField(_("emission permit number"), max_length=50, blank=True)
    monitoring_mns = models.JSONField(_("online-monitoring MN numbers"), default=list, blank=True)

    class Meta:
        verbose_name = _("enterprise details")
        verbose_name_plural = _("enterprise details")

    def __str__(self) -> str:
        return str(self.supervised_object)


class ConstructionSiteDetail(models.Model):
    """What a construction site (建筑工地) carries: construction permit, area, stage, and the
    "six 100%" dust-control items (六个百分之百) as a checklist."""

    supervised_object = models.OneToOneField(
        SupervisedObject,
        verbose_name=_("supervised object"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="construction_site",
    )
    permit_number = models.CharField(_("construction permit number"), max_length=50, blank=True)
    area_m2 = models.FloatField(_("area (m²)"), null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=20, choices=SiteStage.choices, blank=True)
    fence_enclosure = models.BooleanField(_("site fully enclosed by hoarding"), default=False)
    material_covered = models.BooleanField(_("stockpiles and bare soil fully covered"), default=False)
    road_hardened = models.BooleanField(_("site roads fully hardened"), default=False)
    vehicle_washing = models.BooleanField(_("vehicles leaving fully washed"), default=False)
    wet_earthwork = models.BooleanField(_("earthwork fully done wet"), default=False)
    enclosed_transport = models.BooleanField(_("muck trucks fully enclosed"), default=False)

    class Meta:
        verbose_name = _("construction-site details")
        verbose_name_plural = _("construction-site details")

    def __str__(self) -> str:
        return str(self.supervised_object)


class RoadDetail(models.Model):
    """What a road segment (道路) carries: grade, length and the cleaning standard it is held to."""

    supervised_object = models.OneToOneField(
        SupervisedObject,
        verbose_name=_("supervised object"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="road",
    )
    grade = models.CharField(_("road grade"), max_length=20, choices=RoadGrade.choices, blank=True)
    length_m = models.FloatField(_("length (m)"), null=True, blank=True)
    cleaning_standard = models.CharField(_("cleaning standard"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("road details")
        verbose_name_plural = _("road details")

    def __str__(self) -> str:
        return str(self.supervised_object)


def attachment_path(instance: ObjectAttachment, filename: str) -> str:
    now = timezone.now()
    return f"sources/{now:%Y/%m}/{instance.supervised_object_id}/{filename}"


class ObjectAttachment(EvidenceFile):
    """A photo or document of a supervised object (现场照片, 许可证, 台账…)."""

    supervised_object = models.ForeignKey(
        SupervisedObject, verbose_name=_("supervised object"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    thumbnail = models.FileField(_("thumbnail"), upload_to=attachment_path, blank=True)

    class Meta:
        verbose_name = _("object attachment")
        verbose_name_plural = _("object attachments")
        ordering = ["uploaded_at", "id"]


#: Exactly one target form: an object; a grid; or a family in a region (area).
_ONE_TARGET = (
    Q(supervised_object__isnull=False, grid__isnull=True, family__isnull=True, region__isnull=True)
    | Q(supervised_object__isnull=True, grid__isnull=False, family__isnull=True, region__isnull=True)
    | Q(supervised_object__isnull=True, grid__isnull=True, family__isnull=False, region__isnull=False)
)


class Responsibility(models.Model):
    """A 分包 (包保) responsibility: a unit and a named person (with an optional deputy) answering for
    one supervised object, one grid, or a whole source family in an area, from ``valid_from`` to
    ``valid_to`` (both days included; no ``valid_to``: still current). Ended, never deleted, so who was
    responsible on any past day stays answerable."""

    supervised_object = models.ForeignKey(
        SupervisedObject,
        verbose_name=_("supervised object"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="responsibilities",
    )
    grid = models.ForeignKey(
        "grids.Grid",
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="responsibilities",
    )
    family = models.ForeignKey(
        SourceFamily,
        verbose_name=_("source family"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="responsibilities",
    )
    region = models.ForeignKey(
        "grids.Region",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="source_responsibilities",
    )
    role = models.CharField(_("role"), max_length=10, choices=ResponsibilityRole.choices, default="lead")
    unit = models.ForeignKey(
        "core.Unit", verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="responsibilities"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("responsible person"), on_delete=models.PROTECT, related_name="+"
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deputy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Empty: still current."))
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

    objects = ResponsibilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("responsibility (分包)")
        verbose_name_plural = _("responsibilities (分包)")
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(condition=_ONE_TARGET, name="sources_resp_exactly_one_target"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="sources_resp_period_order",
            ),
        ]
        indexes = [
            models.Index(fields=["supervised_object", "role", "valid_from"], name="sources_resp_obj"),
            models.Index(fields=["grid", "role", "valid_from"], name="sources_resp_grid"),
            models.Index(fields=["family", "region", "role", "valid_from"], name="sources_resp_family_area"),
            models.Index(fields=["unit", "valid_to"], name="sources_resp_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.target} → {self.unit} / {self.person}"

    @property
    def target_kind(self) -> str:
        if self.supervised_object_id:
            return TargetKind.OBJECT
        if self.grid_id:
            return TargetKind.GRID
        return TargetKind.FAMILY_AREA

    @property
    def target(self):
        if self.supervised_object_id:
            return self.supervised_object
        if self.grid_id:
            return self.grid
        return f"{self.family} @ {self.region}"

    @property
    def is_current(self) -> bool:
        return self.covers(timezone.localdate())

    def covers(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)


def import_path(instance: ImportJob, filename: str) -> str:
    now = timezone.now()
    return f"sources/imports/{now:%Y/%m}/{filename}"


class ImportJob(models.Model):
    """One Excel import of objects or responsibilities: the uploaded file, the options, its progress while
    rows are checked, and the outcome — what changed (or, for a dry run, would change) and every bad row."""

    kind = models.CharField(_("import of"), max_length=20, choices=ImportKind.choices)
    file = models.FileField(_("file"), upload_to=import_path)
    original_name = models.CharField(_("original name"), max_length=200)
    dry_run = models.BooleanField(_("dry run"), default=True)
    keep_good_rows = models.BooleanField(_("keep the good rows"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    changes = models.JSONField(_("changes"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_IMPORT_STATUSES

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        return int(90 * self.processed_rows / self.total_rows) if self.total_rows else 0
