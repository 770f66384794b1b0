"""Writes of inspections: checklist versions, plans, and the on-site record whose findings become cases."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.cases import routing
from envgrid.cases.choices import Channel, Severity
from envgrid.cases.models import Case, CaseCategory
from envgrid.cases.services import case_accept, case_dispatch, case_report
from envgrid.core.evidence import check_files, store_checked
from envgrid.core.models import Unit, User
from envgrid.core.services import audit_record, snapshot
from envgrid.grids.lookup import grid_for_point
from envgrid.grids.models import Grid
from envgrid.patrols.choices import Answer, Frequency, InspectionKind, PlanStatus
from envgrid.patrols.errors import PatrolError, PatrolErrorCode, PatrolPermissionDenied
from envgrid.patrols.models import (
    Checklist,
    ChecklistItem,
    Finding,
    Inspection,
    InspectionAnswer,
    InspectionPhoto,
    InspectionPlan,
    PatrolSettings,
)
from envgrid.patrols.night import beijing, inside_night_window
from envgrid.patrols.permissions import can_inspect, can_plan, is_command
from envgrid.sources.models import SupervisedObject

#: A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = dt.timedelta(minutes=5)
#: Longer than this is not one inspection but a day's work: record each visit.
MAX_DURATION = dt.timedelta(hours=12)


# --- checklists ----------------------------------------------------------------------------------


def current_checklist(kind: str) -> Checklist | None:
    """The newest version of the checklist for an object kind (None when the district has none)."""
    return Checklist.objects.filter(kind=kind).order_by("-version").first()


@transaction.atomic
def checklist_publish(
    *, actor: User, kind: str, title: str, items: Sequence[tuple[str, str, CaseCategory | None]], note: str = ""
) -> Checklist:
    """Publish a new version of an object kind's checklist; earlier records keep the version they answered."""
    if not is_command(actor):
        raise PatrolPermissionDenied(_("Only the command centre publishes checklists."))
    if not items:
        raise PatrolError(PatrolErrorCode.INVALID, _("A checklist needs at least one item."))
    last = Checklist.objects.select_for_update().filter(kind=kind).aggregate(v=Max("version"))["v"] or 0
    checklist = Checklist(kind=kind, version=last + 1, title=title.strip(), note=note.strip(), created_by=actor)
    checklist.full_clean()
    checklist.save()
    rows = []
    for position, (text, guidance, category) in enumerate(items, start=1):
        row = ChecklistItem(
            checklist=checklist, position=position, text=text.strip(), guidance=guidance.strip(), category=category
        )
        row.full_clean()
        rows.append(row)
    ChecklistItem.objects.bulk_create(rows)
    audit_record(actor=actor, action="patrols.checklist_publish", obj=checklist, after={"items": len(rows)})
    return checklist


# --- plans ---------------------------------------------------------------------------------------

PLAN_FIELDS = ["title", "kind", "lead_unit", "starts_on", "ends_on", "times", "frequency", "status"]


@transaction.atomic
def plan_create(
    *,
    actor: User,
    title: str,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date,
    times: int = 1,
    frequency: str = Frequency.WEEK,
    lead_unit: Unit | None = None,
    units: Iterable[Unit] = (),
    objects: Iterable[SupervisedObject] = (),
    grids: Iterable[Grid] = (),
    note: str = "",
) -> InspectionPlan:
    """Plan inspections (检查计划): a unit plans its own; the command centre plans for any unit."""
    if not can_plan(actor):
        raise PatrolPermissionDenied(_("You may not plan inspections."))
    lead = lead_unit or actor.unit
    if not is_command(actor) and lead.pk != actor.unit_id:
        raise PatrolPermissionDenied(_("You may plan only for your own unit."))
    all_units = list(dict.fromkeys([lead, *units]))
    objects, grids = list(objects), list(grids)
    if not objects and not grids:
        raise PatrolError(PatrolErrorCode.INVALID, _("Choose the objects or grids the plan covers."))
    if kind == InspectionKind.JOINT and len(all_units) < 2:
        raise PatrolError(PatrolErrorCode.JOINT_NEEDS_UNITS, _("A joint inspection plan needs at least two units."))
    plan = InspectionPlan(
        title=title.strip(),
        kind=kind,
        lead_unit=lead,
        starts_on=starts_on,
        ends_on=ends_on,
        times=times,
        frequency=frequency,
        note=note.strip(),
        created_by=actor,
    )
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The plan ends before it starts.")})
    if times < 1:
        raise ValidationError({"times": _("Inspect at least once.")})
    plan.full_clean()
    plan.save()
    plan.units.set(all_units)
    plan.objects_covered.set(objects)
    plan.grids.set(grids)
    audit_record(actor=actor, action="patrols.plan_create", obj=plan, after=snapshot(plan, fields=PLAN_FIELDS))
    return plan


@transaction.atomic
def plan_cancel(*, actor: User, plan: InspectionPlan, note: str = "") -> InspectionPlan:
    """Cancel a plan; its records stay."""
    if not (is_command(actor) or (can_plan(actor) and actor.unit_id == plan.lead_unit_id)):
        raise PatrolPermissionDenied(_("Only the plan's lead unit or the command centre may cancel it."))
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    plan.status = PlanStatus.CANCELLED
    plan.save(update_fields=["status"])
    audit_record(actor=actor, action="patrols.plan_cancel", obj=plan, note=note)
    return plan


# --- the inspection record -----------------------------------------------------------------------


@dataclass
class FindingInput:
    """A problem found on site, as the inspector describes it; it becomes a case."""

    description: str
    category: CaseCategory | None = None
    severity: str = Severity.NORMAL
    item_ids: list[int] = field(default_factory=list)


def _check_times(kind: str, started_at: dt.datetime, ended_at: dt.datetime, now: dt.datetime, cfg) -> None:
    if timezone.is_naive(started_at) or timezone.is_naive(ended_at):
        raise PatrolError(PatrolErrorCode.TIME_INVALID, _("Give the start and end time with their time zone."))
    if ended_at < started_at:
        raise PatrolError(PatrolErrorCode.TIME_INVALID, _("The inspection ends before it starts."))
    if ended_at > now + CLOCK_SKEW:
        raise PatrolError(PatrolErrorCode.TIME_INVALID, _("The inspection cannot end in the future."))
    if ended_at - started_at > MAX_DURATION:
        raise PatrolError(PatrolErrorCode.TIME_INVALID, _("One inspection lasts at most 12 hours."))
    if kind == InspectionKind.NIGHT and not inside_night_window(started_at, ended_at, cfg.night_start, cfg.night_end):
        raise PatrolError(
            PatrolErrorCode.OUTSIDE_NIGHT_WINDOW,
            _(
                "Not a night inspection: %(start)s to %(end)s is outside the night window %(window)s "
                "(Beijing time). Record it as a routine inspection."
            )
            % {"start": beijing(started_at), "end": beijing(ended_at), "window": cfg.night_window_label},
        )


def inspectable_objects(user: User, day: dt.date):
    """Objects ``user`` may inspect: those in their scope, and those of the active plans their unit is in."""
    planned = InspectionPlan.objects.active_on(day).filter(units=user.unit_id).values("objects_covered")
    visible = SupervisedObject.objects.visible_to(user).values("pk")
    return SupervisedObject.objects.filter(pk__in=visible) | SupervisedObject.objects.filter(pk__in=planned)


def _check_target(inspector: User, obj: SupervisedObject | None, grid: Grid | None, day: dt.date) -> None:
    if obj is None and grid is None:
        raise PatrolError(PatrolErrorCode.INVALID, _("Choose the object or the grid inspected."))
    if obj is not None and not inspectable_objects(inspector, day).filter(pk=obj.pk).exists():
        raise PatrolError(
            PatrolErrorCode.OBJECT_OUT_OF_SCOPE,
            _("%(object)s is neither in your scope nor in a plan of your unit.") % {"object": obj},
        )
    if obj is None and not Grid.objects.visible_to(inspector).filter(pk=grid.pk).exists():
        raise PatrolError(
            PatrolErrorCode.OBJECT_OUT_OF_SCOPE, _("Grid %(grid)s is outside your scope.") % {"grid": grid}
        )


def _check_plan(plan: InspectionPlan | None, kind: str, inspector: User, day: dt.date) -> None:
    if plan is None:
        return
    if plan.status != PlanStatus.ACTIVE or not (plan.starts_on <= day <= plan.ends_on):
        raise PatrolError(PatrolErrorCode.INVALID, _("Plan “%(plan)s” is not running on that day.") % {"plan": plan})
    if plan.kind != kind:
        raise PatrolError(
            PatrolErrorCode.INVALID,
            _("Plan “%(plan)s” is for %(kind)s.") % {"plan": plan, "kind": plan.get_kind_display()},
        )
    if not plan.units.filter(pk=inspector.unit_id).exists():
        raise PatrolError(PatrolErrorCode.INVALID, _("Your unit is not in plan “%(plan)s”.") % {"plan": plan})


def _answers(checklist: Checklist | None, answers: Mapping[int, str | tuple[str, str]]) -> list[InspectionAnswer]:
    """Answer rows for every item of the checklist version; every item must be answered."""
    if checklist is None:
        return []
    items = list(checklist.items.all())
    rows, missing = [], []
    for item in items:
        given = answers.get(item.pk)
        answer, note = (given, "") if isinstance(given, str) or given is None else given
        if answer not in Answer.values:
            missing.append(item.text)
            continue
        rows.append(InspectionAnswer(item=item, answer=answer, note=(note or "")[:200]))
    unknown = set(answers) - {item.pk for item in items}
    if unknown:
        raise PatrolError(
            PatrolErrorCode.INVALID,
            _("Answers to items not in checklist %(c)s: %(ids)s.")
            % {"c": checklist, "ids": ", ".join(str(i) for i in sorted(unknown))},
        )
    if missing:
        raise PatrolError(
            PatrolErrorCode.CHECKLIST_INCOMPLETE,
            _("Answer every check item (met, not met or not applicable). Unanswered: %(items)s.")
            % {"items": "；".join(missing)},
            details={"unanswered": missing},
        )
    return rows


def _check_findings(rows: list[InspectionAnswer], findings: Sequence[FindingInput]) -> None:
    failed = [row.item.text for row in rows if row.answer == Answer.FAIL]
    if failed and not findings:
        raise PatrolError(
            PatrolErrorCode.FINDING_REQUIRED,
            _("Items not met: %(items)s. Describe the problem found, so that it becomes a case.")
            % {"items": "；".join(failed)},
        )
    for number, finding in enumerate(findings, start=1):
        if not finding.description.strip():
            raise PatrolError(PatrolErrorCode.INVALID, _("Finding %(n)d: describe the problem.") % {"n": number})
        if finding.category is None:
            raise PatrolError(PatrolErrorCode.INVALID, _("Finding %(n)d: choose the category.") % {"n": number})
        if finding.severity not in Severity.values:
            raise PatrolError(PatrolErrorCode.INVALID, _("Finding %(n)d: unknown severity.") % {"n": number})


@transaction.atomic
def inspection_record(
    *,
    inspector: User,
    kind: str,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    supervised_object: SupervisedObject | None = None,
    grid: Grid | None = None,
    units: Iterable[Unit] = (),
    plan: InspectionPlan | None = None,
    lon: float | None = None,
    lat: float | None = None,
    accuracy_m: int | None = None,
    answers: Mapping[int, str | tuple[str, str]] | None = None,
    findings: Sequence[FindingInput] = (),
    photos: Sequence = (),
    summary: str = "",
    companions: str = "",
) -> Inspection:
    """Record an inspection on site (检查记录): times, GPS, checklist answers, photos; each finding becomes a
    case of the closed loop linked to the object, routed to its responsible unit first."""
    if not can_inspect(inspector):
        raise PatrolPermissionDenied(_("You may not record inspections."))
    if kind not in InspectionKind.values:
        raise PatrolError(PatrolErrorCode.INVALID, _("Unknown inspection kind %(k)r.") % {"k": kind})
    cfg, now = PatrolSettings.current(), timezone.now()
    _check_times(kind, started_at, ended_at, now, cfg)
    day = timezone.localdate(started_at)
    _check_target(inspector, supervised_object, grid, day)
    _check_plan(plan, kind, inspector, day)
    all_units = list(dict.fromkeys([inspector.unit, *units]))
    if kind == InspectionKind.JOINT and len(all_units) < 2:
        raise PatrolError(
            PatrolErrorCode.JOINT_NEEDS_UNITS, _("A joint inspection needs at least one other unit besides yours.")
        )
    if (lon is None) != (lat is None):
        raise ValidationError({"lat": _("Give both longitude and latitude, or neither.")})
    checklist = current_checklist(supervised_object.kind) if supervised_object else None
    rows = _answers(checklist, answers or {})
    _check_findings(rows, findings)
    checked_photos = check_files(photos)

    if supervised_object is not None:
        grid = supervised_object.grid or grid
    if grid is None and lon is not None:
        grid = grid_for_point(lon, lat)
    inspection = Inspection(
        number=uuid.uuid4().hex[:30],
        plan=plan,
        kind=kind,
        lead_unit=inspector.unit,
        inspector=inspector,
        companions=companions.strip(),
        supervised_object=supervised_object,
        grid=grid,
        street_id=(supervised_object.street_id if supervised_object and supervised_object.street_id else None)
        or (grid.street_id if grid else None),
        started_at=started_at,
        ended_at=ended_at,
        lon=lon,
        lat=lat,
        accuracy_m=accuracy_m,
        checklist=checklist,
        summary=summary.strip(),
        has_findings=bool(findings),
        recorded_at=now,
    )
    inspection.full_clean(exclude=["number"])
    inspection.save()
    inspection.number = f"XC{timezone.localdate(started_at):%Y%m%d}-{inspection.pk:06d}"
    inspection.save(update_fields=["number"])
    inspection.units.set(all_units)
    for row in rows:
        row.inspection = inspection
    InspectionAnswer.objects.bulk_create(rows)
    store_checked(checked_photos, new=lambda **f: InspectionPhoto(inspection=inspection, **f), uploaded_by=inspector)
    cases = [_finding_case(inspection, f, photos, cfg) for f in findings]
    audit_record(
        actor=inspector,
        action="patrols.inspection_record",
        obj=inspection,
        after={"kind": kind, "object": str(supervised_object or ""), "cases": [c.number for c in cases]},
    )
    return inspection


def _finding_case(inspection: Inspection, given: FindingInput, photos: Sequence, cfg: PatrolSettings) -> Case:
    """File the finding as a case (channel: inspection) linked to the object, and — unless the district
    turned it off — accept and dispatch it at once: the object's responsible unit leads (routing)."""
    obj = inspection.supervised_object
    finding = Finding.objects.create(
        inspection=inspection,
        description=given.description.strip(),
        category=given.category,
        severity=given.severity,
    )
    if given.item_ids:
        finding.items.set(ChecklistItem.objects.filter(checklist_id=inspection.checklist_id, pk__in=given.item_ids))
    place = obj.name if obj else str(inspection.grid or "")
    first_line = finding.description.splitlines()[0][:80]
    lon = obj.lon if obj and obj.lon is not None else inspection.lon
    lat = obj.lat if obj and obj.lat is not None else inspection.lat
    for upload in photos:
        upload.seek(0)
    case = case_report(
        reporter=inspection.inspector,
        title=f"【{inspection.get_kind_display()}】{place}：{first_line}"[:200],
        category=finding.category,
        severity=finding.severity,
        channel=Channel.INSPECTION,
        description=_("%(description)s\n(Found in inspection %(number)s.)")
        % {"description": finding.description, "number": inspection.number},
        lon=lon,
        lat=lat,
        address=(obj.address if obj else ""),
        grid=inspection.grid,
        files=photos,
        supervised_object=obj,
    )
    finding.case = case
    finding.save(update_fields=["case"])
    if cfg.dispatch_findings:
        case = case_accept(case=case, actor=None, note=_("Found in inspection %(n)s.") % {"n": inspection.number})
        if routing.route_case(case)[0] is not None:
            case = case_dispatch(case=case, actor=None)
    return case
