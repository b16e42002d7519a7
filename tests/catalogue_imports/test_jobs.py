"""Import jobs: creating one queues its task on commit; running one records the outcome."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from oscar.core.loading import get_model

from catalogue_imports.models import ImportJob, ImportJobStatus
from catalogue_imports.services import import_job_create, import_job_run, importing
from catalogue_imports.tasks import import_job_run_task
from tests.catalogue_imports.files import HEADER, catalogue_csv, catalogue_row
from tests.merchants.factories import UserFactory

StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db


def _job(merchant, data: bytes, django_capture_on_commit_callbacks, **options) -> ImportJob:
    with django_capture_on_commit_callbacks(execute=False):
        return import_job_create(
            merchant=merchant,
            file=SimpleUploadedFile("catalogue.csv", data, content_type="text/csv"),
            created_by=UserFactory(),
            **options,
        )


def _events(job: ImportJob) -> list[tuple[str, str]]:
    return list(job.events.order_by("pk").values_list("from_status", "to_status"))


def test_creating_a_job_stores_the_file_privately_and_queues_the_task_on_commit(
    merchant, django_capture_on_commit_callbacks, settings, monkeypatch
):
    queued = []
    monkeypatch.setattr(
        import_job_run_task,
        "apply_async",
        lambda args, kwargs, **options: queued.append(tuple(args)),
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = import_job_create(
            merchant=merchant,
            file=SimpleUploadedFile("My catalogue.csv", catalogue_csv([catalogue_row()])),
        )

    assert len(callbacks) == 1
    assert queued == [(job.pk,)]
    assert job.status == ImportJobStatus.QUEUED
    assert job.original_filename == "My catalogue.csv"
    stored = Path(job.file.path)
    assert stored.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT))
    assert stored.read_bytes() == catalogue_csv([catalogue_row()])
    with pytest.raises(ValueError, match="not accessible via a URL"):
        job.file.url  # noqa: B018
    assert _events(job) == [("", "queued")]


def test_running_a_job_imports_the_file_and_records_counts_and_errors(
    merchant, django_capture_on_commit_callbacks
):
    rows = [catalogue_row("A"), catalogue_row("B", stock="-1"), catalogue_row("C")]
    job = _job(merchant, catalogue_csv(rows), django_capture_on_commit_callbacks)

    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportJobStatus.SUCCEEDED
    assert (
        job.rows_total,
        job.rows_processed,
        job.rows_created,
        job.rows_updated,
        job.rows_unchanged,
        job.rows_failed,
    ) == (3, 3, 2, 0, 0, 1)
    assert job.errors == [
        {"row": 3, "column": "stock", "message": "Stock must be 0 or more, not -1."}
    ]
    assert job.errors_total == 1
    assert job.started_at is not None and job.finished_at is not None
    assert _events(job) == [("", "queued"), ("queued", "running"), ("running", "succeeded")]
    assert sorted(StockRecord.objects.values_list("partner_sku", flat=True)) == ["A", "C"]


def test_a_finished_job_is_not_run_again(merchant, django_capture_on_commit_callbacks):
    job = _job(merchant, catalogue_csv([catalogue_row("A")]), django_capture_on_commit_callbacks)
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    StockRecord.objects.all().delete()

    import_job_run_task(job.pk)

    again = ImportJob.objects.get(pk=job.pk)
    assert (again.status, again.updated_at, again.rows_created) == (
        ImportJobStatus.SUCCEEDED,
        job.updated_at,
        1,
    )
    assert not StockRecord.objects.exists()
    assert import_job_run(job_id=0) is None


def test_a_job_left_running_by_a_lost_worker_starts_over(
    merchant, django_capture_on_commit_callbacks
):
    job = _job(merchant, catalogue_csv([catalogue_row("A")]), django_capture_on_commit_callbacks)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING)

    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.rows_created) == (ImportJobStatus.SUCCEEDED, 1)
    assert _events(job)[-2:] == [("running", "running"), ("running", "succeeded")]


def test_a_file_level_error_fails_the_job_with_the_reason(
    merchant, django_capture_on_commit_callbacks
):
    data = catalogue_csv([catalogue_row("A")], header=[c for c in HEADER if c != "hs_code"])
    job = _job(merchant, data, django_capture_on_commit_callbacks)

    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED
    assert job.failure_reason.startswith("The header row (row 1) has missing columns: hs_code.")
    assert not StockRecord.objects.exists()


def test_an_all_or_nothing_job_with_a_bad_row_fails_and_writes_nothing(
    merchant, django_capture_on_commit_callbacks
):
    rows = [catalogue_row("A"), catalogue_row("B", price="")]
    job = _job(
        merchant, catalogue_csv(rows), django_capture_on_commit_callbacks, all_or_nothing=True
    )

    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED
    assert job.failure_reason.startswith("1 of 2 rows have errors.")
    assert job.errors == [{"row": 3, "column": "price", "message": "This column needs a value."}]
    assert not StockRecord.objects.exists()


def test_stored_errors_are_capped_and_the_total_kept(
    merchant, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(importing, "MAX_STORED_ERRORS", 2)
    rows = [catalogue_row(f"S{i}", stock="x") for i in range(3)]
    job = _job(merchant, catalogue_csv(rows), django_capture_on_commit_callbacks)

    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert [error["row"] for error in job.errors] == [2, 3]
    assert job.errors_total == 3


@pytest.mark.django_db(transaction=True)
def test_progress_saved_inside_an_import_transaction_is_visible_at_once(merchant):
    """All-or-nothing and dry runs hold one transaction to the end; their progress must not."""
    from django.db import transaction

    from catalogue_imports.services.importing import ImportResult
    from catalogue_imports.services.jobs import _JobProgress

    job = ImportJob.objects.create(
        merchant=merchant,
        file="x.csv",
        original_filename="x.csv",
        status=ImportJobStatus.RUNNING,
    )
    progress = _JobProgress(job.pk)
    try:
        with transaction.atomic():
            progress(ImportResult(total=10, processed=4, created=3, failed=1))
            transaction.set_rollback(True)  # the import's own writes are rolled back
    finally:
        progress.close()

    job.refresh_from_db()
    assert (job.rows_total, job.rows_processed, job.rows_created, job.rows_failed) == (10, 4, 3, 1)
