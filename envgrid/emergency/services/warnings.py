"""Writes of pollution-weather warnings (重污染天气预警): record, activate, change level or end, lift, cancel —
and the spot-check plan that activation makes for every listed enterprise's responsible unit.

Every change locks the warning row first, so two dispatchers acting at once get a conflict, never a
half-made plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.core.formats import local_text
from envgrid.core.models import User
from envgrid.core.workflow import transition
from envgrid.emergency.choices import (
    TRANSITIONS,
    CheckStatus,
    WarningAction,
    WarningLevel,
)
from envgrid.emergency.errors import (
    EmergencyConflict,
    EmergencyError,
    EmergencyErrorCode,
    EmergencyPermissionDenied,
)
from envgrid.emergency.models import (
    EmergencySettings,
    PollutionWarning,
    ReductionMeasure,
    SpotCheck,
    WarningEvent,
)
from envgrid.emergency.permissions import can_manage_emergency
from envgrid.notifications.services import notify

#: Roles told about their unit's spot checks (besides the person responsible for each enterprise).
UNIT_NOTIFY_ROLES = ("unit_lead", "unit_staff")


def check_windows(
    start: dt.datetime, end: dt.datetime, per_day: int, *, min_length: dt.timedelta = dt.timedelta(hours=1)
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The check windows between ``start`` and ``end``: each local day cut into ``per_day`` equal windows
    (2 a day: 00–12 and 12–24), clipped to the warning; a clipped window shorter than ``min_length`` is
    dropped — unless that leaves none, when the whole span is one window."""
    if end <= start or per_day < 1:
        return []
    tz = timezone.get_current_timezone()
    step = dt.timedelta(hours=24) / per_day
    day = timezone.localtime(start, tz).date()
    windows = []
    while True:
        midnight = timezone.make_aware(dt.datetime.combine(day, dt.time.min), tz)
        if midnight >= end:
            break
        for index in range(per_day):
            opens, closes = max(midnight + index * step, start), min(midnight + (index + 1) * step, end)
            if closes - opens >= min_length:
                windows.append((opens, closes))
        day += dt.timedelta(days=1)
    return windows or [(start, end)]


def area_filter(region, prefix: str = "") -> Q:
    """Supervised objects inside the warning's area (None: the whole district)."""
    from envgrid.grids.choices import COMMUNITY_LEVELS, STREET_LEVELS

    if region is None:
        return Q()
    if region.level in STREET_LEVELS:
        return Q(**{f"{prefix}street_id": region.pk})
    if region.level in COMMUNITY_LEVELS:
        return Q(**{f"{prefix}grid__community_id": region.pk})
    return Q()


def listed_measures(warning: PollutionWarning, level: str | None = None):
    """The reduction-list lines of the warning's level for the enterprises in its area that still run."""
    from envgrid.sources.choices import ObjectStatus

    return (
        ReductionMeasure.objects.filter(level=level or warning.level)
        .filter(area_filter(warning.region, "supervised_object__"))
        .exclude(supervised_object__status=ObjectStatus.SHUT)
        .select_related("supervised_object", "supervised_object__grid", "supervised_object__street")
        .order_by("supervised_object__code")
    )


def _plan_checks(warning: PollutionWarning, *, since: dt.datetime) -> dict:
    """Create the spot checks from ``since`` to the warning's end at its level; return what was planned.
    Each window's check goes to the unit responsible (分包) for the enterprise on that window's day."""
    from envgrid.sources.selectors import responsible_on

    config = EmergencySettings.current()
    per_day = config.checks_per_day(warning.level)
    windows = check_windows(
        max(since, warning.starts_at),
        warning.ends_at,
        per_day,
        min_length=dt.timedelta(minutes=config.min_window_minutes),
    )
    owners: dict[tuple[int, dt.date], object] = {}
    checks, unowned, units = [], [], {}
    for measure in listed_measures(warning):
        obj = measure.supervised_object
        summary, planned = measure.summary(), 0
        for opens, due in windows:
            day = timezone.localtime(opens).date()
            if (obj.pk, day) not in owners:
                owners[(obj.pk, day)] = responsible_on(obj, day)
            owner = owners[(obj.pk, day)]
            if owner is None:
                continue
            units.setdefault(owner.unit_id, set()).add(obj.pk)
            planned += 1
            checks.append(
                SpotCheck(
                    warning=warning,
                    supervised_object=obj,
                    measure=measure,
                    level=warning.level,
                    measures_text=summary,
                    unit_id=owner.unit_id,
                    person_id=owner.person_id,
                    window_start=opens,
                    due_at=due,
                )
            )
        if not planned:
            unowned.append(str(obj))
    SpotCheck.objects.bulk_create(checks, batch_size=500)
    return {
        "checks": len(checks),
        "per_day": per_day,
        "windows": len(windows),
        "enterprises": sum(len(v) for v in units.values()),
        "units": sorted(units),
        "unowned": unowned,
    }


def _unplan_after(warning: PollutionWarning, now: dt.datetime) -> dict:
    """End the plan at ``now``: checks not yet due are cancelled; checks past due that nobody recorded
    are missed (逾期未查) — kept for the assessment."""
    pending = SpotCheck.objects.filter(warning=warning, status=CheckStatus.PENDING)
    missed = pending.filter(due_at__lte=now).update(status=CheckStatus.MISSED)
    cancelled = pending.filter(due_at__gt=now).update(status=CheckStatus.CANCELLED)
    return {"missed": missed, "cancelled": cancelled}


def _notify(warning: PollutionWarning, verb: str, title: str, body: str, unit_ids) -> None:
    """Tell the people of the units with checks, the persons responsible, and everyone on duty now."""
    from envgrid.emergency.selectors import on_duty_people

    unit_ids = set(unit_ids)
    people = set(User.objects.filter(unit_id__in=unit_ids, role__in=UNIT_NOTIFY_ROLES, is_active=True))
    people |= set(
        User.objects.filter(
            pk__in=SpotCheck.objects.filter(warning=warning, status=CheckStatus.PENDING).values("person_id"),
            is_active=True,
        )
    )
    people |= set(on_duty_people(timezone.now()))
    if people:
        url = reverse("emergency-warning-detail", args=[warning.pk])
        notify(recipients=people, verb=verb, title=title, body=body, url=url, target=warning)


def _units_with_open_checks(warning: PollutionWarning) -> set[int]:
    return set(SpotCheck.objects.filter(warning=warning, status=CheckStatus.PENDING).values_list("unit_id", flat=True))


def _require_manager(actor: User | None) -> None:
    if actor is not None and not can_manage_emergency(actor):
        raise EmergencyPermissionDenied(_("Only the command centre may record, activate, change or lift warnings."))


def _event(warning, *, actor, action, from_level="", note="", data=None, at=None) -> WarningEvent:
    return WarningEvent.objects.create(
        warning=warning,
        **WarningEvent.actor_fields(actor),
        action=action,
        from_level=from_level,
        to_level=warning.level,
        note=note,
        data=data or {},
        created_at=at or timezone.now(),
    )


def _check_times(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if ends_at <= starts_at:
        raise EmergencyError(EmergencyErrorCode.INVALID, _("The warning must end after it starts."))
    if ends_at - starts_at > dt.timedelta(days=30):
        raise EmergencyError(EmergencyErrorCode.INVALID, _("A warning lasts at most 30 days; record a new one."))


def _check_level(level: str) -> None:
    if level not in WarningLevel.values:
        raise EmergencyError(EmergencyErrorCode.INVALID, _("Unknown warning level %(l)r.") % {"l": level})


def _transition(
    warning: PollutionWarning,
    action: str,
    *,
    actor: User | None,
    note: str = "",
    apply: Callable[[PollutionWarning, dt.datetime], dict | None] | None = None,
) -> PollutionWarning:
    """Move a warning by one action of the table (``core.workflow.transition``): check the right, lock, check
    the state, apply, validate, save, record the history and the audit; return the fresh warning."""
    _require_manager(actor)
    now = timezone.now()
    from_level = {}

    def change(locked: PollutionWarning) -> dict | None:
        from_level["level"] = locked.level
        return apply(locked, now) if apply else None

    def event(locked: PollutionWarning, _from_status: str, data: dict) -> None:
        _event(locked, actor=actor, action=action, from_level=from_level["level"], note=note.strip(), data=data, at=now)

    return transition(
        warning,
        action,
        table=TRANSITIONS,
        actor=actor,
        conflict=EmergencyConflict,
        refused_message=lambda w: (
            _("Warning %(number)s is %(status)s: “%(action)s” is not possible now.")
            % {"number": w.document_number, "status": w.get_status_display(), "action": WarningAction(action).label}
        ),
        apply=change,
        event=event,
        audit=f"emergency.warning_{action}",
        note=note,
        validate=True,
    )


@transaction.atomic
def warning_record(
    *,
    actor: User,
    document_number: str,
    level: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    region=None,
    title: str = "",
    note: str = "",
) -> PollutionWarning:
    """Record a warning as issued (发布) with its document number, level, area and planned period."""
    _require_manager(actor)
    _check_level(level)
    _check_times(starts_at, ends_at)
    warning = PollutionWarning(
        document_number=document_number.strip(),
        title=title.strip(),
        level=level,
        region=region,
        starts_at=starts_at,
        ends_at=ends_at,
        note=note.strip(),
        created_by=actor,
    )
    warning.full_clean()
    warning.save()
    data = {"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(), "area": warning.area_name}
    _event(warning, actor=actor, action=WarningAction.RECORD, note=warning.note, data=data)
    return warning


def _refuse_overlap(warning: PollutionWarning) -> None:
    others = PollutionWarning.objects.active().exclude(pk=warning.pk)
    if warning.region_id is not None:
        others = others.filter(Q(region__isnull=True) | Q(region_id=warning.region_id))
    other = others.first()
    if other is not None:
        raise EmergencyConflict(
            EmergencyErrorCode.ANOTHER_ACTIVE,
            _("Warning %(number)s is already active for this area: change its level or end instead.")
            % {"number": other.document_number},
        )


@transaction.atomic
def warning_activate(*, warning: PollutionWarning, actor: User | None, note: str = "") -> PollutionWarning:
    """Activate (启动) the warning: every listed enterprise in its area gets spot checks for the unit
    responsible for it, as often a day as its level asks; those units and everyone on duty are told."""

    def apply(locked: PollutionWarning, now: dt.datetime) -> dict:
        if locked.ends_at <= now:
            raise EmergencyError(EmergencyErrorCode.INVALID, _("The warning's end has passed: change its end first."))
        _refuse_overlap(locked)
        locked.activated_at = now
        return _plan_checks(locked, since=now)

    activated = _transition(warning, WarningAction.ACTIVATE, actor=actor, note=note, apply=apply)
    plan = activated.events.order_by("-created_at", "-id").first().data
    _notify(
        activated,
        "emergency.warning_activated",
        _("%(level)s warning %(number)s activated")
        % {"level": activated.get_level_display(), "number": activated.document_number},
        _("Until %(end)s. %(checks)d spot checks planned (%(per_day)d a day per enterprise): see your unit's list.")
        % {"end": local_text(activated.ends_at, "%m-%d %H:%M"), "checks": plan["checks"], "per_day": plan["per_day"]},
        plan["units"],
    )
    return activated


@transaction.atomic
def warning_change(
    *,
    warning: PollutionWarning,
    actor: User | None,
    level: str | None = None,
    ends_at: dt.datetime | None = None,
    note: str = "",
) -> PollutionWarning:
    """Change the level (升级/降级) or the end (延长/提前) of a warning. While it is active, the checks not
    yet due are replanned from now at the new level and with the new level's measures."""
    if level is not None:
        _check_level(level)
    before_units: set[int] = set()

    def apply(locked: PollutionWarning, now: dt.datetime) -> dict:
        nonlocal before_units
        changes = {}
        if level and level != locked.level:
            changes["level"] = [locked.level, level]
            locked.level = level
        if ends_at and ends_at != locked.ends_at:
            _check_times(locked.starts_at, ends_at)
            if locked.is_active and ends_at <= now:
                raise EmergencyError(EmergencyErrorCode.INVALID, _("To end an active warning now, lift it."))
            changes["ends_at"] = [locked.ends_at.isoformat(), ends_at.isoformat()]
            locked.ends_at = ends_at
        if not changes:
            raise EmergencyError(EmergencyErrorCode.INVALID, _("Nothing to change: give a new level or a new end."))
        if locked.is_active:
            before_units = _units_with_open_checks(locked)
            cancelled = SpotCheck.objects.filter(warning=locked, status=CheckStatus.PENDING, due_at__gt=now).update(
                status=CheckStatus.CANCELLED
            )
            changes.update(_plan_checks(locked, since=now), replaced=cancelled)
        return changes

    changed = _transition(warning, WarningAction.CHANGE, actor=actor, note=note, apply=apply)
    if changed.is_active:
        _notify(
            changed,
            "emergency.warning_changed",
            _("Warning %(number)s now %(level)s until %(end)s")
            % {
                "number": changed.document_number,
                "level": changed.get_level_display(),
                "end": local_text(changed.ends_at, "%m-%d %H:%M"),
            },
            _("The spot checks not yet due were replanned: see your unit's list."),
            before_units | _units_with_open_checks(changed),
        )
    return changed


@transaction.atomic
def _end(warning: PollutionWarning, action: str, actor: User | None, note: str) -> PollutionWarning:
    units: set[int] = set()

    def apply(locked: PollutionWarning, now: dt.datetime) -> dict:
        nonlocal units
        units = _units_with_open_checks(locked)
        locked.lifted_at = now
        return _unplan_after(locked, now)

    lifted = _transition(warning, action, actor=actor, note=note, apply=apply)
    _notify(
        lifted,
        "emergency.warning_lifted",
        _("Warning %(number)s lifted") % {"number": lifted.document_number},
        _("The remaining spot checks are cancelled."),
        units,
    )
    return lifted


def warning_lift(*, warning: PollutionWarning, actor: User, note: str = "") -> PollutionWarning:
    """Lift (解除) the warning: checks not yet due are cancelled, unrecorded past-due checks are missed."""
    return _end(warning, WarningAction.LIFT, actor, note)


def warning_cancel(*, warning: PollutionWarning, actor: User, note: str = "") -> PollutionWarning:
    """Cancel a recorded warning that never started."""
    if not note.strip():
        raise EmergencyError(EmergencyErrorCode.NOTE_REQUIRED, _("Say why the warning is cancelled."))
    return _transition(warning, WarningAction.CANCEL, actor=actor, note=note)


def warnings_lift_expired(*, now: dt.datetime | None = None) -> int:
    """Lift every active warning whose end has come (system, idempotent); return how many."""
    now = now or timezone.now()
    count = 0
    for warning in PollutionWarning.objects.active().filter(ends_at__lte=now):
        try:
            _end(warning, WarningAction.EXPIRE, None, "")
        except EmergencyConflict:  # lifted by someone else meanwhile
            continue
        count += 1
    return count
