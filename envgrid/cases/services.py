"""Writes of the closed loop. Every change of a case's status goes through ``case_transition``."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.cases import routing
from envgrid.cases.attachments import attach_files
from envgrid.cases.choices import (
    OPEN_ASSIGNMENT_STATUSES,
    AssignmentRole,
    AssignmentStatus,
    CaseAction,
    CaseStatus,
    Channel,
    ExtensionStatus,
    RejectReason,
    Severity,
)
from envgrid.cases.errors import CaseConflict, CaseError, CaseErrorCode, CasePermissionDenied
from envgrid.cases.models import Case, CaseAssignment, CaseCategory, CaseEvent, ExtensionRequest
from envgrid.cases.transitions import SIDE_ACTIONS, TRANSITIONS, may_take
from envgrid.core.choices import Role
from envgrid.core.models import Unit, User
from envgrid.grids.lookup import grid_for_point
from envgrid.notifications.services import notify

# --- helpers -------------------------------------------------------------------------------------


def _event(case: Case, *, actor: User | None, action: str, from_status: str = "", note: str = "", data=None):
    return CaseEvent.objects.create(
        case=case,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=str(actor) if getattr(actor, "pk", None) else _("System"),
        actor_role=getattr(actor, "role", "") or "",
        actor_unit_id=getattr(actor, "unit_id", None),
        action=action,
        from_status=from_status,
        to_status=case.status,
        note=note,
        data=data or {},
    )


def _case_url(case: Case) -> str:
    return reverse("case-detail", args=[case.pk])


def unit_people(unit_ids: Iterable[int], *, roles: Sequence[str] = (Role.UNIT_LEAD, Role.UNIT_STAFF)):
    return User.objects.filter(unit_id__in=list(unit_ids), role__in=roles, is_active=True)


def dispatchers():
    return User.objects.filter(role=Role.DISPATCHER, is_active=True)


def _notify_case(case: Case, recipients, verb: str, title: str, body: str = "") -> None:
    notify(recipients=recipients, verb=verb, title=title, body=body, url=_case_url(case), target=case)


def _locate(case: Case) -> None:
    """Fill the grid and street from the point, when there is one and no grid was given."""
    if case.grid_id is None and case.lon is not None and case.lat is not None:
        case.grid = grid_for_point(case.lon, case.lat)
    case.street_id = case.grid.street_id if case.grid_id else None


# --- report --------------------------------------------------------------------------------------


@transaction.atomic
def case_report(
    *,
    reporter: User | None,
    title: str,
    category: CaseCategory,
    description: str = "",
    channel: str = Channel.GRID_MEMBER,
    severity: str = Severity.NORMAL,
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
    grid=None,
    files: Sequence = (),
    reporter_name: str = "",
    reporter_phone: str = "",
    partner=None,
    external_id: str = "",
    supervised_object=None,
) -> Case:
    """File a problem clue (上报) as a new case, located to its grid, with its photos; ``supervised_object``
    is the 监管对象 it concerns, when known (routing then asks its 分包 owner first)."""
    case = Case(
        number=uuid.uuid4().hex[:30],
        title=title.strip(),
        description=description.strip(),
        channel=channel,
        category=category,
        severity=severity,
        lon=lon,
        lat=lat,
        address=address.strip(),
        grid=grid,
        reporter=reporter,
        reporter_name=reporter_name or (str(reporter) if reporter else ""),
        reporter_phone=reporter_phone or (reporter.phone if reporter else ""),
        partner=partner,
        external_id=external_id,
        supervised_object=supervised_object,
    )
    if (lon is None) != (lat is None):
        raise ValidationError({"lat": _("Give both longitude and latitude, or neither.")})
    _locate(case)
    case.full_clean(exclude=["number"])
    case.save()
    case.number = f"{timezone.localdate(case.created_at):%Y%m%d}-{case.pk:06d}"
    case.save(update_fields=["number"])
    event = _event(case, actor=reporter, action=CaseAction.REPORT, note=case.description)
    attach_files(case=case, event=event, files=files, uploaded_by=reporter)
    _notify_case(case, dispatchers(), "case.reported", _("New case %(number)s: %(title)s") % vars(case))
    return case


@transaction.atomic
def case_report_routed(
    *, title: str, category: CaseCategory, description: str = "", channel: str = Channel.SENSOR,
    severity: str = Severity.NORMAL, lon: float | None = None, lat: float | None = None, address: str = "",
    grid=None, lead_unit: Unit | None = None, reporter_name: str = "", external_id: str = "",
) -> Case:  # fmt: skip
    """File a clue found by a machine (a sensor alert) and let the system accept and dispatch it at once
    (系统自动受理、派遣): to ``lead_unit``, or by the routing table (category × grid), with the category's
    normal deadline. With no routing rule the case stays accepted, for the dispatcher to choose the unit."""
    case = case_report(
        reporter=None, title=title, category=category, description=description, channel=channel,
        severity=severity, lon=lon, lat=lat, address=address, grid=grid, reporter_name=reporter_name,
        external_id=external_id,
    )  # fmt: skip
    case_accept(case=case, actor=None)
    if lead_unit is None and routing.route_case(case)[0] is None:
        return case
    return case_dispatch(case=case, actor=None, lead_unit=lead_unit)


# --- the one transition function ----------------------------------------------------------------


@transaction.atomic
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
    right and the reason, apply the action's own changes, save, and write the timeline event.
    ``actor`` None is the system, which may only take ``transitions.SYSTEM_ACTIONS``.

    Raises ``CaseConflict`` (409) when the case changed under the caller — another user acted first —
    and ``CasePermissionDenied`` when the actor may not take this action on this case.
    """
    rule = TRANSITIONS[action]
    locked = Case.objects.select_for_update(of=("self",)).select_related("grid", "category").get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise CaseConflict(
            CaseErrorCode.CONFLICT,
            _("Case %(number)s was changed by someone else (now: %(status)s). Reload and try again.")
            % {"number": locked.number, "status": locked.get_status_display()},
        )
    if locked.status not in rule.sources:
        raise CaseConflict(
            CaseErrorCode.INVALID_TRANSITION,
            _("Case %(number)s is %(status)s: “%(action)s” is not possible now.")
            % {"number": locked.number, "status": locked.get_status_display(), "action": CaseAction(action).label},
        )
    if not may_take(action, rule.allowed, actor, locked):
        raise CasePermissionDenied(_("You may not %(action)s this case.") % {"action": CaseAction(action).label})
    if rule.needs_reason and not note.strip():
        raise CaseError(
            CaseErrorCode.REASON_REQUIRED, _("Give a reason for “%(action)s”.") % {"action": CaseAction(action).label}
        )
    from_status, target = locked.status, rule.target or locked.held_from
    data = (apply(locked) if apply else None) or {}
    locked.status = target
    locked.version += 1
    locked.save()
    event = _event(locked, actor=actor, action=action, from_status=from_status, note=note.strip(), data=data)
    attach_files(case=locked, event=event, files=files, uploaded_by=actor)
    case.__dict__.update(locked.__dict__)
    return locked


# --- actions -------------------------------------------------------------------------------------


def case_accept(*, case: Case, actor: User | None, note: str = "", expected_version: int | None = None) -> Case:
    """Accept (受理) a reported case; its grid comes from the location."""

    def apply(c: Case):
        c.accepted_at = timezone.now()
        _locate(c)

    return case_transition(
        case, CaseAction.ACCEPT, actor=actor, note=note, expected_version=expected_version, apply=apply
    )


def case_reject(
    *, case: Case, actor: User, reason: str, note: str, duplicate_of: Case | None = None,
    expected_version: int | None = None,
) -> Case:  # fmt: skip
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
        _notify_case(
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
    _notify_case(
        case, unit_people(units), verb,
        _("Case %(number)s dispatched to your unit, due %(due)s")
        % {"number": case.number, "due": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")},
        case.title,
    )  # fmt: skip


def case_dispatch(
    *, case: Case, actor: User | None, lead_unit: Unit | None = None, co_units: Sequence[Unit] = (),
    due_at: dt.datetime | None = None, note: str = "", expected_version: int | None = None,
) -> Case:  # fmt: skip
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
    *, case: Case, actor: User, lead_unit: Unit, co_units: Sequence[Unit] = (), due_at: dt.datetime | None = None,
    note: str, expected_version: int | None = None,
) -> Case:  # fmt: skip
    """Reassign (转办) a case to another lead unit."""
    moved = case_transition(
        case, CaseAction.REASSIGN, actor=actor, note=note, expected_version=expected_version,
        apply=lambda c: _assign(c, lead_unit, co_units, due_at),
    )  # fmt: skip
    _notify_dispatch(moved, "case.reassigned")
    return moved


def _lead_assignment(case: Case) -> CaseAssignment:
    return case.assignments.select_for_update().get(role=AssignmentRole.LEAD, unit_id=case.lead_unit_id, status__in=[
        *OPEN_ASSIGNMENT_STATUSES, AssignmentStatus.FED_BACK])  # fmt: skip


def case_sign(*, case: Case, actor: User, note: str = "", expected_version: int | None = None) -> Case:
    """Sign (签收) the case for the lead unit."""

    def apply(c: Case):
        a = _lead_assignment(c)
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
        a = _lead_assignment(c)
        a.status, a.fed_back_at, a.fed_back_by, a.feedback = AssignmentStatus.FED_BACK, timezone.now(), actor, note
        a.save(update_fields=["status", "fed_back_at", "fed_back_by", "feedback"])

    done = case_transition(
        case, CaseAction.FEEDBACK, actor=actor, note=note, files=files, expected_version=expected_version, apply=apply
    )
    verifiers = [u for u in (done.grid.head if done.grid_id else None,) if u] + list(
        done.grid.members.all() if done.grid_id else []
    )
    _notify_case(
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
        a = _lead_assignment(c)
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
        _notify_case(
            verified,
            unit_people([verified.lead_unit_id]),
            "case.rework",
            _("Case %(number)s failed verification: rework") % vars(verified),
            note,
        )
    elif verified.reporter_id:
        _notify_case(verified, [verified.reporter], "case.closed", _("Case %(number)s is closed") % vars(verified))
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
    _notify_case(returned, dispatchers(), "case.returned", _("Case %(number)s was returned") % vars(returned), note)
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
        c.held_from = ""
        return {"held_for_seconds": int(held_for.total_seconds())}

    return case_transition(
        case, CaseAction.RESUME, actor=actor, note=note, expected_version=expected_version, apply=apply
    )


# --- actions that keep the status ----------------------------------------------------------------


@transaction.atomic
def _side_action(
    case: Case, action: str, *, actor: User | None, note: str = "", apply: Callable[[Case], dict | None] | None = None,
    bump: bool = True, files: Sequence = (),
) -> Case:  # fmt: skip
    sources, allowed = SIDE_ACTIONS[action]
    locked = Case.objects.select_for_update(of=("self",)).select_related("grid").get(pk=case.pk)
    if locked.status not in sources:
        raise CaseConflict(
            CaseErrorCode.INVALID_TRANSITION,
            _("Case %(number)s is %(status)s: “%(action)s” is not possible now.")
            % {"number": locked.number, "status": locked.get_status_display(), "action": CaseAction(action).label},
        )
    if not may_take(action, allowed, actor, locked):
        raise CasePermissionDenied(_("You may not %(action)s this case.") % {"action": CaseAction(action).label})
    data = (apply(locked) if apply else None) or {}
    if bump:
        locked.version += 1
        locked.save()
    event = _event(locked, actor=actor, action=action, from_status=locked.status, note=note.strip(), data=data)
    attach_files(case=locked, event=event, files=files, uploaded_by=actor)
    case.__dict__.update(locked.__dict__)
    return locked


def case_comment(*, case: Case, actor: User | None, note: str, files: Sequence = ()) -> Case:
    """Add a note (and evidence) to the timeline without changing the case (``actor`` None: the system)."""
    if not note.strip() and not files:
        raise CaseError(CaseErrorCode.REASON_REQUIRED, _("Write a note or attach a file."))
    return _side_action(case, CaseAction.COMMENT, actor=actor, note=note, files=files, bump=False)


def case_urge(*, case: Case, actor: User, note: str = "") -> Case:
    """Urge (催办) the lead unit."""
    urged = _side_action(case, CaseAction.URGE, actor=actor, note=note, bump=False)
    _notify_case(
        urged, unit_people([urged.lead_unit_id]), "case.urged", _("Urgent: case %(number)s") % vars(urged), note
    )
    return urged


def case_extend_request(*, case: Case, actor: User, until: dt.datetime, note: str) -> ExtensionRequest:
    """Ask for more time (延期申请) for the lead unit's assignment."""
    if not note.strip():
        raise CaseError(CaseErrorCode.REASON_REQUIRED, _("Give a reason for the extension."))
    created = {}

    def apply(c: Case):
        a = _lead_assignment(c)
        if until <= (a.due_at or timezone.now()):
            raise CaseError(CaseErrorCode.INVALID, _("The new deadline must be later than the current one."))
        if a.extensions.filter(status=ExtensionStatus.PENDING).exists():
            raise CaseError(CaseErrorCode.INVALID, _("An extension request is already waiting for a decision."))
        created["request"] = ExtensionRequest.objects.create(assignment=a, requested_by=actor, until=until, reason=note)
        return {"until": until.isoformat()}

    asked = _side_action(case, CaseAction.EXTEND_REQUEST, actor=actor, note=note, apply=apply)
    _notify_case(
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
        request.__dict__.update(r.__dict__)
        return {"until": r.until.isoformat(), "approved": approve}

    action = CaseAction.EXTEND_APPROVE if approve else CaseAction.EXTEND_REFUSE
    decided = _side_action(case, action, actor=actor, note=note, apply=apply)
    verb = "case.extension_approved" if approve else "case.extension_refused"
    _notify_case(
        decided,
        unit_people([request.assignment.unit_id]),
        verb,
        _("Extension decided for case %(number)s") % vars(decided),
        note,
    )
    return request


# --- co-units ------------------------------------------------------------------------------------


def _co_assignment(case: Case, actor: User) -> CaseAssignment:
    a = (
        case.assignments.select_for_update()
        .filter(role=AssignmentRole.CO, unit_id=actor.unit_id, status__in=OPEN_ASSIGNMENT_STATUSES)
        .first()
    )
    if a is None or actor.role not in (Role.UNIT_LEAD, Role.UNIT_STAFF):
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
    _event(case, actor=actor, action=CaseAction.SIGN, from_status=case.status, data={"co_unit": a.unit.name})
    return a


@transaction.atomic
def assignment_feedback(*, case: Case, actor: User, note: str, files: Sequence = ()) -> CaseAssignment:
    """A co-unit feeds back (反馈) on its share; the lead unit's feedback closes the loop."""
    if not note.strip():
        raise CaseError(CaseErrorCode.REASON_REQUIRED, _("Say what your unit did."))
    a = _co_assignment(case, actor)
    a.status, a.fed_back_at, a.fed_back_by, a.feedback = AssignmentStatus.FED_BACK, timezone.now(), actor, note
    a.save(update_fields=["status", "fed_back_at", "fed_back_by", "feedback"])
    event = _event(
        case, actor=actor, action=CaseAction.FEEDBACK, from_status=case.status, note=note, data={"co_unit": a.unit.name}
    )
    attach_files(case=case, event=event, files=files, uploaded_by=actor)
    return a


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
    _event(case, actor=None, action=action, from_status=case.status, data={"unit": a.unit.name})
    leads = unit_people([a.unit_id], roles=(Role.UNIT_LEAD,))
    recipients = [*leads, *dispatchers()]
    if escalate:
        recipients += list(User.objects.filter(role=Role.LEADER, is_active=True))
    title = (_("Escalated: case %(number)s is long overdue at %(unit)s") if escalate
             else _("Overdue: case %(number)s at %(unit)s")) % {"number": case.number, "unit": a.unit.name}  # fmt: skip
    _notify_case(case, recipients, "case.escalated" if escalate else "case.overdue", title)
    return 1
