"""Services over a synced archive: detail, attachments, verify, tree, tags, notes, warnings,
and an integrity check that finds tampering without touching the evidence."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from dso_desktop.app import App
from dso_desktop.domain import Direction, LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.types import AccountSpec
from dso_desktop.store.records import MessageFilter

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def synced(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
           ) -> Iterator[tuple[App, Any]]:
    """The synced archive on each backend (issue 13: detail, tags, notes, check, export and
    import work on both)."""
    from dso_desktop.secretstore import use_memory_keyring
    from dso_desktop.simulator import Simulator

    url = database = server = None
    if request.param == "postgresql":
        server = request.getfixturevalue("pg_server")
        database = server.new_database()
        url = server.url(database)
    use_memory_keyring()
    sim = Simulator(seed=13, messages=8)
    sim.start()
    app = App.open(AppPaths.default(tmp_path_factory.mktemp("svc") / "data"), offline=True,
                   store_url=url)
    acc = sim.account("password")
    app.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, acc.username, sim.url,
                                 ca_file=Path(sim.info.ca_file)))
    summary = app.sync.sync_account("urad", accept_delivery=True, password=acc.password)
    assert summary.failed == [] and summary.new > 0
    yield app, sim
    app.close()
    sim.stop()
    if server is not None and database is not None:
        server.drop_database(database)


def test_detail_and_attachments(synced: tuple[App, Any], tmp_path: Path) -> None:
    app, _ = synced
    mid = app.messages.ids(MessageFilter(direction=Direction.RECEIVED))[0]
    d = app.messages.detail(mid)
    assert d.envelope.message_id == d.row.dm_id and d.attachments
    assert d.verdict is not None and d.verdict.kind in ("valid", "expiring")
    assert d.has_delivery_info and d.events
    first = app.messages.attachment_content(mid, 0)
    assert len(first) == d.attachments[0].size
    written = app.messages.save_attachments(mid, tmp_path / "out")
    assert written[0].read_bytes() == first
    assert all(p.parent == tmp_path / "out" for p in written)
    again = app.messages.save_attachments(mid, tmp_path / "out", [0])
    assert again[0] != written[0]  # a second save never overwrites the first


def test_verify_again_keeps_the_evidence(synced: tuple[App, Any]) -> None:
    app, _ = synced
    mid = app.messages.ids()[0]
    before = app.messages.zfo_bytes(mid)
    v = app.messages.verify(mid, now=datetime.now(UTC) + timedelta(days=1))
    assert str(getattr(v.kind, "value", v.kind)) in ("valid", "expiring")
    assert app.messages.zfo_bytes(mid) == before


def test_tree_read_state_tags_and_notes(synced: tuple[App, Any]) -> None:
    app, sim = synced
    ids = app.messages.ids()
    tree = app.messages.tree_counts()
    (node,) = [n for n in tree if n.account == "urad"]
    assert node.total == len(ids) and node.unread == len(ids)
    received = next(c for c in node.children if c.direction is Direction.RECEIVED)
    assert received.total == len(sim.world.received[sim.account("password").box_id])
    assert sum(c.total for c in received.children if c.label != "last-90-days") == \
        received.total
    app.messages.mark_read(ids[0])
    assert app.messages.tree_counts()[0].unread == len(ids) - 1
    tag = app.tags.create("Stavby", "#aa5500")
    app.tags.assign(ids[0], tag.id)
    app.messages.set_note(ids[0], "Předat odboru výstavby.")
    d = app.messages.detail(ids[0])
    assert d.tags == ((tag.id, "Stavby", "#aa5500"),) and d.note == "Předat odboru výstavby."
    assert app.messages.ids(MessageFilter(tag_id=tag.id)) == [ids[0]]
    app.messages.mark_read(ids[0], False)
    app.tags.unassign(ids[0], tag.id)
    assert app.messages.tree_counts()[0].unread == len(ids)
    assert app.messages.detail(ids[0]).tags == ()
    assert app.messages.ids(MessageFilter(tag_id=tag.id)) == []


def test_password_expiry_is_cached_at_sync(synced: tuple[App, Any]) -> None:
    app, _ = synced
    view = app.accounts.get("urad")
    assert view.box_id and view.last_sync_at is not None
    if view.password_expires_at is not None:
        soon = view.password_expires_at - timedelta(days=1)
        kinds = {w.kind for w in app.warnings.collect(now=soon)}
        assert "password-expiry" in kinds


def test_integrity_check_finds_tampering_and_changes_nothing(
        synced: tuple[App, Any], tmp_path: Path) -> None:
    app, _ = synced
    assert app.integrity.check().clean
    mid = app.messages.ids()[-1]
    good = app.messages.zfo_bytes(mid)
    bad = good[:-40] + bytes(b ^ 0xFF for b in good[-40:])
    with app.db.write() as s:
        s.execute(text("UPDATE message_zfos SET data = :d WHERE message_id = :m"),
                  {"d": bad, "m": mid})
    try:
        report = app.integrity.check()
        assert not report.clean
        assert [(p.message_id, p.problem) for p in report.problems] == [(mid, "checksum")]
        # Exporting it is a known error the user is told about (not a bug, not the evidence).
        from dso_desktop.store.errors import DamagedEvidence

        with pytest.raises(DamagedEvidence) as damaged:
            app.messages.export(mid, tmp_path / "damaged")
        assert damaged.value.kind == "store.damaged" and isinstance(damaged.value, ValueError)
        assert "kontrolu archivu" in damaged.value.message_cs
        assert not (tmp_path / "damaged").exists()
        assert app.messages.zfo_bytes(mid) == bad  # reported, never "repaired"
        # Even with a matching checksum, a changed ZFO does not verify.
        with app.db.write() as s:
            s.execute(text("UPDATE message_zfos SET sha256 = :h WHERE message_id = :m"),
                      {"h": hashlib.sha256(bad).hexdigest(), "m": mid})
        problems = app.integrity.check().problems
        assert [p.message_id for p in problems] == [mid]
        assert problems[0].problem in ("invalid", "unparsable")
    finally:
        with app.db.write() as s:
            s.execute(text("UPDATE message_zfos SET data = :d, sha256 = :h WHERE message_id = :m"),
                      {"d": good, "h": hashlib.sha256(good).hexdigest(), "m": mid})
    assert app.integrity.check().clean


def test_integrity_check_covers_delivery_infos(synced: tuple[App, Any]) -> None:
    app, _ = synced
    mid = app.messages.ids()[0]
    good = app.messages.delivery_info_bytes(mid)
    assert good is not None
    with app.db.write() as s:
        s.execute(text("UPDATE delivery_infos SET data = :d WHERE message_id = :m"),
                  {"d": good[:-1] + bytes([good[-1] ^ 1]), "m": mid})
    try:
        problems = app.integrity.check().problems
        assert [(p.message_id, p.problem) for p in problems] == [(mid, "checksum")]
        assert "delivery info" in problems[0].detail
    finally:
        with app.db.write() as s:
            s.execute(text("UPDATE delivery_infos SET data = :d WHERE message_id = :m"),
                      {"d": good, "m": mid})
    assert app.integrity.check().clean


def test_import_files_a_message_under_the_account_of_its_box(
        synced: tuple[App, Any], tmp_path: Path) -> None:
    from dso_desktop.store.repos import AccountRepo

    app, sim = synced
    mid = app.messages.ids(MessageFilter(direction=Direction.RECEIVED))[0]
    app.messages.export(mid, tmp_path / "exp")
    other = App.open(AppPaths.default(tmp_path / "other"), offline=True,
                     trust_anchors=[Path(sim.info.ca_file)])
    try:
        other.accounts.add(AccountSpec("kopie", LoginMethod.PASSWORD, "u", sim.url,
                                       ca_file=Path(sim.info.ca_file)))
        with other.db.write() as s:
            AccountRepo(s).update("kopie", box_id=sim.account("password").box_id)
        summary = other.zfo.import_files([tmp_path / "exp"])
        assert summary.imported == 1 and summary.count("delivery-info") == 1
        (row,) = other.messages.rows(other.messages.ids())
        assert row.account == "kopie" and row.direction is Direction.RECEIVED
        assert other.messages.detail(row.id).has_delivery_info
        assert other.zfo.import_files([tmp_path / "exp"]).duplicates == 2
    finally:
        other.close()


def test_test_login_and_sent_only_sync_accept_nothing(tmp_path: Path) -> None:
    """Logging in, reading the owner and syncing sent messages never deliver anything."""
    from dso_desktop.simulator import Simulator

    with Simulator(seed=17, messages=6) as sim:
        acc = sim.account("password")
        with sim.world.lock:
            before = {d: sim.world.messages[d].status for d in sim.world.received[acc.box_id]}
        assert before
        app = App.open(AppPaths.default(tmp_path / "data"), offline=True)
        try:
            app.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, acc.username, sim.url,
                                         ca_file=Path(sim.info.ca_file)),
                             password=acc.password, save_password=True)
            view = app.accounts.test_login("urad")
            assert view.box_id == acc.box_id and view.owner_name
            app.sync.sync_account("urad", accept_delivery=False)
            with sim.world.lock:
                after = {d: sim.world.messages[d].status
                         for d in sim.world.received[acc.box_id]}
            assert after == before
            assert not app.accounts.get("urad").delivery_confirmed
        finally:
            app.close()


def test_integrity_check_verifies_in_processes_with_the_same_verdicts(
        synced: tuple[App, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18: `dso check` re-verifies every ZFO with all cores (one process per core);
    the processes find exactly what the in-process check finds, in the same order."""
    import os

    from dso_desktop.services import integrity

    app, _ = synced
    mid, junk, other, source = app.messages.ids()[:4]
    originals = {m: app.messages.zfo_bytes(m) for m in (mid, junk, other)}
    good = originals[mid]
    changed = {
        mid: good[:-40] + bytes(b ^ 0xFF for b in good[-40:]),  # does not verify
        junk: b"not a ZFO at all",  # unparsable
        other: app.messages.zfo_bytes(source),  # sound, but another message's
    }

    def store(zfos: dict[int, bytes]) -> None:
        with app.db.write() as s:
            for m, data in zfos.items():
                s.execute(text("UPDATE message_zfos SET data = :d, sha256 = :h "
                               "WHERE message_id = :m"),
                          {"d": data, "h": hashlib.sha256(data).hexdigest(), "m": m})

    store(changed)
    try:
        in_process = app.integrity.check()
        assert app.integrity.last_worker_pids == frozenset()  # a small archive: no processes
        monkeypatch.setattr(integrity, "PROCESS_MIN_ZFOS", 1)
        monkeypatch.setattr(integrity, "CHECK_BATCH", 2)
        monkeypatch.setattr(integrity.IntegrityService, "_workers", staticmethod(lambda: 2))
        parallel = app.integrity.check()
        assert app.integrity.last_worker_pids
        assert os.getpid() not in app.integrity.last_worker_pids
        assert parallel == in_process
        kinds = {p.message_id: str(p.problem) for p in parallel.problems}
        assert kinds[junk] == "unparsable" and kinds[other] == "mismatch"
        assert kinds[mid] in ("invalid", "unparsable") and len(kinds) == 3
        assert parallel.checked == len(app.messages.ids()) and parallel.ok == parallel.checked - 3
    finally:
        store(originals)
