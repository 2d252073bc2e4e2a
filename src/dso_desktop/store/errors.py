"""Errors of the archive layer."""

from __future__ import annotations

import errno

from dso_desktop.errors import DsoError, ErrorKind


class StoreError(DsoError):
    """The archive cannot do what was asked (the environment's fault, shown to the user)."""

    kind = ErrorKind.STORE


class NotFound(StoreError):
    """No such account, message or tag."""

    kind = ErrorKind.STORE_NOT_FOUND


class AlreadyExists(StoreError):
    """An account or tag with that name exists already."""

    kind = ErrorKind.STORE_ALREADY_EXISTS


class StoreWriteError(StoreError):
    """The archive cannot be written at all: the disk is full, the database or its folder is
    read-only or not writable, or the disk reported an I/O error. Not a problem of one item:
    whoever writes must stop (a sync stops at once) rather than try the next item.

    ``reason``: ``disk-full``, ``read-only`` or ``io``. The message is ours and English; the
    SQL statement and the driver's text are never part of it (they go to the debug log)."""

    kind = ErrorKind.STORE_WRITE

    reason = "io"

    def __init__(self, message: str | None = None, *, reason: str | None = None) -> None:
        if reason is not None:
            self.reason = reason
        super().__init__(message or _WRITE_TEXT.get(self.reason, _WRITE_TEXT["io"]))
        if self.reason == "read-only":  # the kind's Czech sentence speaks of a disk error
            self.message_cs = ("Do archivu nelze zapisovat: databáze nebo její složka je jen "
                               "pro čtení nebo k ní chybí oprávnění. Zkontrolujte oprávnění "
                               "a zkuste to znovu.")
        elif self.reason == "permission":
            self.message_cs = ("Databáze archivu tuto změnu nedovolila: vaše role v ní na to "
                               "nemá oprávnění. Obraťte se na správce archivu.")
        elif self.reason == "connection":
            self.message_cs = ("Spojení s databází archivu se přerušilo. Nic rozpracovaného "
                               "se neuložilo napůl; zkuste to znovu.")


class DiskFullError(StoreWriteError):
    """SQLITE_FULL or ENOSPC/EDQUOT: no space left for the archive."""

    kind = ErrorKind.STORE_DISK_FULL

    reason = "disk-full"


class DamagedEvidence(StoreError, ValueError):
    """A stored copy whose bytes no longer match their SHA-256 (the archive check lists it);
    never handed out as if it were the evidence. Also a ``ValueError``, as it was before."""

    kind = ErrorKind.STORE_DAMAGED


_WRITE_TEXT = {
    "disk-full": "the archive cannot be written: the disk is full",
    "read-only": "the archive cannot be written: the database or its folder is read-only "
                 "or not writable",
    "io": "the archive cannot be written: the disk reported an I/O error",
    "permission": "the archive database refused the change: this database role has no "
                  "permission for it",
    "connection": "the connection to the archive database was lost; nothing was half-written",
}

# PostgreSQL SQLSTATEs (psycopg's ``sqlstate``) of failures of the storage, not of an item.
_PG_REASONS = {
    "42501": "permission",  # insufficient_privilege: the role may not (roles, issue 13)
    "53100": "disk-full",  # disk_full
    "25006": "read-only",  # read_only_sql_transaction (a standby, default_transaction_read_only)
    "58030": "io",  # io_error
    "57P01": "connection",  # admin_shutdown (the server stopped, the session was ended)
    "57P02": "connection",  # crash_shutdown
    "57P03": "connection",  # cannot_connect_now
}

# SQLite primary result codes (the low byte of an extended code).
_SQLITE_PERM, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN = 3, 8, 10, 13, 14
_SQLITE_REASONS = {
    _SQLITE_FULL: "disk-full",
    _SQLITE_READONLY: "read-only",
    _SQLITE_PERM: "read-only",
    _SQLITE_CANTOPEN: "read-only",
    _SQLITE_IOERR: "io",
}
_ERRNO_REASONS = {
    errno.ENOSPC: "disk-full",
    getattr(errno, "EDQUOT", errno.ENOSPC): "disk-full",
    errno.EROFS: "read-only",
    errno.EACCES: "read-only",
    errno.EPERM: "read-only",
    errno.EIO: "io",
}


# SQLite's own wording of these result codes (sqlite3_errstr), for a driver error that
# carries no result code (Python before 3.11, or one raised by hand).
_SQLITE_TEXTS = {
    "database or disk is full": "disk-full",
    "attempt to write a readonly database": "read-only",
    "unable to open database file": "read-only",
    "disk i/o error": "io",
}


def write_failure(exc: BaseException) -> StoreWriteError | None:
    """The `StoreWriteError` for an exception raised while writing the archive, or None if
    it is not a failure of the storage itself (a constraint, a bad value: one item's
    problem). Reads SQLite's result code (SQLAlchemy's wrapper or the driver's own error)
    and OSError's errno; only a driver error without a result code is recognised by
    SQLite's fixed wording of the code. Whatever it read, the error it returns has our
    own message."""
    if isinstance(exc, StoreWriteError):
        return exc
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:  # the driver's error may be wrapped
        seen.add(id(cur))
        code = getattr(cur, "sqlite_errorcode", None)
        if isinstance(code, int):
            reason = _SQLITE_REASONS.get(code & 0xFF)
            return _make(reason) if reason else None
        if type(cur).__module__.startswith("psycopg"):
            state = getattr(cur, "sqlstate", None)
            if isinstance(state, str):
                reason = _PG_REASONS.get(state)
                if reason is None and state.startswith("08"):  # connection_exception
                    reason = "connection"
                return _make(reason) if reason else None
            import psycopg

            if isinstance(cur, psycopg.OperationalError):  # the server went away: no state
                return _make("connection")
        if isinstance(cur, OSError) and cur.errno in _ERRNO_REASONS:
            return _make(_ERRNO_REASONS[cur.errno])
        if type(cur).__module__ == "sqlite3" and cur.args:
            reason = _SQLITE_TEXTS.get(str(cur.args[0]).strip().lower())
            if reason is not None:
                return _make(reason)
        orig = getattr(cur, "orig", None)  # sqlalchemy.exc.DBAPIError
        cur = orig if isinstance(orig, BaseException) else cur.__cause__
    return None


def _make(reason: str) -> StoreWriteError:
    return DiskFullError() if reason == "disk-full" else StoreWriteError(reason=reason)
