"""Messages, search and tags: what the lists, the detail pane and the CLI read and change."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dso_desktop.domain import Direction
from dso_desktop.paths import atomic_write, private_dir
from dso_desktop.services.types import (
    AttachmentInfo,
    MessageDetail,
    TreeNode,
    VerdictView,
)
from dso_desktop.store.db import Database
from dso_desktop.store.errors import DamagedEvidence, NotFound
from dso_desktop.store.messages import MessageRepo, sha256_hex
from dso_desktop.store.records import MessageFilter, MessageRow, TagRecord
from dso_desktop.store.repos import TagRepo
from dso_desktop.sync.ingest import verdict_info

RECENT_DAYS = 90


def _attachments(parsed: Any) -> tuple[AttachmentInfo, ...]:
    return tuple(
        AttachmentInfo(index=i, name=a.name, mime_type=a.mime_type or "",
                       role=str(a.role), size=int(a.size))
        for i, a in enumerate(parsed.attachments)
    )


def message_accounts(db: Database, ids: Sequence[int]) -> dict[int, int | None]:
    """The account id of each message (None: unassigned), for picking its trust scope."""
    from sqlalchemy import select

    from dso_desktop.store.models import Message

    out: dict[int, int | None] = {}
    with db.read() as s:
        for i in range(0, len(ids), 500):
            chunk = list(ids[i:i + 500])
            for mid, acc in s.execute(select(Message.id, Message.account_id)
                                      .where(Message.id.in_(chunk))):
                out[int(mid)] = acc
    return out


class MessageService:
    def __init__(self, db: Database, trust: Callable[..., Any]) -> None:
        self._db = db
        self._trust = trust

    # -- lists --------------------------------------------------------------------------
    def count(self, f: MessageFilter | None = None) -> int:
        with self._db.read() as s:
            return MessageRepo(s).count(f or MessageFilter())

    def ids(self, f: MessageFilter | None = None, order_by: str = "delivered_at",
            descending: bool = True, limit: int | None = None) -> list[int]:
        with self._db.quick_read() as s:
            return MessageRepo(s).ids(f or MessageFilter(), order_by, descending, limit)

    def page(self, f: MessageFilter | None = None, order_by: str = "delivered_at",
             descending: bool = True, after: tuple[Any, int] | None = None,
             limit: int = 200) -> list[tuple[Any, int]]:
        """A keyset page of (sort value, id) pairs (`MessageRepo.page`)."""
        with self._db.quick_read() as s:
            return MessageRepo(s).page(f or MessageFilter(), order_by, descending, after,
                                       limit)

    def rows(self, ids: Sequence[int]) -> list[MessageRow]:
        with self._db.quick_read() as s:
            return MessageRepo(s).rows(ids)

    def list_page(self, f: MessageFilter | None = None, order_by: str = "delivered_at",
                  descending: bool = True, after: tuple[Any, int] | None = None,
                  limit: int = 200) -> list[tuple[tuple[Any, int], MessageRow]]:
        """A keyset page of the list with its rows in one statement
        (`MessageRepo.page_rows`): ((sort value, id), row); the last key is the next
        page's ``after``. For a client of a server archive, where each statement is a
        round trip and no client should hold a folder's 100,000 ids to show 100 rows."""
        with self._db.quick_read() as s:
            return MessageRepo(s).page_rows(f or MessageFilter(), order_by, descending, after,
                                            limit)

    def find(self, dm_id: str) -> list[int]:
        """Archive ids of a message by its ISDS id (one per account and direction)."""
        with self._db.read() as s:
            return MessageRepo(s).ids_by_dm_id(dm_id)

    def tree_counts(self, now: datetime | None = None) -> list[TreeNode]:
        """Account → direction → ("last 90 days", years) with totals and unread counts."""
        now = now or datetime.now(UTC)
        since = now - timedelta(days=RECENT_DAYS)
        with self._db.read() as s:
            repo = MessageRepo(s)
            groups = repo.tree_counts()
            recent: dict[tuple[str | None, str], tuple[int, int]] = {}
            for account in {g[0] for g in groups}:
                for d in Direction:
                    f = MessageFilter(account=account, direction=d, since=since)
                    if account is None:
                        continue
                    total = repo.count(f)
                    unread = repo.count(MessageFilter(account=account, direction=d, since=since,
                                                      unread_only=True))
                    recent[(account, str(d))] = (total, unread)
        nodes: list[TreeNode] = []
        for account in sorted({g[0] for g in groups}, key=lambda a: (a is None, a or "")):
            dir_nodes = []
            for d in Direction:
                years = sorted(
                    ((y, n, u) for a, dd, y, n, u in groups if a == account and dd == str(d)),
                    key=lambda t: -(t[0] or 0),
                )
                children = []
                if account is not None:
                    rt, ru = recent.get((account, str(d)), (0, 0))
                    children.append(TreeNode(account, d, "last-90-days",
                                             MessageFilter(account=account, direction=d,
                                                           since=since), rt, ru))
                for y, n, u in years:
                    children.append(TreeNode(
                        account, d, str(y) if y else "?",
                        MessageFilter(account=account, direction=d, year=y), n, u))
                total = sum(n for _, n, _ in years)
                unread = sum(u for _, _, u in years)
                dir_nodes.append(TreeNode(account, d, str(d),
                                          MessageFilter(account=account, direction=d),
                                          total, unread, tuple(children)))
            nodes.append(TreeNode(account, None, account or "imported",
                                  MessageFilter(account=account),
                                  sum(n.total for n in dir_nodes),
                                  sum(n.unread for n in dir_nodes), tuple(dir_nodes)))
        return nodes

    # -- one message --------------------------------------------------------------------
    def zfo_bytes(self, message_id: int) -> bytes:
        with self._db.read() as s:
            z = MessageRepo(s).zfo(message_id)
        if z is None:
            raise NotFound(f"message {message_id} has no signed ZFO stored yet")
        return z[0]

    def delivery_info_bytes(self, message_id: int) -> bytes | None:
        with self._db.read() as s:
            return MessageRepo(s).delivery_info(message_id)

    def _parsed(self, message_id: int) -> Any | None:
        from dso_desktop.zfo import parse_zfo

        with self._db.read() as s:
            z = MessageRepo(s).zfo(message_id)
        return parse_zfo(z[0]) if z else None

    def detail(self, message_id: int) -> MessageDetail:
        with self._db.read() as s:
            repo = MessageRepo(s)
            st = repo.detail(message_id)
            copies = tuple(repo.evidence_copies(message_id))
        parsed = self._parsed(message_id) if st.row.downloaded else None
        payload = json.loads(st.verdict_json) if st.verdict_json else None
        verdict = VerdictView.from_payload(st.row.verdict, payload) if st.row.verdict else None
        return MessageDetail(
            id=message_id, row=st.row, envelope=st.envelope, events=st.events, verdict=verdict,
            verdict_kind=st.row.verdict, verified_at=st.verified_at,
            attachments=_attachments(parsed) if parsed is not None else (),
            note=st.note, tags=st.tags, zfo_sha256=st.zfo_sha256, zfo_size=st.zfo_size,
            has_delivery_info=st.has_delivery_info, evidence_copies=copies,
        )

    def attachment_content(self, message_id: int, index: int) -> bytes:
        parsed = self._parsed(message_id)
        if parsed is None:
            raise NotFound(f"message {message_id} has no signed ZFO stored yet")
        if not 0 <= index < len(parsed.attachments):
            raise NotFound(f"message {message_id} has no attachment {index}")
        return bytes(parsed.attachments[index].content())

    def save_attachments(self, message_id: int, out_dir: Path,
                         indexes: Sequence[int] | None = None) -> list[Path]:
        """Write attachments under ``out_dir`` with defused, unique names that fit its file
        system (never outside it, never over an existing file; see zfo.extract.save_files)."""
        from dso_desktop.zfo.extract import Chunks, save_files

        parsed = self._parsed(message_id)
        if parsed is None:
            raise NotFound(f"message {message_id} has no signed ZFO stored yet")
        wanted = range(len(parsed.attachments)) if indexes is None else indexes
        atts = [parsed.attachments[i] for i in wanted]
        return save_files(Path(out_dir), [(a.name, Chunks(a.chunks)) for a in atts])

    def export(self, message_id: int, out_dir: Path) -> list[Path]:
        """The signed ZFO, the signed delivery info and the attachments, with safe names."""
        with self._db.read() as s:
            repo = MessageRepo(s)
            st = repo.detail(message_id)
            z = repo.zfo(message_id)
            di = repo.delivery_info(message_id)
        if z is None:
            raise NotFound(f"message {st.row.dm_id} has no signed ZFO stored yet")
        data, digest = z
        if sha256_hex(data) != digest:
            raise DamagedEvidence(f"stored ZFO of {st.row.dm_id} does not match its checksum")
        out_dir = private_dir(Path(out_dir), tighten_existing=False)
        # dmID is 1-20 digits on ISDS; an imported file could carry anything, so only
        # ASCII letters and digits, and few enough that every name below fits any file system.
        dm = "".join(ch for ch in st.row.dm_id if ch.isascii() and ch.isalnum())[:40] \
            or str(message_id)
        prefix = "DDZ" if st.row.direction is Direction.RECEIVED else "ODZ"
        written = []
        zfo_path = out_dir / f"{prefix}_{dm}.zfo"
        atomic_write(zfo_path, data)
        del data, z  # the attachments below read the ZFO again: not two copies at once
        written.append(zfo_path)
        if di is not None:
            di_path = out_dir / f"DOD_{dm}.zfo"
            atomic_write(di_path, di)
            written.append(di_path)
        written += self.save_attachments(message_id, out_dir / f"{prefix}_{dm}_prilohy")
        return written

    def mark_read(self, message_id: int, read: bool = True) -> None:
        from dso_desktop.store.activity import READ, UNREAD, ActivityRepo

        with self._db.write() as s:
            if MessageRepo(s).mark_read(message_id, read):  # the office sees who read it
                ActivityRepo(s).record(message_id, READ if read else UNREAD)

    def set_note(self, message_id: int, text: str | None) -> None:
        from dso_desktop.store.activity import NOTE, ActivityRepo

        with self._db.write() as s:
            if MessageRepo(s).set_note(message_id, text):
                ActivityRepo(s).record(message_id, NOTE)

    def activity(self, message_id: int) -> list[Any]:
        """Who read, tagged or annotated the message, oldest first
        (`store.activity.ActivityRecord`)."""
        from dso_desktop.store.activity import ActivityRepo

        with self._db.read() as s:
            return ActivityRepo(s).history(message_id)

    def verify(self, message_id: int, now: datetime | None = None) -> Any:
        """Verify the stored ZFO again; the new verdict is stored, the evidence untouched."""
        from dso_desktop.zfo import verify_zfo

        data = self.zfo_bytes(message_id)
        account_id = message_accounts(self._db, [message_id]).get(message_id)
        verdict = verify_zfo(data, self._trust(account_id), now=now)
        with self._db.write() as s:
            MessageRepo(s).set_verdict(message_id, verdict_info(verdict))
        return verdict


class SearchService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def search_ids(self, query: str, account: str | None = None, limit: int = 200) -> list[int]:
        with self._db.quick_read() as s:
            return MessageRepo(s).search(query, account, limit)

    def search(self, query: str, account: str | None = None, limit: int = 200
               ) -> list[MessageRow]:
        with self._db.quick_read() as s:
            return MessageRepo(s).search_rows(query, account, limit)


class TagService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def list(self) -> list[TagRecord]:
        with self._db.read() as s:
            return TagRepo(s).list()

    def create(self, name: str, color: str) -> TagRecord:
        with self._db.write() as s:
            return TagRepo(s).create(name, color)

    def update(self, tag_id: int, *, name: str | None = None, color: str | None = None) -> None:
        with self._db.write() as s:
            TagRepo(s).update(tag_id, name=name, color=color)

    def delete(self, tag_id: int) -> None:
        with self._db.write() as s:
            TagRepo(s).delete(tag_id)

    def assign(self, message_id: int, tag_id: int) -> None:
        from dso_desktop.store.activity import TAG, ActivityRepo

        with self._db.write() as s:
            if TagRepo(s).assign(message_id, tag_id):
                ActivityRepo(s).record(message_id, TAG, TagRepo(s).name(tag_id))

    def unassign(self, message_id: int, tag_id: int) -> None:
        from dso_desktop.store.activity import UNTAG, ActivityRepo

        with self._db.write() as s:
            if TagRepo(s).unassign(message_id, tag_id):
                ActivityRepo(s).record(message_id, UNTAG, TagRepo(s).name(tag_id))
