"""Import jobs of the sources app: store the uploaded workbook and queue its import; the run itself (progress,
outcome) is ``envgrid.core.spreadsheets.jobs``."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from envgrid.core.models import User
from envgrid.core.services import on_commit
from envgrid.core.spreadsheets.jobs import job_run
from envgrid.sources.choices import ImportKind, ImportStatus
from envgrid.sources.errors import SourcesError, SourcesErrorCode, SourcesPermissionDenied
from envgrid.sources.imports.objects import import_objects
from envgrid.sources.imports.responsibilities import import_responsibilities
from envgrid.sources.models import ImportJob
from envgrid.sources.permissions import can_manage_sources

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


def import_job_run(job_id: int) -> ImportJob | None:
    """Run a queued import job once (a repeated call on a started job does nothing)."""
    return job_run(ImportJob, job_id, lambda job: IMPORTERS[job.kind])
