"""The outbox rows: durable before the request, guarded changes, what "the same message" is."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from dso_desktop.services.outbox import _size_plausible, fingerprint
from dso_desktop.store.db import Database
from dso_desktop.store.outbox import OPEN_STATES, OutboxAttachment, OutboxRepo

ATT = OutboxAttachment("a.pdf", 3000, "ab" * 32, "/tmp/a.pdf")


def _add(repo: OutboxRepo, recipient: str = "abc1234", fp: str = "f" * 64) -> int:
    return repo.add(batch="b", account="urad", recipient=recipient, subject="Předmět",
                    our_ref="1/2026", your_ref=None, our_file_mark=None, your_file_mark=None,
                    options={"to_hands": "Ing. Nová", "legal_title": [None] * 5},
                    attachments=[ATT], fingerprint=fp, big_message=False).id


def test_rows_survive_reopening_and_changes_are_guarded(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    db = Database.open(path)
    with db.write() as s:
        rid = _add(OutboxRepo(s))
    db.close()
    db = Database.open(path)  # committed: a crash after this line cannot lose it
    try:
        with db.read() as s:
            rec = OutboxRepo(s).get(rid)
        assert rec.state == "prepared" and rec.is_open and rec.attachments == (ATT,)
        assert rec.options["to_hands"] == "Ing. Nová" and rec.created_at.tzinfo is not None
        with db.write() as s:
            repo = OutboxRepo(s)
            with pytest.raises(ValueError):
                repo.update(rid, state="maybe")
            with pytest.raises(ValueError):
                repo.update(rid, subject="jiný")  # what was sent is not rewritten
            at = datetime(2026, 5, 1, 12, tzinfo=UTC)
            rec = repo.update(rid, state="sent", dm_id="1000001", submitted_at=at)
        assert rec.submitted_at == at and rec.to_json()["dm_id"] == "1000001"
        with db.write() as s:
            repo = OutboxRepo(s)
            other = _add(repo, "xyz9876")
            assert repo.claimed_dm_ids("urad", other) == {"1000001"}
            assert repo.claimed_dm_ids("urad", rid) == set()
            assert [r.id for r in repo.list("urad", states=OPEN_STATES)] == [other]
            assert [r.id for r in repo.list(fingerprint="f" * 64)] == [other, rid]
    finally:
        db.close()


def test_the_fingerprint_covers_every_part_of_the_message() -> None:
    base = ("urad", "abc1234", "Předmět", ("1", None, None, None), {"ovm": True}, [ATT])
    fp = fingerprint(*base)  # type: ignore[arg-type]
    assert fp == fingerprint(*base)  # type: ignore[arg-type]
    other_bytes = OutboxAttachment("a.pdf", 3000, "cd" * 32, "/tmp/a.pdf")
    for i, value in ((0, "jiny"), (1, "xyz9876"), (2, "Jiný"), (3, ("2", None, None, None)),
                     (4, {"ovm": False}), (5, [other_bytes])):
        changed = list(base)
        changed[i] = value
        assert fingerprint(*changed) != fp, i  # type: ignore[arg-type]


def test_attachment_size_is_only_a_coarse_filter() -> None:
    atts = [OutboxAttachment("a.pdf", 30_000, "0" * 64, "")]
    assert _size_plausible(None, atts)
    assert _size_plausible(40, atts)  # base64 kB, as the simulator states it
    assert _size_plausible(30, atts)  # raw kB, as some servers do
    assert not _size_plausible(500, atts) and not _size_plausible(2, atts)
