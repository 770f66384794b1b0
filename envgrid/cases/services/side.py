"""Case actions that keep the status — notes, urging, extensions — and the co-units' own shares (协办)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.cases.attachments import attach_files
from envgrid.cases.choices import (
    OPEN_ASSIGNMENT_STATUSES,
    AssignmentRole,
    AssignmentStatus,
    CaseAction,
    ExtensionStatus,
)
from envgrid.cases.errors import CaseConflict, CaseError, CaseErrorCode, CasePermissionDenied
from envgrid.cases.models import Case, CaseAssignment, ExtensionRequest
from envgrid.cases.permissions import can_act_for_co_unit
from envgrid.cases.services.common import dispatchers, notify_case, record_event, unit_people
from envgrid.cases.services.loop import lead_assignment, move_case
from envgrid.cases.transitions import SIDE_ACTIONS
from envgrid.core.models import User

# --- actions that keep the status ----------------------------------------------------------------


def _side_action(
    case: Case,
    action: str,
    *,
    actor: User | None,
    note: str = "",
    apply: Callable[[Case], dict | None] | None = None,
    bump: bool = True,
    files: Sequence = (),
) -> Case:
    """Take an action of ``SIDE_ACTIONS``: the status stays; ``bump`` False leaves the row as it is."""
    return move_case(case, action, table=SIDE_ACTIONS, actor=actor, note=note, apply=apply, bump=bump, files=files)


def case_comment(*, case: Case, actor: User | None, note: str, files: Sequence = ()) -> Case:
    """Add a note (and evidence) to the timeline without changing the case (``actor`` None: the system)."""
    if not note.strip() and not files:
        raise CaseError(CaseErrorCode.REASON_REQUIRED, _("Write a note or attach a file."))
    return _side_action(case, CaseAction.COMMENT, actor=actor, note=note, files=files, bump=False)


def case_urge(*, case: Case, actor: User, note: str = "") -> Case:
    """Urge (催办) the lead unit."""
    urged = _side_action(case, CaseAction.URGE, actor=actor, note=note, bump=False)
    notify_case(
        urged, unit_people([urged.lead_unit_id]), "case.urged", _("Urgent: case %(number)s") % vars(urged), note
    )
    return urged


def case_extend_request(*, case: Case, actor: User, until: dt.datetime, note: str) -> ExtensionRequest:
    """Ask for more time (延期申请) for the lead unit's assignment."""
    if not note.strip():
        raise CaseError(CaseErrorCode.REASON_REQUIRED, _("Give a reason for the extension."))
    created = {}

    def apply(c: Case):
        a = lead_assignment(c)
        if until <= (a.due_at or timezone.now()):
            raise CaseError(CaseErrorCode.INVALID, _("The new deadline must be later than the current one."))
        if a.extensions.filter(status=ExtensionStatus.PENDING).exists():
            raise CaseError(CaseErrorCode.INVALID, _("An extension request is already waiting for a decision."))
        created["request"] = ExtensionRequest.objects.create(assignment=a, requested_by=actor, until=until, reason=note)
        return {"until": until.isoformat()}

    asked = _side_action(case, CaseAction.EXTEND_REQUEST, actor=actor, note=note, apply=apply)
    notify_case(
        asked,
        dispatchers(),
        "case.extension_requested",
        _("Extension requested for case %(number)s") % vars(asked),
        note,
    )
    return created["request"]


def case_extend_decide(*, request: ExtensionRequest, actor: User, approve: bool, note: str = "") -> ExtensionRequest:
    """Approve or refuse an extension request; approval moves the deadline."""
    case = request.assignment.case
    if not ExtensionRequest.objects.filter(pk=request.pk, status=ExtensionStatus.PENDING).exists():
        raise CaseConflict(CaseErrorCode.CONFLICT, _("This extension request was already decided."))
    decided: dict[str, ExtensionRequest] = {}

    def apply(c: Case):
        r = ExtensionRequest.objects.select_for_update().get(pk=request.pk)
        if r.status != ExtensionStatus.PENDING:
            raise CaseConflict(CaseErrorCode.CONFLICT, _("This extension request was already decided."))
        r.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
        r.decided_by, r.decided_at, r.decision_note = actor, timezone.now(), note
        r.save()
        if approve:
            CaseAssignment.objects.filter(pk=r.assignment_id).update(due_at=r.until, is_overdue=False)
            if r.assignment.role == AssignmentRole.LEAD:
                c.due_at, c.is_overdue, c.is_escalated = r.until, False, False
        decided["request"] = r
        return {"until": r.until.isoformat(), "approved": approve}

    action = CaseAction.EXTEND_APPROVE if approve else CaseAction.EXTEND_REFUSE
    decided_case = _side_action(case, action, actor=actor, note=note, apply=apply)
    verb = "case.extension_approved" if approve else "case.extension_refused"
    notify_case(
        decided_case,
        unit_people([request.assignment.unit_id]),
        verb,
        _("Extension decided for case %(number)s") % vars(decided_case),
        note,
    )
    return decided["request"]


# --- co-units ------------------------------------------------------------------------------------


def _co_assignment(case: Case, actor: User) -> CaseAssignment:
    a = (
        case.assignments.select_for_update()
        .filter(role=AssignmentRole.CO, unit_id=actor.unit_id, status__in=OPEN_ASSIGNMENT_STATUSES)
        .first()
    )
    if a is None or not can_act_for_co_unit(actor):
        raise CasePermissionDenied(_("Your unit has no open share of this case."))
    return a


@transaction.atomic
def assignment_sign(*, case: Case, actor: User) -> CaseAssignment:
    """A co-unit signs (签收) its share of the case."""
    a = _co_assignment(case, actor)
    if a.status != AssignmentStatus.DISPATCHED:
        raise CaseConflict(CaseErrorCode.INVALID_TRANSITION, _("Your unit already signed this case."))
    a.status, a.signed_at, a.signed_by = AssignmentStatus.SIGNED, timezone.now(), actor
    a.save(update_fields=["status", "signed_at", "signed_by"])
    record_event(case, actor=actor, action=CaseAction.SIGN, from_status=case.status, data={"co_unit": a.unit.name})
    return a


@transaction.atomic
def assignment_feedback(*, case: Case, actor: User, note: str, files: Sequence = ()) -> CaseAssignment:
    """A co-unit feeds back (反馈) on its share; the lead unit's feedback closes the loop."""
    if not note.strip():
        raise CaseError(CaseErrorCode.REASON_REQUIRED, _("Say what your unit did."))
    a = _co_assignment(case, actor)
    a.status, a.fed_back_at, a.fed_back_by, a.feedback = AssignmentStatus.FED_BACK, timezone.now(), actor, note
    a.save(update_fields=["status", "fed_back_at", "fed_back_by", "feedback"])
    event = record_event(
        case, actor=actor, action=CaseAction.FEEDBACK, from_status=case.status, note=note, data={"co_unit": a.unit.name}
    )
    attach_files(case=case, event=event, files=files, uploaded_by=actor)
    return a
