"""Filing cases: a clue reported by a person (上报), or found by a machine and routed at once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.cases import routing
from envgrid.cases.attachments import attach_files
from envgrid.cases.choices import CaseAction, Channel, Severity
from envgrid.cases.models import Case, CaseCategory
from envgrid.cases.services.common import dispatchers, locate, notify_case, record_event
from envgrid.cases.services.loop import case_accept, case_dispatch
from envgrid.core.models import Unit, User


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
    locate(case)
    case.full_clean(exclude=["number"])
    case.save()
    case.number = f"{timezone.localdate(case.created_at):%Y%m%d}-{case.pk:06d}"
    case.save(update_fields=["number"])
    event = record_event(case, actor=reporter, action=CaseAction.REPORT, note=case.description)
    attach_files(case=case, event=event, files=files, uploaded_by=reporter)
    notify_case(case, dispatchers(), "case.reported", _("New case %(number)s: %(title)s") % vars(case))
    return case


@transaction.atomic
def case_report_routed(
    *,
    title: str,
    category: CaseCategory,
    description: str = "",
    channel: str = Channel.SENSOR,
    severity: str = Severity.NORMAL,
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
    grid=None,
    lead_unit: Unit | None = None,
    reporter_name: str = "",
    external_id: str = "",
) -> Case:
    """File a clue found by a machine (a sensor alert) and let the system accept and dispatch it at once
    (系统自动受理、派遣): to ``lead_unit``, or by the routing table (category × grid), with the category's
    normal deadline. With no routing rule the case stays accepted, for the dispatcher to choose the unit."""
    case = case_report(
        reporter=None,
        title=title,
        category=category,
        description=description,
        channel=channel,
        severity=severity,
        lon=lon,
        lat=lat,
        address=address,
        grid=grid,
        reporter_name=reporter_name,
        external_id=external_id,
    )
    case = case_accept(case=case, actor=None)
    if lead_unit is None and routing.route_case(case)[0] is None:
        return case
    return case_dispatch(case=case, actor=None, lead_unit=lead_unit)
