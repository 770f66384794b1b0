"""Writes of spot checks (抽查): a unit records on site that an enterprise complied with its reduction
measures, or violated them — with photos; a violation opens a case in the closed loop, routed to the
enterprise's responsible unit."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.core.evidence import check_files, store_checked
from envgrid.core.models import User
from envgrid.core.workflow import lock_row
from envgrid.emergency.choices import CheckStatus, WarningStatus
from envgrid.emergency.errors import (
    EmergencyConflict,
    EmergencyError,
    EmergencyErrorCode,
    EmergencyPermissionDenied,
)
from envgrid.emergency.models import SpotCheck, SpotCheckPhoto
from envgrid.emergency.permissions import can_record_check

#: The case category a violation is filed under, then fallbacks (the category tree is district data).
VIOLATION_CATEGORIES = ("industrial.warning", "industrial", "other")
RESULTS = (CheckStatus.COMPLIED, CheckStatus.VIOLATED)


def _check_position(lon: float | None, lat: float | None) -> None:
    if (lon is None) != (lat is None):
        raise EmergencyError(EmergencyErrorCode.INVALID, _("Give both longitude and latitude, or neither."))
    if lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise EmergencyError(EmergencyErrorCode.INVALID, _("The position is outside the earth's coordinates."))


def _open_case(check: SpotCheck, actor: User, files: Sequence):
    """File the violation as a case (channel: inspection) on the enterprise, accepted and dispatched at once
    to the unit responsible for the enterprise today (分包 first, as the routing does)."""
    from envgrid.cases.choices import Channel, Severity
    from envgrid.cases.models import CaseCategory
    from envgrid.cases.services import case_accept, case_dispatch, case_report
    from envgrid.sources.selectors import responsible_on

    categories = {c.code: c for c in CaseCategory.objects.filter(code__in=VIOLATION_CATEGORIES)}
    category = next(categories[code] for code in VIOLATION_CATEGORIES if code in categories)
    obj, warning = check.supervised_object, check.warning
    case = case_report(
        reporter=actor,
        title=_("Reduction measures not carried out during warning %(number)s: %(name)s")
        % {"number": warning.document_number, "name": obj.name},
        description=_("%(level)s warning %(number)s. Measures: %(measures)s\nFound on site: %(note)s")
        % {
            "level": check.get_level_display(),
            "number": warning.document_number,
            "measures": check.measures_text,
            "note": check.note,
        },
        category=category,
        channel=Channel.INSPECTION,
        severity=Severity.URGENT,
        lon=obj.lon if obj.lon is not None else check.lon,
        lat=obj.lat if obj.lat is not None else check.lat,
        address=obj.address,
        grid=obj.grid,
        files=files,
        supervised_object=obj,
    )
    case = case_accept(case=case, actor=None)
    owner = responsible_on(obj, timezone.localdate())
    return case_dispatch(case=case, actor=None, lead_unit=owner.unit if owner else check.unit)


def _open_enforcement(check: SpotCheck, actor: User, legal_basis: str):
    """File the violation for enforcement (patrols' ``enforcement_open``), linked to the object and the case;
    refused (and the whole record with it) when the actor may not file enforcement cases."""
    from django.apps import apps

    if not apps.is_installed("envgrid.patrols"):
        raise EmergencyError(EmergencyErrorCode.INVALID, _("Enforcement cases are not available here."))
    from envgrid.patrols.services.enforcement import enforcement_open

    return enforcement_open(
        actor=actor,
        title=check.case.title,
        violation=check.note,
        legal_basis=legal_basis,
        supervised_object=check.supervised_object,
        cases=[check.case],
    )


@transaction.atomic
def spot_check_record(
    *,
    check: SpotCheck,
    actor: User,
    result: str,
    note: str = "",
    files: Sequence = (),
    lon: float | None = None,
    lat: float | None = None,
    legal_basis: str = "",
) -> SpotCheck:
    """Record a spot check: complied (落实) or violated (未落实, with what was found and photos — it opens
    a case). Late when recorded after the window closed; refused once the warning is no longer active.
    With a ``legal_basis``, a violation also files an enforcement case (立案查处, patrols) linked to the case.
    Returns the fresh spot check."""
    related = ("warning", "supervised_object", "supervised_object__grid", "unit")
    locked = lock_row(SpotCheck.objects.select_related(*related), check.pk)
    if not can_record_check(actor, locked):
        raise EmergencyPermissionDenied(_("Only the responsible unit's people may record this spot check."))
    if result not in RESULTS:
        raise EmergencyError(EmergencyErrorCode.INVALID, _("The result is complied or violated."))
    if locked.status != CheckStatus.PENDING:
        raise EmergencyConflict(
            EmergencyErrorCode.ALREADY_RECORDED,
            _("This spot check is already %(status)s.") % {"status": locked.get_status_display()},
        )
    if locked.warning.status != WarningStatus.ACTIVE:
        raise EmergencyConflict(EmergencyErrorCode.WARNING_NOT_ACTIVE, _("The warning is no longer active."))
    _check_position(lon, lat)
    checked = check_files(files)
    note = (note or "").strip()
    if result == CheckStatus.VIOLATED:
        if not note:
            raise EmergencyError(EmergencyErrorCode.NOTE_REQUIRED, _("Say what was found on site."))
        if not any(item["image"] is not None for item in checked):
            raise EmergencyError(EmergencyErrorCode.PHOTO_REQUIRED, _("A violation needs at least one photo."))
    now = timezone.now()
    locked.status, locked.note, locked.lon, locked.lat = result, note, lon, lat
    locked.checked_at, locked.checked_by, locked.is_late = now, actor, now > locked.due_at
    locked.save(update_fields=["status", "note", "lon", "lat", "checked_at", "checked_by", "is_late"])
    store_checked(checked, new=lambda **f: SpotCheckPhoto(spot_check=locked, **f), uploaded_by=actor)
    if result == CheckStatus.VIOLATED:
        locked.case = _open_case(locked, actor, files)
        locked.save(update_fields=["case"])
        if legal_basis.strip():
            _open_enforcement(locked, actor, legal_basis.strip())
    return locked
