from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    """Levels of the region tree 区 → 街道/乡镇 → 社区/村."""

    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    TOWN = "town", _("Town")
    COMMUNITY = "community", _("Community")
    VILLAGE = "village", _("Village")


STREET_LEVELS = (RegionLevel.STREET, RegionLevel.TOWN)
COMMUNITY_LEVELS = (RegionLevel.COMMUNITY, RegionLevel.VILLAGE)


class GridKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("Comprehensive grid")
    DEDICATED = "dedicated", _("Dedicated grid")
