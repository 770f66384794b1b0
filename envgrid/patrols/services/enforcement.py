"""Writes of joint enforcement (联合执法): file a case, record measures and publicity, move it on."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.cases.models import Case
from envgrid.core.models import Unit, User
from envgrid.core.services import audit_record, snapshot
from envgrid.core.workflow import check_version, lock_row, transition
from envgrid.grids.models import Grid
from envgrid.patrols.choices import ENFORCEMENT_TRANSITIONS, EnforcementStatus, MeasureKind, PublicityChannel
from envgrid.patrols.errors import PatrolConflict, PatrolError, PatrolErrorCode, PatrolPermissionDenied
from envgrid.patrols.models import EnforcementCase, EnforcementMeasure, Inspection, Publicity
from envgrid.patrols.permissions import can_file_enforcement, can_handle_enforcement, is_command
from envgrid.sources.models import SourceFamily, SupervisedObject

CASE_FIELDS = ["number", "title", "party", "supervised_object", "lead_unit", "status", "filed_on"]


def _measure(enforcement: EnforcementCase, kind: str, fine_amount, deadline, note: str) -> EnforcementMeasure:
    if kind not in MeasureKind.values:
        raise PatrolError(PatrolErrorCode.MEASURE_INVALID, _("Unknown measure %(k)r.") % {"k": kind})
    amount = None
    if fine_amount not in (None, ""):
        try:
            amount = Decimal(str(fine_amount)).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise PatrolError(
                PatrolErrorCode.MEASURE_INVALID, _("The fine %(a)r is not an amount.") % {"a": fine_amount}
            ) from None
    if kind == MeasureKind.FINE and (amount is None or amount <= 0):
        raise PatrolError(PatrolErrorCode.MEASURE_INVALID, _("A fine needs its amount in yuan (more than 0)."))
    if kind != MeasureKind.FINE and amount is not None:
        raise PatrolError(PatrolErrorCode.MEASURE_INVALID, _("Only a fine has an amount."))
    measure = EnforcementMeasure(
        enforcement=enforcement, kind=kind, fine_amount=amount, deadline=deadline, note=(note or "").strip()
    )
    measure.full_clean()
    return measure


def _visible_or_refuse(model_qs, wanted: Iterable, actor: User, what: str) -> list:
    wanted = list(wanted)
    if not wanted:
        return []
    seen = set(model_qs.visible_to(actor).filter(pk__in=[w.pk for w in wanted]).values_list("pk", flat=True))
    hidden = [str(w) for w in wanted if w.pk not in seen]
    if hidden:
        raise PatrolPermissionDenied(
            _("%(what)s outside your scope: %(list)s.") % {"what": what, "list": ", ".join(hidden)}
        )
    return wanted


@transaction.atomic
def enforcement_open(
    *,
    actor: User,
    title: str,
    violation: str,
    legal_basis: str,
    lead_unit: Unit | None = None,
    units: Iterable[Unit] = (),
    supervised_object: SupervisedObject | None = None,
    family: SourceFamily | None = None,
    grid: Grid | None = None,
    party: str = "",
    inspections: Iterable[Inspection] = (),
    cases: Iterable[Case] = (),
    filed_on: dt.date | None = None,
    measures: Iterable[dict] = (),
    note: str = "",
) -> EnforcementCase:
    """File (立案) an enforcement case for a violation at an object, with the units acting together and the
    inspections or cases that found it."""
    if not can_file_enforcement(actor):
        raise PatrolPermissionDenied(_("You may not file enforcement cases."))
    lead = lead_unit or actor.unit
    if not is_command(actor) and lead.pk != actor.unit_id:
        raise PatrolPermissionDenied(_("You may file enforcement cases only for your own unit."))
    inspections = _visible_or_refuse(Inspection.objects, inspections, actor, _("Inspections"))
    cases = _visible_or_refuse(Case.objects, cases, actor, _("Cases"))
    if supervised_object is None and inspections:
        supervised_object = next((i.supervised_object for i in inspections if i.supervised_object_id), None)
    if supervised_object is not None:
        family = supervised_object.family
        grid = supervised_object.grid or grid
    enforcement = EnforcementCase(
        number=uuid.uuid4().hex[:30],
        title=title.strip(),
        party=(party or str(supervised_object or "")).strip()[:200],
        supervised_object=supervised_object,
        family=family,
        grid=grid,
        street_id=(supervised_object.street_id if supervised_object else None) or (grid.street_id if grid else None),
        lead_unit=lead,
        violation=violation.strip(),
        legal_basis=legal_basis.strip(),
        filed_on=filed_on or timezone.localdate(),
        note=note.strip(),
        created_by=actor,
    )
    enforcement.full_clean(exclude=["number"])
    enforcement.save()
    enforcement.number = f"ZF{enforcement.filed_on:%Y%m%d}-{enforcement.pk:05d}"
    enforcement.save(update_fields=["number"])
    enforcement.units.set(list(dict.fromkeys([lead, *units])))
    enforcement.inspections.set(inspections)
    enforcement.cases.set(cases)
    rows = [
        _measure(enforcement, m["kind"], m.get("fine_amount"), m.get("deadline"), m.get("note", "")) for m in measures
    ]
    EnforcementMeasure.objects.bulk_create(rows)
    audit_record(
        actor=actor, action="patrols.enforcement_open", obj=enforcement, after=snapshot(enforcement, fields=CASE_FIELDS)
    )
    return enforcement


def _stale(locked: EnforcementCase) -> str:
    return _("Enforcement case %(n)s was changed by someone else. Reload and try again.") % {"n": locked.number}


def _may_handle(actor: User, locked: EnforcementCase) -> None:
    if not can_handle_enforcement(actor, locked):
        raise PatrolPermissionDenied(_("Only the lead unit or the command centre handles this enforcement case."))


def _locked(enforcement: EnforcementCase, actor: User, expected_version: int | None) -> EnforcementCase:
    locked = lock_row(EnforcementCase, enforcement.pk)
    _may_handle(actor, locked)
    check_version(locked, expected_version, conflict=PatrolConflict, stale_message=_stale)
    return locked


def _bump(locked: EnforcementCase) -> None:
    """Save the case's next version: anything added to it (a measure, publicity) changes what callers saw."""
    locked.version += 1
    locked.save(update_fields=["version", "updated_at"])


@transaction.atomic
def enforcement_add_measure(
    *,
    enforcement: EnforcementCase,
    actor: User,
    kind: str,
    fine_amount=None,
    deadline: dt.date | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> EnforcementMeasure:
    """Record a measure decided against the violator, with its deadline."""
    locked = _locked(enforcement, actor, expected_version)
    if not locked.is_open:
        raise PatrolConflict(
            PatrolErrorCode.INVALID_TRANSITION, _("The enforcement case is %(s)s.") % {"s": locked.get_status_display()}
        )
    measure = _measure(locked, kind, fine_amount, deadline, note)
    measure.save()
    _bump(locked)
    audit_record(actor=actor, action="patrols.enforcement_measure", obj=locked, after=snapshot(measure))
    return measure


@transaction.atomic
def enforcement_complete_measure(
    *, measure: EnforcementMeasure, actor: User, done_on: dt.date | None = None, note: str = ""
) -> EnforcementMeasure:
    """Mark a measure carried out (e.g. the fine paid, the rectification checked)."""
    locked = _locked(measure.enforcement, actor, None)
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise PatrolError(PatrolErrorCode.MEASURE_INVALID, _("A measure cannot be carried out in the future."))
    measure = EnforcementMeasure.objects.select_for_update().get(pk=measure.pk)
    measure.done_on = done_on
    if note:
        measure.note = note.strip()[:200]
    measure.save(update_fields=["done_on", "note"])
    _bump(locked)
    audit_record(actor=actor, action="patrols.enforcement_measure_done", obj=locked, after=snapshot(measure))
    return measure


@transaction.atomic
def enforcement_publicize(
    *,
    enforcement: EnforcementCase,
    actor: User,
    channel: str,
    published_on: dt.date,
    outlet: str = "",
    link: str = "",
) -> Publicity:
    """Record that the case was made public (曝光): where, when, and a link."""
    locked = _locked(enforcement, actor, None)
    if channel not in PublicityChannel.values:
        raise PatrolError(PatrolErrorCode.INVALID, _("Unknown publicity channel %(c)r.") % {"c": channel})
    row = Publicity(
        enforcement=locked, channel=channel, published_on=published_on, outlet=outlet.strip(), link=link.strip()
    )
    row.full_clean()
    row.save()
    _bump(locked)
    audit_record(actor=actor, action="patrols.enforcement_publicize", obj=locked, after=snapshot(row))
    return row


def enforcement_transition(
    *,
    enforcement: EnforcementCase,
    actor: User,
    to: str,
    note: str = "",
    on: dt.date | None = None,
    expected_version: int | None = None,
) -> EnforcementCase:
    """Move an enforcement case along ``ENFORCEMENT_TRANSITIONS``: deciding needs a measure, closing needs
    every measure carried out, withdrawing needs a reason. Returns the fresh case."""
    day = on or timezone.localdate()

    def check(locked: EnforcementCase, _row) -> None:
        _may_handle(actor, locked)
        measures = list(locked.measures.all())
        if to == EnforcementStatus.DECIDED and not measures:
            raise PatrolError(PatrolErrorCode.MEASURE_INVALID, _("Record the measures decided first."))
        if to == EnforcementStatus.CLOSED:
            pending = [m.get_kind_display() for m in measures if m.done_on is None]
            if pending:
                raise PatrolError(
                    PatrolErrorCode.MEASURES_PENDING,
                    _("Measures not yet carried out: %(list)s.") % {"list": "、".join(str(p) for p in pending)},
                )
        if to == EnforcementStatus.WITHDRAWN and not note.strip():
            raise PatrolError(PatrolErrorCode.INVALID, _("Give the reason for withdrawing the case."))

    def apply(locked: EnforcementCase) -> None:
        if to == EnforcementStatus.DECIDED:
            locked.decided_on = day
        if to in (EnforcementStatus.CLOSED, EnforcementStatus.WITHDRAWN):
            locked.closed_on = day

    def refused(locked: EnforcementCase) -> str:
        label = EnforcementStatus(to).label if to in EnforcementStatus.values else to
        return _("Enforcement case %(n)s is %(s)s: it cannot become %(to)s.") % {
            "n": locked.number,
            "s": locked.get_status_display(),
            "to": label,
        }

    return transition(
        enforcement,
        to,
        table=ENFORCEMENT_TRANSITIONS,
        actor=actor,
        conflict=PatrolConflict,
        refused_message=refused,
        stale_message=_stale,
        expected_version=expected_version,
        check=check,
        apply=apply,
        audit="patrols.enforcement_" + to,
        note=note,
    )
