"""Reads of Open311: the category tree as services, partners by key, and cases as a citizen may see them.

Privacy is decided here, in one place: ``public_cases`` says which cases Open311 shows at all and
``request_record`` which of their fields. Neither ever reads the reporter's name, phone or e-mail,
the timeline, feedback or any user; the description is the citizen's own text with contact details
masked.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from envgrid.cases.choices import FINAL_STATUSES, CaseStatus, RejectReason
from envgrid.cases.models import Case, CaseCategory, Open311Partner

#: "Response volume" of the spec: at most this many requests per answer, over at most this window.
MAX_REQUESTS = 1000
MAX_WINDOW = dt.timedelta(days=90)


@dataclass(frozen=True)
class Service:
    """One Open311 service: an active leaf of the case category tree."""

    category: CaseCategory
    group: str
    keywords: str

    @property
    def code(self) -> str:
        return self.category.code

    def as_dict(self) -> dict:
        category = self.category
        return {
            "service_code": category.code,
            "service_name": category.name,
            "description": category.description or category.name,
            "metadata": False,
            "type": "realtime",
            "keywords": self.keywords,
            "group": self.group,
        }


def open311_services() -> list[Service]:
    """The active leaf categories, in the tree's order, each grouped under its family (the root of
    its branch; a family with no sub-types is its own group). A category under an inactive parent
    is not offered. One query."""
    active = list(CaseCategory.objects.filter(is_active=True).order_by("sort_order", "code"))
    by_id = {category.pk: category for category in active}
    parents = {category.parent_id for category in active if category.parent_id}
    services = []
    for category in active:
        if category.pk in parents:
            continue
        chain, node = [], category
        while node is not None and node.parent_id is not None:
            node = by_id.get(node.parent_id)
            if node is not None:
                chain.append(node)
        if node is None:  # an ancestor is inactive
            continue
        family = chain[-1] if chain else category
        keywords = ", ".join(dict.fromkeys([*(c.name for c in reversed(chain)), category.code]))
        services.append(Service(category=category, group=family.name, keywords=keywords))
    return services


def open311_service(code: str) -> Service | None:
    return next((service for service in open311_services() if service.code == code), None)


def open311_partner_by_key(api_key: str) -> Open311Partner | None:
    """The active partner system holding this api_key, or None."""
    if not api_key:
        return None
    return Open311Partner.objects.filter(api_key=api_key, is_active=True).first()


def public_cases() -> QuerySet[Case]:
    """The cases Open311 shows: those filed through Open311 by a partner system. Cases from inside
    (grid members, inspections, sensors, leaders' instructions) are the district's working files,
    not public reports, and their text may name people."""
    return Case.objects.filter(partner__isnull=False).select_related("category", "lead_unit", "duplicate_of")


def open311_status(case: Case) -> str:
    """Open311 knows two states: our final states (closed, rejected) are ``closed``, the rest ``open``."""
    return "closed" if case.status in FINAL_STATUSES else "open"


#: What the citizen is told about the stage the case is in (service_notice): progress, never who.
STAGE_NOTICES = {
    CaseStatus.REPORTED: gettext_lazy("Received; awaiting review by the command center."),
    CaseStatus.ACCEPTED: gettext_lazy("Accepted; being assigned to the responsible unit."),
    CaseStatus.RETURNED: gettext_lazy("Accepted; being assigned to the responsible unit."),
    CaseStatus.DISPATCHED: gettext_lazy("Being handled by the responsible unit."),
    CaseStatus.SIGNED: gettext_lazy("Being handled by the responsible unit."),
    CaseStatus.IN_PROGRESS: gettext_lazy("Being handled by the responsible unit."),
    CaseStatus.ON_HOLD: gettext_lazy("Handling is paused for the moment."),
    CaseStatus.FED_BACK: gettext_lazy("Handled; awaiting verification on site."),
    CaseStatus.CLOSED: gettext_lazy("Handled and verified on site."),
    CaseStatus.REJECTED: gettext_lazy("Not accepted."),
}


def status_notes(case: Case) -> str | None:
    """Why a request is closed, in public words: the kind of rejection (never the dispatcher's note),
    or that the case was closed. Open requests have none."""
    if case.status == CaseStatus.CLOSED:
        return _("Case closed")
    if case.status != CaseStatus.REJECTED:
        return None
    original = case.duplicate_of
    if case.reject_reason == RejectReason.DUPLICATE and original is not None and original.partner_id:
        return _("Duplicate of request %(number)s") % {"number": original.number}
    if case.reject_reason:
        return str(RejectReason(case.reject_reason).label)
    return None


_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
_ID_CARD = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
MASK = "***"


def public_text(text: str, case: Case) -> str:
    """The citizen's description as the public may read it: the reporter's own name and phone, and
    anything shaped like a phone number, ID card number or e-mail address, masked."""
    for secret in (case.reporter_name, case.reporter_phone):
        if secret and len(secret.strip()) >= 2:
            text = text.replace(secret.strip(), MASK)
    for pattern in (_ID_CARD, _MOBILE, _LANDLINE, _EMAIL):
        text = pattern.sub(MASK, text)
    return text


def w3_datetime(value: dt.datetime | None) -> str | None:
    """ISO 8601 as the W3C note has it, in the district's time zone with its offset."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def request_record(case: Case) -> dict:
    """One service request as the spec lists its fields, and nothing more."""
    final = case.status in FINAL_STATUSES
    return {
        "service_request_id": case.number,
        "status": open311_status(case),
        "status_notes": status_notes(case),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": public_text(case.description, case),
        "agency_responsible": case.lead_unit.name if case.lead_unit_id else None,
        "service_notice": str(STAGE_NOTICES.get(case.status, "")) or None,
        "requested_datetime": w3_datetime(case.created_at),
        "updated_datetime": w3_datetime(case.closed_at if final and case.closed_at else case.updated_at),
        "expected_datetime": w3_datetime(case.due_at),
        "address": case.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": None,
    }
