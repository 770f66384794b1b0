"""Progress jobs: an upload stored on a job row, imported in the background (Huey), its progress written while
rows are checked, and the outcome kept for the page that polls it.

A job model has ``status`` (the ``JobStatus`` values), ``file``, ``dry_run``, ``keep_good_rows``,
``created_by``, ``processed_rows``, ``total_rows``, ``summary``, ``errors``, ``changes``, ``message`` and
``finished_at``. An importer is ``importer(data, *, actor, dry_run, keep_good_rows, progress) -> ImportResult``
and raises ``FileRefused`` for a file it cannot read."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from envgrid.core.spreadsheets.readers import Progress
from envgrid.core.spreadsheets.rows import MAX_ERRORS, FileRefused, ImportResult

log = logging.getLogger(__name__)


class JobStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Waiting")
    READING = "reading", gettext_lazy("Checking rows")
    WRITING = "writing", gettext_lazy("Writing")
    DONE = "done", gettext_lazy("Done")
    REFUSED = "refused", gettext_lazy("Refused")
    FAILED = "failed", gettext_lazy("Failed")


FINISHED_JOB_STATUSES = (JobStatus.DONE, JobStatus.REFUSED, JobStatus.FAILED)


def job_progress(job: models.Model) -> Progress:
    """A progress callback that records how many rows of ``job`` are checked (then: writing)."""
    model = type(job)

    def report(done: int, total: int) -> None:
        fields = {"processed_rows": done, "total_rows": max(total, done)}
        if done >= total and not job.dry_run:
            fields["status"] = JobStatus.WRITING  # every row checked; the write follows
        model.objects.filter(pk=job.pk).update(**fields)

    return report


def job_run(model: type[models.Model], job_id: int, importer_for: Callable[[models.Model], Callable]):
    """Run a queued job once (a repeated call on a started job does nothing); the job always ends, as done,
    refused (unreadable file, or rows with errors and all-or-nothing) or failed."""
    started = model.objects.filter(pk=job_id, status=JobStatus.PENDING).update(status=JobStatus.READING)
    job = model.objects.select_related("created_by").filter(pk=job_id).first()
    if not started or job is None:
        return job
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
        result = importer_for(job)(
            data,
            actor=job.created_by,
            dry_run=job.dry_run,
            keep_good_rows=job.keep_good_rows,
            progress=job_progress(job),
        )
    except FileRefused as exc:
        _finish(job, JobStatus.REFUSED, errors=exc.as_dicts(), message=exc.errors[0].message)
    except Exception as exc:  # a job must always end; the log keeps the traceback
        log.exception("import job %s failed", job.pk)
        _finish(job, JobStatus.FAILED, message=str(exc)[:500])
    else:
        _finish_with(job, result)
    return model.objects.get(pk=job.pk)


def _finish_with(job: models.Model, result: ImportResult) -> None:
    refused = bool(result.errors) and not result.dry_run and not job.keep_good_rows
    _finish(
        job,
        JobStatus.REFUSED if refused else JobStatus.DONE,
        summary=result.summary(),
        errors=[e.as_dict() for e in result.errors[:MAX_ERRORS]],
        changes=result.changes,
        total=result.total_rows,
        message=_("The file has errors; nothing was imported.") if refused else "",
    )


def _finish(job, status: str, *, summary=None, errors=None, changes=None, total=None, message="") -> None:
    assert status in FINISHED_JOB_STATUSES
    fields = {"status": status, "finished_at": timezone.now(), "message": message}
    if summary is not None:
        fields["summary"] = summary
    if errors is not None:
        fields["errors"] = errors
    if changes is not None:
        fields["changes"] = changes
    if total is not None:
        fields["total_rows"] = fields["processed_rows"] = total
    type(job).objects.filter(pk=job.pk).update(**fields)
