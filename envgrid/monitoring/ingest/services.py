"""Storing validated readings (``readings_import``: all-or-nothing, or the good rows kept and the bad ones
reported) and the upload template."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.core.errors import PermissionDenied
from envgrid.core.services import audit_record
from envgrid.core.spreadsheets import Column, ImportResult, refuse_if_errors
from envgrid.core.spreadsheets.templates import template_workbook
from envgrid.monitoring.choices import READING_COLUMNS
from envgrid.monitoring.ingest.units import FACTORS
from envgrid.monitoring.ingest.validation import LOCAL_TZ, ReadingBatch, ReadingsInvalid
from envgrid.monitoring.models import Station
from envgrid.monitoring.selectors import can_import_readings
from envgrid.monitoring.services import _insert_readings
from envgrid.monitoring.signals import readings_stored


def readings_import(*, batch: ReadingBatch, actor, keep_good: bool = False) -> ImportResult:
    """Store the validated readings of an upload or an API request in one transaction.

    All-or-nothing: any refused row raises ``ReadingsInvalid`` and nothing is stored — unless ``keep_good``,
    when the good rows are stored and the refused ones come back in the result. Readings already stored
    (same station, command and time) stay as they are and are counted as duplicates. ``readings_stored`` is
    sent after the commit for every row written or already there; the import is written to the audit log.
    """
    if not can_import_readings(actor):
        raise PermissionDenied(_("Only administrators, dispatchers and data-feed accounts may import readings."))
    refuse_if_errors(batch.errors, total=batch.total, keep_good=keep_good, refusal=ReadingsInvalid)
    result = ImportResult(kind="readings", total_rows=batch.total, errors=list(batch.errors))
    if not batch.rows:
        return result
    now = timezone.now()
    empty = "{}"
    rows = [
        (r.station_id, r.cn, r.data_time, *(r.values.get(column) for column in READING_COLUMNS), empty, empty, now)
        for r in batch.rows
    ]
    with transaction.atomic():
        result.created = _insert_readings(rows)
        result.duplicates = len(rows) - result.created
        result.written = True
        audit_record(
            actor=actor,
            action="monitoring.readings_imported",
            after={
                "source": batch.source[:100],
                "total": batch.total,
                "stored": result.created,
                "duplicates": result.duplicates,
                "rejected_rows": batch.bad_rows,
            },
        )
        keys = [(r.station_id, r.cn, r.data_time) for r in batch.rows]
        transaction.on_commit(lambda: readings_stored.send(sender=Station, readings=keys))
    return result


def template_headers() -> list[str]:
    """The upload template's header row: MN, time, interval and every factor with its stored unit."""
    return ["MN", "data_time", "CN"] + [f"{f.label} ({f.unit})" for f in FACTORS.values()]


def template_example(mn: str, now: datetime | None = None) -> list:
    """An example row for the template (a plausible hour at the given station)."""
    moment = (now or timezone.now()).astimezone(LOCAL_TZ).replace(minute=0, second=0, microsecond=0)
    return [mn, moment.strftime("%Y-%m-%d %H:%M"), "hour", 35, 62, 8, 31, 0.6, 96, 18.5, 55, 101.2, 2.1, 225]


def template_xlsx(mn: str) -> bytes:
    """The upload template as an Excel workbook: the header row, an example row and the help sheet."""
    example = template_example(mn)
    columns = [Column(h, h, example=v, width=12) for h, v in zip(template_headers(), example, strict=True)]
    return template_workbook(columns, title="readings")
