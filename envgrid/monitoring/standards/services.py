"""Writes of the standards rows (the admin corrects a breakpoint, a limit or a rule, or closes a version and
adds the next): each save or delete is one transaction with one audit event holding the version and its rows
before and after. Every process reloads the standards once it commits (the ``post_save``/``post_delete``
receivers of ``signals.connect_receivers``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, transaction

from envgrid.core.services import audit_record, snapshot
from envgrid.monitoring.models import StandardKind, StandardVersion

#: The child rows of each kind of version: the AQI breakpoints themselves, the limits or the validity rules.
ROWS_OF_KIND = {
    StandardKind.AQI_DAILY: "breakpoints",
    StandardKind.AQI_HOURLY: "breakpoints",
    StandardKind.LIMITS: "limits",
    StandardKind.VALIDITY: "validity_rules",
}


def _row_state(row: models.Model) -> dict:
    state = snapshot(row)
    state.pop("standard", None)
    return {"id": row.pk, **state}


def standard_version_state(version: StandardVersion) -> dict:
    """The version's fields and its child rows, JSON-safe, for an audit before/after."""
    state = snapshot(version)
    relation = ROWS_OF_KIND.get(version.kind)
    if relation and version.pk:
        state[relation] = [_row_state(row) for row in getattr(version, relation).order_by("pk")]
    return state


@transaction.atomic
def standard_version_save(
    *,
    actor,
    version: StandardVersion,
    rows: Iterable[models.Model] = (),
    deleted_rows: Iterable[models.Model] = (),
) -> StandardVersion:
    """Save a new or changed standard version together with its child rows (``rows`` to save, new or changed;
    ``deleted_rows`` to delete: breakpoints, limits or validity rules of this version), checked, with one audit
    event ``standard.create`` or ``standard.update`` holding the version and its rows before and after."""
    created = version.pk is None
    before = None if created else standard_version_state(StandardVersion.objects.select_for_update().get(pk=version.pk))
    version.full_clean()
    version.save()
    for row in deleted_rows:
        if row.pk is not None:
            row.delete()
    for row in rows:
        row.standard = version
        row.full_clean(validate_unique=False)
        row.save()
    action = "standard.create" if created else "standard.update"
    audit_record(actor=actor, action=action, obj=version, before=before, after=standard_version_state(version))
    return version


@transaction.atomic
def standard_version_delete(*, actor, version: StandardVersion) -> None:
    """Delete a standard version and its rows, keeping their last state in the audit trail."""
    version = StandardVersion.objects.select_for_update().get(pk=version.pk)
    audit_record(actor=actor, action="standard.delete", obj=version, before=standard_version_state(version))
    version.delete()
