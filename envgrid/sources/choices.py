"""Choices of the sources app: kinds of supervised object, their status, enterprise performance grades,
construction stages, road grades and the roles of a 分包 responsibility."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from envgrid.core.spreadsheets.jobs import FINISHED_JOB_STATUSES, JobStatus


class ObjectKind(models.TextChoices):
    """What a supervised object is; decides which typed details it carries."""

    ENTERPRISE = "enterprise", _("Enterprise")
    CONSTRUCTION_SITE = "construction_site", _("Construction site")
    ROAD = "road", _("Road")
    FUEL_POINT = "fuel_point", _("Fuel / coal point")
    CATERING = "catering", _("Catering")
    FARMLAND = "farmland", _("Farmland")
    OTHER = "other", _("Other")


class ObjectStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RECTIFYING = "rectifying", _("Rectifying")
    SHUT = "shut", _("Shut")


#: Bootstrap colour of each status badge.
STATUS_TONES = {ObjectStatus.ACTIVE: "success", ObjectStatus.RECTIFYING: "warning", ObjectStatus.SHUT: "secondary"}


class PerformanceGrade(models.TextChoices):
    """Emergency-response performance grade (绩效分级, 环办大气函〔2020〕340号; A+ from the 2026 guidance; see
    docs/standards.md): A+/A/B/C/D for the graded industries, 绩效引领性/非引领性 for the others."""

    A_PLUS = "A+", _("A+")
    A = "A", _("A")
    B = "B", _("B")
    C = "C", _("C")
    D = "D", _("D")
    LEADING = "leading", _("Performance-leading")
    NON_LEADING = "non_leading", _("Non-leading")


class SiteStage(models.TextChoices):
    EARTHWORK = "earthwork", _("Earthwork / foundation")
    STRUCTURE = "structure", _("Main structure")
    DECORATION = "decoration", _("Decoration / finishing")
    LANDSCAPING = "landscaping", _("Landscaping / roads")
    SUSPENDED = "suspended", _("Suspended")
    COMPLETED = "completed", _("Completed")


#: The "six 100%" dust-control items of a construction site (六个百分之百), as checklist fields.
SIX_HUNDRED_PERCENT = (
    ("fence_enclosure", _("Site fully enclosed by hoarding")),
    ("material_covered", _("Stockpiles and bare soil fully covered")),
    ("road_hardened", _("Site roads fully hardened")),
    ("vehicle_washing", _("Vehicles leaving fully washed")),
    ("wet_earthwork", _("Earthwork fully done wet")),
    ("enclosed_transport", _("Muck trucks fully enclosed")),
)


class RoadGrade(models.TextChoices):
    EXPRESSWAY = "expressway", _("Expressway")
    ARTERIAL = "arterial", _("Arterial road")
    SECONDARY = "secondary", _("Secondary arterial")
    BRANCH = "branch", _("Branch road")
    RURAL = "rural", _("Rural road")


class ResponsibilityRole(models.TextChoices):
    """A unit's part in a 分包: the lead (主责, answers for it and receives its cases) or a supporting unit."""

    LEAD = "lead", _("Lead")
    SUPPORT = "support", _("Support")


class TargetKind(models.TextChoices):
    """What a responsibility covers: one object, one grid, or a whole family in an area."""

    OBJECT = "object", _("Object")
    GRID = "grid", _("Grid")
    FAMILY_AREA = "family_area", _("Family in an area")


class ImportKind(models.TextChoices):
    OBJECTS = "objects", _("Supervised objects")
    RESPONSIBILITIES = "responsibilities", _("Responsibilities (分包)")


#: The states of an import job are those of every progress job.
ImportStatus = JobStatus
FINISHED_IMPORT_STATUSES = FINISHED_JOB_STATUSES
