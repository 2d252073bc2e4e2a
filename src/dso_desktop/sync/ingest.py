"""Putting a signed ZFO into the archive: parse, verify, index and store.

Two halves. *Checking* (parse, verify, extract attachment text) is pure CPU work on bytes
and yields a small `CheckedZfo`; a sync runs it in a worker process (`check_in_worker`)
so that it does not compete with the requests for the interpreter lock. *Storing* takes
checked ZFOs and hands them to the store's write API (`store.writer.EvidenceWriter`), many
in one transaction during a sync (`store_checked`), one per transaction for imports and sent
messages; the store picks its write path and applies the evidence rules.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dso_desktop.domain import (
    DeliveryEvent,
    Direction,
    Envelope,
    IngestStatus,
    VerdictKind,
    ZfoKind,
)
from dso_desktop.errors import DsoError, ErrorKind
from dso_desktop.store import evidence as ev
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo, search_text_for, sha256_hex
from dso_desktop.store.records import SearchText, VerdictInfo
from dso_desktop.store.textextract import MAX_INPUT, attachment_text
from dso_desktop.store.writer import DELIVERY_INFO_TAKEN, EvidenceWriter, write_grouped


class IngestError(DsoError):
    """The ZFO cannot be stored (unparsable, or its signature is invalid)."""

    kind = ErrorKind.INGEST


@dataclass(frozen=True)
class IngestResult:
    status: IngestStatus
    message_id: int | None
    dm_id: str
    verdict: str | None
    direction: Direction | None = None
    reason: str | None = None  # why it was quarantined or kept aside (English)
    reason_cs: str | None = None  # the same in Czech, for the user's line


@dataclass(frozen=True)
class CheckedZfo:
    """What checking one ZFO found: all the store needs, and nothing of the raw bytes
    (so it crosses a process boundary cheaply)."""

    envelope: Envelope
    events: tuple[DeliveryEvent, ...]
    attachment_count: int
    texts: tuple[tuple[str, str], ...]  # (attachment name, extracted text)
    verdict: VerdictInfo
    reasons: tuple[str, ...] = ()
    content_sha256: str | None = None  # `content_digest`: same message, other seal

    @property
    def invalid(self) -> bool:
        return self.verdict.kind == VerdictKind.INVALID


def verdict_info(verdict: Any) -> VerdictInfo:
    payload = verdict.to_json() if hasattr(verdict, "to_json") else None
    return VerdictInfo(
        kind=VerdictKind(verdict.kind),
        checked_at=verdict.checked_at,
        json=json.dumps(payload, ensure_ascii=False, default=str) if payload is not None else None,
        timestamp_expires=getattr(verdict, "timestamp_expires", None),
        evidence_expires=getattr(verdict, "evidence_expires", None),
        evidence_cause=(str(cause) if (cause := getattr(verdict, "evidence_cause", None))
                        is not None else None),
    )


def zfo_kind(zfo: Any) -> ZfoKind:
    return ZfoKind(zfo.kind)


def _attachment_texts(zfo: Any) -> list[tuple[str, str]]:
    out = []
    for att in zfo.attachments:
        if att.size > MAX_INPUT:  # attachment_text reads none of it: do not decode it
            out.append((att.name, ""))
            continue
        try:
            body = attachment_text(att.name, att.content())
        except Exception:  # a strange attachment must not stop archiving the evidence
            body = ""
        out.append((att.name, body))
    return out


def parse_and_verify(data: bytes, trust: Any, *, now: datetime | None = None) -> tuple[Any, Any]:
    """Parse and verify a ZFO; raises IngestError for garbage."""
    from dso_desktop import zfo as zfo_mod

    try:
        parsed = zfo_mod.parse_zfo(data)
    except zfo_mod.ZfoError as exc:
        err = IngestError(f"not a readable ZFO: {exc}")
        err.message_cs = exc.message_cs  # the ZFO error's own Czech sentence says why
        raise err from exc
    verdict = zfo_mod.verify_zfo(parsed, trust, now=now)
    return parsed, verdict


def checked_zfo(parsed: Any, verdict: Any, *, with_text: bool = True) -> CheckedZfo:
    """The `CheckedZfo` of a parsed and verified ZFO (attachment text only ``with_text``)."""
    return CheckedZfo(
        envelope=parsed.envelope,
        events=tuple(parsed.events),
        attachment_count=len(parsed.attachments),
        texts=tuple(_attachment_texts(parsed)) if with_text else (),
        verdict=verdict_info(verdict),
        reasons=tuple(getattr(verdict, "reasons", ()) or ()),
        content_sha256=content_digest(parsed),
    )


def content_digest(parsed: Any) -> str | None:
    """What makes two copies "the same message": SHA-256 of the message core a ZFO seals
    (the dmDm element the dmHash covers: parties, subject, attachments), else of the whole
    signed XML (delivery infos). Two genuine downloads of one message differ in state
    (status, acceptance time) and seal time, never in the core. None when the parser does
    not expose the bytes."""
    from dso_desktop.zfo.cmscheck import digest_of
    from dso_desktop.zfo.fastcms import Pieces

    for name in ("dm_dm_bytes", "content_xml"):
        content = getattr(parsed, name, None)
        # A big BER ZFO's Pieces are hashed where they lie, a view is not copied.
        if isinstance(content, Pieces | bytes | memoryview) and content:
            return digest_of("sha256", content).hex()
    return None


def index_text(data: bytes) -> SearchText | None:
    """The full-text index row a stored ZFO was given, rebuilt from its bytes (to remove it
    from the contentless index when the copy stops being the evidence)."""
    from dso_desktop import zfo as zfo_mod

    try:
        parsed = zfo_mod.parse_zfo(data)
    except Exception:  # an unreadable old copy: its words stay in the index, nothing worse
        return None
    return search_text_for(parsed.envelope, _attachment_texts(parsed))


def check_zfo(data: bytes, trust: Any, *, with_text: bool = True,
              now: datetime | None = None) -> CheckedZfo:
    """Parse, verify and (``with_text``) extract the attachment text of one ZFO."""
    parsed, verdict = parse_and_verify(data, trust, now=now)
    return checked_zfo(parsed, verdict, with_text=with_text)


# -- the worker process of a sync ---------------------------------------------------------
# One check of a ZFO that reaches the worker (at most 8 MiB) takes milliseconds; one that runs
# for minutes is stuck (a hostile PDF in a parser loop, say) and ends the process.
CHECK_TIME_LIMIT = 120
_WORKER_TRUST: Any = None
_TIME_LIMIT = CHECK_TIME_LIMIT
# A folder to profile checking processes into (measurement only: `benchmarks/ANALYSIS.md`):
# each process profiles its checks with cProfile and writes ``checker-<pid>.prof`` there
# when it ends. Unset, nothing but this one lookup at the process's start.
PROFILE_ENV = "DSO_CHECKER_PROFILE"


def init_worker(trust: Any, time_limit: int = CHECK_TIME_LIMIT) -> None:
    """Initializer of a checking process: the trust store it verifies against, and how many
    seconds one check may take before the process ends itself (POSIX; the sync then goes on
    in a fresh process and reports that one ZFO).

    The process runs a little below normal priority: the requests and their server come
    first, checking fills the gaps (the store waits for it, nothing is skipped).
    """
    global _WORKER_TRUST, _TIME_LIMIT
    _WORKER_TRUST = trust
    _TIME_LIMIT = time_limit
    _lower_priority()
    if folder := os.environ.get(PROFILE_ENV):
        _profile_into(folder)
    parent = multiprocessing.parent_process()
    if parent is not None:  # a killed program must not leave its checker behind
        threading.Thread(target=_exit_with, args=(parent.sentinel,), name="dso-parent-watch",
                         daemon=True).start()


def _profile_into(folder: str) -> None:
    """Profile this process's main thread (where the checks run) until it ends normally, in
    CPU time (a checking process at nice 5 on a loaded machine waits for a core a lot)."""
    import cProfile
    import time
    from multiprocessing import util

    profile = cProfile.Profile(time.process_time)

    def dump() -> None:
        profile.disable()
        profile.dump_stats(os.path.join(folder, f"checker-{os.getpid()}.prof"))

    util.Finalize(None, dump, exitpriority=100)  # run by the process's exit, before os._exit
    profile.enable()


def _exit_with(sentinel: int) -> None:
    """Wait until the sentinel of the parent process is ready (it has ended), then end."""
    from multiprocessing.connection import wait

    wait([sentinel])
    os._exit(0)


def _lower_priority() -> None:
    """A nice value of 5 where there are nice values: a fair share still (an idle-only class
    would stall the sync while another program keeps the processor busy)."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(5)


@contextlib.contextmanager
def time_limit() -> Iterator[None]:
    """In a checking process: end the process if the block runs past the time limit.

    SIGALRM with its default action ends the process even inside a C library that never
    returns to Python; Python-level timeouts could not.
    """
    alarm = getattr(signal, "alarm", None)
    if alarm is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    alarm(max(1, int(_TIME_LIMIT)))
    try:
        yield
    finally:
        alarm(0)


def check_in_worker(data: bytes, with_text: bool) -> CheckedZfo:
    """`check_zfo` with the trust store `init_worker` gave this process, time-limited."""
    with time_limit():
        return check_zfo(data, _WORKER_TRUST, with_text=with_text)


# -- storing --------------------------------------------------------------------------
_STATUS = {
    ev.Action.STORE: IngestStatus.STORED, ev.Action.REPLACE: IngestStatus.REPLACED,
    ev.Action.KEEP: IngestStatus.DUPLICATE, ev.Action.CONFLICT: IngestStatus.CONFLICT,
}


def _store_message(
    writer: EvidenceWriter,
    data: bytes,
    checked: CheckedZfo,
    *,
    account_id: int | None,
    direction: Direction,
    source: str,
    big_message: bool,
    from_isds: bool = True,
    target_id: int | None = None,
) -> IngestResult:
    env = checked.envelope
    if big_message and not env.big_message:
        env = dataclasses.replace(env, big_message=True)
    info = checked.verdict
    placed = writer.attach_downloaded(
        data, env, search_text_for(env, checked.texts), checked.attachment_count, info,
        checked.events, account_id=account_id, direction=direction,
        content_sha256=checked.content_sha256, from_isds=from_isds, source=source,
        target_id=target_id, old_search=index_text)
    action = placed.action
    if action in (ev.Action.REFUSE, ev.Action.QUARANTINE):
        raise IngestError(f"message {env.message_id}: the seal is {info.kind}; "
                          "it does not become evidence")
    reason = None
    if action is ev.Action.CONFLICT:
        reason = "a different copy of this message is already the evidence; kept beside it"
    return IngestResult(_STATUS[action], placed.message_id, env.message_id, info.kind,
                        direction, reason)


def store_message_zfo(
    db: Database,
    data: bytes,
    parsed: Any,
    verdict: Any,
    *,
    account_id: int | None,
    direction: Direction,
    source: str,
    big_message: bool = False,
    from_isds: bool = True,
    target_id: int | None = None,
) -> IngestResult:
    """Store a parsed, verified message ZFO; idempotent by (account, direction, dmID).

    ``big_message``: it came through the big-message (VoDZ) operations, whatever the
    envelope inside says. ``from_isds``: fetched from ISDS (False: read from a file).
    The evidence rule (`store.evidence`) decides whether it becomes the evidence.
    """
    checked = checked_zfo(parsed, verdict)
    with db.write() as s, EvidenceWriter(s, batch=False) as writer:
        return _store_message(writer, data, checked, account_id=account_id,
                              direction=direction, source=source, big_message=big_message,
                              from_isds=from_isds, target_id=target_id)


@dataclass(frozen=True)
class MessageToStore:
    data: bytes
    checked: CheckedZfo
    account_id: int
    direction: Direction
    big_message: bool = False
    source: str = "sync"


@dataclass(frozen=True)
class DeliveryInfoToStore:
    message_id: int
    data: bytes
    checked: CheckedZfo


def _place_delivery_info(writer: EvidenceWriter, message_id: int, data: bytes,
                         env: Envelope, events: Sequence[DeliveryEvent], kind: str | None,
                         content_sha256: str | None = None, *,
                         from_isds: bool = True) -> ev.Action:
    """Offer a signed delivery info to the store; one that does not verify is refused."""
    action = writer.keep_delivery_info(message_id, data, env, events, kind,
                                       content_sha256=content_sha256, from_isds=from_isds)
    if action is ev.Action.REFUSE:
        err = IngestError("the delivery info does not verify; not stored")
        err.message_cs = "Doručenka se neověřila; neuložena."
        raise err
    return action


def _store_delivery_info(writer: EvidenceWriter, message_id: int, data: bytes,
                         env: Envelope, events: Sequence[DeliveryEvent], kind: str | None,
                         content_sha256: str | None = None, *,
                         from_isds: bool = True) -> bool:
    """True when the delivery info became the message's (new or changed)."""
    return _place_delivery_info(writer, message_id, data, env, events, kind, content_sha256,
                                from_isds=from_isds) in DELIVERY_INFO_TAKEN


def store_checked(
    db: Database, items: Sequence[MessageToStore | DeliveryInfoToStore]
) -> list[IngestResult | bool | Exception]:
    """Store checked message ZFOs and delivery infos, in this order, in one transaction
    (a sync's group commit): an `IngestResult` for a message, True for a new or changed
    delivery info. If the transaction fails as a whole, each item is tried again in its
    own, so one bad item costs only itself."""
    def one(writer: EvidenceWriter, it: MessageToStore | DeliveryInfoToStore
            ) -> IngestResult | bool:
        if isinstance(it, MessageToStore):
            return _store_message(writer, it.data, it.checked, account_id=it.account_id,
                                  direction=it.direction, source=it.source,
                                  big_message=it.big_message)
        c = it.checked
        return _store_delivery_info(writer, it.message_id, it.data, c.envelope, c.events,
                                    c.verdict.kind, c.content_sha256)

    def prepare(writer: EvidenceWriter,
                group: Sequence[MessageToStore | DeliveryInfoToStore]) -> None:
        # The group's rows read together (PostgreSQL: a few statements, not a few each).
        keys: dict[tuple[int, Direction], list[str]] = {}
        for it in group:
            if isinstance(it, MessageToStore):
                keys.setdefault((it.account_id, it.direction), []).append(
                    it.checked.envelope.message_id)
        for (account_id, direction), dm_ids in keys.items():
            writer.prefetch(account_id, direction, dm_ids)
        writer.prefetch_ids(it.message_id for it in group
                            if isinstance(it, DeliveryInfoToStore))

    return write_grouped(db, items, one, prepare=prepare)


def _reasons(verdict: Any, lang: str = "en") -> str:
    if lang == "cs":
        return "; ".join(getattr(verdict, "reasons_cs", ()) or ()) or "pečeť není důvěryhodná"
    return "; ".join(getattr(verdict, "reasons", ()) or ()) or "the seal is not trusted"


def import_zfo(
    db: Database,
    trust: Any,
    data: bytes,
    *,
    account_id: int | None,
    account_box_id: str | None,
    now: datetime | None = None,
    accounts_by_box: dict[str, int] | None = None,
    source_name: str | None = None,
) -> IngestResult:
    """Import one ZFO file: verified first, duplicates recognised by content and by dmID.

    A file whose seal is not trusted (``untrusted``, ``invalid``) never becomes evidence:
    it is kept in quarantine (status ``quarantined``), attached to no message, and the
    message stays to be downloaded. A trusted file becomes the evidence of its message
    unless another trusted copy already is (then it is kept beside it: ``conflict``), and
    replaces evidence that is not trusted (``replaced``).

    Without an explicit account, a message to or from the box of a known account is filed
    under that account (``accounts_by_box``: box id -> account id).
    """
    with db.read() as s:
        dup = MessageRepo(s).id_by_zfo_sha(sha256_hex(data))
    parsed, verdict = parse_and_verify(data, trust, now=now)
    kind = zfo_kind(parsed)
    vkind = VerdictKind(verdict.kind)
    dm_id = parsed.envelope.message_id
    if not ev.is_trusted(vkind):  # even when the same bytes are (old, untrusted) evidence
        info = verdict_info(verdict)
        reason = _reasons(verdict)
        with db.write() as s, EvidenceWriter(s, batch=False) as writer:
            writer.quarantine(data, zfo_kind=kind, dm_id=dm_id, verdict=vkind,
                              verdict_json=info.json, reasons=reason, source_name=source_name)
        return IngestResult(IngestStatus.QUARANTINED, None, dm_id, vkind, reason=reason,
                            reason_cs=_reasons(verdict, "cs"))
    if dup is not None:
        return IngestResult(IngestStatus.DUPLICATE, dup, dm_id, vkind)
    if kind is ZfoKind.DELIVERY_INFO:
        with db.read() as s:
            targets = MessageRepo(s).ids_by_dm_id(dm_id)
        if not targets:
            err = IngestError(f"delivery info of message {dm_id}, which is not in the archive")
            err.message_cs = f"Doručenka zprávy {dm_id}, která v archivu není."
            raise err
        actions = []
        for mid in targets:
            with db.write() as s, EvidenceWriter(s, batch=False) as writer:
                actions.append(_place_delivery_info(
                    writer, mid, data, parsed.envelope, tuple(parsed.events), vkind,
                    content_digest(parsed), from_isds=False))
        if any(a in (ev.Action.STORE, ev.Action.REPLACE, ev.Action.SUPERSEDE)
               for a in actions):
            return IngestResult(IngestStatus.DELIVERY_INFO, targets[0], dm_id, vkind)
        if ev.Action.CONFLICT in actions:
            return IngestResult(IngestStatus.CONFLICT, targets[0], dm_id, vkind, reason=(
                "a different delivery info of this message is already stored; kept beside it"))
        return IngestResult(IngestStatus.DUPLICATE, targets[0], dm_id, vkind)
    direction = Direction.SENT if kind is ZfoKind.SENT else Direction.RECEIVED
    if account_box_id:
        if parsed.envelope.sender_box_id == account_box_id:
            direction = Direction.SENT
        elif parsed.envelope.recipient_box_id == account_box_id:
            direction = Direction.RECEIVED
    if account_id is None and accounts_by_box:
        own = (parsed.envelope.sender_box_id if direction is Direction.SENT
               else parsed.envelope.recipient_box_id)
        account_id = accounts_by_box.get(own or "")
    with db.read() as s:
        repo = MessageRepo(s)
        target = repo.get_id(account_id, direction, dm_id) if account_id is not None else None
        same = repo.ids_by_dm_id(dm_id, direction)
    if target is None and same:
        target = same[0]
    return store_message_zfo(db, data, parsed, verdict, account_id=account_id,
                             direction=direction, source="import", from_isds=False,
                             target_id=target)
