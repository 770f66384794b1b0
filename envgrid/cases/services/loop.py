"""The closed loop's status changes: every change of a case's status goes through ``case_transition``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.cases import routing
from envgrid.cases.attachments import attach_files
from envgrid.cases.choices import (
    OPEN_ASSIGNMENT_STATUSES,
    AssignmentRole,
    AssignmentStatus,
    CaseAction,
    RejectReason,
)
from envgrid.cases.errors import CaseConflict, CaseError, CaseErrorCode, CasePermissionDenied
from envgrid.cases.models import Case, CaseAssignment
from envgrid.cases.services.common import dispatchers, locate, notify_case, record_event, unit_people
from envgrid.cases.transitions import TRANSITIONS, may_take
from envgrid.core.formats import local_text
from envgrid.core.models import Unit, User
from envgrid.core.workflow import Transition, TransitionTable, transition

# --- the one transition function ----------------------------------------------------------------


def _refused(action: str) -> Callable[[Case], str]:
    return lambda c: (
        _("Case %(number)s is %(status)s: “%(action)s” is not possible now.")
        % {
            "number": c.number,
            "status": c.get_status_display(),
            "action": CaseAction(action).label,
        }
    )


def _stale(case: Case) -> str:
    return _("Case %(number)s was changed by someone else (now: %(status)s). Reload and try again.") % {
        "number": case.number,
        "status": case.get_status_display(),
    }


def move_case(
    case: Case,
    action: str,
    *,
    table: TransitionTable,
    actor: User | None,
    note: str = "",
    expected_version: int | None = None,
    apply: Callable[[Case], dict | None] | None = None,
    files: Sequence = (),
    bump: bool = True,
) -> Case:
    """One action of ``table`` on ``case`` through the core helper (``core.workflow.transition``): the case's
    conflicts, its rights (``transitions.may_take``) and reasons, its timeline entry with the files, its audit."""

    def check(locked: Case, row: Transition) -> None:
        if not may_take(action, row.allowed, actor, locked):
            raise CasePermissionDenied(_("You may not %(action)s this case.") % {"action": CaseAction(action).label})
        if row.needs_reason and not note.strip():
            raise CaseError(
                CaseErrorCode.REASON_REQUIRED,
                _("Give a reason for “%(action)s”.") % {"action": CaseAction(action).label},
            )

    def event(locked: Case, from_status: str, data: dict) -> None:
        entry = record_event(locked, actor=actor, action=action, from_status=from_status, note=note.strip(), data=data)
        attach_files(case=locked, event=entry, files=files, uploaded_by=actor)

    return transition(
        case,
        action,
        table=table,
        actor=actor,
        conflict=CaseConflict,
        refused_message=_refused(action),
        stale_message=_stale,
        queryset=Case.objects.select_related("grid", "category"),
        expected_version=expected_version,
        check=check,
        apply=apply,
        event=event,
        audit=f"cases.{action}" if bump else "",
        note=note,
        bump=bump,
    )


def case_transition(
    case: Case,
    action: str,
    *,
    actor: User | None,
    note: str = "",
    expected_version: int | None = None,
    apply: Callable[[Case], dict | None] | None = None,
    files: Sequence = (),
) -> Case:
    """Move a case by one action of the transition table: lock the row, check the state, the actor's
    right and the reason, apply the action's own changes, save, and write the timeline event and the audit.
    ``actor`` None is the system, which may only take ``transitions.SYSTEM_ACTIONS``. Returns the fresh case.

    Raises ``CaseConflict`` (409) when the case changed under the caller — another user acted first —
    and ``CasePermissionDenied`` when the actor may not take this action on this case.
    """
    return move_case(
        case,
        action,
        table=TRANSITIONS,
        actor=actor,
        note=note,
        expected_version=expected_version,
        apply=apply,
        files=files,
    )


# --- actions -------------------------------------------------------------------------------------


def case_accept(*, case: Case, actor: User | None, note: str = "", expected_version: int | None = None) -> Case:
    """Accept (受理) a reported case; its grid comes from the location."""

    def apply(c: Case):
        c.accepted_at = timezone.now()
        locate(c)

    return case_transition(
        case, CaseAction.ACCEPT, actor=actor, note=note, expected_version=expected_version, apply=apply
    )


def case_reject(
    *,
    case: Case,
    actor: User,
    reason: str,
    note: str,
    duplicate_of: Case | None = None,
    expected_version: int | None = None,
) -> Case:
    """Reject (不予受理): invalid, a duplicate of another case, or not our business — with a reason."""
    if reason not in RejectReason.values:
        raise CaseError(CaseErrorCode.INVALID, _("Unknown reject reason %(r)r.") % {"r": reason})
    if reason == RejectReason.DUPLICATE and (duplicate_of is None or duplicate_of.pk == case.pk):
        raise CaseError(CaseErrorCode.INVALID, _("Name the original case of a duplicate."))

    def apply(c: Case):
        c.reject_reason = reason
        c.duplicate_of = duplicate_of if reason == RejectReason.DUPLICATE else None
        c.closed_at = timezone.now()
        _cancel_assignments(c)
        return {"reason": reason, "duplicate_of": duplicate_of.number if duplicate_of else None}

    rejected = case_transition(
        case, CaseAction.REJECT, actor=actor, note=note, expected_version=expected_version, apply=apply
    )
    if rejected.reporter_id:
        notify_case(
            rejected, [rejected.reporter], "case.rejected", _("Case %(number)s was not accepted") % vars(rejected), note
        )
    return rejected


def _cancel_assignments(case: Case) -> None:
    case.assignments.filter(status__in=OPEN_ASSIGNMENT_STATUSES | {AssignmentStatus.FED_BACK}).update(
        status=AssignmentStatus.CANCELLED
    )


def _assign(case: Case, lead: Unit, co_units: Sequence[Unit], due_at: dt.datetime | None) -> dict:
    """Create the lead and co-unit assignments with their deadlines; return the event details."""
    now = timezone.now()
    due = due_at or routing.case_deadline(case, now)
    if due <= now:
        raise CaseError(CaseErrorCode.INVALID, _("The deadline must be in the future."))
    _cancel_assignments(case)
    CaseAssignment.objects.create(case=case, unit=lead, role=AssignmentRole.LEAD, due_at=due, dispatched_at=now)
    co = [u for u in dict.fromkeys(co_units) if u.pk != lead.pk]
    CaseAssignment.objects.bulk_create(
        [CaseAssignment(case=case, unit=u, role=AssignmentRole.CO, due_at=due, dispatched_at=now) for u in co]
    )
    case.lead_unit, case.due_at, case.dispatched_at = lead, due, now
    case.is_overdue = case.is_escalated = False
    return {"lead_unit": lead.name, "co_units": [u.name for u in co], "due_at": due.isoformat()}


def _notify_dispatch(case: Case, verb: str) -> None:
    units = list(case.assignments.exclude(status=AssignmentStatus.CANCELLED).values_list("unit_id", flat=True))
    notify_case(
        case,
        unit_people(units),
        verb,
        _("Case %(number)s dispatched to your unit, due %(due)s")
        % {"number": case.number, "due": local_text(case.due_at)},
        case.title,
    )


def case_dispatch(
    *,
    case: Case,
    actor: User | None,
    lead_unit: Unit | None = None,
    co_units: Sequence[Unit] = (),
    due_at: dt.datetime | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    """Dispatch (派遣) to the lead unit from the routing table, or the dispatcher's choice, with a
    deadline from the category's rule unless one is given."""

    def apply(c: Case):
        lead, routed_co = (lead_unit, list(co_units)) if lead_unit else routing.route_case(c)
        if lead is None:
            raise CaseError(CaseErrorCode.NO_ROUTE, _("No routing rule covers this case: choose the lead unit."))
        return _assign(c, lead, co_units or routed_co, due_at)

    dispatched = case_transition(
        case, CaseAction.DISPATCH, actor=actor, note=note, expected_version=expected_version, apply=apply
    )
    _notify_dispatch(dispatched, "case.dispatched")
    return dispatched


def case_reassign(
    *,
    case: Case,
    actor: User,
    lead_unit: Unit,
    co_units: Sequence[Unit] = (),
    due_at: dt.datetime | None = None,
    note: str,
    expected_version: int | None = None,
) -> Case:
    """Reassign (转办) a case to another lead unit."""
    moved = case_transition(
        case,
        CaseAction.REASSIGN,
        actor=actor,
        note=note,
        expected_version=expected_version,
        apply=lambda c: _assign(c, lead_unit, co_units, due_at),
    )
    _notify_dispatch(moved, "case.reassigned")
    return moved


def lead_assignment(case: Case) -> CaseAssignment:
    return case.assignments.select_for_update().get(
        role=AssignmentRole.LEAD,
        unit_id=case.lead_unit_id,
        status__in=[*OPEN_ASSIGNMENT_STATUSES, AssignmentStatus.FED_BACK],
    )


def case_sign(*, case: Case, actor: User, note: str = "", expected_version: int | None = None) -> Case:
    """Sign (签收) the case for the lead unit."""

    def apply(c: Case):
        a = lead_assignment(c)
        a.status, a.signed_at, a.signed_by = AssignmentStatus.SIGNED, timezone.now(), actor
        a.save(update_fields=["status", "signed_at", "signed_by"])

    return case_transition(
        case, CaseAction.SIGN, actor=actor, note=note, expected_version=expected_version, apply=apply
    )


def case_start(*, case: Case, actor: User, note: str = "", expected_version: int | None = None) -> Case:
    """Start handling (处置中)."""

    def apply(c: Case):
        c.assignments.filter(role=AssignmentRole.LEAD, status=AssignmentStatus.SIGNED).update(
            status=AssignmentStatus.IN_PROGRESS
        )

    return case_transition(
        case, CaseAction.START, actor=actor, note=note, expected_version=expected_version, apply=apply
    )


def case_feedback(
    *, case: Case, actor: User, note: str, files: Sequence = (), expected_version: int | None = None
) -> Case:
    """Feed back (反馈) what was done, with photos, for on-site verification."""

    def apply(c: Case):
        a = lead_assignment(c)
        a.status, a.fed_back_at, a.fed_back_by, a.feedback = AssignmentStatus.FED_BACK, timezone.now(), actor, note
        a.save(update_fields=["status", "fed_back_at", "fed_back_by", "feedback"])

    done = case_transition(
        case, CaseAction.FEEDBACK, actor=actor, note=note, files=files, expected_version=expected_version, apply=apply
    )
    verifiers = [u for u in (done.grid.head if done.grid_id else None,) if u] + list(
        done.grid.members.all() if done.grid_id else []
    )
    notify_case(
        done,
        [*dispatchers(), *verifiers],
        "case.fed_back",
        _("Case %(number)s fed back: verify on site") % vars(done),
        note,
    )
    return done


def case_verify(
    *, case: Case, actor: User, passed: bool, note: str = "", files: Sequence = (), expected_version: int | None = None
) -> Case:
    """Verify (核查) on site: pass closes the case (结案); fail sends it back to the unit (rework)."""

    def apply(c: Case):
        a = lead_assignment(c)
        if passed:
            c.closed_at = timezone.now()
            c.is_overdue = False
            a.status = AssignmentStatus.DONE
            c.assignments.filter(role=AssignmentRole.CO, status__in=OPEN_ASSIGNMENT_STATUSES).update(
                status=AssignmentStatus.DONE
            )
        else:
            c.rework_count += 1
            a.status = AssignmentStatus.IN_PROGRESS
        a.save(update_fields=["status"])
        return {"passed": passed, "rework_count": c.rework_count}

    action = CaseAction.VERIFY_PASS if passed else CaseAction.VERIFY_FAIL
    verified = case_transition(
        case, action, actor=actor, note=note, files=files, expected_version=expected_version, apply=apply
    )
    if not passed:
        notify_case(
            verified,
            unit_people([verified.lead_unit_id]),
            "case.rework",
            _("Case %(number)s failed verification: rework") % vars(verified),
            note,
        )
    elif verified.reporter_id:
        notify_case(verified, [verified.reporter], "case.closed", _("Case %(number)s is closed") % vars(verified))
    return verified


def case_return(*, case: Case, actor: User, note: str, expected_version: int | None = None) -> Case:
    """Return (退回) a case to the dispatcher: the unit is not responsible (reason required)."""

    def apply(c: Case):
        c.assignments.filter(role=AssignmentRole.LEAD, unit_id=c.lead_unit_id).exclude(
            status=AssignmentStatus.CANCELLED
        ).update(status=AssignmentStatus.RETURNED)
        returned_by = c.lead_unit
        c.lead_unit, c.due_at, c.is_overdue = None, None, False
        return {"returned_by": returned_by.name if returned_by else None}

    returned = case_transition(
        case, CaseAction.RETURN, actor=actor, note=note, expected_version=expected_version, apply=apply
    )
    notify_case(returned, dispatchers(), "case.returned", _("Case %(number)s was returned") % vars(returned), note)
    return returned


def case_hold(*, case: Case, actor: User, note: str, expected_version: int | None = None) -> Case:
    """Hold (挂起) a case: its deadline stops until it is resumed."""

    def apply(c: Case):
        c.held_from = c.status
        return {"held_from": c.status}

    return case_transition(
        case, CaseAction.HOLD, actor=actor, note=note, expected_version=expected_version, apply=apply
    )


def case_resume(*, case: Case, actor: User, note: str = "", expected_version: int | None = None) -> Case:
    """Resume a held case in the state it was held in; the deadline moves by the time held."""

    def apply(c: Case):
        held_event = c.events.filter(action=CaseAction.HOLD).order_by("-created_at", "-id").first()
        held_for = timezone.now() - held_event.created_at if held_event else dt.timedelta(0)
        if c.due_at:
            c.due_at += held_for
            c.assignments.filter(status__in=OPEN_ASSIGNMENT_STATUSES).update(due_at=c.due_at)
        c.status, c.held_from = c.held_from, ""
        return {"held_for_seconds": int(held_for.total_seconds())}

    return case_transition(
        case, CaseAction.RESUME, actor=actor, note=note, expected_version=expected_version, apply=apply
    )
