"""Writes of Open311: partner systems and their API keys, and a citizen's request filed as a case."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from envgrid.cases.models import Case, Open311Partner
from envgrid.cases.open311.selectors import Service
from envgrid.cases.services import case_report
from envgrid.core.services import audit_record, snapshot

#: What the audit trail keeps of a partner: never its key.
AUDITED_FIELDS = ["name", "channel", "is_active"]
#: Characters of the description kept in a case title.
TITLE_EXCERPT = 40


def open311_api_key_new() -> str:
    """A fresh api_key: 256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


@transaction.atomic
def open311_partner_create(*, actor, name: str, channel: str, is_active: bool = True) -> Open311Partner:
    """Register a partner system and issue its api_key."""
    partner = Open311Partner(name=name, channel=channel, is_active=is_active, api_key=open311_api_key_new())
    partner.full_clean()
    partner.save()
    audit_record(
        actor=actor, action="open311.partner_create", obj=partner, after=snapshot(partner, fields=AUDITED_FIELDS)
    )
    return partner


@transaction.atomic
def open311_partner_update(*, actor, partner: Open311Partner, name: str, channel: str, is_active: bool):
    """Rename a partner system, change its channel, or switch it on or off (its key stays)."""
    partner = Open311Partner.objects.select_for_update().get(pk=partner.pk)
    before = snapshot(partner, fields=AUDITED_FIELDS)
    partner.name, partner.channel, partner.is_active = name, channel, is_active
    partner.full_clean()
    partner.save(update_fields=AUDITED_FIELDS)
    audit_record(
        actor=actor,
        action="open311.partner_update",
        obj=partner,
        before=before,
        after=snapshot(partner, fields=AUDITED_FIELDS),
    )
    return partner


@transaction.atomic
def open311_partner_rotate_key(*, actor, partner: Open311Partner) -> Open311Partner:
    """Issue a new api_key to a partner system; the old one stops working at once."""
    partner = Open311Partner.objects.select_for_update().get(pk=partner.pk)
    partner.api_key = open311_api_key_new()
    partner.save(update_fields=["api_key"])
    audit_record(actor=actor, action="open311.partner_rotate_key", obj=partner)
    return partner


def request_title(service: Service, description: str) -> str:
    """The case title: the service's name and the start of the citizen's description."""
    first_line = description.strip().splitlines()[0].strip() if description.strip() else ""
    if not first_line:
        return service.category.name
    excerpt = first_line if len(first_line) <= TITLE_EXCERPT else first_line[: TITLE_EXCERPT - 1] + "…"
    return _("%(service)s: %(excerpt)s") % {"service": service.category.name, "excerpt": excerpt}


def open311_request_file(*, partner: Open311Partner, service: Service, data: dict, reporter_name: str) -> Case:
    """File a citizen's request from a partner system as a new case (上报), through ``case_report``.

    The photo link (media_url) is kept at the end of the description, where the dispatcher sees it.
    The e-mail, device_id and account_id have no place on a case and are not kept.
    """
    description = data.get("description") or ""
    if data.get("media_url"):
        description = f"{description}\n\n{_('Photo: %(url)s') % {'url': data['media_url']}}".strip()
    has_point = data.get("lat") is not None and data.get("long") is not None
    return case_report(
        reporter=None,
        channel=partner.channel,
        partner=partner,
        reporter_name=reporter_name,
        reporter_phone=data.get("phone") or "",
        title=request_title(service, data.get("description") or ""),
        category=service.category,
        description=description,
        lon=data["long"] if has_point else None,
        lat=data["lat"] if has_point else None,
        address=data.get("address_string") or "",
    )
