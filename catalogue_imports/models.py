"""Catalogue imports: a merchant's CSV or XLSX file upserted into Oscar's catalogue, as a job.

An ``ImportJob`` is created when merchant staff upload a file on the dashboard; a Celery task
runs it (``catalogue_imports.services.import_job_run``) and keeps its counters current so the
job page can show progress. The uploaded file stays in private storage (never served by URL).
Only services change ``status``, along ``IMPORT_JOB_TRANSITIONS``; every change appends an
``ImportJobEvent``.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from catalogue_imports.storage import private_storage

#: How many row errors a job stores; `errors_total` keeps the full count.
MAX_STORED_ERRORS = 1000


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


#: Allowed status changes. RUNNING -> RUNNING is a restart: a worker lost mid-import leaves the
#: job running and Celery delivers the task again (acks late); importing is idempotent, so the
#: new run starts over. SUCCEEDED (the file was processed, bad rows counted in `rows_failed`)
#: and FAILED (the file was refused as a whole or the run crashed) are final.
IMPORT_JOB_TRANSITIONS: dict[str, frozenset[str]] = {
    ImportJobStatus.QUEUED: frozenset({ImportJobStatus.RUNNING, ImportJobStatus.FAILED}),
    ImportJobStatus.RUNNING: frozenset(
        {ImportJobStatus.RUNNING, ImportJobStatus.SUCCEEDED, ImportJobStatus.FAILED}
    ),
    ImportJobStatus.SUCCEEDED: frozenset(),
    ImportJobStatus.FAILED: frozenset(),
}

FINAL_STATUSES = frozenset({ImportJobStatus.SUCCEEDED, ImportJobStatus.FAILED})


def import_file_path(job: ImportJob, filename: str) -> str:
    """A random name under the merchant's folder; the merchant's own name is kept on the job."""
    suffix = PurePath(filename).suffix.lower()
    return f"catalogue_imports/{job.merchant.slug}/{uuid.uuid4().hex}{suffix}"


class ImportJob(models.Model):
    Status = ImportJobStatus

    merchant = models.ForeignKey(
        "merchants.Merchant",
        on_delete=models.PROTECT,
        related_name="catalogue_imports",
        verbose_name=_("Merchant"),
    )
    file = models.FileField(
        _("File"), upload_to=import_file_path, storage=private_storage, max_length=255
    )
    original_filename = models.CharField(_("Original file name"), max_length=255)
    all_or_nothing = models.BooleanField(
        _("All or nothing"),
        default=False,
        help_text=_("Reject the whole file if any row is bad."),
    )
    dry_run = models.BooleanField(
        _("Dry run"), default=False, help_text=_("Check the file and count; write nothing.")
    )
    status = models.CharField(
        _("Status"), max_length=16, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    failure_reason = models.TextField(_("Failure reason"), blank=True)

    rows_total = models.PositiveIntegerField(_("Rows in the file"), null=True, blank=True)
    rows_processed = models.PositiveIntegerField(_("Rows processed"), default=0)
    rows_created = models.PositiveIntegerField(_("Rows created"), default=0)
    rows_updated = models.PositiveIntegerField(_("Rows updated"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("Rows unchanged"), default=0)
    rows_failed = models.PositiveIntegerField(_("Rows failed"), default=0)
    # [{"row": 4, "column": "price", "message": "..."}], the first MAX_STORED_ERRORS of them.
    errors = models.JSONField(_("Errors"), default=list, blank=True)
    errors_total = models.PositiveIntegerField(_("Errors in total"), default=0)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Uploaded by"),
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("Started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("Finished at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = _("Catalogue import")
        verbose_name_plural = _("Catalogue imports")
        indexes = [models.Index(fields=("merchant", "-created_at"), name="catimport_merchant_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportJobStatus.values),
                name="catalogue_imports_importjob_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    rows_processed=F("rows_created")
                    + F("rows_updated")
                    + F("rows_unchanged")
                    + F("rows_failed")
                ),
                name="catalogue_imports_importjob_counts_add_up",
            ),
            models.CheckConstraint(
                condition=Q(rows_total__isnull=True) | Q(rows_processed__lte=F("rows_total")),
                name="catalogue_imports_importjob_processed_within_total",
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | Q(status__in=sorted(FINAL_STATUSES)),
                name="catalogue_imports_importjob_finished_only_when_final",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id}: {self.original_filename} ({self.status})"

    @property
    def is_done(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def percent(self) -> int:
        if self.is_done:
            return 100
        if not self.rows_total:
            return 0
        return min(100, self.rows_processed * 100 // self.rows_total)


class ImportJobEvent(models.Model):
    """One status change of an import job: from, to, when, who (None for the worker), why."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(
        _("From"), max_length=16, choices=ImportJobStatus.choices, blank=True
    )
    to_status = models.CharField(_("To"), max_length=16, choices=ImportJobStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    message = models.TextField(_("Message"), blank=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        ordering = ("created_at", "pk")
        verbose_name = _("Catalogue import event")
        verbose_name_plural = _("Catalogue import events")

    def __str__(self) -> str:
        return f"{self.job_id}: {self.from_status or '-'} -> {self.to_status}"
