"""Writes for catalogue imports: upserting a merchant's file into Oscar's catalogue, and the jobs.

``catalogue_import_run`` does the import (used by the ``import_catalogue`` command and by the
worker); ``import_job_create`` and ``import_job_run`` are the dashboard upload's two halves.

Rows are matched to the merchant's stock records by SKU (``partner_sku``, unique per partner).
Each chunk of rows is read with a handful of queries and written with bulk inserts and updates:
only rows whose values differ are written, and only the columns that differ.

- ``rows``: a file row -> the values to store (``row_clean``), with what the import reads once.
- ``writing``: one chunk compared with the database and written (``chunk_apply``).
- ``importing``: ``catalogue_import_run`` and its ``ImportResult``.
- ``jobs``: ``import_job_create``, ``import_job_run``.
"""

from catalogue_imports.services.importing import (
    CHUNK_SIZE,
    ImportResult,
    Progress,
    RowError,
    catalogue_import_run,
)
from catalogue_imports.services.jobs import import_job_create, import_job_run

__all__ = [
    "CHUNK_SIZE",
    "ImportResult",
    "Progress",
    "RowError",
    "catalogue_import_run",
    "import_job_create",
    "import_job_run",
]
