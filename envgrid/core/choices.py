from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a user does in the district's campaign; decides navigation and data scope."""

    ADMIN = "admin", _("Administrator")
    DISPATCHER = "dispatcher", _("Dispatcher")
    UNIT_LEAD = "unit_lead", _("Unit lead")
    UNIT_STAFF = "unit_staff", _("Unit staff")
    GRID_HEAD = "grid_head", _("Grid head")
    GRID_MEMBER = "grid_member", _("Grid member")
    RIVER_CHIEF = "river_chief", _("River chief")
    TASKFORCE_LEAD = "taskforce_lead", _("Task-force lead")
    LEADER = "leader", _("Leader")


#: Roles whose work spans the whole district: they see every unit, region and grid.
DISTRICT_WIDE_ROLES = frozenset({Role.ADMIN, Role.DISPATCHER, Role.LEADER, Role.TASKFORCE_LEAD})
#: Roles that only read: they never change district data.
READ_ONLY_ROLES = frozenset({Role.LEADER})
#: Roles that work with the REST API (integrations, exports): they see the API documentation.
API_DOCS_ROLES = frozenset({Role.ADMIN, Role.DISPATCHER, Role.UNIT_LEAD})


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("District department")
    STREET = "street", _("Street / town")
    COMMUNITY = "community", _("Community / village")
    OTHER = "other", _("Other")
