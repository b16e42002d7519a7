"""Import jobs: the dashboard upload's two halves, and their status changes."""

from __future__ import annotations

from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.uploadedfile import UploadedFile
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models.sql import UpdateQuery
from django.utils import timezone

from catalogue_imports.exceptions import CatalogueFileError, ImportJobTransitionError
from catalogue_imports.models import (
    IMPORT_JOB_TRANSITIONS,
    ImportJob,
    ImportJobEvent,
    ImportJobStatus,
)
from catalogue_imports.services.importing import ImportResult, catalogue_import_run
from marketplace.core.tasks import enqueue_on_commit
from merchants.models import Merchant


def _job_transition(
    job: ImportJob,
    *,
    to: str,
    actor: Any = None,
    message: str = "",
    **values: Any,
) -> ImportJob:
    """Move `job` to status `to` under a row lock, set `values`, append the event."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if to not in IMPORT_JOB_TRANSITIONS[locked.status]:
            raise ImportJobTransitionError(job.pk, locked.status, to)
        from_status = locked.status
        locked.status = to
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save(update_fields=["status", *values, "updated_at"])
        ImportJobEvent.objects.create(
            job=locked, from_status=from_status, to_status=to, actor=actor, message=message
        )
    return locked


def _result_values(result: ImportResult) -> dict[str, Any]:
    return {
        "rows_total": result.total,
        "rows_processed": result.processed,
        "rows_created": result.created,
        "rows_updated": result.updated,
        "rows_unchanged": result.unchanged,
        "rows_failed": result.failed,
        "errors_total": result.errors_total,
    }


class _JobProgress:
    """Saves a running job's counters so the job page can show them while the import runs.

    An all-or-nothing or dry-run import holds one transaction open to the end; counters saved
    inside it would stay invisible, so then they go through a connection of their own.
    """

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self._connection: Any = None

    def __call__(self, result: ImportResult) -> None:
        values = {**_result_values(result), "updated_at": timezone.now()}
        if not connection.in_atomic_block:
            ImportJob.objects.filter(pk=self.job_id, status=ImportJobStatus.RUNNING).update(
                **values
            )
            return
        if self._connection is None:
            self._connection = connections.create_connection(DEFAULT_DB_ALIAS)
        query = UpdateQuery(ImportJob)
        query.add_update_values(values)
        query.add_q(models.Q(pk=self.job_id, status=ImportJobStatus.RUNNING))
        sql, params = query.get_compiler(connection=self._connection).as_sql()
        with self._connection.cursor() as cursor:
            cursor.execute(sql, params)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


def import_job_create(
    *,
    merchant: Merchant,
    file: UploadedFile,
    all_or_nothing: bool = False,
    dry_run: bool = False,
    created_by: Any = None,
) -> ImportJob:
    """Store the uploaded file privately, create a queued job for it, and queue its task.

    The task is queued when the surrounding transaction commits (nothing is queued if it rolls
    back). The caller has checked the file (format, size); the import checks its contents.
    """
    from catalogue_imports.tasks import import_job_run_task

    with transaction.atomic():
        job = ImportJob(
            merchant=merchant,
            original_filename=file.name[:255],
            all_or_nothing=all_or_nothing,
            dry_run=dry_run,
            created_by=created_by,
        )
        job.file.save(file.name, file, save=False)
        job.save()
        ImportJobEvent.objects.create(
            job=job, from_status="", to_status=ImportJobStatus.QUEUED, actor=created_by
        )
        enqueue_on_commit(import_job_run_task, job.pk)
    return job


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued import job: import its file and record the counts, errors and outcome.

    Returns at once (None, or the job unchanged) if the job does not exist or is already
    finished, so a duplicate delivery does nothing; a job left running by a lost worker is run
    again from the start (the import is idempotent). Counters are saved after every chunk.
    Ends SUCCEEDED when the file was processed (bad rows are counted in `rows_failed`), FAILED
    when the file was refused as a whole, rejected by all-or-nothing, or the run crashed; the
    exception of a crash is re-raised after the job is marked failed.
    """
    job = ImportJob.objects.select_related("merchant").filter(pk=job_id).first()
    if job is None or job.is_done:
        return job
    restarted = job.status == ImportJobStatus.RUNNING
    job = _job_transition(
        job,
        to=ImportJobStatus.RUNNING,
        message="Restarted: the previous worker stopped before finishing." if restarted else "",
        started_at=timezone.now(),
        **_result_values(ImportResult()),
        errors=[],
    )
    progress = _JobProgress(job.pk)
    try:
        with job.file.open("rb") as file:
            result = catalogue_import_run(
                file=file,
                filename=job.original_filename,
                merchant=job.merchant,
                all_or_nothing=job.all_or_nothing,
                dry_run=job.dry_run,
                progress=progress,
            )
    except CatalogueFileError as exc:
        return _job_transition(
            job,
            to=ImportJobStatus.FAILED,
            message=exc.message,
            failure_reason=exc.message,
            finished_at=timezone.now(),
        )
    except SoftTimeLimitExceeded:
        _job_transition(
            job,
            to=ImportJobStatus.FAILED,
            message="time limit",
            failure_reason=(
                "The import took too long and was stopped. Rows processed so far are saved; "
                "split the file and import the parts (rows already imported stay unchanged)."
            ),
            finished_at=timezone.now(),
        )
        raise
    except Exception as exc:
        _job_transition(
            job,
            to=ImportJobStatus.FAILED,
            message=f"{type(exc).__name__}: {exc}",
            failure_reason="The import stopped because of an internal error; it has been logged.",
            finished_at=timezone.now(),
        )
        raise
    finally:
        progress.close()

    values = {
        **_result_values(result),
        "errors": [error.as_dict() for error in result.errors],
        "finished_at": timezone.now(),
    }
    if result.rejected:
        reason = (
            f"{result.failed} of {result.total} rows have errors. “All or nothing” was chosen, "
            "so nothing was imported: correct the rows below and upload the file again."
        )
        return _job_transition(
            job, to=ImportJobStatus.FAILED, message=reason, failure_reason=reason, **values
        )
    return _job_transition(job, to=ImportJobStatus.SUCCEEDED, **values)
