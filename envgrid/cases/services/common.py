"""What the case services share: the timeline entry, whom to tell, and locating a case on its grid."""

from __future__ import annotations

from django.urls import reverse

from envgrid.cases.models import Case, CaseEvent
from envgrid.core.choices import Role
from envgrid.core.models import User
from envgrid.core.workflow import unit_people
from envgrid.grids.lookup import grid_for_point
from envgrid.notifications.services import notify

__all__ = ["dispatchers", "locate", "notify_case", "record_event", "unit_people"]


def record_event(
    case: Case, *, actor: User | None, action: str, from_status: str = "", note: str = "", data=None
) -> CaseEvent:
    """Write one entry of the case's timeline, ending in the case's status now."""
    return CaseEvent.objects.create(
        case=case,
        **CaseEvent.actor_fields(actor),
        action=action,
        from_status=from_status,
        to_status=case.status,
        note=note,
        data=data or {},
    )


def dispatchers():
    """The active dispatchers (the command centre's desk), told about new, returned and fed-back cases."""
    return User.objects.filter(role=Role.DISPATCHER, is_active=True)


def notify_case(case: Case, recipients, verb: str, title: str, body: str = "") -> None:
    """Tell ``recipients`` about ``case``, with a link to its page."""
    url = reverse("case-detail", args=[case.pk])
    notify(recipients=recipients, verb=verb, title=title, body=body, url=url, target=case)


def locate(case: Case) -> None:
    """Fill the grid and street from the point, when there is one and no grid was given."""
    if case.grid_id is None and case.lon is not None and case.lat is not None:
        case.grid = grid_for_point(case.lon, case.lat)
    case.street_id = case.grid.street_id if case.grid_id else None
