"""Repository of messages: envelopes, the raw ZFO evidence, events, the full-text index."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from dso_desktop.domain import DeliveryEvent, Direction, Envelope, LegalTitle
from dso_desktop.store import blobs, pgsearch
from dso_desktop.store import evidence as evd
from dso_desktop.store.errors import NotFound
from dso_desktop.store.models import (
    Account,
    DeliveryInfo,
    Event,
    EvidenceCopy,
    Message,
    MessageTag,
    MessageZfo,
    QuarantinedZfo,
    RecordsHandover,
    Tag,
)
from dso_desktop.store.records import (
    ORDER_COLUMNS,
    UNVERIFIED,
    EvidenceCopyRecord,
    MessageFilter,
    MessageRow,
    QuarantineRecord,
    SearchText,
    StoredMessage,
    VerdictInfo,
)
from dso_desktop.store.textfold import fold
from dso_desktop.store.timeutil import from_db, to_db, utcnow

CONTENT_DELETED = 9  # dmMessageStatus: obsah smazán
# Split as the FTS5 unicode61 tokenizer does (letters and digits; "_" separates), so a
# quoted query word is always one index token, never an (unsupported) phrase.
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

# A test seam (issue 18): called with "count" or "tree_counts" before every counting query
# of the list, so a test can prove the GUI never counts a million rows on its own thread.
count_observer: Callable[[str], None] | None = None


def _counted(what: str) -> None:
    if count_observer is not None:
        count_observer(what)
MAX_QUERY_TOKENS = 12
MIN_PREFIX = 3


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _not_trusted(column: Any) -> Any:
    """SQL: a stored verdict that does not make the copy evidence (NULL: never verified)."""
    return column.is_(None) | column.not_in(sorted(evd.TRUSTED_VERDICTS))


def _not_trusted_ranges(column: Any) -> Any:
    """`_not_trusted` as ranges of ``column`` around the trusted verdicts (the same rows):
    NOT IN cannot use an index, ranges of ``ix_messages_verdict`` can (issue 18)."""
    trusted = sorted(evd.TRUSTED_VERDICTS)
    terms = [column.is_(None), column < trusted[0], column > trusted[-1]]
    terms += [and_(column > lo, column < hi) for lo, hi in pairwise(trusted)]
    return or_(*terms)


def _like_escape(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern (``%`` and ``_`` match themselves)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fts_query(query: str, *, prefix: bool = True) -> str | None:
    """A safe FTS5 expression: every word of ``query`` required, as a quoted term.

    With ``prefix`` a word of three or more letters also matches longer words (Czech
    inflects: ``rozhodnut`` finds ``rozhodnutím``); shorter ones stay exact, because a
    one-letter prefix would merge half the index.
    """
    tokens = _TOKEN.findall(query)[:MAX_QUERY_TOKENS]
    if not tokens:
        return None
    parts = []
    for t in tokens:
        quoted = '"' + t.replace('"', "") + '"'
        parts.append(quoted + "*" if prefix and len(t) >= MIN_PREFIX else quoted)
    return " AND ".join(parts)


def _legal_title_text(t: LegalTitle) -> str | None:
    if t.is_empty():
        return None
    return "/".join(p or "" for p in (t.law, t.year, t.section, t.paragraph, t.point))


def _legal_title_parse(value: str | None) -> LegalTitle:
    if not value:
        return LegalTitle()
    parts = (value.split("/") + [""] * 5)[:5]
    return LegalTitle(*(p or None for p in parts))


def _envelope_columns(env: Envelope) -> dict[str, object]:
    return {
        "sender_box_id": env.sender_box_id,
        "sender_name": env.sender_name,
        "sender_address": env.sender_address,
        "sender_type": env.sender_type,
        "recipient_box_id": env.recipient_box_id,
        "recipient_name": env.recipient_name,
        "recipient_address": env.recipient_address,
        "subject": env.subject,
        "to_hands": env.to_hands,
        "our_ref": env.our_ref,
        "your_ref": env.your_ref,
        "our_file_mark": env.our_file_mark,
        "your_file_mark": env.your_file_mark,
        "legal_title": _legal_title_text(env.legal_title),
        "personal_delivery": env.personal_delivery,
        "allow_fiction": env.allow_fiction,
        "message_type": env.message_type,
        "status": env.status,
        "delivered_at": to_db(env.delivered_at),
        "accepted_at": to_db(env.accepted_at),
        "attachment_size_kb": env.attachment_size_kb,
        "big_message": bool(env.big_message),
    }


def envelope_of(m: Message) -> Envelope:
    return Envelope(
        message_id=m.dm_id,
        sender_box_id=m.sender_box_id,
        sender_name=m.sender_name,
        sender_address=m.sender_address,
        sender_type=m.sender_type,
        recipient_box_id=m.recipient_box_id,
        recipient_name=m.recipient_name,
        recipient_address=m.recipient_address,
        subject=m.subject,
        to_hands=m.to_hands,
        our_ref=m.our_ref,
        your_ref=m.your_ref,
        our_file_mark=m.our_file_mark,
        your_file_mark=m.your_file_mark,
        legal_title=_legal_title_parse(m.legal_title),
        personal_delivery=m.personal_delivery,
        allow_fiction=m.allow_fiction,
        message_type=m.message_type,
        status=m.status,
        delivered_at=from_db(m.delivered_at),
        accepted_at=from_db(m.accepted_at),
        attachment_size_kb=m.attachment_size_kb,
        big_message=bool(m.big_message),
    )


def search_text_for(env: Envelope, attachments: Iterable[tuple[str, str]]) -> SearchText:
    """Index text of a message from its envelope and (attachment name, extracted text)."""
    names: list[str] = []
    bodies: list[str] = []
    for name, body in attachments:
        names.append(name)
        if body:
            bodies.append(body)
    parties = " ".join(
        p for p in (
            env.sender_name, env.sender_address, env.sender_box_id,
            env.recipient_name, env.recipient_address, env.recipient_box_id, env.to_hands,
        ) if p
    )
    refs = " ".join(
        p for p in (
            env.message_id, env.our_ref, env.your_ref, env.our_file_mark, env.your_file_mark,
        ) if p
    )
    return SearchText(
        subject=env.subject or "", parties=parties, refs=refs, files=" ".join(names),
        body=" ".join(bodies),
    )


@dataclass(frozen=True)
class UpsertResult:
    id: int
    created: bool
    changed: bool


def box_account_ids(name: str) -> Select[Any]:
    """The ids of the account ``name`` and of every account of the same data box (same
    box id and environment): a filter by account shows its box's messages, which are kept
    once under the first of them (`AccountRepo.archive_id`)."""
    me = select(Account.box_id, Account.environment, Account.id).where(
        Account.name == name).subquery()
    return select(Account.id).where(or_(
        Account.id == select(me.c.id).scalar_subquery(),
        and_(Account.box_id == select(me.c.box_id).scalar_subquery(),
             Account.environment == select(me.c.environment).scalar_subquery()),
    ))


def _row_columns() -> tuple[Any, ...]:
    """The columns of a `MessageRow`, for a query over ``messages`` outer-joined to
    ``accounts``: the tag ids (a comma list) and the hand-over flag as correlated
    subqueries, each one primary-key/index probe per row, so a page is one statement."""
    tags = (select(func.aggregate_strings(cast(MessageTag.tag_id, String), ","))
            .where(MessageTag.message_id == Message.id)
            .correlate(Message).scalar_subquery())
    held = (select(RecordsHandover.id).where(RecordsHandover.message_id == Message.id)
            .correlate(Message).exists())
    return (
        Message.id, Message.dm_id, Account.name, Message.direction, Message.subject,
        Message.sender_name, Message.sender_box_id, Message.recipient_name,
        Message.recipient_box_id, Message.status, Message.delivered_at,
        Message.accepted_at, Message.verdict, Message.is_read, Message.downloaded,
        Message.attachment_count, Message.big_message, tags, held,
    )


def _message_row(r: Sequence[Any]) -> MessageRow:
    """A `MessageRow` from a row of `_row_columns`."""
    tag_ids = tuple(sorted(int(t) for t in r[17].split(","))) if r[17] else ()
    return MessageRow(
        id=r[0], dm_id=r[1], account=r[2], direction=Direction(r[3]),
        subject=r[4], sender=r[5], sender_box_id=r[6], recipient=r[7],
        recipient_box_id=r[8], status=r[9], delivered_at=from_db(r[10]),
        accepted_at=from_db(r[11]), verdict=r[12], is_read=bool(r[13]),
        downloaded=bool(r[14]), attachment_count=int(r[15] or 0),
        big_message=bool(r[16]), tag_ids=tag_ids, handed_over=bool(r[18]),
    )


class MessageRepo:
    """Message operations within one unit of work (the caller commits)."""

    def __init__(self, session: Session) -> None:
        self.s = session
        dialect = session.get_bind().dialect.name
        self._fts = dialect == "sqlite"
        self._pg_search = dialect == "postgresql"  # store.pgsearch: the same meaning

    # -- identity -----------------------------------------------------------------------
    def get_id(self, account_id: int | None, direction: Direction, dm_id: str) -> int | None:
        q = select(Message.id).where(Message.direction == str(direction), Message.dm_id == dm_id)
        q = q.where(
            Message.account_id.is_(None) if account_id is None
            else Message.account_id == account_id
        )
        return self.s.scalar(q)

    def ids_by_dm_id(self, dm_id: str, direction: Direction | None = None) -> list[int]:
        q = select(Message.id).where(Message.dm_id == dm_id)
        if direction is not None:
            q = q.where(Message.direction == str(direction))
        return list(self.s.scalars(q.order_by(Message.id)))

    def id_by_zfo_sha(self, sha256: str) -> int | None:
        return self.s.scalar(select(MessageZfo.message_id).where(MessageZfo.sha256 == sha256))

    def downloaded_dm_ids(self, account_id: int, direction: Direction) -> set[str]:
        q = select(Message.dm_id).where(
            Message.account_id == account_id, Message.direction == str(direction),
            Message.downloaded.is_(True),
        )
        return set(self.s.scalars(q))

    def pending_ids(self, account_id: int, direction: Direction) -> list[tuple[int, str]]:
        """Messages seen in a list whose signed ZFO is not stored yet."""
        return [(m, d) for m, d, _ in self.pending(account_id, direction)]

    def pending(self, account_id: int, direction: Direction) -> list[tuple[int, str, bool]]:
        """(id, dmID, big message) of messages listed but not downloaded yet.

        A message whose content ISDS has deleted (status 9) cannot be downloaded any more;
        its envelope stays, and the warnings say so.
        """
        q = select(Message.id, Message.dm_id, Message.big_message).where(
            Message.account_id == account_id, Message.direction == str(direction),
            # Evidence whose seal is not trusted counts as missing: ISDS's own copy is
            # fetched to replace it (an imported forgery never suppresses a download).
            Message.downloaded.is_(False) | _not_trusted(Message.verdict),
            Message.status.is_(None) | (Message.status != CONTENT_DELETED),
        ).order_by(Message.id)
        return [(r[0], r[1], bool(r[2])) for r in self.s.execute(q)]

    def missing_delivery_infos(self, account_id: int) -> list[tuple[int, str]]:
        """Downloaded messages without a delivery info, whose state moved on since, or
        whose delivery info is not trusted."""
        q = (
            select(Message.id, Message.dm_id)
            .outerjoin(DeliveryInfo, DeliveryInfo.message_id == Message.id)
            .where(
                Message.account_id == account_id, Message.downloaded.is_(True),
                (DeliveryInfo.message_id.is_(None))
                | (DeliveryInfo.stored_at < Message.updated_at)
                | _not_trusted(DeliveryInfo.verdict),
            )
            .order_by(Message.id)
        )
        return [(r[0], r[1]) for r in self.s.execute(q)]

    # -- writing ------------------------------------------------------------------------
    def upsert_envelope(
        self, account_id: int | None, direction: Direction, env: Envelope, *, source: str = "sync"
    ) -> UpsertResult:
        """Record an envelope seen in a list; later sightings only move the status on."""
        existing = self.get_id(account_id, direction, env.message_id)
        if existing is None and account_id is not None:
            # An imported copy with no account yet: the account adopts it (no second copy).
            orphan = self.get_id(None, direction, env.message_id)
            if orphan is not None:
                self.s.execute(update(Message).where(Message.id == orphan).values(
                    account_id=account_id))
                existing = orphan
        now = to_db(utcnow())
        if existing is None:
            m = Message(
                account_id=account_id, direction=str(direction), dm_id=env.message_id,
                attachment_count=0, downloaded=False, is_read=False, source=source,
                created_at=now, updated_at=now, **_envelope_columns(env),
            )
            self.s.add(m)
            self.s.flush()
            return UpsertResult(m.id, True, True)
        return UpsertResult(existing, False, self.update_state(existing, env))

    def update_state(self, message_id: int, env: Envelope) -> bool:
        """Move status/delivery/acceptance times on; never touches the evidence."""
        m = self.s.get(Message, message_id)
        if m is None:
            raise NotFound(f"message {message_id}")
        changes = evd.state_changes({name: getattr(m, name) for name in evd.MUTABLE},
                                    _envelope_columns(env))
        for name, value in changes.items():
            setattr(m, name, value)
        if changes:
            m.updated_at = to_db(utcnow())  # type: ignore[assignment]
        return bool(changes)

    def set_status(self, message_id: int, status: int, at: datetime | None = None) -> bool:
        m = self.s.get(Message, message_id)
        if m is None:
            raise NotFound(f"message {message_id}")
        if not evd.status_moves(m.status, status):
            return False
        m.status = status
        if at is not None and status in (5, 6) and m.accepted_at is None:
            m.accepted_at = to_db(at)
        m.updated_at = to_db(utcnow())  # type: ignore[assignment]
        return True

    def attach_zfo(
        self,
        message_id: int,
        data: bytes,
        env: Envelope,
        search: SearchText,
        attachment_count: int,
        verdict: VerdictInfo | None,
        *,
        content_sha256: str | None = None,
        from_isds: bool = True,
        old_search: Callable[[bytes], SearchText | None] | None = None,
    ) -> bool:
        """Offer a signed ZFO of a message; True when it became the message's evidence.

        `place_zfo` says what happened in detail; this is its yes/no.
        """
        action = self.place_zfo(message_id, data, env, search, attachment_count, verdict,
                                content_sha256=content_sha256, from_isds=from_isds,
                                old_search=old_search)
        return action in (evd.Action.STORE, evd.Action.REPLACE)

    def current_evidence(self, message_id: int) -> evd.CopyInfo | None:
        r = self.s.execute(
            select(MessageZfo.sha256, MessageZfo.content_sha256, Message.verdict)
            .join(Message, Message.id == MessageZfo.message_id)
            .where(MessageZfo.message_id == message_id)
        ).first()
        return evd.CopyInfo(r[0], r[2], r[1]) if r else None

    def _write_big_zfo(self, message_id: int, data: bytes, digest: str, now: Any,
                       content_sha256: str | None, old: MessageZfo | None) -> None:
        """The evidence row of a big ZFO on SQLite: a zeroblob, then its bytes a chunk at a
        time (`store.blobs`); a Core statement, so the ORM never holds (or fetches) the
        bytes. ``old``: the stored row it replaces."""
        table: Any = MessageZfo.__table__
        values = {"sha256": digest, "size": len(data), "data": func.zeroblob(len(data)),
                  "stored_at": now, "content_sha256": content_sha256}
        if old is not None:
            self.s.flush()
            self.s.execute(update(table).where(table.c.message_id == message_id)
                           .values(**values))
            self.s.expire(old)
        else:
            self.s.execute(insert(table).values(message_id=message_id, **values))
            m = self.s.get(Message, message_id)
            if m is not None:
                self.s.expire(m, ["zfo"])
        blobs.write_sqlite_blob(self.s.connection().connection.driver_connection,
                                "message_zfos", "data", message_id, data)

    def place_zfo(
        self,
        message_id: int,
        data: bytes,
        env: Envelope,
        search: SearchText,
        attachment_count: int,
        verdict: VerdictInfo | None,
        *,
        content_sha256: str | None = None,
        from_isds: bool = True,
        old_search: Callable[[bytes], SearchText | None] | None = None,
    ) -> evd.Action:
        """Apply the evidence rule (`store.evidence.decide`) to a signed copy of a message.

        STORE/REPLACE: the copy becomes the evidence, with the envelope it carries and its
        index (a replaced copy moves to `evidence_copies`; ``old_search`` rebuilds its index
        text so that its words stop finding the message). CONFLICT: kept aside. KEEP: the
        same copy; its verdict is refreshed unless that would lower it. QUARANTINE/REFUSE:
        nothing is written here (the caller quarantines an untrusted file).
        """
        m = self.s.get(Message, message_id, populate_existing=True)
        if m is None:
            raise NotFound(f"message {message_id}")
        digest = sha256_hex(data)
        current = self.current_evidence(message_id)
        new = evd.CopyInfo(digest, verdict.kind if verdict else None, content_sha256)
        action = evd.decide(current, new, from_isds=from_isds, kind=evd.MESSAGE)
        if action is evd.Action.KEEP:
            if current is not None and current.sha256 == digest and verdict is not None \
                    and evd.verdict_rank(verdict.kind) >= evd.verdict_rank(current.verdict):
                self._apply_verdict(m, verdict)
            if current is not None and current.sha256 == digest and content_sha256 \
                    and current.content_sha256 is None:
                self.s.execute(update(MessageZfo).where(MessageZfo.message_id == message_id)
                               .values(content_sha256=content_sha256))
            return action
        if action is evd.Action.CONFLICT:
            self.keep_copy(message_id, evd.MESSAGE, data, content_sha256,
                           new.verdict, verdict.json if verdict else None, evd.REASON_CONFLICT)
            return action
        if action not in (evd.Action.STORE, evd.Action.REPLACE):
            return action
        now = to_db(utcnow())
        if action is evd.Action.REPLACE:
            old = self.s.get(MessageZfo, message_id, populate_existing=True)
            assert old is not None  # REPLACE is decided only over stored evidence
            old_data = bytes(old.data)
            self.keep_copy(message_id, evd.MESSAGE, old_data, old.content_sha256, m.verdict,
                           m.verdict_json, evd.REASON_DISPLACED)
            if self._fts and old_search is not None:
                before = old_search(old_data)
                if before is not None:
                    self._fts_delete(message_id, before)
            del old_data
            if blobs.sqlite_big(self.s, data):
                self._write_big_zfo(message_id, data, digest, now, content_sha256, old)
            else:
                old.sha256, old.size, old.data = digest, len(data), data
                old.stored_at = now  # type: ignore[assignment]
                old.content_sha256 = content_sha256
        elif blobs.sqlite_big(self.s, data):
            self._write_big_zfo(message_id, data, digest, now, content_sha256, None)
        else:
            self.s.add(MessageZfo(
                message_id=message_id, sha256=digest, size=len(data), data=data,
                stored_at=now, content_sha256=content_sha256,
            ))
        for name, value in evd.signed_envelope_update(
                _envelope_columns(env), bool(m.big_message), m.status,
                displaces=action is evd.Action.REPLACE).items():
            setattr(m, name, value)
        m.attachment_count = attachment_count
        m.downloaded = True
        m.updated_at = now  # type: ignore[assignment]
        if verdict is not None:
            self._apply_verdict(m, verdict)
        else:
            m.verdict = m.verdict_json = None
            m.verified_at = m.timestamp_expires = m.evidence_expires = None
            m.evidence_cause = None
        self.s.flush()
        if self._pg_search:
            pgsearch.index(self.s, message_id, search)
        if self._fts:
            self.s.execute(
                text(
                    "INSERT INTO messages_fts(rowid, subject, parties, refs, files, body) "
                    "VALUES (:id, :subject, :parties, :refs, :files, :body)"
                ),
                {"id": message_id, "subject": search.subject, "parties": search.parties,
                 "refs": search.refs, "files": search.files, "body": search.body},
            )
        return action

    def _fts_delete(self, message_id: int, search: SearchText) -> None:
        # A contentless FTS5 table forgets a row only when told its exact old values.
        self.s.execute(
            text(
                "INSERT INTO messages_fts(messages_fts, rowid, subject, parties, refs, files, "
                "body) VALUES ('delete', :id, :subject, :parties, :refs, :files, :body)"
            ),
            {"id": message_id, "subject": search.subject, "parties": search.parties,
             "refs": search.refs, "files": search.files, "body": search.body},
        )

    def keep_copy(self, message_id: int, kind: str, data: bytes, content_sha256: str | None,
                  verdict: str | None, verdict_json: str | None, reason: str) -> bool:
        """Keep a signed copy beside the evidence (once per message, kind and bytes)."""
        digest = sha256_hex(data)
        have = self.s.scalar(select(EvidenceCopy.id).where(
            EvidenceCopy.message_id == message_id, EvidenceCopy.kind == kind,
            EvidenceCopy.sha256 == digest))
        if have is not None:
            return False
        self.s.add(EvidenceCopy(
            message_id=message_id, kind=kind, sha256=digest, content_sha256=content_sha256,
            size=len(data), data=data, verdict=verdict, verdict_json=verdict_json,
            reason=reason, stored_at=to_db(utcnow()),
        ))
        self.s.flush()
        return True

    def evidence_copies(self, message_id: int | None = None, *,
                        unreviewed: bool = False) -> list[EvidenceCopyRecord]:
        q = select(EvidenceCopy.id, EvidenceCopy.message_id, Message.dm_id, EvidenceCopy.kind,
                   EvidenceCopy.sha256, EvidenceCopy.size, EvidenceCopy.verdict,
                   EvidenceCopy.reason, EvidenceCopy.stored_at, EvidenceCopy.reviewed_at).join(
            Message, Message.id == EvidenceCopy.message_id)
        if message_id is not None:
            q = q.where(EvidenceCopy.message_id == message_id)
        if unreviewed:
            q = q.where(EvidenceCopy.reviewed_at.is_(None))
        return [EvidenceCopyRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7],
                                   from_db(r[8]), from_db(r[9]))  # type: ignore[arg-type]
                for r in self.s.execute(q.order_by(EvidenceCopy.message_id, EvidenceCopy.id))]

    def box_duplicates(self) -> list[tuple[int, str, str, int, str]]:
        """Messages kept twice: the same dmID and direction under two accounts of one data
        box (same box id and environment). The archive files a box's messages under one
        account (`AccountRepo.archive_id`); archives synced before that rule held, or hit
        by the race it closed, may keep a second copy. Each extra copy once, against the
        copy under the box's first account: (its id, dmID, its account, that copy's id,
        that account), by id."""
        # dmIDs kept more than once come from the dmID index alone (a covering scan: 1.7 s
        # at a million messages); only their rows are read and paired here. (A self-join of
        # the table did the pairing in SQL: a minute at a million messages, and minutes on
        # 50,000 rows of ten copies each, whatever the plan.)
        twice = (select(Message.dm_id).group_by(Message.dm_id)
                 .having(func.count() > 1).scalar_subquery())
        accounts = {int(r[0]): (str(r[1]), r[2], str(r[3])) for r in self.s.execute(
            select(Account.id, Account.name, Account.box_id, Account.environment))}
        groups: dict[tuple[str, str, str, str], list[tuple[int, int]]] = {}
        # Plain rows on the session's connection, not ORM results: at ten copies of every
        # message (the check's benchmark archive) every row is read here, and the ORM's
        # result processing cost four times the query (0.22-0.28 s of CPU on 50,000 rows).
        for mid, dm_id, direction, account_id in self.s.connection().execute(
                select(Message.id, Message.dm_id, Message.direction, Message.account_id)
                .where(Message.dm_id.in_(twice))):
            acc = accounts.get(int(account_id)) if account_id is not None else None
            if acc is None or acc[1] is None:
                continue  # no account, or its box is not known yet
            groups.setdefault((str(dm_id), str(direction), str(acc[1]), acc[2]), []).append(
                (int(account_id), int(mid)))
        out: list[tuple[int, str, str, int, str]] = []
        for (dm_id, _, _, _), copies in groups.items():
            if len({a for a, _ in copies}) < 2:
                continue
            copies.sort()
            first_acc, first_id = copies[0]
            out += [(mid, dm_id, accounts[acc][0], first_id, accounts[first_acc][0])
                    for acc, mid in copies[1:] if acc != first_acc]
        return sorted(out)

    def mark_copies_reviewed(self, copy_ids: Sequence[int]) -> int:
        """The user has looked at these copies: they stay, but stop failing the check."""
        if not copy_ids:
            return 0
        res = self.s.execute(update(EvidenceCopy).where(
            EvidenceCopy.id.in_(list(copy_ids)), EvidenceCopy.reviewed_at.is_(None)).values(
            reviewed_at=to_db(utcnow())))
        return int(getattr(res, "rowcount", 0) or 0)

    def evidence_copy_data(self, copy_id: int) -> bytes | None:
        r = blobs.read_row(self.s, EvidenceCopy.__table__, ("data",), "id", copy_id)
        return bytes(r[0]) if r is not None else None

    def untrusted_evidence(self, limit: int | None = None) -> list[tuple[int, str, str | None]]:
        """(id, dmID, verdict) of downloaded messages whose evidence is not trusted (the
        first ``limit`` by id)."""
        # The verdict's ranges pick the rows (ix_messages_verdict); "downloaded", true of
        # nearly every message, is wrapped and the order is by ``id + 0``, so that no
        # planner walks the table in id order (or the downloaded index) instead: the few
        # rows found are sorted.
        q = select(Message.id, Message.dm_id, Message.verdict).where(
            _not_trusted_ranges(Message.verdict),
            func.coalesce(Message.downloaded, False).is_(True),
        ).order_by(Message.id + 0)
        if limit is not None:
            q = q.limit(limit)
        return [(r[0], r[1], r[2]) for r in self.s.execute(q)]

    # -- quarantine ---------------------------------------------------------------------
    def quarantine(self, data: bytes, *, zfo_kind: str | None, dm_id: str | None,
                   verdict: str, verdict_json: str | None, reasons: str | None,
                   source_name: str | None) -> tuple[int, bool]:
        """Keep an untrusted imported ZFO apart: (id, newly quarantined)."""
        digest = sha256_hex(data)
        have = self.s.scalar(select(QuarantinedZfo.id).where(QuarantinedZfo.sha256 == digest))
        if have is not None:
            return int(have), False
        q = QuarantinedZfo(
            sha256=digest, size=len(data), data=data, zfo_kind=zfo_kind,
            dm_id=(dm_id or None) and dm_id[:20], verdict=verdict, verdict_json=verdict_json,
            reasons=reasons, source_name=(source_name or None) and source_name[-1000:],
            imported_at=to_db(utcnow()),
        )
        self.s.add(q)
        self.s.flush()
        return q.id, True

    def quarantined(self) -> list[QuarantineRecord]:
        q = select(QuarantinedZfo.id, QuarantinedZfo.sha256, QuarantinedZfo.size,
                   QuarantinedZfo.zfo_kind, QuarantinedZfo.dm_id, QuarantinedZfo.verdict,
                   QuarantinedZfo.reasons, QuarantinedZfo.source_name,
                   QuarantinedZfo.imported_at).order_by(QuarantinedZfo.id)
        return [QuarantineRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7],
                                 from_db(r[8]))  # type: ignore[arg-type]
                for r in self.s.execute(q)]

    def _apply_verdict(self, m: Message, verdict: VerdictInfo,
                       renewed: bool | None = None) -> None:
        m.verdict = verdict.kind
        m.verdict_json = verdict.json
        m.verified_at = to_db(verdict.checked_at)
        m.timestamp_expires = to_db(verdict.timestamp_expires)
        # The horizon follows the newest evidence version: re-verifying the original after
        # a restamp must not move the watch's due date back (store.versions).
        if renewed is None:
            renewed = m.id is not None and self._has_versions(m.id)
        if not renewed:
            m.evidence_expires = to_db(verdict.evidence_expires)
            m.evidence_cause = verdict.evidence_cause

    def _has_versions(self, message_id: int) -> bool:
        from dso_desktop.store.versions import EvidenceVersionRepo

        return EvidenceVersionRepo(self.s).has_versions(message_id)

    def set_verdict(self, message_id: int, verdict: VerdictInfo) -> None:
        m = self.s.get(Message, message_id)
        if m is None:
            raise NotFound(f"message {message_id}")
        self._apply_verdict(m, verdict)

    def set_verdicts(self, verdicts: dict[int, VerdictInfo]) -> None:
        """`set_verdict` for many messages (a batch of the bulk re-verification): two
        queries in all instead of two per message."""
        from dso_desktop.store.models import EvidenceVersion

        ids = list(verdicts)
        found = {m.id: m for m in self.s.scalars(select(Message).where(Message.id.in_(ids)))}
        renewed = set(self.s.scalars(select(EvidenceVersion.message_id).where(
            EvidenceVersion.message_id.in_(ids)).distinct()))
        for mid, verdict in verdicts.items():
            m = found.get(mid)
            if m is None:
                raise NotFound(f"message {mid}")
            self._apply_verdict(m, verdict, renewed=mid in renewed)

    def add_events(self, message_id: int, events: Iterable[DeliveryEvent]) -> int:
        have = {
            (from_db(r[0]), r[1])
            for r in self.s.execute(
                select(Event.at, Event.description).where(Event.message_id == message_id)
            )
        }
        added = 0
        for ev in events:
            key = (from_db(to_db(ev.at)), ev.description[:500])
            if key in have:
                continue
            have.add(key)
            self.s.add(Event(message_id=message_id, at=to_db(ev.at), description=key[1]))
            added += 1
        return added

    def current_delivery_info(self, message_id: int) -> evd.CopyInfo | None:
        r = self.s.execute(select(DeliveryInfo.sha256, DeliveryInfo.verdict,
                                  DeliveryInfo.content_sha256).where(
            DeliveryInfo.message_id == message_id)).first()
        return evd.CopyInfo(r[0], r[1], r[2]) if r else None

    def store_delivery_info(self, message_id: int, data: bytes, verdict: str | None, *,
                            content_sha256: str | None = None, from_isds: bool = True,
                            verdict_json: str | None = None) -> bool:
        """Offer a signed delivery info; True when it became the message's (new or changed)."""
        return self.place_delivery_info(
            message_id, data, verdict, content_sha256=content_sha256, from_isds=from_isds,
            verdict_json=verdict_json) in (evd.Action.STORE, evd.Action.REPLACE,
                                           evd.Action.SUPERSEDE)

    def place_delivery_info(self, message_id: int, data: bytes, verdict: str | None, *,
                            content_sha256: str | None = None, from_isds: bool = True,
                            verdict_json: str | None = None) -> evd.Action:
        """Apply the evidence rule (`store.evidence.decide`) to a signed delivery info.

        A trusted one replaces an untrusted one (kept aside) and a newer trusted one
        supersedes the older; an untrusted one never replaces a trusted one (it is kept
        aside as a conflicting copy).
        """
        digest = sha256_hex(data)
        di = self.s.get(DeliveryInfo, message_id, populate_existing=True)
        current = evd.CopyInfo(di.sha256, di.verdict, di.content_sha256) if di else None
        action = evd.decide(current, evd.CopyInfo(digest, verdict, content_sha256),
                           from_isds=from_isds, kind=evd.DELIVERY_INFO)
        now = to_db(utcnow())
        if action is evd.Action.STORE:
            self.s.add(DeliveryInfo(
                message_id=message_id, sha256=digest, size=len(data), data=data,
                verdict=verdict, stored_at=now, content_sha256=content_sha256,
            ))
            return action
        if di is None or action in (evd.Action.QUARANTINE, evd.Action.REFUSE):
            return action
        if action in (evd.Action.KEEP, evd.Action.CONFLICT):
            if action is evd.Action.CONFLICT:
                self.keep_copy(message_id, evd.DELIVERY_INFO, data, content_sha256, verdict,
                               verdict_json, evd.REASON_CONFLICT)
            if from_isds:
                di.stored_at = now  # type: ignore[assignment]  # fetched again: up to date
            if di.sha256 == digest and evd.verdict_rank(verdict) >= evd.verdict_rank(
                    di.verdict):
                di.verdict = verdict
            return action
        if action is evd.Action.REPLACE:
            self.keep_copy(message_id, evd.DELIVERY_INFO, bytes(di.data), di.content_sha256,
                           di.verdict, None, evd.REASON_DISPLACED)
        di.sha256, di.size, di.data, di.verdict, di.stored_at = (
            digest, len(data), data, verdict, now,  # type: ignore[assignment]
        )
        di.content_sha256 = content_sha256
        return action

    def mark_read(self, message_id: int, read: bool = True) -> bool:
        """True when the read state changed."""
        res = self.s.execute(update(Message).where(
            Message.id == message_id, Message.is_read.is_not(read)).values(is_read=read))
        return bool(getattr(res, "rowcount", 0))

    def set_note(self, message_id: int, note: str | None) -> bool:
        """True when the note changed."""
        note = note or None
        res = self.s.execute(update(Message).where(
            Message.id == message_id, Message.note.is_distinct_from(note)).values(note=note))
        return bool(getattr(res, "rowcount", 0))

    # -- reading ------------------------------------------------------------------------
    def _filtered(self, q: Select[Any], f: MessageFilter) -> Select[Any]:
        if f.account is not None:
            q = q.where(Message.account_id.in_(box_account_ids(f.account)))
        if f.direction is not None:
            q = q.where(Message.direction == str(f.direction))
        if f.year is not None:
            q = q.where(
                Message.delivered_at >= datetime(f.year, 1, 1),
                Message.delivered_at < datetime(f.year + 1, 1, 1),
            )
        if f.since is not None:
            q = q.where(Message.delivered_at >= to_db(f.since))
        if f.unread_only:
            q = q.where(Message.is_read.is_(False))
        if f.downloaded is not None:
            q = q.where(Message.downloaded.is_(f.downloaded))
        if f.dm_id is not None:
            q = q.where(Message.dm_id == f.dm_id)
        if f.tag_id is not None:
            q = q.where(Message.id.in_(
                select(MessageTag.message_id).where(MessageTag.tag_id == f.tag_id)))
        if f.handed_over is not None:
            held = Message.id.in_(select(RecordsHandover.message_id).where(
                RecordsHandover.message_id.is_not(None)))
            q = q.where(held if f.handed_over else ~held)
        # The filter bar's fields: the account/direction/delivered_at index narrows first
        # (ix_messages_list), these are checked on what it leaves.
        if f.until is not None:
            q = q.where(Message.delivered_at < to_db(f.until))
        if f.party:
            cols = (Message.sender_name, Message.sender_box_id,
                    Message.recipient_name, Message.recipient_box_id)
            if self._fts:  # SQLite: our fold() (db.py) also folds Czech letters
                # One call per row over the four fields (a separator no one types keeps
                # a match inside one field): Python callbacks are what this filter costs.
                joined: Any = func.coalesce(cols[0], "")
                for c in cols[1:]:
                    joined = joined + "\x1f" + func.coalesce(c, "")
                pattern = "%" + _like_escape(fold(f.party.strip()) or "") + "%"
                q = q.where(func.dso_fold(joined).like(pattern, escape="\\"))
            else:  # PostgreSQL's ILIKE folds the case of every letter
                pattern = "%" + _like_escape(f.party.strip()) + "%"
                q = q.where(or_(*(c.ilike(pattern, escape="\\") for c in cols)))
        if f.statuses:
            q = q.where(Message.status.in_(sorted(set(f.statuses))))
        if f.verdicts:
            kinds = sorted({v for v in f.verdicts if v != UNVERIFIED})
            conds = [Message.verdict.in_(kinds)] if kinds else []
            if UNVERIFIED in f.verdicts:
                conds.append(Message.verdict.is_(None))
            q = q.where(or_(*conds))
        if f.has_attachments is not None:
            q = q.where(Message.attachment_count > 0 if f.has_attachments
                        else func.coalesce(Message.attachment_count, 0) == 0)
        return q

    def count(self, f: MessageFilter) -> int:
        _counted("count")
        return int(self.s.scalar(self._filtered(select(func.count(Message.id)), f)) or 0)

    def page(
        self, f: MessageFilter, order_by: str = "delivered_at", descending: bool = True,
        after: tuple[Any, int] | None = None, limit: int = 200,
    ) -> list[tuple[Any, int]]:
        """One keyset page of the list: (sort value, id) of up to ``limit`` messages after
        the (sort value, id) ``after`` in the list's order (None: the first page).

        The next page starts after the last pair of this one, so no page scans the rows of
        the pages before it (no OFFSET); with the covering ``ix_messages_sort_*`` indexes
        (revision 0008) a page reads ``limit`` index entries. NULL sorts as the smallest
        value on every backend (SQLite's order; PostgreSQL is told so explicitly).
        """
        q = self.page_query(f, order_by, descending, after, limit)
        return [(r[0], r[1]) for r in self.s.connection().execute(q)]

    def page_query(self, f: MessageFilter, order_by: str = "delivered_at",
                   descending: bool = True, after: tuple[Any, int] | None = None,
                   limit: int = 200) -> Select[Any]:
        """The keyset page query (`page`), for its plan to be checked (tests)."""
        if order_by not in ORDER_COLUMNS:
            raise ValueError(f"cannot order by {order_by!r}")
        col = getattr(Message, order_by)
        if not self._fts and order_by != "id":
            return self._pg_page_query(f, col, descending, after, limit)
        q = self._filtered(select(col, Message.id), f)
        if after is not None:
            value, last_id = after
            if order_by == "id":
                q = q.where(Message.id < last_id if descending else Message.id > last_id)
            elif descending:  # NULLs come last: after a NULL only NULLs with smaller ids
                q = q.where(and_(col.is_(None), Message.id < last_id) if value is None else
                            or_(col < value, col.is_(None),
                                and_(col == value, Message.id < last_id)))
            else:  # NULLs come first: after a NULL the other NULLs, then every value
                q = q.where(or_(and_(col.is_(None), Message.id > last_id), col.is_not(None))
                            if value is None else
                            or_(col > value, and_(col == value, Message.id > last_id)))
        # SQLite orders NULL first (ascending): the index's order. (By id: never NULL.)
        keys = [col.desc(), Message.id.desc()] if descending else [col.asc(),
                                                                     Message.id.asc()]
        return q.order_by(*keys).limit(max(1, limit))

    def _pg_page_query(self, f: MessageFilter, col: Any, descending: bool,
                       after: tuple[Any, int] | None, limit: int) -> Select[Any]:
        """PostgreSQL's keyset page, in SQLite's order (NULL the smallest value).

        PostgreSQL's B-trees keep NULLs last, so ``col DESC NULLS LAST`` cannot be read
        from the ``ix_messages_sort_*`` indexes: asked for in one ORDER BY, it is a scan and
        a sort of the whole folder (92 ms on 100,000 messages, against 0.5 ms). So the page
        is the union of two index walks, each at most ``limit`` entries: the values
        (``col IS NOT NULL``, in the index's order), and the NULLs (``col IS NULL``, an
        equality on the index's column, so in id order); the union's at most 2 × ``limit``
        rows are sorted once. A part the ``after`` key has passed is left out."""
        n = max(1, limit)
        idx = [col.desc(), Message.id.desc()] if descending else [col.asc(), Message.id.asc()]
        ids = Message.id.desc() if descending else Message.id.asc()
        values: Select[Any] | None = self._filtered(select(col, Message.id), f).where(
            col.is_not(None)).order_by(*idx).limit(n)
        nulls: Select[Any] | None = self._filtered(select(col, Message.id), f).where(
            col.is_(None)).order_by(ids).limit(n)
        if after is not None:
            value, last_id = after
            newer = Message.id < last_id if descending else Message.id > last_id
            if value is None:  # within the NULLs: before the values (asc) or after (desc)
                assert nulls is not None
                nulls = nulls.where(newer)
                if descending:
                    values = None
            else:
                assert values is not None
                # A row comparison: an index condition on (direction, col, id), so a deep
                # page starts where the last one ended instead of filtering its way there.
                here, there = tuple_(col, Message.id), tuple_(literal(value, col.type),
                                                              literal(last_id, Integer))
                values = values.where(here < there if descending else here > there)
                if not descending:
                    nulls = None
        parts = [p.subquery() for p in (values, nulls) if p is not None]
        u = parts[0] if len(parts) == 1 else union_all(
            *(select(*p.c) for p in parts)).subquery("u")
        key, pid = u.c[0], u.c[1]
        keys = ([key.desc().nulls_last(), pid.desc()] if descending
                else [key.asc().nulls_first(), pid.asc()])
        return select(key, pid).order_by(*keys).limit(n)

    def ids(
        self, f: MessageFilter, order_by: str = "delivered_at", descending: bool = True,
        limit: int | None = None,
    ) -> list[int]:
        q = self.ids_query(f, order_by, descending)
        if limit is not None:
            q = q.limit(limit)
        # Core execution on the session's connection: 100,000 ints without ORM overhead.
        return [r[0] for r in self.s.connection().execute(q)]

    def ids_query(self, f: MessageFilter, order_by: str = "delivered_at",
                  descending: bool = True) -> Select[Any]:
        """The list's id query (`ids`), for its plan to be checked (tests)."""
        if order_by not in ORDER_COLUMNS:
            raise ValueError(f"cannot order by {order_by!r}")
        col = getattr(Message, order_by)
        q = self._filtered(select(Message.id), f)
        if self._fts:  # SQLite: NULL is the smallest value, the indexes' order
            return q.order_by(col.desc(), Message.id.desc()) if descending else q.order_by(
                col.asc(), Message.id.asc())
        # PostgreSQL orders NULL as the largest value; the list (its keyset pages, which
        # this full list extends) orders it as SQLite does, so say so. The whole folder is
        # read anyway, so the sort this costs off the index is one pass over its ids.
        return (q.order_by(col.desc().nulls_last(), Message.id.desc()) if descending
                else q.order_by(col.asc().nulls_first(), Message.id.asc()))

    def rows(self, ids: Sequence[int]) -> list[MessageRow]:
        """Rows for ``ids`` in the same order (unknown ids are skipped).

        One statement per 500 ids, tags and hand-overs included (`_row_columns`): on a
        server database every statement is a network round trip, so a list page or a
        search's rows cost one, not three."""
        if not ids:
            return []
        by_id: dict[int, MessageRow] = {}
        conn = self.s.connection()  # Core rows: no ORM identity map for list columns
        for chunk_start in range(0, len(ids), 500):
            chunk = list(ids[chunk_start:chunk_start + 500])
            q = select(*_row_columns()).outerjoin(
                Account, Account.id == Message.account_id).where(Message.id.in_(chunk))
            for r in conn.execute(q):
                by_id[r[0]] = _message_row(r)
        return [by_id[i] for i in ids if i in by_id]

    def page_rows(
        self, f: MessageFilter, order_by: str = "delivered_at", descending: bool = True,
        after: tuple[Any, int] | None = None, limit: int = 200,
    ) -> list[tuple[tuple[Any, int], MessageRow]]:
        """One keyset page of the list with its rows, in ONE statement: ((sort value, id),
        row) of up to ``limit`` messages after ``after`` (as `page`; the last pair's key is
        the next page's ``after``).

        The keyset page (`page_query`: ``limit`` entries of a covering index, no OFFSET,
        no id list of the folder) is a derived table; only its rows are joined to their
        columns, tags and hand-over state, and only they are sorted again."""
        inner = self.page_query(f, order_by, descending, after, limit).subquery("p")
        key, pid = inner.c[0], inner.c[1]
        if self._fts:
            keys = [key.desc(), pid.desc()] if descending else [key.asc(), pid.asc()]
        else:
            keys = ([key.desc().nulls_last(), pid.desc()] if descending
                    else [key.asc().nulls_first(), pid.asc()])
        q = (select(key, *_row_columns())
             .select_from(inner.join(Message, Message.id == pid))
             .outerjoin(Account, Account.id == Message.account_id)
             .order_by(*keys))
        return [((r[0], r[1]), _message_row(r[1:])) for r in self.s.connection().execute(q)]

    def detail(self, message_id: int) -> StoredMessage:
        m = self.s.get(Message, message_id)
        if m is None:
            raise NotFound(f"message {message_id}")
        row = self.rows([message_id])[0]
        events = tuple(
            DeliveryEvent(at=from_db(r[0]), description=r[1])  # type: ignore[arg-type]
            for r in self.s.execute(
                select(Event.at, Event.description).where(Event.message_id == message_id)
                .order_by(Event.at, Event.id)
            )
        )
        z = self.s.execute(
            select(MessageZfo.sha256, MessageZfo.size).where(MessageZfo.message_id == message_id)
        ).first()
        has_di = self.s.scalar(
            select(func.count()).select_from(DeliveryInfo).where(
                DeliveryInfo.message_id == message_id)
        )
        tag_rows = tuple(
            (r[0], r[1], r[2]) for r in self.s.execute(
                select(Tag.id, Tag.name, Tag.color).join(
                    MessageTag, MessageTag.tag_id == Tag.id).where(
                    MessageTag.message_id == message_id).order_by(Tag.name)
            )
        )
        return StoredMessage(
            row=row, envelope=envelope_of(m), events=events, note=m.note,
            verdict_json=m.verdict_json, verified_at=from_db(m.verified_at),
            timestamp_expires=from_db(m.timestamp_expires),
            zfo_sha256=z[0] if z else None, zfo_size=z[1] if z else None,
            has_delivery_info=bool(has_di), source=m.source, tags=tag_rows,
        )

    def zfo(self, message_id: int) -> tuple[bytes, str] | None:
        r = blobs.read_row(self.s, MessageZfo.__table__, ("data", "sha256"), "message_id",
                           message_id)
        return (bytes(r[0]), r[1]) if r else None

    def delivery_info(self, message_id: int) -> bytes | None:
        r = blobs.read_row(self.s, DeliveryInfo.__table__, ("data",), "message_id", message_id)
        return bytes(r[0]) if r is not None else None

    def delivery_info_ids(self) -> list[int]:
        return list(self.s.scalars(select(DeliveryInfo.message_id).order_by(
            DeliveryInfo.message_id)))

    def delivery_info_checked(self, message_id: int) -> tuple[bytes, str] | None:
        r = blobs.read_row(self.s, DeliveryInfo.__table__, ("data", "sha256"), "message_id",
                           message_id)
        return (bytes(r[0]), r[1]) if r else None

    def zfos_of(self, ids: Sequence[int]) -> list[tuple[int, str, bytes, str]]:
        """(id, dmID, ZFO bytes, stored SHA-256) of the messages in ``ids`` that have a ZFO,
        in one query per 500 ids (the integrity check reads the archive in batches)."""
        out: list[tuple[int, str, bytes, str]] = []
        conn = self.s.connection()
        for start in range(0, len(ids), 500):
            chunk = list(ids[start:start + 500])
            q = select(MessageZfo.message_id, Message.dm_id, MessageZfo.data,
                       MessageZfo.sha256).join(Message, Message.id == MessageZfo.message_id
                                               ).where(MessageZfo.message_id.in_(chunk))
            out += [(int(r[0]), r[1], bytes(r[2]), r[3]) for r in conn.execute(q)]
        return out

    def iter_zfo_ids(self) -> Iterator[int]:
        yield from self.s.scalars(select(MessageZfo.message_id).order_by(MessageZfo.message_id))

    def zfo_ids(self) -> list[int]:
        """The ids of the messages with a ZFO, ascending. Unordered, SQLite answers from the
        smallest covering index (the SHA-256 one: a few pages) instead of walking the
        table, whose leaves hold one ZFO's first bytes each (0.07 s against 0.02 s of CPU
        on 50,000 ZFOs); sorted here."""
        return sorted(self.s.connection().execute(select(MessageZfo.message_id)).scalars())

    def search(self, query: str, account: str | None = None, limit: int = 200) -> list[int]:
        """Message ids matching every word of ``query`` (prefixes, diacritics folded)."""
        exact = fts_query(query, prefix=False)
        if exact is None:
            return []
        if self._pg_search:
            return self._search_pg(query, account, limit)
        if not self._fts:
            return self._search_like(query, account, limit)
        limit = max(1, min(limit, 10_000))
        # Whole words first (cheap: one doclist per word), then prefixes if there is room:
        # exact hits rank first, and most searches never pay for the prefix expansion.
        ids = self._match(exact, account, limit)
        prefixed = fts_query(query, prefix=True)
        if len(ids) < limit and prefixed != exact:
            seen = set(ids)
            ids += [i for i in self._match(prefixed, account, limit + len(ids))
                    if i not in seen][: limit - len(ids)]
        return ids

    def _search_pg(self, query: str, account: str | None, limit: int) -> list[int]:
        """As the FTS5 search: whole words first, then prefixes, newest stored first."""
        hits = self._pg_hits(query, account, limit)
        if hits is None:
            return []
        return [r[0] for r in self.s.connection().execute(
            select(hits.c.mid).order_by(hits.c.grp, hits.c.mid.desc()).limit(limit))]

    def search_rows(self, query: str, account: str | None = None, limit: int = 200
                    ) -> list[MessageRow]:
        """The rows of `search`'s hits, in its order. On PostgreSQL in ONE statement (the
        whole-word and the prefix match and the hits' rows), one round trip to the server;
        on SQLite the search and then its rows."""
        if not self._pg_search:
            return self.rows(self.search(query, account, limit))
        if fts_query(query, prefix=False) is None:
            return []
        hits = self._pg_hits(query, account, limit)
        if hits is None:
            return []
        q = (select(*_row_columns())
             .select_from(hits.join(Message, Message.id == hits.c.mid))
             .outerjoin(Account, Account.id == Message.account_id)
             .order_by(hits.c.grp, hits.c.mid.desc()).limit(max(1, min(limit, 10_000))))
        return [_message_row(r) for r in self.s.connection().execute(q)]

    def _pg_hits(self, query: str, account: str | None, limit: int) -> Any | None:
        """PostgreSQL: the hits of ``query`` as a subquery (mid, grp): the newest ``limit``
        messages with every whole word (grp 0), then, only when they are fewer than
        ``limit``, the newest with every word as a prefix that are not among them (grp 1).
        The prefix part is gated by a one-time filter on the whole-word count, so a search
        that fills its page with whole words never expands the prefixes (as FTS5)."""
        exact = pgsearch.tsquery(query, prefix=False)
        if exact is None:
            return None
        limit = max(1, min(limit, 10_000))
        ms = pgsearch.message_search
        owners = (select(Message.id).where(Message.account_id.in_(box_account_ids(account)))
                  if account is not None else None)

        def matching(expr: str) -> Select[Any]:
            # The tsquery goes into the statement's text, not a parameter: psycopg prepares
            # a statement run five times, and PostgreSQL may then plan it once for any
            # query ("generic plan"), without knowing how many messages the words match. A
            # walk of the primary key that is right for a common word then reads the whole
            # index for a word nobody used (300 ms instead of 0.2 ms at 100,000). The
            # literal is safe: `pgsearch.tsquery` makes it of letters, digits and its own
            # quotes only, and SQLAlchemy quotes it as a string literal besides.
            q = select(ms.c.message_id.label("mid")).where(
                ms.c.doc.bool_op("@@")(cast(bindparam(None, expr, literal_execute=True),
                                            TSQUERY)))
            if owners is not None:  # every account of the box (one copy per box)
                q = q.where(ms.c.message_id.in_(owners))
            return q.order_by(ms.c.message_id.desc()).limit(limit)

        whole = matching(exact).cte("whole")
        parts = [select(whole.c.mid, literal(0).label("grp"))]
        prefixed = pgsearch.tsquery(query, prefix=True)
        if prefixed is not None and prefixed != exact:
            room = select(func.count()).select_from(whole).scalar_subquery() < limit
            more = matching(prefixed).where(room, ms.c.message_id.not_in(select(whole.c.mid)))
            more_sub = more.subquery("more")
            parts.append(select(more_sub.c.mid, literal(1).label("grp")))
        return (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("hits")

    def _match(self, expr: str | None, account: str | None, limit: int) -> list[int]:
        params: dict[str, object] = {"q": expr, "limit": limit}
        if account is None:
            sql = ("SELECT rowid FROM messages_fts WHERE messages_fts MATCH :q "
                   "ORDER BY rowid DESC LIMIT :limit")
        else:
            # The account's data box: every account of the same box (one copy per box).
            sql = ("SELECT f.rowid FROM messages_fts f JOIN messages m ON m.id = f.rowid "
                   "JOIN accounts a ON a.id = m.account_id "
                   "JOIN accounts me ON me.name = :account "
                   "WHERE messages_fts MATCH :q AND (a.id = me.id OR (a.box_id = me.box_id "
                   "AND a.environment = me.environment)) "
                   "ORDER BY f.rowid DESC LIMIT :limit")
            params["account"] = account
        return [r[0] for r in self.s.execute(text(sql), params)]

    def _search_like(self, query: str, account: str | None, limit: int) -> list[int]:
        """Without FTS5 (e.g. PostgreSQL): every word in an envelope column, no folding."""
        cols = (Message.subject, Message.sender_name, Message.recipient_name,
                Message.sender_address, Message.recipient_address, Message.our_ref,
                Message.your_ref, Message.our_file_mark, Message.your_file_mark,
                Message.dm_id)
        q = select(Message.id)
        for token in _TOKEN.findall(query)[:MAX_QUERY_TOKENS]:
            pattern = f"%{token}%"
            q = q.where(or_(*(c.ilike(pattern) for c in cols)))
        if account is not None:
            q = q.where(Message.account_id.in_(box_account_ids(account)))
        q = q.order_by(Message.id.desc()).limit(max(1, min(limit, 10_000)))
        return list(self.s.scalars(q))

    def tree_counts(self) -> list[tuple[str | None, str, int | None, int, int]]:
        """(account name, direction, year, total, unread) groups for the folder tree."""
        _counted("tree_counts")
        year = func.extract("year", Message.delivered_at)
        unread = func.sum(case((Message.is_read.is_(False), 1), else_=0))
        # Grouped by the account's id, not its name: the groups are then read from
        # ix_messages_tree alone (revision 0010), no join and no table row per message;
        # the few groups are named (and merged, for a name shared by ids) here. The
        # always-true ``is_read IN (false, true)`` (the column is NOT NULL) makes the index
        # that leads with is_read a candidate, so SQLite does not take ix_messages_list
        # instead (it lacks is_read: a table lookup per message).
        q = (
            select(Message.account_id, Message.direction, year, func.count(), unread)
            .where(Message.is_read.in_([False, True]))
            .group_by(Message.account_id, Message.direction, year)
        )
        names = dict(self.s.execute(select(Account.id, Account.name)).tuples().all())
        merged: dict[tuple[str | None, str, int | None], list[int]] = {}
        for acc, direction, y, total, unread_n in self.s.execute(q):
            key = (names.get(acc), direction, int(y) if y is not None else None)
            counts = merged.setdefault(key, [0, 0])
            counts[0] += int(total)
            counts[1] += int(unread_n or 0)
        return [(k[0], k[1], k[2], v[0], v[1]) for k, v in merged.items()]
