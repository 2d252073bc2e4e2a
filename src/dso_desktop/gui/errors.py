"""Turn exceptions from the services into plain words for the user, keeping the ISDS code."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from dso_desktop.errors import DsoError
from dso_desktop.gui import i18n

if TYPE_CHECKING:
    from dso_desktop.store.errors import StoreWriteError
    from dso_desktop.sync.events import SyncRetryLater, SyncStoreFailed

log = logging.getLogger(__name__)


translate = QCoreApplication.translate


def _at(when: Any) -> str:
    """A "try again after" time: HH:MM today, with the date on another day (local time)."""
    local = when.astimezone() if getattr(when, "tzinfo", None) else when
    if local.date() == datetime.now(local.tzinfo).date():
        return str(local.strftime("%H:%M"))
    return str(local.strftime("%d.%m.%Y %H:%M"))


def _retry_later_text(exc: SyncRetryLater) -> str:
    """SyncRetryLater: why the account stopped and when to try again."""
    reason = exc.reason
    if reason == "throttled":
        text = translate("Errors", "ISDS limits the number of requests; try again after %1.")
    elif reason == "maintenance":
        text = translate("Errors", "ISDS is under maintenance; try again after %1.")
    else:
        text = translate("Errors", "ISDS did not answer in time; try again after %1.")
    return text.replace("%1", _at(exc.retry_at or datetime.now(UTC)))


def _store_write_text(exc: StoreWriteError | SyncStoreFailed) -> str:
    """StoreWriteError / SyncStoreFailed: the archive cannot be written (never SQL text)."""
    from dso_desktop.sync.events import SyncStoreFailed
    reason = exc.reason
    if reason == "disk-full":
        text = translate("Errors", "The disk is full: the archive cannot be written. Free "
                                   "some disk space and try again.")
    elif reason == "read-only":
        text = translate("Errors", "The archive cannot be written: the database or its "
                                   "folder is read-only or not writable. Check the "
                                   "permissions and try again.")
    else:
        text = translate("Errors", "Writing to the archive failed (a disk error). Check the "
                                   "disk and try again.")
    if isinstance(exc, SyncStoreFailed):
        text = translate("Errors", "Synchronization stopped; nothing more was downloaded.") \
            + " " + text
    return text


def describe(exc: BaseException) -> tuple[str, str]:
    """(plain sentence, technical detail incl. the ISDS code) for an exception.

    A `DsoError` brings its own sentence (``message_cs`` in Czech, the kind's English
    sentence otherwise); errors are matched by type, never by class name."""
    # Imported here, not at the top: the window modules load without the store, the sync
    # or the ISDS client (lazy start-up); an exception of theirs means they are loaded.
    from dso_desktop.isds.errors import IsdsError
    from dso_desktop.store.errors import StoreWriteError
    from dso_desktop.sync.events import SyncRetryLater, SyncStoreFailed

    special = None
    if isinstance(exc, SyncRetryLater):
        special = _retry_later_text(exc)
    elif isinstance(exc, SyncStoreFailed | StoreWriteError):
        special = _store_write_text(exc)
    if special is not None:
        # Our own words only: the English text of the error stays in the log.
        parts = []
        if isinstance(exc, SyncRetryLater) and exc.code:
            parts.append(translate("Errors", "ISDS code: %1").replace("%1", exc.code))
        if isinstance(exc, SyncRetryLater) and exc.operation:
            parts.append(translate("Errors", "Operation: %1").replace("%1", exc.operation))
        return special, "\n".join(parts)
    if isinstance(exc, DsoError):
        plain = exc.text(i18n.current())
    elif isinstance(exc, PermissionError):
        plain = translate("Errors", "The file or folder cannot be written (no permission).")
    elif isinstance(exc, FileNotFoundError):
        plain = translate("Errors", "The file does not exist.")
    elif isinstance(exc, OSError):
        plain = translate("Errors", "A file operation failed.")
    else:  # a bug: the traceback is in the log (taskman), the user gets a plain sentence
        plain = translate("Errors", "An unexpected error occurred.")
    detail_parts = []
    if isinstance(exc, IsdsError):  # the ISDS code, the server's own text, the operation
        if exc.code:
            detail_parts.append(code_text(exc))
        if exc.server_message:
            detail_parts.append(exc.server_message)
        if exc.operation:
            detail_parts.append(translate("Errors", "Operation: %1").replace("%1",
                                                                            exc.operation))
    if isinstance(exc, DsoError):  # the file, account or address, in the user's language
        where = exc.detail_text(i18n.current(), ("file", "account", "tag", "url"))
        if where:
            detail_parts.append(where)
    elif isinstance(exc, OSError) and exc.filename is not None:
        detail_parts.append(str(exc.filename))
    # In Czech the exception's own English text stays in the log (show_error logs it):
    # the details a clerk sees are ISDS's code, ISDS's own (Czech) text and the operation.
    message = str(exc)
    if i18n.current() == "en" and message and message not in detail_parts:
        detail_parts.append(message)
    return plain, "\n".join(detail_parts)


def http_status(exc: BaseException) -> int | None:
    """The HTTP status behind an ISDS error whose ``code`` is one (401/403 wrong
    credentials, 503 maintenance, any unexpected status), else None."""
    from dso_desktop.isds.errors import HttpError, MaintenanceError, WrongCredentials

    if isinstance(exc, HttpError):
        return exc.status
    code = getattr(exc, "code", None)
    if isinstance(exc, WrongCredentials | MaintenanceError) and code in ("401", "403", "503"):
        return int(code)
    return None


def code_text(exc: BaseException) -> str:
    """"ISDS code: 1234", or "HTTP status 401" for a code that is an HTTP status (ISDS
    codes are four digits or texts; 401 is the web server's answer, not an ISDS code)."""
    status = http_status(exc)
    if status is not None:
        return translate("Errors", "HTTP status: %1").replace("%1", str(status))
    return translate("Errors", "ISDS code: %1").replace("%1", str(getattr(exc, "code", "")))


def code_suffix(exc: BaseException) -> str:
    """" (kód ISDS 1234)" / " (HTTP 401)" after a one-line error, "" without a code."""
    if not getattr(exc, "code", None):
        return ""
    status = http_status(exc)
    if status is not None:
        return translate("Errors", " (HTTP %1)").replace("%1", str(status))
    return translate("Errors", " (ISDS code %1)").replace("%1", str(exc.code))  # type: ignore[attr-defined]


def show_error(parent: QWidget | None, exc: BaseException, title: str | None = None) -> Any:
    plain, detail = describe(exc)
    log.warning("shown to user: %s (%s): %s", type(exc).__name__, getattr(exc, "code", None), exc)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title or translate("Errors", "Error"))
    box.setText(plain)
    if detail:
        box.setInformativeText(detail)
    box.setAccessibleName(plain)
    box.open()
    return box
