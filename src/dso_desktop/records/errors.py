"""Errors of the records hand-over (batch, confirmation, REST service)."""

from __future__ import annotations

from dso_desktop.errors import DsoError, ErrorKind


class RecordsError(DsoError):
    """The hand-over cannot be done as asked (bad input, nothing to hand over)."""

    kind = ErrorKind.RECORDS


class ConfirmationError(RecordsError):
    """A transfer confirmation (PrenosPotvrzeni) that cannot be applied: malformed, of an
    unknown batch, or contradicting itself. Nothing was changed."""

    kind = ErrorKind.RECORDS_CONFIRMATION


class RestServiceError(RecordsError):
    """The records-management REST service failed or refused the request."""

    kind = ErrorKind.RECORDS_REST

    def __init__(self, message: str, *, code: str | None = None,
                 description: str | None = None) -> None:
        super().__init__(message)
        self.code = code  # the service's error code (ALREADY_PRESENT, LIMIT_EXCEEDED, ...)
        self.description = description
