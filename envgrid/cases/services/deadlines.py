"""Deadlines of the closed loop: overdue (超期) and escalated (升级) assignments, marked once each."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.cases import routing
from envgrid.cases.choices import OPEN_ASSIGNMENT_STATUSES, AssignmentRole, CaseAction, CaseStatus
from envgrid.cases.models import Case, CaseAssignment
from envgrid.cases.services.common import dispatchers, notify_case, record_event, unit_people
from envgrid.core.choices import Role
from envgrid.core.models import User

# --- deadlines -----------------------------------------------------------------------------------


def cases_mark_overdue(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Mark overdue assignments and escalate those past the second threshold; notify once each.

    Idempotent: an assignment is marked overdue once and escalated once.
    """
    now = now or timezone.now()
    counts = {"overdue": 0, "escalated": 0}
    due = CaseAssignment.objects.filter(status__in=OPEN_ASSIGNMENT_STATUSES, due_at__lt=now).exclude(
        case__status=CaseStatus.ON_HOLD
    )
    for assignment_id in due.filter(is_overdue=False).values_list("pk", flat=True):
        counts["overdue"] += _mark_one(assignment_id, now=now, escalate=False)
    for assignment_id in due.filter(is_overdue=True, is_escalated=False).values_list("pk", flat=True):
        counts["escalated"] += _mark_one(assignment_id, now=now, escalate=True)
    return counts


@transaction.atomic
def _mark_one(assignment_id: int, *, now: dt.datetime, escalate: bool) -> int:
    locked = CaseAssignment.objects.select_for_update(of=("self",)).select_related("case__category", "unit")
    a = locked.get(pk=assignment_id)
    case = a.case
    if a.status not in OPEN_ASSIGNMENT_STATUSES or (a.is_escalated if escalate else a.is_overdue):
        return 0
    if escalate:
        _amount, _unit, after_hours = routing.sla_for(case)
        if now < a.due_at + dt.timedelta(hours=after_hours):
            return 0
        a.is_escalated = True
    a.is_overdue = True
    a.save(update_fields=["is_overdue", "is_escalated"])
    if a.role == AssignmentRole.LEAD:
        Case.objects.filter(pk=case.pk).update(is_overdue=True, is_escalated=a.is_escalated)
    action = CaseAction.ESCALATE if escalate else CaseAction.OVERDUE
    record_event(case, actor=None, action=action, from_status=case.status, data={"unit": a.unit.name})
    leads = unit_people([a.unit_id], roles=(Role.UNIT_LEAD,))
    recipients = [*leads, *dispatchers()]
    if escalate:
        recipients += list(User.objects.filter(role=Role.LEADER, is_active=True))
    title = (
        _("Escalated: case %(number)s is long overdue at %(unit)s")
        if escalate
        else _("Overdue: case %(number)s at %(unit)s")
    ) % {"number": case.number, "unit": a.unit.name}
    notify_case(case, recipients, "case.escalated" if escalate else "case.overdue", title)
    return 1
