"""Errors of catalogue imports."""

from __future__ import annotations


class CatalogueFileError(Exception):
    """The file as a whole cannot be imported (format, encoding, header); nothing was written.

    `message` is shown to the merchant as is.
    """

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class ImportJobTransitionError(Exception):
    """An import job cannot move from its current status to the one asked for."""

    def __init__(self, job_id: int, current: str, wanted: str) -> None:
        self.job_id = job_id
        self.current = current
        self.wanted = wanted
        super().__init__(f"Import job {job_id} cannot go from {current} to {wanted}.")
