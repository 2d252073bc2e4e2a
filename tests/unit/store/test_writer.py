"""The store's one write API for evidence (`store.writer.EvidenceWriter`).

Whatever path the writer picks (plain statements in a group commit, the ORM for a one-off
write), the rules of `store.evidence` hold: a message's state only moves forward, and the
envelope of the copy that becomes the evidence wins over what a list said. Each test runs
on both paths (``batch`` True and False).
"""

# ruff: noqa: F811 - the `db` fixture imported from archive_helpers is a parameter here

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from tests.unit.archive_helpers import urad_db as db  # noqa: F401 - the fixture

from dso_desktop.domain import DeliveryEvent, Direction, Envelope
from dso_desktop.store import evidence as evd
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo, search_text_for
from dso_desktop.store.records import VerdictInfo
from dso_desktop.store.writer import EvidenceWriter, write_grouped

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
VALID = VerdictInfo("valid", T0, None, None)
PATHS = pytest.mark.parametrize("batch", [True, False], ids=["fast", "orm"])


def _env(dm_id: str = "7001", **kw: Any) -> Envelope:
    base: dict[str, Any] = dict(message_id=dm_id, sender_box_id="abc1234",
                                sender_name="Úřad", recipient_box_id="xyz9876",
                                subject="Ze seznamu", status=4, delivered_at=T0)
    base.update(kw)
    return Envelope(**base)




def _row(db: Database, *cols: str) -> tuple[Any, ...]:
    with db.engine.connect() as c:
        return tuple(c.execute(text(f"SELECT {', '.join(cols)} FROM messages")).one())  # noqa: S608


def _listed(db: Database, env: Envelope, batch: bool) -> Any:
    with db.write() as s, EvidenceWriter(s, batch=batch) as w:
        return w.record_listed(1, Direction.RECEIVED, env)


def _attach(db: Database, data: bytes, env: Envelope, batch: bool,
            content: str | None = None) -> evd.Action:
    with db.write() as s, EvidenceWriter(s, batch=batch) as w:
        return w.attach_downloaded(data, env, search_text_for(env, []), 1, VALID, (),
                                   account_id=1, direction=Direction.RECEIVED,
                                   content_sha256=content).action


@PATHS
def test_a_listed_state_only_moves_forward(db: Database, batch: bool) -> None:
    first = _listed(db, _env(status=6, accepted_at=T0 + timedelta(days=1)), batch)
    assert (first.created, first.changed) == (True, True)
    older = _listed(db, _env(status=4, accepted_at=None), batch)
    assert (older.id, older.created, older.changed) == (first.id, False, False)
    assert _row(db, "status")[0] == 6
    assert _row(db, "accepted_at")[0] is not None  # an unknown time never erases a known one
    newer = _listed(db, _env(status=7), batch)
    assert newer.changed and _row(db, "status")[0] == 7


@PATHS
def test_the_signed_envelope_wins_but_never_blanks_a_known_state(db: Database,
                                                                 batch: bool) -> None:
    _listed(db, _env(status=6, big_message=True), batch)
    signed = _env(subject="Podepsaný předmět", status=None, big_message=False)
    assert _attach(db, b"ZFO-1", signed, batch) is evd.Action.STORE
    subject, status, big, downloaded = _row(db, "subject", "status", "big_message",
                                            "downloaded")
    assert subject == "Podepsaný předmět"  # the signed envelope, not the list's
    assert status == 6  # the signed copy said nothing: the listed state stays
    assert big and downloaded


@PATHS
def test_the_same_copy_again_fills_in_its_content_digest(db: Database, batch: bool) -> None:
    """A copy stored before content digests were known gets one when it comes again (the
    fast path used to call it a duplicate and leave the column empty)."""
    _listed(db, _env(), batch)
    assert _attach(db, b"ZFO-1", _env(), batch) is evd.Action.STORE
    assert _attach(db, b"ZFO-1", _env(), batch, content="c" * 64) is evd.Action.KEEP
    with db.engine.connect() as c:
        assert c.execute(text("SELECT content_sha256 FROM message_zfos")).scalar() == "c" * 64


@PATHS
def test_a_delivery_info_moves_the_state_forward_only(db: Database, batch: bool) -> None:
    mid = _listed(db, _env(status=4), batch).id
    ev = (DeliveryEvent(T0, "EV5: dodáno"),)
    with db.write() as s, EvidenceWriter(s, batch=batch) as w:
        assert w.keep_delivery_info(mid, b"DI-1", _env(status=6), ev, "valid") \
            is evd.Action.STORE
    with db.write() as s, EvidenceWriter(s, batch=batch) as w:
        # The same delivery info carrying an older state: kept, the state is not undone.
        assert w.keep_delivery_info(mid, b"DI-1", _env(status=5), ev, "valid") \
            is evd.Action.KEEP
    assert _row(db, "status")[0] == 6
    with db.read() as s:
        assert len(MessageRepo(s).detail(mid).events) == 1


@PATHS
def test_a_forged_delivery_info_beside_a_trusted_one_moves_nothing(db: Database,
                                                                  batch: bool) -> None:
    mid = _listed(db, _env(status=4), batch).id
    with db.write() as s, EvidenceWriter(s, batch=batch) as w:
        w.keep_delivery_info(mid, b"DI-1", _env(status=4), (), "valid")
    with db.write() as s, EvidenceWriter(s, batch=batch) as w:
        action = w.keep_delivery_info(mid, b"DI-forged", _env(status=7),
                                      (DeliveryEvent(T0, "EV9: podvrh"),), "untrusted")
    assert action is evd.Action.CONFLICT
    assert _row(db, "status")[0] == 4
    with db.read() as s:
        repo = MessageRepo(s)
        assert repo.detail(mid).events == ()
        assert repo.delivery_info(mid) == b"DI-1"


def test_a_reported_state_change_only_moves_forward(db: Database) -> None:
    _listed(db, _env(status=4), True)
    accepted = T0 + timedelta(days=2)
    with db.write() as s, EvidenceWriter(s) as w:
        assert w.record_state_change(1, Direction.RECEIVED, "7001", 6, accepted)
        assert not w.record_state_change(1, Direction.RECEIVED, "7001", 5, T0)  # backwards
        assert not w.record_state_change(1, Direction.RECEIVED, "7001", 6, T0)  # the same
        assert not w.record_state_change(1, Direction.RECEIVED, "9999", 7, T0)  # unknown
        assert not w.record_state_change(1, Direction.SENT, "7001", 7, T0)  # other direction
    status, accepted_at = _row(db, "status", "accepted_at")
    assert status == 6 and accepted_at is not None and str(accepted_at).startswith("2026-03-03")


def test_the_group_commit_uses_one_transaction_and_the_fast_path(db: Database) -> None:
    """Two list entries in one group: one writer, both committed together."""
    seen: list[int] = []

    def one(w: EvidenceWriter, dm_id: str) -> int:
        seen.append(id(w))
        return w.record_listed(1, Direction.RECEIVED, _env(dm_id)).id

    out = write_grouped(db, ["1", "2"], one)
    assert len(set(seen)) == 1 and len(out) == 2
    with db.read() as s:
        assert {MessageRepo(s).get_id(1, Direction.RECEIVED, d) for d in "12"} == set(out)


_STATUS = st.one_of(st.none(), st.integers(1, 10))


@given(old=_STATUS, new=_STATUS)
def test_state_changes_never_move_a_status_back(old: int | None, new: int | None) -> None:
    current = {"status": old, "delivered_at": None, "accepted_at": None}
    offered = {"status": new, "delivered_at": None, "accepted_at": None}
    changes = evd.state_changes(current, offered)
    if new is None or (old is not None and new <= old):
        assert "status" not in changes
    else:
        assert changes["status"] == new


def test_signed_envelope_update_keeps_big_once_said() -> None:
    offered = {"subject": "S", "status": None, "delivered_at": None, "accepted_at": T0,
               "big_message": False}
    cols = evd.signed_envelope_update(offered, stored_big=True)
    assert cols == {"subject": "S", "accepted_at": T0, "big_message": True}


def test_sync_does_not_know_the_fast_writer() -> None:
    """The store alone picks its write path: no module of `sync` imports `fastwrite` or
    writes through `MessageRepo`'s evidence methods."""
    root = Path(__file__).resolve().parents[3] / "src" / "dso_desktop" / "sync"
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert node.module != "dso_desktop.store.fastwrite", path.name
                assert "FastWriter" not in {a.name for a in node.names}, path.name
            if isinstance(node, ast.Attribute):
                assert node.attr not in {
                    "place_zfo", "attach_zfo", "place_delivery_info", "upsert_envelope",
                    "update_state", "set_status", "add_events", "keep_copy",
                }, f"{path.name}: {node.attr}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "quarantine":
                assert isinstance(node.func.value, ast.Name) \
                    and node.func.value.id == "writer", path.name


def test_a_verdict_is_refreshed_but_never_lowered() -> None:
    assert evd.needs_verdict_refresh("untrusted", "valid")
    assert evd.needs_verdict_refresh(None, "untrusted")
    assert evd.needs_verdict_refresh("valid", "expiring")  # as trusted: the newer words
    assert not evd.needs_verdict_refresh("valid", "valid")
    assert not evd.needs_verdict_refresh("valid", "untrusted")  # a narrower trust store
    assert not evd.needs_verdict_refresh("expiring", None)


@PATHS
def test_the_same_copy_with_a_lower_verdict_keeps_the_stored_one(db: Database,
                                                                 batch: bool) -> None:
    _listed(db, _env(), batch)
    assert _attach(db, b"ZFO-1", _env(), batch) is evd.Action.STORE
    with db.write() as s, EvidenceWriter(s, batch=batch) as w:
        lower = VerdictInfo("untrusted", T0, None, None)
        placed = w.attach_downloaded(b"ZFO-1", _env(), search_text_for(_env(), []), 1, lower,
                                     (), account_id=1, direction=Direction.RECEIVED)
    assert placed.action is evd.Action.KEEP
    assert _row(db, "verdict")[0] == "valid"
