from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from envgrid.grids.choices import COMMUNITY_LEVELS, STREET_LEVELS, GridKind, RegionLevel
from envgrid.grids.querysets import GridQuerySet, RegionQuerySet


class Region(models.Model):
    """An administrative area of the region tree: the district (区), a street or town (街道/乡镇),
    or a community or village (社区/村). ``unit`` is the government unit that runs it."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=20, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    unit = models.ForeignKey(
        "core.Unit",
        verbose_name=_("governing unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="regions",
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_street(self) -> bool:
        return self.level in STREET_LEVELS

    @property
    def is_community(self) -> bool:
        return self.level in COMMUNITY_LEVELS


class Grid(models.Model):
    """A grid (网格): the smallest governance area, a WGS-84 polygon inside a community or village,
    with a grid head (网格长) and grid members (网格员) who patrol it and report what they find."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("grid type"), max_length=20, choices=GridKind.choices, default=GridKind.COMPREHENSIVE)
    community = models.ForeignKey(
        Region, verbose_name=_("community / village"), on_delete=models.PROTECT, related_name="grids"
    )
    street = models.ForeignKey(
        Region,
        verbose_name=_("street / town"),
        on_delete=models.PROTECT,
        related_name="street_grids",
        editable=False,
        help_text=_("Filled from the community's parent."),
    )
    geometry = models.JSONField(_("boundary (GeoJSON, WGS-84)"))
    area_m2 = models.FloatField(_("area (m²)"), default=0, editable=False)
    centroid_lon = models.FloatField(_("centroid longitude"), default=0, editable=False)
    centroid_lat = models.FloatField(_("centroid latitude"), default=0, editable=False)
    households = models.PositiveIntegerField(_("households"), default=0)
    population = models.PositiveIntegerField(_("population"), default=0)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("grid head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_grids",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("grid members"), blank=True, related_name="member_grids"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    objects = GridQuerySet.as_manager()

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"
