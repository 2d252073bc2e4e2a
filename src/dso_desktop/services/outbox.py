"""Exactly-once sending: the durable outbox and its reconciliation with the sent list.

Every message is recorded (and the record committed, SQLite ``synchronous=FULL``) before the
request that could create it in ISDS. A crash, a lost answer or a kill at any moment leaves a
record whose state says how far it got:

- ``prepared``: no creating request had started, so the message was certainly not sent;
- ``submitting`` / ``unknown``: CreateMessage (or CreateBigMessage) may have reached ISDS.

Before anything else is sent from the account, such records are reconciled: the account's
sent list is read completely (GetListOfSentMessages from shortly before the record was
created), candidates are matched on recipient, subject and attachment size, and a candidate
is confirmed only by its signed copy (SignedSentMessageDownload: the envelope and every
attachment's SHA-256). Confirmed → ``sent`` with its dmID (and archived through the normal
ingest path). Read completely and not there → ``failed`` (not sent; sending it again is the
user's explicit decision). Anything that prevents a complete answer keeps it ``unknown``:
such a message is never sent again blindly.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dso_desktop.domain import Direction, VerdictKind
from dso_desktop.errors import DsoError, ErrorKind
from dso_desktop.store.db import Database
from dso_desktop.store.outbox import (
    DISCARDED,
    FAILED,
    OPEN_STATES,
    PREPARED,
    SENT,
    UNKNOWN,
    OutboxAttachment,
    OutboxRecord,
    OutboxRepo,
)
from dso_desktop.store.timeutil import utcnow

log = logging.getLogger(__name__)

# The sent list is read from this long before the record was created: the PC's clock and
# ISDS's may disagree a little.
RECONCILE_MARGIN = timedelta(minutes=15)
LIST_PAGE = 1000
WRONG_SERVICE = "1281"  # a big message asked for through the normal service or vice versa


class OutboxError(DsoError):
    """An outbox action that cannot be done (the text says why, in English)."""

    kind = ErrorKind.OUTBOX


class OutboxBusy(OutboxError):
    """Another send or reconciliation of this account is running."""

    kind = ErrorKind.OUTBOX_BUSY


class _Releaser:
    def __init__(self, lock: Any) -> None:
        self._lock = lock

    def close(self) -> None:
        self._lock.release()


class _Both:
    def __init__(self, local: Any, office: Any) -> None:
        self._locks = (office, local)

    def release(self) -> None:
        for lock in self._locks:
            lock.release()


@dataclass(frozen=True)
class ReconcileResult:
    """What one reconciliation found for one record."""

    record: OutboxRecord
    before: str  # the state it had
    note: str  # English, one line

    def to_json(self) -> dict[str, Any]:
        return {"before": self.before, "note": self.note, **self.record.to_json()}

    def text(self, lang: str = "cs") -> str:
        """One sentence for the user about what reconciliation found (GUI: Czech first)."""
        r = self.record
        if lang == "en":
            if r.state == SENT:
                return (f"The interrupted send of '{r.subject}' to {r.recipient} did go out "
                        f"(message {r.dm_id}); it is in the sent messages.")
            if r.state == FAILED:
                return (f"The interrupted send of '{r.subject}' to {r.recipient} did not go "
                        "out; you may send it again.")
            return (f"It is still not known whether '{r.subject}' to {r.recipient} went out.")
        if r.state == SENT:
            return (f"Přerušené odeslání zprávy „{r.subject}“ pro {r.recipient} proběhlo "
                    f"(zpráva {r.dm_id}); zpráva je mezi odeslanými.")
        if r.state == FAILED:
            return (f"Přerušená zpráva „{r.subject}“ pro {r.recipient} neodešla; můžete ji "
                    "odeslat znovu.")
        return f"Stále není jisté, zda zpráva „{r.subject}“ pro {r.recipient} odešla."


def sha256_file(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


def fingerprint(account: str, recipient: str, subject: str, refs: Sequence[str | None],
                options: dict[str, Any], attachments: Sequence[OutboxAttachment]) -> str:
    """What "the same message" means: every envelope field and every attachment's bytes."""
    canon = json.dumps({
        "account": account, "recipient": recipient, "subject": subject, "refs": list(refs),
        "options": options, "files": [[a.name, a.size, a.sha256] for a in attachments],
    }, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def _same(a: str | None, b: str | None) -> bool:
    return (a or "").strip() == (b or "").strip()


def _size_plausible(size_kb: int | None, attachments: Sequence[OutboxAttachment]) -> bool:
    """dmAttachmentSize is ISDS's rounded kB figure (of the base64 form, as far as known):
    a coarse filter only; the signed copy decides."""
    if size_kb is None:
        return True
    raw = sum(a.size for a in attachments)
    b64 = sum((a.size + 2) // 3 * 4 for a in attachments)
    return raw / 1024 * 0.5 - 2 <= size_kb <= b64 / 1024 * 1.5 + 2


class _Unconfirmed(Exception):
    """A candidate's signed copy could not be obtained or checked (not a mismatch)."""


class OutboxService:
    """Records sends and reconciles the unsettled ones. Blocking; call from worker threads."""

    def __init__(self, db: Database, accounts: Any, trust: Callable[..., Any], *,
                 settle: float = 20.0, sleep: Callable[[float], None] = time.sleep,
                 lock_dir: Path | None = None) -> None:
        self._db = db
        self._lock_dir = lock_dir
        self._accounts = accounts
        self._trust = trust
        # ISDS may still be committing a request that reached it when the client died or
        # gave up; "not in the sent list" is believed only once this many seconds passed
        # since the request was started.
        self.settle = settle
        self._sleep = sleep

    # -- reading ----------------------------------------------------------------------------
    def records(self, account: str | None = None, *, open_only: bool = False,
             limit: int | None = None) -> list[OutboxRecord]:
        with self._db.read() as s:
            return OutboxRepo(s).list(account, states=OPEN_STATES if open_only else None,
                                      limit=limit)

    def get(self, record_id: int) -> OutboxRecord:
        with self._db.read() as s:
            return OutboxRepo(s).get(record_id)

    def open_accounts(self) -> list[str]:
        return sorted({r.account for r in self.records(open_only=True)})

    # -- user decisions ---------------------------------------------------------------------
    def discard(self, record_id: int) -> OutboxRecord:
        """The user closes a record without sending it (e.g. sent another way)."""
        with self._db.write() as s:
            repo = OutboxRepo(s)
            rec = repo.get(record_id)
            if rec.state == SENT:
                raise OutboxError(f"outbox record {record_id} was sent as {rec.dm_id}")
            return repo.update(record_id, state=DISCARDED, unreported=False)

    def acknowledge(self, record_id: int) -> OutboxRecord:
        """The user was told that reconciliation found this message sent."""
        with self._db.write() as s:
            return OutboxRepo(s).update(record_id, unreported=False)

    # -- locking ----------------------------------------------------------------------------
    def lock(self, account: str) -> contextlib.AbstractContextManager[Any]:
        """One sender per account on this computer (GUI, `dso send`, reconciliation), so a
        record being sent is never reconciled from under its sender. Raises OutboxBusy."""
        from dso_desktop.sync.lock import AccountLock, LockBusy

        if self._lock_dir is None:
            return contextlib.nullcontext()
        try:
            acc_id = self._accounts.record(account).id
        except Exception:  # a removed account: nobody can send from it any more
            return contextlib.nullcontext()
        lock = AccountLock(self._lock_dir, acc_id, kind="send")
        try:
            lock.acquire()
        except LockBusy as exc:
            raise OutboxBusy(f"account {account!r} is sending right now") from exc
        if self._db.is_postgres:  # the same on every PC of an office (issue 13)
            from dso_desktop.sync.lock import DatabaseLock

            office = DatabaseLock(self._db, acc_id, kind="send")
            try:
                office.acquire()
            except LockBusy as exc:
                lock.release()
                raise OutboxBusy(f"account {account!r} is sending on another computer"
                                 ) from exc
            return contextlib.closing(_Releaser(_Both(lock, office)))
        return contextlib.closing(_Releaser(lock))

    # -- reconciliation ---------------------------------------------------------------------
    def reconcile_account(self, account: str, *, password: str | None = None,
                          cancel: threading.Event | None = None) -> list[ReconcileResult]:
        """`reconcile` under the account's send lock (raises OutboxBusy)."""
        with self.lock(account):
            return self.reconcile(account, password=password, cancel=cancel)

    def reconcile_all(self, cancel: threading.Event | None = None
                      ) -> dict[str, list[ReconcileResult] | Exception]:
        """Every account with open records (GUI start); one account's failure is its own."""
        out: dict[str, list[ReconcileResult] | Exception] = {}
        for account in self.open_accounts():
            try:
                out[account] = self.reconcile_account(account, cancel=cancel)
            except Exception as exc:
                out[account] = exc
        return out

    def reconcile(self, account: str, *, client: Any = None, password: str | None = None,
                  cancel: threading.Event | None = None) -> list[ReconcileResult]:
        """Settle every open record of ``account``; returns what was found for each.

        ``client``: a logged-in client to use (the send's own); otherwise one is made and
        logged in here. A failed login leaves the records ``unknown``.
        """
        results: list[ReconcileResult] = []
        pending: list[OutboxRecord] = []
        for rec in self.records(account, open_only=True):
            if rec.state == PREPARED:
                # Committed before any creating request started: certainly not sent.
                results.append(self._settle(
                    rec, FAILED, None, "interrupted before the message was submitted; "
                    "it was not sent"))
            else:
                pending.append(rec)
        if not pending:
            return results
        own = client is None
        if own:
            try:
                client = self._accounts.client(account, password=password, cancel=cancel)
                client.login()
            except Exception as exc:
                note = f"cannot check the sent list: login failed ({type(exc).__name__}: {exc})"
                for rec in pending:
                    results.append(self._settle(rec, UNKNOWN, None, note))
                if own and client is not None:
                    self._close(client)
                return results
        try:
            for rec in sorted(pending, key=lambda r: r.id):
                results.append(self.reconcile_record(client, rec, cancel=cancel))
        finally:
            if own:
                self._close(client)
        return results

    @staticmethod
    def _close(client: Any) -> None:
        try:
            client.close()
        except Exception:  # a failed logout does not change what was found
            log.debug("logout after reconciliation failed", exc_info=True)

    def _settle(self, rec: OutboxRecord, state: str, dm_id: str | None, note: str,
                *, unreported: bool = False) -> ReconcileResult:
        with self._db.write() as s:
            repo = OutboxRepo(s)
            current = repo.get(rec.id)
            if current.state not in OPEN_STATES:
                # Someone else settled it meanwhile (the GUI and the CLI share the archive).
                return ReconcileResult(current, rec.state, "already settled")
            changes: dict[str, Any] = {"error": None if state == SENT else note,
                                       "reconciled_at": utcnow()}
            if dm_id is not None:
                changes["dm_id"] = dm_id
                changes["unreported"] = unreported
            new = repo.update(rec.id, state=state, **changes)
        log.info("outbox %d (%s): %s -> %s: %s", rec.id, rec.account, rec.state, state, note)
        return ReconcileResult(new, rec.state, note)

    def reconcile_record(self, client: Any, rec: OutboxRecord, *,
                         cancel: threading.Event | None = None,
                         wait: bool = True) -> ReconcileResult:
        """Look for one submitted record in the sent list and confirm it on its signed copy.

        ``wait=False``: if ISDS may still be committing it, leave it ``unknown`` instead of
        waiting for the settle time.
        """
        started = rec.submitted_at or rec.created_at
        if cancel is not None and cancel.is_set():
            return self._settle(rec, UNKNOWN, None, "cancelled before the sent list was read")
        remaining = self.settle - (utcnow() - started).total_seconds()
        found = self._look(client, rec, final=remaining <= 0)
        if found is not None:
            return found
        if not wait:
            return self._settle(rec, UNKNOWN, None, "not in the sent list yet, but ISDS may "
                                "still be processing the request; check again later")
        # Not there yet, and ISDS may still be committing it: look once more after the
        # settle time; what is not there then was not sent.
        if cancel is not None:
            if cancel.wait(remaining):
                return self._settle(rec, UNKNOWN, None, "cancelled while waiting for ISDS")
        else:
            self._sleep(remaining)
        final = self._look(client, rec, final=True)
        assert final is not None
        return final

    def _look(self, client: Any, rec: OutboxRecord, *, final: bool
              ) -> ReconcileResult | None:
        """One complete read of the sent list; None = not there and not ``final`` yet."""
        try:
            listed = self._sent_list(client, rec.created_at - RECONCILE_MARGIN)
        except Exception as exc:
            return self._settle(rec, UNKNOWN, None, "the sent list could not be read "
                                f"completely ({type(exc).__name__}: {exc})")
        with self._db.read() as s:
            claimed = OutboxRepo(s).claimed_dm_ids(rec.account, rec.id)
        candidates = [
            env for env in listed
            if env.message_id and env.message_id not in claimed
            and _same(env.recipient_box_id, rec.recipient) and _same(env.subject, rec.subject)
            and _size_plausible(env.attachment_size_kb, rec.attachments)
        ]
        unchecked: list[str] = []
        for env in candidates:
            try:
                confirmed = self._confirm(client, rec, env.message_id,
                                          bool(env.big_message or rec.big_message))
            except _Unconfirmed as exc:
                unchecked.append(f"{env.message_id}: {exc}")
                continue
            if confirmed is not None:
                data, parsed, verdict, big = confirmed
                result = self._settle(rec, SENT, env.message_id,
                                      f"found in the sent list as {env.message_id} and "
                                      "confirmed on its signed copy", unreported=True)
                self._archive(rec.account, data, parsed, verdict, big)
                return result
        if unchecked:
            return self._settle(rec, UNKNOWN, None, "a possible match could not be checked "
                                "on its signed copy: " + "; ".join(unchecked))
        if not final:
            return None
        return self._settle(rec, FAILED, None, f"not in the sent list ({len(listed)} sent "
                            "messages read completely): it was not sent")

    def _sent_list(self, client: Any, since: datetime) -> list[Any]:
        """The complete sent list since ``since``: every page, open-ended (clock skew)."""
        out: list[Any] = []
        offset = 1
        while True:
            page = client.get_list_of_sent_messages(since, None, status_filter=-1,
                                                    offset=offset, limit=LIST_PAGE)
            out += [getattr(r, "envelope", r) for r in page]
            if len(page) < LIST_PAGE:
                return out
            offset += LIST_PAGE

    def _download(self, client: Any, dm_id: str, big: bool) -> tuple[bytes, bool]:
        from dso_desktop.isds.errors import StatusError

        ops = [(big, client.signed_sent_big_message_download if big
                else client.signed_sent_message_download),
               (not big, client.signed_sent_message_download if big
                else client.signed_sent_big_message_download)]
        for i, (is_big, op) in enumerate(ops):
            try:
                return op(dm_id).data, is_big
            except StatusError as exc:
                if i == 0 and str(getattr(exc, "code", "")) == WRONG_SERVICE:
                    continue
                raise
        raise AssertionError("unreachable")

    def _confirm(self, client: Any, rec: OutboxRecord, dm_id: str, big: bool
                 ) -> tuple[bytes, Any, Any, bool] | None:
        """The signed copy of ``dm_id`` if it is this record's message, None if it is not;
        raises _Unconfirmed when it cannot be told."""
        from dso_desktop.sync.ingest import parse_and_verify

        try:
            data, big = self._download(client, dm_id, big)
            parsed, verdict = parse_and_verify(
                data, self._trust(self._accounts.record(rec.account).id))
        except Exception as exc:
            raise _Unconfirmed(f"{type(exc).__name__}: {exc}") from exc
        if verdict.kind == VerdictKind.INVALID:
            raise _Unconfirmed("its signed copy does not verify")
        env = parsed.envelope
        if not (_same(env.message_id, dm_id) and _same(env.recipient_box_id, rec.recipient)
                and _same(env.subject, rec.subject) and _same(env.our_ref, rec.our_ref)
                and _same(env.your_ref, rec.your_ref)
                and _same(env.our_file_mark, rec.our_file_mark)
                and _same(env.your_file_mark, rec.your_file_mark)
                and _same(env.to_hands, rec.options.get("to_hands"))):
            return None
        files = list(parsed.attachments)
        if len(files) != len(rec.attachments):
            return None
        if any(getattr(f, "external_id", None) for f in files):
            # A VoDZ copy references its files instead of carrying them: names decide.
            if sorted(f.name for f in files) != sorted(a.name for a in rec.attachments):
                return None
        else:
            got = sorted(hashlib.sha256(f.content()).hexdigest() for f in files)
            if got != sorted(a.sha256 for a in rec.attachments):
                return None
        return data, parsed, verdict, big

    def _archive(self, account: str, data: bytes, parsed: Any, verdict: Any,
                 big: bool) -> None:
        """Store the confirmed sent message through the normal ingest path."""
        from dso_desktop.sync.ingest import store_message_zfo

        try:
            acc = self._accounts.record(account)
            store_message_zfo(self._db, data, parsed, verdict, account_id=acc.id,
                              direction=Direction.SENT, source="send", big_message=big)
        except Exception as exc:  # the next sync archives it from ISDS
            log.info("reconciled message not archived right away: %s", type(exc).__name__)
