"""Reads of the closed loop for the web: work queues and their counts, the case page, the phone lists.

Every read starts from ``Case.objects.visible_to(user)``; the queues are filters over it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from envgrid.cases.choices import (
    FINAL_STATUSES,
    OPEN_ASSIGNMENT_STATUSES,
    STATUS_COLOURS,
    UNIT_STATUSES,
    AssignmentRole,
    AssignmentStatus,
    CaseAction,
    CaseStatus,
    ExtensionStatus,
    RejectReason,
)
from envgrid.cases.models import Case, CaseAssignment, CaseAttachment, CaseCategory, CaseEvent, ExtensionRequest
from envgrid.cases.permissions import can_act_for_co_unit, can_verify
from envgrid.cases.transitions import available_actions
from envgrid.core.choices import Role
from envgrid.core.formats import local_text
from envgrid.core.querysets import unit_subtree_ids
from envgrid.grids.coords import transform_geojson, wgs84_to_bd09, wgs84_to_gcj02
from envgrid.grids.models import Grid

GRID_ROLES = frozenset({Role.GRID_HEAD, Role.GRID_MEMBER})
UNIT_ROLES = frozenset({Role.UNIT_LEAD, Role.UNIT_STAFF, Role.RIVER_CHIEF})
#: Co-unit actions: a co-unit signs and feeds back on its own share (not in the transition table).
CO_ACTIONS = ("co_sign", "co_feedback")


# --- queues --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    tone: str = "primary"


QUEUES = {
    q.key: q
    for q in [
        Queue("reported", gettext_lazy("To accept")),
        Queue("to_dispatch", gettext_lazy("To dispatch")),
        Queue("to_sign", gettext_lazy("To sign")),
        Queue("in_progress", gettext_lazy("In progress"), "warning"),
        Queue("to_verify", gettext_lazy("To verify"), "info"),
        Queue("overdue", gettext_lazy("Overdue"), "danger"),
        Queue("mine", gettext_lazy("Reported by me"), "secondary"),
        Queue("all", gettext_lazy("All"), "secondary"),
    ]
}


def queue_keys(user) -> list[str]:
    """The queues a user works from, in tab order; the first is their default."""
    if user.is_district_wide:
        return list(QUEUES)
    if user.role in GRID_ROLES:
        return ["to_verify", "mine", "all"]
    return ["to_sign", "in_progress", "overdue", "mine", "all"]


#: States in which no deadline runs (finished, or held).
OPEN_EXCLUDED = frozenset({*FINAL_STATUSES, CaseStatus.ON_HOLD})


def overdue_parts(now) -> list[Q]:
    """Open cases past their deadline, as two disjoint parts: flagged by the overdue job (which runs
    every few minutes and clears the flag when a case leaves its deadline), and due but not flagged
    yet (the minutes since the job's last run). Each part is one range of the
    (is_overdue, status, due_at) index, so counting them apart stays an index count however many
    closed cases the table holds."""
    running = [s for s in CaseStatus.values if s not in OPEN_EXCLUDED]
    return [
        Q(is_overdue__in=[True], status__in=running),  # "IN (1)": SQLite uses the index for it
        Q(is_overdue__in=[False], status__in=sorted(UNIT_STATUSES), due_at__lt=now),
    ]


def overdue_q(now) -> Q:
    first, second = overdue_parts(now)
    return first | second


def _co_share(units: set[int], *conditions: Q, **filters) -> Q:
    """The case has a co-unit share of one of ``units`` matching the conditions. An ``IN`` list, not a
    correlated ``EXISTS``: SQLite would answer that per case through the unit index (minutes at 100k)."""
    shares = CaseAssignment.objects.filter(*conditions, role=AssignmentRole.CO, unit_id__in=units, **filters)
    return Q(pk__in=shares.values("case_id"))


def queue_filters(user, now=None) -> dict[str, Q]:
    """Each queue as a filter over the user's visible cases. Unit people see their unit's share
    (as lead or co-unit); grid people verify in their own grids; district-wide roles see the stage."""
    now = now or timezone.now()
    filters = {
        "reported": Q(status=CaseStatus.REPORTED),
        "to_dispatch": Q(status__in=[CaseStatus.ACCEPTED, CaseStatus.RETURNED]),
        "to_sign": Q(status=CaseStatus.DISPATCHED),
        "in_progress": Q(status__in=[CaseStatus.SIGNED, CaseStatus.IN_PROGRESS]),
        "to_verify": Q(status=CaseStatus.FED_BACK),
        "overdue": overdue_q(now),
        "mine": Q(reporter_id=user.pk),
        "all": Q(),
    }
    if user.is_district_wide:
        return filters
    if user.role in GRID_ROLES:
        filters["to_verify"] &= Q(grid_id__in=Grid.objects.visible_to(user).values("pk"))
        return filters
    units = unit_subtree_ids(user.unit_id)
    lead = Q(lead_unit_id__in=units)
    filters["to_sign"] = (filters["to_sign"] & lead) | _co_share(units, status=AssignmentStatus.DISPATCHED)
    filters["in_progress"] = (filters["in_progress"] & lead) | _co_share(
        units, status__in=[AssignmentStatus.SIGNED, AssignmentStatus.IN_PROGRESS]
    )
    filters["to_verify"] &= lead
    co_late = _co_share(units, Q(is_overdue=True) | Q(due_at__lt=now), status__in=OPEN_ASSIGNMENT_STATUSES)
    filters["overdue"] = (filters["overdue"] & lead) | (co_late & ~Q(status__in=FINAL_STATUSES))
    return filters


def queue_counts(user, keys: list[str] | None = None) -> dict[str, int]:
    """How many visible cases each queue holds. District-wide: one small count per queue, each answered
    by an index (a pass over every case grows with the table); others: one pass over their own cases."""
    keys = keys or queue_keys(user)
    filters = queue_filters(user)
    visible = Case.objects.visible_to(user)
    if user.is_district_wide:
        now = timezone.now()
        counts = {k: visible.filter(filters[k]).count() for k in keys if k != "overdue"}
        if "overdue" in keys:
            counts["overdue"] = sum(visible.filter(part).count() for part in overdue_parts(now))
        return {k: counts[k] for k in keys}
    totals = visible.aggregate(**{k: Count("pk", filter=filters[k]) for k in keys})
    return {k: totals[k] or 0 for k in keys}


def cases_for_list(user) -> QuerySet[Case]:
    """The user's visible cases with everything a queue row or an export line shows, in one query."""
    return (
        Case.objects.visible_to(user)
        .select_related("category__parent", "lead_unit", "grid", "street")
        .order_by("-created_at", "-id")
    )


def decorate(cases, now=None):
    """Give each case what templates show but cannot compute: its status colour and overdue flag."""
    now = now or timezone.now()
    for case in cases:
        case.status_colour = STATUS_COLOURS.get(case.status, "secondary")
        running = not case.is_final and case.status != CaseStatus.ON_HOLD
        case.overdue_now = running and (case.is_overdue or (case.status in UNIT_STATUSES and case.is_overdue_at(now)))
    return cases


def category_path(category: CaseCategory) -> str:
    return " / ".join(c.name for c in [*reversed(category.ancestors()), category])


def category_descendant_ids(category: CaseCategory) -> set[int]:
    """The category and every sub-type below it."""
    ids, frontier = {category.pk}, {category.pk}
    while frontier:
        frontier = set(CaseCategory.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - ids
        ids |= frontier
    return ids


def category_choices() -> list:
    """Active categories as (family, [(id, name)…]) groups for a select; a family is selectable too."""
    categories = list(CaseCategory.objects.filter(is_active=True).order_by("sort_order", "code"))
    children: dict[int | None, list[CaseCategory]] = {}
    for c in categories:
        children.setdefault(c.parent_id, []).append(c)
    groups = []
    for family in children.get(None, []):
        subs = children.get(family.pk, [])
        if not subs:
            groups.append((family.pk, family.name))
            continue
        label = _("%(family)s (general)") % {"family": family.name}
        groups.append((family.name, [(family.pk, label), *((s.pk, s.name) for s in subs)]))
    return groups


# --- the case page -------------------------------------------------------------------------------


def visible_case(user, pk: int) -> Case:
    """A case the user may see, or 404 — outside the scope a case does not exist."""
    return get_object_or_404(Case.objects.visible_to(user), pk=pk)


def case_for_page(user, pk: int) -> Case:
    """One visible case with its assignments, timeline and evidence loaded; 404 outside scope."""
    events = CaseEvent.objects.select_related("actor_unit").prefetch_related("attachments").order_by("created_at", "id")
    assignments = CaseAssignment.objects.select_related("unit", "signed_by", "fed_back_by").prefetch_related(
        Prefetch(
            "extensions",
            queryset=ExtensionRequest.objects.select_related("requested_by", "decided_by").order_by("-requested_at"),
        )
    )
    queryset = (
        Case.objects.visible_to(user)
        .select_related("category__parent", "grid__head", "street", "lead_unit", "reporter", "duplicate_of")
        .prefetch_related(
            Prefetch("assignments", queryset=assignments.order_by("role", "id")),
            Prefetch("events", queryset=events),
            Prefetch("attachments", queryset=CaseAttachment.objects.select_related("event").order_by("uploaded_at")),
        )
    )
    case = get_object_or_404(queryset, pk=pk)
    decorate([case])
    for event in case.events.all():
        describe_event(event)
        for attachment in event.attachments.all():
            _measure(attachment, case)
    return case


def user_actions(case: Case, user) -> list[str]:
    """What the user may do on the case now: the transition table's answer plus a co-unit's share."""
    actions = [str(a) for a in available_actions(case, user)]
    share = co_assignment(case, user)
    if share is not None:
        actions.append("co_sign" if share.status == AssignmentStatus.DISPATCHED else "co_feedback")
    return actions


def co_assignment(case: Case, user) -> CaseAssignment | None:
    """The user's unit's open co-unit share of the case (from the prefetched assignments)."""
    if not can_act_for_co_unit(user):
        return None
    for a in case.assignments.all():
        if a.role == AssignmentRole.CO and a.unit_id == user.unit_id and a.status in OPEN_ASSIGNMENT_STATUSES:
            return a
    return None


def pending_extension(case: Case) -> ExtensionRequest | None:
    for assignment in case.assignments.all():
        for request in assignment.extensions.all():
            if request.status == ExtensionStatus.PENDING:
                return request
    return None


def _label(choices, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def describe_event(event: CaseEvent) -> CaseEvent:
    """Labels for one timeline entry: action, role, statuses and a line of details."""
    event.action_label = _label(CaseAction, event.action)
    event.role_label = _label(Role, event.actor_role) if event.actor_role else ""
    event.from_label = _label(CaseStatus, event.from_status) if event.from_status else ""
    event.to_label = _label(CaseStatus, event.to_status) if event.to_status else ""
    event.moved = bool(event.from_status and event.from_status != event.to_status)
    event.details = event_details(event)
    return event


def _iso_text(iso: str) -> str:
    """An ISO time recorded in an event's details, in local time (as given when it is no time)."""
    try:
        moment = dt.datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    return local_text(moment)


def event_details(event: CaseEvent) -> list[str]:
    """The event's recorded details (who it went to, until when, why) as short lines."""
    data, lines = event.data or {}, []
    if data.get("lead_unit"):
        lines.append(_("Lead unit: %(unit)s") % {"unit": data["lead_unit"]})
    if data.get("co_units"):
        lines.append(_("Co-units: %(units)s") % {"units": "、".join(data["co_units"])})
    if data.get("due_at"):
        lines.append(_("Deadline: %(due)s") % {"due": _iso_text(data["due_at"])})
    if data.get("reason"):
        lines.append(_("Reason: %(reason)s") % {"reason": _label(RejectReason, data["reason"])})
    if data.get("duplicate_of"):
        lines.append(_("Duplicate of %(number)s") % {"number": data["duplicate_of"]})
    if data.get("until"):
        lines.append(_("New deadline: %(until)s") % {"until": _iso_text(data["until"])})
    if data.get("returned_by"):
        lines.append(_("Returned by %(unit)s") % {"unit": data["returned_by"]})
    if data.get("co_unit"):
        lines.append(_("For co-unit %(unit)s") % {"unit": data["co_unit"]})
    if data.get("unit") and event.action in (CaseAction.OVERDUE, CaseAction.ESCALATE):
        lines.append(str(data["unit"]))
    if data.get("rework_count") and event.action == CaseAction.VERIFY_FAIL:
        lines.append(_("Rework no. %(n)d") % {"n": data["rework_count"]})
    return lines


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres, to show how far a photo was taken from the case's point."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def photo_evidence(case: Case) -> list[CaseAttachment]:
    """The case's attachments, each with how far its EXIF position lies from the case's point."""
    return [_measure(a, case) for a in case.attachments.all()]


def _measure(attachment: CaseAttachment, case: Case) -> CaseAttachment:
    attachment.distance_m = None
    if None not in (attachment.taken_lon, attachment.taken_lat, case.lon, case.lat):
        attachment.distance_m = round(distance_m(attachment.taken_lon, attachment.taken_lat, case.lon, case.lat))
    return attachment


def display_point(lon: float, lat: float) -> tuple[float, float]:
    """A WGS-84 point in the base map's datum (GCJ-02 or BD-09 tiles need shifting)."""
    crs = settings.ENVGRID_MAP["crs"]
    if crs == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    if crs == "bd09":
        return wgs84_to_bd09(lon, lat)
    return lon, lat


def case_map(case: Case) -> dict | None:
    """What the case page's small map draws: the point and the grid's outline, in the map's datum."""
    if case.lon is None or case.lat is None:
        return None
    crs = settings.ENVGRID_MAP["crs"]
    lon, lat = display_point(case.lon, case.lat)
    outline = None
    if case.grid_id:
        outline = case.grid.geometry if crs == "wgs84" else transform_geojson(case.grid.geometry, to=crs)
    return {"lon": lon, "lat": lat, "outline": outline, "grid": case.grid.name if case.grid_id else ""}


# --- phone lists ---------------------------------------------------------------------------------


def my_reports(user) -> QuerySet[Case]:
    """Cases the user reported, newest first, with their timelines for a short summary."""
    events = CaseEvent.objects.only("id", "case_id", "created_at", "action", "actor_name", "to_status")
    return (
        Case.objects.visible_to(user)
        .filter(reporter_id=user.pk)
        .select_related("category__parent", "lead_unit", "grid")
        .prefetch_related(Prefetch("events", queryset=events.order_by("created_at", "id")))
        .order_by("-created_at", "-id")
    )


def summarise_timeline(case: Case) -> Case:
    events = list(case.events.all())
    case.step_count = len(events)
    case.last_event = describe_event(events[-1]) if events else None
    return case


def verification_tasks(user) -> list[Case]:
    """Fed-back cases in the user's grids that the user may verify on site, oldest first, with the
    report's and the feedback's photos."""
    attachments = CaseAttachment.objects.select_related("event").order_by("uploaded_at", "id")
    assignments = CaseAssignment.objects.select_related("unit", "fed_back_by")
    cases = (
        Case.objects.visible_to(user)
        .filter(status=CaseStatus.FED_BACK, grid_id__in=Grid.objects.visible_to(user).values("pk"))
        .select_related("category__parent", "lead_unit", "grid__head")
        .prefetch_related(
            Prefetch("attachments", queryset=attachments),
            Prefetch("assignments", queryset=assignments.filter(role=AssignmentRole.LEAD)),
        )
        .order_by("created_at", "id")
    )
    tasks = []
    for case in decorate(list(cases)):
        if not can_verify(user, case):
            continue
        photos = [_measure(a, case) for a in case.attachments.all() if a.is_image]
        case.report_photos = [a for a in photos if a.event and a.event.action == CaseAction.REPORT]
        case.feedback_photos = [a for a in photos if a.event and a.event.action == CaseAction.FEEDBACK]
        lead = [a for a in case.assignments.all() if a.unit_id == case.lead_unit_id]
        case.lead_assignment = lead[-1] if lead else None
        tasks.append(case)
    return tasks


# --- home ----------------------------------------------------------------------------------------


def home_counts(user) -> list:
    """Home-page counts of the user's own queues (real numbers, zero included)."""
    from django.urls import reverse

    from envgrid.core.hooks import HomeCount

    if not user.is_authenticated:
        return []
    keys = [k for k in queue_keys(user) if k != "all"]
    counts = queue_counts(user, keys)
    phone = {"to_verify": reverse("phone-verify"), "mine": reverse("phone-my-reports")}
    queue_url = reverse("case-queue")
    result = []
    for key in keys:
        url = phone[key] if user.role in GRID_ROLES else f"{queue_url}?queue={key}"
        tone = QUEUES[key].tone if key != "overdue" or counts[key] else "secondary"
        result.append(HomeCount(label=str(QUEUES[key].label), value=counts[key], url=url, tone=tone))
    return result
