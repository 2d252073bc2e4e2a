"""`services.messages`: what the lists, the detail pane and the CLI read and change.

A real archive with real sealed ZFOs (the test PKI); every test checks what the service
returns or writes, not only that it runs.
"""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from tests.unit.archive_helpers import urad_db as db  # noqa: F401 - the fixture
from tests.unit.zfo.zfo_factory import make_zfo, pki, trust  # noqa: F401 - pytest fixtures

from dso_desktop.domain import Direction
from dso_desktop.services.messages import (
    MessageService,
    SearchService,
    TagService,
    message_accounts,
)
from dso_desktop.store.db import Database
from dso_desktop.store.errors import NotFound
from dso_desktop.store.messages import MessageRepo
from dso_desktop.store.writer import EvidenceWriter
from dso_desktop.sync.ingest import parse_and_verify, store_message_zfo
from dso_desktop.zfo.trust import TrustStore

NOW = datetime(2026, 3, 10, tzinfo=UTC)
FILES = [("rozhodnuti.pdf", b"%PDF-1.4 rozhodnuti"), ("priloha.txt", "Příloha č. 1".encode())]




def _store(db: Database, data: bytes, trust: TrustStore, account_id: int | None = 1) -> int:
    parsed, verdict = parse_and_verify(data, trust, now=NOW)
    res = store_message_zfo(db, data, parsed, verdict, account_id=account_id,
                            direction=Direction.RECEIVED, source="sync")
    assert res.status == "stored" and res.message_id is not None
    return res.message_id


@pytest.fixture
def stored(db: Database, make_zfo: Callable[..., bytes], trust: TrustStore
           ) -> tuple[int, bytes]:
    data = make_zfo(dm_id="7001", subject="Rozhodnutí o dotaci", files=FILES)
    return _store(db, data, trust), data


def test_detail_shows_the_stored_evidence_and_its_attachments(
        db: Database, trust: TrustStore, stored: tuple[int, bytes]) -> None:
    mid, data = stored
    svc = MessageService(db, lambda account_id=None: trust)
    d = svc.detail(mid)
    assert d.row.dm_id == "7001" and d.envelope.subject == "Rozhodnutí o dotaci"
    assert [(a.index, a.name) for a in d.attachments] == [(0, "rozhodnuti.pdf"),
                                                         (1, "priloha.txt")]
    assert d.verdict_kind == "valid" and d.verdict is not None
    assert not d.has_delivery_info and d.evidence_copies == ()
    assert svc.zfo_bytes(mid) == data
    assert svc.attachment_content(mid, 1) == "Příloha č. 1".encode()
    with pytest.raises(NotFound):
        svc.attachment_content(mid, 2)
    assert svc.find("7001") == [mid] and svc.find("9999") == []


def test_a_listed_message_has_no_evidence_to_give(db: Database, trust: TrustStore,
                                                  stored: tuple[int, bytes]) -> None:
    from dso_desktop.domain import Envelope

    with db.write() as s, EvidenceWriter(s) as w:
        listed = w.record_listed(1, Direction.RECEIVED, Envelope(message_id="7002")).id
    svc = MessageService(db, lambda account_id=None: trust)
    with pytest.raises(NotFound, match="no signed ZFO"):
        svc.zfo_bytes(listed)
    with pytest.raises(NotFound):
        svc.export(listed, Path("/nonexistent-never-written"))
    assert svc.detail(listed).attachments == ()
    assert svc.delivery_info_bytes(listed) is None


def test_export_writes_the_signed_bytes_and_refuses_a_damaged_copy(
        db: Database, trust: TrustStore, stored: tuple[int, bytes], tmp_path: Path) -> None:
    mid, data = stored
    svc = MessageService(db, lambda account_id=None: trust)
    out = tmp_path / "export"
    written = svc.export(mid, out)
    assert written[0] == out / "DDZ_7001.zfo" and written[0].read_bytes() == data
    assert {p.name for p in written[1:]} == {"rozhodnuti.pdf", "priloha.txt"}
    assert all(p.parent == out / "DDZ_7001_prilohy" for p in written[1:])
    with db.engine.begin() as c:  # the stored bytes no longer match their checksum
        c.execute(text("UPDATE message_zfos SET sha256 = :h"), {"h": "0" * 64})
    with pytest.raises(ValueError, match="does not match its checksum"):
        svc.export(mid, tmp_path / "again")
    assert not (tmp_path / "again" / "DDZ_7001.zfo").exists()


def test_verify_again_stores_the_new_verdict_and_leaves_the_evidence(
        db: Database, stored: tuple[int, bytes]) -> None:
    mid, data = stored
    asked: list[Any] = []

    def empty_trust(account_id: int | None = None) -> TrustStore:
        asked.append(account_id)
        return TrustStore.from_paths([])  # the seal's CA is not an anchor here

    svc = MessageService(db, empty_trust)
    verdict = svc.verify(mid, now=NOW)
    assert str(getattr(verdict.kind, "value", verdict.kind)) == "untrusted"
    assert asked == [1]  # the message's account scope
    assert svc.detail(mid).verdict_kind == "untrusted"
    assert svc.zfo_bytes(mid) == data


def test_read_state_notes_and_the_tree(db: Database, trust: TrustStore,
                                       stored: tuple[int, bytes],
                                       make_zfo: Callable[..., bytes]) -> None:
    mid, _ = stored
    other = _store(db, make_zfo(dm_id="7003"), trust, account_id=None)  # imported, no account
    svc = MessageService(db, lambda account_id=None: trust)
    assert message_accounts(db, [mid, other, 999]) == {mid: 1, other: None}
    svc.set_note(mid, "Zavolat")
    assert svc.detail(mid).note == "Zavolat"
    svc.set_note(mid, "")
    assert svc.detail(mid).note is None

    def received(nodes: list[Any]) -> Any:
        (urad,) = [n for n in nodes if n.account == "urad"]
        return next(c for c in urad.children if c.direction is Direction.RECEIVED)

    node = received(svc.tree_counts(now=NOW))
    assert (node.total, node.unread) == (1, 1)
    assert [c.label for c in node.children] == ["last-90-days", "2026"]
    svc.mark_read(mid)
    assert received(svc.tree_counts(now=NOW)).unread == 0
    assert svc.rows([mid])[0].is_read
    assert [n.label for n in svc.tree_counts(now=NOW)] == ["urad", "imported"]
    assert svc.count() == 2


def test_search_and_tags(db: Database, stored: tuple[int, bytes]) -> None:
    mid, _ = stored
    search = SearchService(db)
    assert search.search_ids("rozhodnutí dotaci") == [mid]
    assert [r.id for r in search.search("dotac", account="urad")] == [mid]  # a prefix
    assert search.search_ids("dotaci", account="jiny") == []
    tags = TagService(db)
    tag = tags.create("Spis", "#ff0000")
    tags.assign(mid, tag.id)
    with db.read() as s:
        assert MessageRepo(s).rows([mid])[0].tag_ids == (tag.id,)
    tags.unassign(mid, tag.id)
    tags.update(tag.id, name="Archiv")
    assert [t.name for t in tags.list()] == ["Archiv"]
    tags.delete(tag.id)
    assert tags.list() == []
