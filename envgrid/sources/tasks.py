"""Background jobs of the sources app: thin callers of the services."""

from huey.contrib.djhuey import db_task

from envgrid.sources.imports.jobs import import_job_run


@db_task()
def run_import_job(job_id: int):
    """Check (and, unless it is a dry run, write) one uploaded Excel import; safe to run twice."""
    job = import_job_run(job_id)
    return job.status if job else None
