"""Import jobs: store the uploaded workbook, run the import in the background (Huey), record progress
while rows are checked, and keep the outcome for the page that polls it."""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from envgrid.core.models import User
from envgrid.core.services import on_commit
from envgrid.sources.choices import FINISHED_IMPORT_STATUSES, ImportKind, ImportStatus
from envgrid.sources.errors import SourcesError, SourcesErrorCode, SourcesPermissionDenied
from envgrid.sources.imports.base import MAX_ERRORS, FileRefused, ImportResult
from envgrid.sources.imports.objects import import_objects
from envgrid.sources.imports.responsibilities import import_responsibilities
from envgrid.sources.models import ImportJob
from envgrid.sources.permissions import can_manage_sources

log = logging.getLogger(__name__)
MAX_IMPORT_BYTES = 50 * 1024 * 1024
IMPORTERS = {ImportKind.OBJECTS: import_objects, ImportKind.RESPONSIBILITIES: import_responsibilities}


def _enqueue(job: ImportJob) -> None:
    from envgrid.sources.tasks import run_import_job

    on_commit(run_import_job, job.pk)


@transaction.atomic
def import_job_create(
    *, actor: User, kind: str, data: bytes, name: str, dry_run: bool = True, keep_good_rows: bool = False
) -> ImportJob:
    """Store an uploaded workbook and queue its import (a dry run unless ``dry_run`` is False)."""
    if not can_manage_sources(actor):
        raise SourcesPermissionDenied(_("Only the command centre may import objects and responsibilities."))
    if kind not in IMPORTERS:
        raise SourcesError(SourcesErrorCode.INVALID, _("Unknown import kind %(kind)s.") % {"kind": kind})
    if len(data) > MAX_IMPORT_BYTES:
        raise SourcesError(SourcesErrorCode.INVALID, _("The file is larger than 50 MB."))
    job = ImportJob(
        kind=kind, original_name=name[:200], dry_run=dry_run, keep_good_rows=keep_good_rows, created_by=actor
    )
    job.file.save(f"{kind}.xlsx", ContentFile(data), save=False)
    job.save()
    _enqueue(job)
    return job


@transaction.atomic
def import_job_apply(*, actor: User, job: ImportJob, keep_good_rows: bool | None = None) -> ImportJob:
    """Run for real the import a finished dry run checked (same file, a new job)."""
    if not can_manage_sources(actor):
        raise SourcesPermissionDenied(_("Only the command centre may import objects and responsibilities."))
    if not job.dry_run or job.status != ImportStatus.DONE:
        raise SourcesError(SourcesErrorCode.IMPORT_STATE, _("Only a finished dry run can be applied."))
    real = ImportJob(
        kind=job.kind,
        file=job.file.name,
        original_name=job.original_name,
        dry_run=False,
        keep_good_rows=job.keep_good_rows if keep_good_rows is None else keep_good_rows,
        created_by=actor,
    )
    real.save()
    _enqueue(real)
    return real


def _progress(job: ImportJob):
    def report(done: int, total: int) -> None:
        fields = {"processed_rows": done, "total_rows": max(total, done)}
        if done >= total and not job.dry_run:
            fields["status"] = ImportStatus.WRITING  # every row checked; the write follows
        ImportJob.objects.filter(pk=job.pk).update(**fields)

    return report


def import_job_run(job_id: int) -> ImportJob | None:
    """Run a queued import job once (a repeated call on a started job does nothing)."""
    started = ImportJob.objects.filter(pk=job_id, status=ImportStatus.PENDING).update(status=ImportStatus.READING)
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if not started or job is None:
        return job
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
        result = IMPORTERS[job.kind](
            data,
            actor=job.created_by,
            dry_run=job.dry_run,
            keep_good_rows=job.keep_good_rows,
            progress=_progress(job),
        )
    except FileRefused as exc:
        _finish(job, ImportStatus.REFUSED, errors=[e.as_dict() for e in exc.errors], message=exc.errors[0].reason)
    except Exception as exc:  # a job must always end; the log keeps the traceback
        log.exception("import job %s failed", job.pk)
        _finish(job, ImportStatus.FAILED, message=str(exc)[:500])
    else:
        _finish_with(job, result)
    return ImportJob.objects.get(pk=job.pk)


def _finish_with(job: ImportJob, result: ImportResult) -> None:
    refused = bool(result.errors) and not result.dry_run and not job.keep_good_rows
    _finish(
        job,
        ImportStatus.REFUSED if refused else ImportStatus.DONE,
        summary=result.summary(),
        errors=[e.as_dict() for e in result.errors[:MAX_ERRORS]],
        changes=result.changes,
        total=result.total_rows,
        message=_("The file has errors; nothing was imported.") if refused else "",
    )


def _finish(job: ImportJob, status: str, *, summary=None, errors=None, changes=None, total=None, message="") -> None:
    assert status in FINISHED_IMPORT_STATUSES
    fields = {"status": status, "finished_at": timezone.now(), "message": message}
    if summary is not None:
        fields["summary"] = summary
    if errors is not None:
        fields["errors"] = errors
    if changes is not None:
        fields["changes"] = changes
    if total is not None:
        fields["total_rows"] = fields["processed_rows"] = total
    ImportJob.objects.filter(pk=job.pk).update(**fields)
