"""Turn exceptions from the services into plain words for the user, keeping the ISDS code."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QWidget

log = logging.getLogger(__name__)


translate = QCoreApplication.translate


def _names(exc: BaseException) -> list[str]:
    return [cls.__name__ for cls in type(exc).__mro__]


def _at(when: Any) -> str:
    """A "try again after" time: HH:MM today, with the date on another day (local time)."""
    local = when.astimezone() if getattr(when, "tzinfo", None) else when
    if local.date() == datetime.now(local.tzinfo).date():
        return str(local.strftime("%H:%M"))
    return str(local.strftime("%d.%m.%Y %H:%M"))


def _retry_later_text(exc: BaseException) -> str:
    """SyncRetryLater: why the account stopped and when to try again."""
    reason = getattr(exc, "reason", "")
    if reason == "throttled":
        text = translate("Errors", "ISDS limits the number of requests; try again after %1.")
    elif reason == "maintenance":
        text = translate("Errors", "ISDS is under maintenance; try again after %1.")
    else:
        text = translate("Errors", "ISDS did not answer in time; try again after %1.")
    return text.replace("%1", _at(getattr(exc, "retry_at", datetime.now(UTC))))


def _store_write_text(exc: BaseException) -> str:
    """StoreWriteError / SyncStoreFailed: the archive cannot be written (never SQL text)."""
    reason = getattr(exc, "reason", "")
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
    if "SyncStoreFailed" in _names(exc):
        text = translate("Errors", "Synchronization stopped; nothing more was downloaded.") \
            + " " + text
    return text


def describe(exc: BaseException) -> tuple[str, str]:
    """(plain sentence, technical detail incl. the ISDS code) for an exception."""
    names = _names(exc)
    special = None
    if "SyncRetryLater" in names:
        special = _retry_later_text(exc)
    elif "SyncStoreFailed" in names or "StoreWriteError" in names:
        special = _store_write_text(exc)
    if special is not None:
        # Our own words only: the English text of the error stays in the log.
        parts = []
        code = getattr(exc, "code", None)
        if code:
            parts.append(translate("Errors", "ISDS code: %1").replace("%1", str(code)))
        op = getattr(exc, "operation", None)
        if op:
            parts.append(translate("Errors", "Operation: %1").replace("%1", str(op)))
        return special, "\n".join(parts)
    texts = [
        ("WrongCredentials", translate("Errors", "The user name or password is wrong.")),
        (
            "PasswordExpired",
            translate("Errors", "The password has expired. Change it in the ISDS web portal."),
        ),
        (
            "IntruderLockout",
            translate("Errors", "Logging in is blocked for a while after failed attempts."),
        ),
        ("BadRole", translate("Errors", "This user may not use this function of the data box.")),
        ("OtpNotSent", translate("Errors", "The SMS code could not be sent.")),
        (
            "MobileKeyExpired",
            translate("Errors", "The Mobile key request expired without approval."),
        ),
        ("LoginCancelled", translate("Errors", "Logging in was cancelled.")),
        ("LoginError", translate("Errors", "Logging in to the data box failed.")),
        (
            "ThrottledError",
            translate("Errors", "ISDS limits the number of requests now; try again later."),
        ),
        ("MaintenanceError", translate("Errors", "ISDS is under maintenance; try again later.")),
        ("TlsError", translate("Errors", "The secure connection could not be verified.")),
        (
            "ConnectionFailed",
            translate("Errors", "The data-box system cannot be reached. Check the connection."),
        ),
        ("TimeoutError_", translate("Errors", "The data-box system did not answer in time.")),
        ("TransportError", translate("Errors", "Communication with the data-box system failed.")),
        ("StatusError", translate("Errors", "ISDS refused the request.")),
        (
            "ProtocolError",
            translate("Errors", "ISDS sent an answer the application does not understand."),
        ),
        ("ZfoError", translate("Errors", "The file is not a valid signed data message (ZFO).")),
        (
            "SecretStoreError",
            translate("Errors", "The system password store (keyring) is not available."),
        ),
        ("IsdsError", translate("Errors", "The data-box system reported an error.")),
        (
            "PermissionError",
            translate("Errors", "The file or folder cannot be written (no permission)."),
        ),
        ("FileNotFoundError", translate("Errors", "The file does not exist.")),
        ("OSError", translate("Errors", "A file operation failed.")),
    ]
    plain = translate("Errors", "An unexpected error occurred.")
    if any(n in names for n in ("SendError", "AccountError")):
        # These services word their messages for the user already (Czech).
        texts = [(names[0], str(exc))]
    if "TrustAnchorError" in names:
        texts = [(names[0], str(getattr(exc, "message_cs", exc)))]
    for name, text in texts:
        if name in names:
            plain = text
            break
    detail_parts = []
    code = getattr(exc, "code", None)
    if code:
        detail_parts.append(translate("Errors", "ISDS code: %1").replace("%1", str(code)))
    server = getattr(exc, "server_message", None)
    if server:
        detail_parts.append(str(server))
    op = getattr(exc, "operation", None)
    if op:
        detail_parts.append(translate("Errors", "Operation: %1").replace("%1", str(op)))
    message = str(exc)
    if message and message not in detail_parts:
        detail_parts.append(message)
    return plain, "\n".join(detail_parts)


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
