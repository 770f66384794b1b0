"""Writes of directives (调度指令): issue, sign, feed back, urge, close, and the daily rounds.

Every change of one directive locks its row first; that lock serializes all writes to the directive
and its unit rows, so two people acting at once get a conflict with a stable code, never a mixed state.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.core.choices import UnitKind
from envgrid.core.formats import local_text
from envgrid.core.models import Unit, User
from envgrid.core.workflow import lock_row, transition, unit_people
from envgrid.directives.attachments import files_check, files_store
from envgrid.directives.choices import (
    ACTING_ROLES,
    AWAITING_FEEDBACK,
    MAX_FIGURE_NAME,
    MAX_FIGURES,
    DirectiveAction,
    Recurrence,
    TargetStatus,
    UnitGroup,
)
from envgrid.directives.errors import DirectiveConflict, DirectiveError, DirectiveErrorCode, DirectivePermissionDenied
from envgrid.directives.models import Directive, DirectiveEvent, DirectiveTarget
from envgrid.directives.permissions import can_act_for, can_manage_directives
from envgrid.directives.transitions import TRANSITIONS
from envgrid.notifications.services import notify

#: A deadline given in hours must fall within this many hours.
MAX_FEEDBACK_HOURS = 24 * 30
FEEDBACK_FIELDS = ["status", "signed_at", "signed_by", "feedback", "figures", "fed_back_at", "fed_back_by", "is_late"]
UNIT_GROUP_KINDS = {UnitGroup.ALL_STREETS: UnitKind.STREET, UnitGroup.ALL_DEPARTMENTS: UnitKind.DEPARTMENT}

# --- helpers -------------------------------------------------------------------------------------


def _event_row(
    directive: Directive,
    *,
    actor: User | None,
    action: str,
    target: DirectiveTarget | None = None,
    note: str = "",
    data: dict | None = None,
    at: dt.datetime | None = None,
) -> DirectiveEvent:
    return DirectiveEvent(
        directive=directive,
        target=target,
        created_at=at or timezone.now(),
        **DirectiveEvent.actor_fields(actor),
        action=action,
        note=note,
        data=data or {},
    )


def _event(directive: Directive, **kwargs) -> DirectiveEvent:
    event = _event_row(directive, **kwargs)
    event.save()
    return event


def _notify_units(directive: Directive, unit_ids: Iterable[int], verb: str, title: str, body: str = "") -> None:
    url = reverse("directive-detail", args=[directive.pk])
    notify(
        recipients=unit_people(unit_ids, roles=ACTING_ROLES),
        verb=verb,
        title=title,
        body=body,
        url=url,
        target=directive,
    )


def _require_manager(actor: User, what: str) -> None:
    if not can_manage_directives(actor):
        raise DirectivePermissionDenied(_("Only the command centre may %(what)s directives.") % {"what": what})


def _lock(directive: Directive) -> Directive:
    return lock_row(Directive, directive.pk)


def _number(directive: Directive) -> str:
    return f"ZL{timezone.localdate(directive.issued_at):%Y%m%d}-{directive.pk:05d}"


def resolve_units(units: str | Iterable) -> list[Unit]:
    """The active units a directive goes to, from units or ids and the shortcuts ``all_streets`` and
    ``all_departments`` (which may be mixed: all streets plus the ecology bureau)."""
    items = [units] if isinstance(units, str) else list(units)
    ids, kinds = set(), set()
    for item in items:
        if isinstance(item, Unit):
            ids.add(item.pk)
        elif isinstance(item, str) and item in UNIT_GROUP_KINDS:
            kinds.add(UNIT_GROUP_KINDS[UnitGroup(item)])
        elif isinstance(item, int) or (isinstance(item, str) and item.isdigit()):
            ids.add(int(item))
        else:
            raise DirectiveError(DirectiveErrorCode.INVALID, _("Unknown unit or unit group %(item)r.") % {"item": item})
    found = list(Unit.objects.filter(Q(pk__in=ids) | Q(kind__in=kinds), is_active=True).order_by("sort_order", "name"))
    unknown = ids - {u.pk for u in found}
    if unknown:
        raise DirectiveError(
            DirectiveErrorCode.INVALID,
            _("These units do not exist or are inactive: %(ids)s.") % {"ids": ", ".join(map(str, sorted(unknown)))},
        )
    if not found:
        raise DirectiveError(DirectiveErrorCode.NO_UNITS, _("Choose at least one unit."))
    return found


def _deadline(now: dt.datetime, due_at: dt.datetime | None, hours: float | Decimal | None) -> dt.datetime:
    if (due_at is None) == (hours is None):
        raise DirectiveError(
            DirectiveErrorCode.INVALID, _("Give the feedback deadline either in hours from now or as a date and time.")
        )
    if hours is not None:
        if not 0 < float(hours) <= MAX_FEEDBACK_HOURS:
            raise DirectiveError(
                DirectiveErrorCode.INVALID,
                _("The feedback time must be more than 0 and at most %(max)d hours.") % {"max": MAX_FEEDBACK_HOURS},
            )
        return now + dt.timedelta(hours=float(hours))
    due = timezone.make_aware(due_at) if timezone.is_naive(due_at) else due_at
    if due <= now:
        raise DirectiveError(DirectiveErrorCode.INVALID, _("The feedback deadline must be in the future."))
    return due


def clean_figure_names(names: Iterable[str]) -> list[str]:
    """The figures a directive asks for, trimmed, without blanks or repeats."""
    cleaned: list[str] = []
    for raw in names or ():
        name = str(raw).strip()
        if not name or name in cleaned:
            continue
        if len(name) > MAX_FIGURE_NAME:
            raise DirectiveError(
                DirectiveErrorCode.FIGURES_INVALID,
                _("A figure name has at most %(n)d characters: %(name)s.") % {"n": MAX_FIGURE_NAME, "name": name},
            )
        cleaned.append(name)
    if len(cleaned) > MAX_FIGURES:
        raise DirectiveError(DirectiveErrorCode.FIGURES_INVALID, _("At most %(n)d figures.") % {"n": MAX_FIGURES})
    return cleaned


def _number_or_none(value) -> float | int | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value) if isinstance(value, int | float | Decimal | str) else None
    except ValueError:
        return None
    if number is None or not math.isfinite(number):
        return None
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def clean_figures(figures: dict | None, *, required: Sequence[str] = ()) -> dict:
    """A unit's figures as ``{name: number}``; every figure the directive asks for must be given."""
    if figures is None:
        figures = {}
    if not isinstance(figures, dict):
        raise DirectiveError(DirectiveErrorCode.FIGURES_INVALID, _("Figures are pairs of a name and a number."))
    cleaned: dict = {}
    for raw_name, raw_value in figures.items():
        name = clean_figure_names([raw_name])
        if not name:
            raise DirectiveError(DirectiveErrorCode.FIGURES_INVALID, _("Every figure needs a name."))
        number = _number_or_none(raw_value)
        if number is None:
            raise DirectiveError(
                DirectiveErrorCode.FIGURES_INVALID, _("%(name)s must be a number.") % {"name": name[0]}
            )
        cleaned[name[0]] = number
    missing = [name for name in required if name not in cleaned]
    if missing:
        raise DirectiveError(
            DirectiveErrorCode.FIGURES_INVALID,
            _("Give the figures asked for: %(names)s.") % {"names": "、".join(missing)},
        )
    if len(cleaned) > MAX_FIGURES:
        raise DirectiveError(DirectiveErrorCode.FIGURES_INVALID, _("At most %(n)d figures.") % {"n": MAX_FIGURES})
    return cleaned


# --- issue ---------------------------------------------------------------------------------------


@transaction.atomic
def directive_issue(
    *,
    actor: User,
    title: str,
    units: str | Iterable,
    body: str = "",
    feedback_due_at: dt.datetime | None = None,
    feedback_within_hours: float | Decimal | None = None,
    recurrence: str | None = None,
    recurrence_time: dt.time | None = None,
    figure_names: Iterable[str] = (),
    files: Sequence = (),
) -> Directive:
    """Issue a directive to units (or all streets / all departments), each to sign and feed back by
    the deadline. A daily directive also repeats every day at ``recurrence_time`` from the next day on;
    its deadline is given in hours, counted from each round's issue."""
    _require_manager(actor, _("issue"))
    recurrence = recurrence or Recurrence.NONE
    if recurrence not in Recurrence.values:
        raise DirectiveError(DirectiveErrorCode.INVALID, _("Unknown repetition %(r)r.") % {"r": recurrence})
    if recurrence == Recurrence.DAILY and (recurrence_time is None or feedback_within_hours is None):
        raise DirectiveError(
            DirectiveErrorCode.INVALID,
            _("A daily directive needs its time of day and a feedback time in hours after each round."),
        )
    now = timezone.now()
    targets = resolve_units(units)
    due = _deadline(now, feedback_due_at, feedback_within_hours)
    checked = files_check(files)
    directive = Directive(
        number=uuid.uuid4().hex[:30],
        title=title.strip(),
        body=body.strip(),
        figure_names=clean_figure_names(figure_names),
        issued_by=actor,
        issued_at=now,
        feedback_due_at=due,
        recurrence=recurrence,
        recurrence_time=recurrence_time if recurrence == Recurrence.DAILY else None,
        occurrence_date=timezone.localdate(now) if recurrence == Recurrence.DAILY else None,
    )
    directive.full_clean(exclude=["number"])
    directive.save()
    directive.number = _number(directive)
    directive.save(update_fields=["number"])
    DirectiveTarget.objects.bulk_create([DirectiveTarget(directive=directive, unit=unit) for unit in targets])
    _event(
        directive,
        actor=actor,
        action=DirectiveAction.ISSUE,
        note=directive.body,
        data={"units": [u.name for u in targets], "feedback_due_at": due.isoformat(), "recurrence": recurrence},
    )
    files_store(checked, directive=directive, uploaded_by=actor)
    _notify_units(
        directive,
        [u.pk for u in targets],
        "directive.issued",
        _("Directive %(number)s: %(title)s — feed back by %(due)s")
        % {"number": directive.number, "title": directive.title, "due": local_text(due)},
        directive.body,
    )
    return directive


# --- a unit signs and feeds back -----------------------------------------------------------------


def _lock_for_unit(directive: Directive, actor: User) -> tuple[Directive, DirectiveTarget]:
    locked = _lock(directive)
    target = (
        DirectiveTarget.objects.select_related("unit").filter(directive=locked, unit_id=actor.unit_id).first()
        if actor.unit_id
        else None
    )
    if target is None or not can_act_for(actor, target):
        raise DirectivePermissionDenied(
            _("Only the lead and staff of a unit this directive is addressed to may sign and feed back for it.")
        )
    if not locked.is_open:
        raise DirectiveConflict(
            DirectiveErrorCode.CLOSED, _("Directive %(number)s is closed.") % {"number": locked.number}
        )
    target.directive = locked
    return locked, target


@transaction.atomic
def directive_sign(*, directive: Directive, actor: User) -> DirectiveTarget:
    """Sign (签收) the directive for the actor's unit."""
    locked, target = _lock_for_unit(directive, actor)
    if target.status != TargetStatus.PENDING:
        raise DirectiveConflict(
            DirectiveErrorCode.ALREADY_SIGNED,
            _("%(unit)s already signed directive %(number)s.") % {"unit": target.unit, "number": locked.number},
        )
    target.status, target.signed_at, target.signed_by = TargetStatus.SIGNED, timezone.now(), actor
    target.save(update_fields=["status", "signed_at", "signed_by"])
    _event(locked, target=target, actor=actor, action=DirectiveAction.SIGN, data={"unit": target.unit.name})
    return target


@transaction.atomic
def directive_feedback(
    *, directive: Directive, actor: User, text: str, figures: dict | None = None, files: Sequence = ()
) -> DirectiveTarget:
    """Feed back (反馈) for the actor's unit — what was done, the figures asked for, photos — signing
    too if nobody has yet; feedback after the deadline is recorded late."""
    locked, target = _lock_for_unit(directive, actor)
    if target.is_fed_back:
        raise DirectiveConflict(
            DirectiveErrorCode.ALREADY_FED_BACK,
            _("%(unit)s already fed back on directive %(number)s.") % {"unit": target.unit, "number": locked.number},
        )
    if not (text or "").strip():
        raise DirectiveError(DirectiveErrorCode.FEEDBACK_REQUIRED, _("Say what your unit did."))
    cleaned = clean_figures(figures, required=locked.figure_names)
    checked = files_check(files)
    now = timezone.now()
    signed_now = target.status == TargetStatus.PENDING
    if signed_now:
        target.signed_at, target.signed_by = now, actor
    target.status, target.feedback, target.figures = TargetStatus.FED_BACK, text.strip(), cleaned
    target.fed_back_at, target.fed_back_by = now, actor
    target.is_late = target.is_late or locked.is_past_due(now)
    target.save(update_fields=FEEDBACK_FIELDS)
    _event(
        locked,
        target=target,
        actor=actor,
        action=DirectiveAction.FEEDBACK,
        note=target.feedback,
        data={"unit": target.unit.name, "figures": cleaned, "late": target.is_late, "signed_with_feedback": signed_now},
    )
    files_store(checked, directive=locked, target=target, uploaded_by=actor)
    return target


# --- the command centre urges and closes ---------------------------------------------------------


@transaction.atomic
def directive_urge(
    *, directive: Directive, actor: User, units: Iterable | None = None, note: str = ""
) -> list[DirectiveTarget]:
    """Urge (催办) in one go every unit that has not fed back yet (or only those of ``units`` among
    them); their leads and staff are notified. Returns the rows urged."""
    _require_manager(actor, _("urge"))
    locked = _lock(directive)
    if not locked.is_open:
        raise DirectiveConflict(
            DirectiveErrorCode.CLOSED, _("Directive %(number)s is closed.") % {"number": locked.number}
        )
    laggards = locked.targets.filter(status__in=AWAITING_FEEDBACK).select_related("unit")
    if units is not None:
        laggards = laggards.filter(unit_id__in=[u.pk if isinstance(u, Unit) else int(u) for u in units])
    laggards = list(laggards)
    if not laggards:
        raise DirectiveConflict(DirectiveErrorCode.NOTHING_TO_URGE, _("Every unit has fed back: nobody to urge."))
    now = timezone.now()
    DirectiveTarget.objects.filter(pk__in=[t.pk for t in laggards]).update(
        urge_count=F("urge_count") + 1, last_urged_at=now
    )
    for target in laggards:
        target.urge_count, target.last_urged_at = target.urge_count + 1, now
    DirectiveEvent.objects.bulk_create(
        [
            _event_row(
                locked,
                target=t,
                actor=actor,
                action=DirectiveAction.URGE,
                note=note.strip(),
                at=now,
                data={"unit": t.unit.name, "times": t.urge_count},
            )
            for t in laggards
        ]
    )
    _notify_units(
        locked,
        [t.unit_id for t in laggards],
        "directive.urged",
        _("Urgent: feed back on directive %(number)s by %(due)s")
        % {"number": locked.number, "due": local_text(locked.feedback_due_at)},
        note.strip() or locked.title,
    )
    return laggards


def directive_close(*, directive: Directive, actor: User, note: str = "", stop_recurrence: bool = False) -> Directive:
    """Close the directive; every unit that never fed back is recorded late (missing feedback), for
    the assessment. ``stop_recurrence`` also ends the daily series this round belongs to. Returns the fresh
    directive."""
    _require_manager(actor, _("close"))
    now = timezone.now()
    missing: list[DirectiveTarget] = []

    def apply(locked: Directive) -> dict:
        missing.extend(locked.targets.filter(status__in=AWAITING_FEEDBACK).select_related("unit"))
        DirectiveTarget.objects.filter(pk__in=[t.pk for t in missing]).update(is_late=True)
        locked.closed_at, locked.closed_by = now, actor
        stopped = False
        if stop_recurrence and locked.is_recurring:
            root_id = locked.parent_id or locked.pk
            stopped = bool(
                Directive.objects.filter(pk=root_id, recurrence_stopped_at__isnull=True).update(
                    recurrence_stopped_at=now
                )
            )
            if root_id == locked.pk and stopped:
                locked.recurrence_stopped_at = now
        return {"missing": len(missing), "stopped_repeating": stopped}

    def event(locked: Directive, _from_status: str, data: dict) -> None:
        DirectiveEvent.objects.bulk_create(
            [
                _event_row(locked, actor=actor, action=DirectiveAction.CLOSE, note=note.strip(), at=now, data=data),
                *(
                    _event_row(
                        locked,
                        target=t,
                        actor=actor,
                        action=DirectiveAction.MISSING,
                        at=now,
                        data={"unit": t.unit.name},
                    )
                    for t in missing
                ),
            ]
        )

    closed = transition(
        directive,
        DirectiveAction.CLOSE,
        table=TRANSITIONS,
        actor=actor,
        conflict=DirectiveConflict,
        refused_code=DirectiveErrorCode.CLOSED,
        refused_message=lambda d: _("Directive %(number)s is already closed.") % {"number": d.number},
        apply=apply,
        event=event,
        audit="directives.close",
        note=note,
    )
    if missing:
        _notify_units(
            closed,
            [t.unit_id for t in missing],
            "directive.missing",
            _("Directive %(number)s closed: your unit's feedback is recorded as missing") % {"number": closed.number},
            closed.title,
        )
    return closed


# --- background work -----------------------------------------------------------------------------


def directives_mark_overdue(*, now: dt.datetime | None = None) -> int:
    """Record late every unit still owing feedback on an open directive past its deadline, and tell
    it and the issuer once. Idempotent: a row is marked once."""
    now = now or timezone.now()
    due = (
        Directive.objects.open()
        .filter(feedback_due_at__lt=now, targets__status__in=AWAITING_FEEDBACK, targets__is_late=False)
        .values_list("pk", flat=True)
        .distinct()
    )
    return sum(_mark_overdue(directive_id, now=now) for directive_id in list(due))


@transaction.atomic
def _mark_overdue(directive_id: int, *, now: dt.datetime) -> int:
    locked = Directive.objects.select_for_update().get(pk=directive_id)
    if not locked.is_open or not locked.is_past_due(now):
        return 0
    overdue = list(locked.targets.filter(status__in=AWAITING_FEEDBACK, is_late=False).select_related("unit"))
    if not overdue:
        return 0
    DirectiveTarget.objects.filter(pk__in=[t.pk for t in overdue]).update(is_late=True)
    DirectiveEvent.objects.bulk_create(
        [
            _event_row(locked, target=t, actor=None, action=DirectiveAction.OVERDUE, at=now, data={"unit": t.unit.name})
            for t in overdue
        ]
    )
    _notify_units(
        locked,
        [t.unit_id for t in overdue],
        "directive.overdue",
        _("Overdue: directive %(number)s was due %(due)s")
        % {"number": locked.number, "due": local_text(locked.feedback_due_at)},
        locked.title,
    )
    if locked.issued_by_id:
        notify(
            recipients=[locked.issued_by],
            verb="directive.overdue",
            title=_("%(n)d units have not fed back on directive %(number)s")
            % {"n": len(overdue), "number": locked.number},
            body="、".join(t.unit.name for t in overdue),
            url=reverse("directive-detail", args=[locked.pk]),
            target=locked,
        )
    return len(overdue)


def directives_spawn_due(*, now: dt.datetime | None = None) -> list[Directive]:
    """Issue today's round of every daily directive whose time of day has come. Idempotent: at most
    one round per series and day, however often it runs and however many workers run it."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    today = local.date()
    series = (
        Directive.objects.filter(
            parent__isnull=True,
            recurrence=Recurrence.DAILY,
            recurrence_stopped_at__isnull=True,
            recurrence_time__lte=local.time(),
        )
        .exclude(occurrence_date__gte=today)
        .exclude(instances__occurrence_date=today)
        .values_list("pk", flat=True)
    )
    spawned = [_spawn_round(root_id, today=today, now=now) for root_id in list(series)]
    return [d for d in spawned if d is not None]


@transaction.atomic
def _spawn_round(root_id: int, *, today: dt.date, now: dt.datetime) -> Directive | None:
    root = Directive.objects.select_for_update().get(pk=root_id)
    if (
        root.recurrence_stopped_at is not None
        or (root.occurrence_date and root.occurrence_date >= today)
        or root.instances.filter(occurrence_date=today).exists()
    ):
        return None
    units = list(Unit.objects.filter(directive_targets__directive=root, is_active=True).order_by("sort_order", "name"))
    if not units:
        return None
    round_ = Directive(
        number=uuid.uuid4().hex[:30],
        title=root.title,
        body=root.body,
        figure_names=root.figure_names,
        issued_by=root.issued_by,
        issued_at=now,
        feedback_due_at=now + root.feedback_window,
        recurrence=root.recurrence,
        recurrence_time=root.recurrence_time,
        parent=root,
        occurrence_date=today,
    )
    round_.save()
    round_.number = _number(round_)
    round_.save(update_fields=["number"])
    DirectiveTarget.objects.bulk_create([DirectiveTarget(directive=round_, unit=unit) for unit in units])
    for attachment in root.attachments.filter(target__isnull=True):
        attachment.pk, attachment.id, attachment.directive = None, None, round_  # the same stored file
        attachment.save()
    _event(
        round_,
        actor=None,
        action=DirectiveAction.SPAWN,
        data={"series": root.number, "round_of": today.isoformat(), "units": [u.name for u in units]},
    )
    _notify_units(
        round_,
        [u.pk for u in units],
        "directive.issued",
        _("Directive %(number)s: %(title)s — feed back by %(due)s")
        % {"number": round_.number, "title": round_.title, "due": local_text(round_.feedback_due_at)},
        round_.body,
    )
    return round_
