"""Background work of catalogue imports."""

from __future__ import annotations

from celery import shared_task

from catalogue_imports.services import import_job_run

# A 20 MB file is around 100,000 rows: minutes, beyond the default task limits.
IMPORT_SOFT_TIME_LIMIT = 30 * 60
IMPORT_TIME_LIMIT = IMPORT_SOFT_TIME_LIMIT + 60


@shared_task(
    name="catalogue_imports.import_job_run",
    ignore_result=True,
    soft_time_limit=IMPORT_SOFT_TIME_LIMIT,
    time_limit=IMPORT_TIME_LIMIT,
)
def import_job_run_task(job_id: int) -> None:
    """Run catalogue import job `job_id` (see `services.import_job_run`).

    Re-fetches the job and returns early if it is missing or finished, so a duplicate delivery
    does nothing. Not retried: a bad file or bad rows are recorded on the job, and a crash marks
    it failed (the merchant uploads again; importing is idempotent).
    """
    import_job_run(job_id=job_id)
