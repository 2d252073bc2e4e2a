"""Issue 18: `dso check` with one process per core. The processes read their own evidence
(`store.bulkread`) and verify messages and delivery infos; on both backends the report is
exactly the one a check in this process gives, problem for problem, in the same order."""

# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from tests.unit.zfo.zfo_factory import SEALED_AT, make_zfo, message_xml, pki  # noqa: F401

from dso_desktop.app import App
from dso_desktop.domain import Direction, Envelope, LoginMethod
from dso_desktop.domain import IntegrityProblemKind as P
from dso_desktop.paths import AppPaths
from dso_desktop.services import integrity as integrity_mod
from dso_desktop.services.integrity import IntegrityService
from dso_desktop.services.types import AccountSpec
from dso_desktop.store import bulkread
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo, search_text_for
from dso_desktop.store.records import VerdictInfo
from dso_desktop.zfo.produce import seal
from dso_desktop.zfo.testpki import TestPki

NOW = SEALED_AT + timedelta(days=30)
VALID = VerdictInfo("valid", SEALED_AT, "{}", None)
SRC = Path(__file__).resolve().parents[3] / "src"


@pytest.fixture
def app(tmp_path: Path, pki: TestPki, store_url: str) -> Iterator[App]:
    """A production account (no CA of its own) and an account whose CA is the test PKI's:
    the same seal is untrusted in the first one's scope and valid in the second's."""
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True, store_url=store_url)
    a.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, "u1"))
    a.accounts.add(AccountSpec("sim", LoginMethod.PASSWORD, "u2", "https://127.0.0.1:9/",
                               ca_file=pki.ca_file))
    yield a
    a.close()


def _store(app: App, account: str, dm_id: str, data: bytes,
           delivery_info: bytes | None = None) -> int:
    env = Envelope(message_id=dm_id, sender_box_id="abc1234", subject="Věc", status=4)
    acc = app.accounts.record(account).id
    with app.db.write() as s:
        repo = MessageRepo(s)
        mid = repo.upsert_envelope(acc, Direction.RECEIVED, env).id
        assert repo.attach_zfo(mid, data, env, search_text_for(env, []), 1, VALID)
        if delivery_info is not None:
            assert repo.store_delivery_info(mid, delivery_info, "valid")
    return mid


def _set(app: App, table: str, mid: int, data: bytes, *, digest: bool = True) -> None:
    """Replace stored evidence behind the archive's back (with its SHA-256, or not)."""
    with app.db.write() as s:
        s.execute(text(f"UPDATE {table} SET data = :d"  # noqa: S608 - our table names
                       + (", sha256 = :h" if digest else "") + " WHERE message_id = :m"),
                  {"d": data, "h": hashlib.sha256(data).hexdigest(), "m": mid})


def _di(pki: TestPki, dm_id: str) -> bytes:
    return seal(message_xml(pki, kind="delivery-info", dm_id=dm_id), pki.seal, pki.tsa,
                SEALED_AT)


def _pooled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(integrity_mod, "PROCESS_MIN_ZFOS", 1)
    monkeypatch.setattr(integrity_mod, "CHECK_BATCH", 2)
    monkeypatch.setattr(IntegrityService, "_workers", staticmethod(lambda: 2))


def _damaged_archive(app: App, pki: TestPki, make_zfo: Callable[..., bytes],
                     ) -> dict[str, int]:
    ids: dict[str, int] = {}
    for i in range(7):  # sound, in the scope of the account whose CA sealed them
        dm = str(6100 + i)
        ids[dm] = _store(app, "sim", dm, make_zfo(dm_id=dm), _di(pki, dm))
    ids["prod"] = _store(app, "urad", "6200", make_zfo(dm_id="6200"))  # another scope
    ids["rotted"] = _store(app, "sim", "6201", make_zfo(dm_id="6201"))
    _set(app, "message_zfos", ids["rotted"], make_zfo(dm_id="6201") + b"\0", digest=False)
    ids["junk"] = _store(app, "sim", "6202", make_zfo(dm_id="6202"))
    _set(app, "message_zfos", ids["junk"], b"not a ZFO at all")
    good = make_zfo(dm_id="6203")
    ids["tampered"] = _store(app, "sim", "6203", good)
    _set(app, "message_zfos", ids["tampered"],
         good[:-40] + bytes(b ^ 0xFF for b in good[-40:]))
    ids["other"] = _store(app, "sim", "6204", make_zfo(dm_id="9999"))  # another's ZFO
    # Delivery infos: one rotted, one junk with a matching digest, one a changed seal.
    _set(app, "delivery_infos", ids["6101"], _di(pki, "6101") + b"\0", digest=False)
    _set(app, "delivery_infos", ids["6102"], b"no delivery info")
    broken = _di(pki, "6103")
    assert broken.count(b"EV5: ") == 1
    _set(app, "delivery_infos", ids["6103"], broken.replace(b"EV5: ", b"EV6: "))
    return ids


def _expected(ids: dict[str, int]) -> set[tuple[int, str]]:
    return {(ids["prod"], P.UNTRUSTED), (ids["rotted"], P.CHECKSUM),
            (ids["junk"], P.UNPARSABLE), (ids["other"], P.MISMATCH),
            (ids["6101"], P.CHECKSUM), (ids["6102"], P.UNPARSABLE), (ids["6103"], P.INVALID)}


def test_pooled_check_reports_what_the_in_process_check_does(
        app: App, pki: TestPki, make_zfo: Callable[..., bytes],
        monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _damaged_archive(app, pki, make_zfo)
    single = app.integrity.check(NOW)
    assert app.integrity.last_worker_pids == frozenset()  # a small archive: no processes
    found = {(p.message_id, p.problem) for p in single.problems}
    assert _expected(ids) <= found
    assert {p for p in found if p[0] == ids["tampered"]} in (
        {(ids["tampered"], P.INVALID)}, {(ids["tampered"], P.UNPARSABLE)})
    assert len(found) == len(_expected(ids)) + 1
    assert (single.checked, single.ok) == (12, 7)

    _pooled(monkeypatch)
    seen: list[tuple[int, int]] = []
    pooled = app.integrity.check(NOW, progress=lambda n, t: seen.append((n, t)))
    assert app.integrity.last_worker_pids and os.getpid() not in app.integrity.last_worker_pids
    assert pooled == single  # every problem, its detail, and the order
    # Both the messages and the delivery infos are counted, one step each, in order.
    assert seen == [(n, 12 + 7) for n in range(1, 20)]


def test_a_process_that_cannot_open_the_archive_leaves_the_work_to_the_others(
        app: App, pki: TestPki, make_zfo: Callable[..., bytes],
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ids = _damaged_archive(app, pki, make_zfo)
    single = app.integrity.check(NOW)
    _pooled(monkeypatch)
    real = bulkread.reader_spec

    def unreachable(db: Database, size: int) -> bulkread.ReaderSpec:
        spec = real(db, size)  # this process reads with the real statements...
        if spec.dialect == "sqlite":  # ...the processes are sent where no archive is
            return replace(spec, connect_args=(str(tmp_path / "none" / "a.sqlite3"),))
        return replace(spec, connect_kwargs={**spec.connect_kwargs, "dbname": "no_such_db"})

    monkeypatch.setattr(bulkread, "reader_spec", unreachable)
    report = app.integrity.check(NOW)
    assert app.integrity.last_worker_pids == frozenset()  # none could start
    assert report == single and _expected(ids) <= {
        (p.message_id, p.problem) for p in report.problems}


def test_a_message_of_an_account_added_meanwhile_is_verified_here(
        app: App, pki: TestPki, make_zfo: Callable[..., bytes],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The processes get the trust stores of the accounts known when the check began; a
    batch with a message of another account comes back and is verified in this process,
    in that account's scope."""
    ids = _damaged_archive(app, pki, make_zfo)
    single = app.integrity.check(NOW)
    _pooled(monkeypatch)
    sim = app.accounts.record("sim").id
    monkeypatch.setattr(IntegrityService, "_accounts", staticmethod(lambda s: {sim}))
    report = app.integrity.check(NOW)
    assert report == single
    assert (ids["prod"], P.UNTRUSTED) in {(p.message_id, p.problem) for p in report.problems}


def test_the_checking_process_imports_neither_sqlalchemy_nor_qt() -> None:
    """What a checking process imports before its first ZFO is paid per process and per
    check (SQLAlchemy alone is ~0.3 s of CPU)."""
    code = ("import sys; import dso_desktop.services.integrity, dso_desktop.store.bulkread; "
            "import dso_desktop.zfo.verify; "
            "print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('sqlalchemy', 'PySide6')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(SRC)}, check=True, timeout=120)
    assert out.stdout.strip() == "[]"


def test_the_database_check_finds_damage_and_leaves_the_connection_unmapped(
        tmp_path: Path) -> None:
    path = tmp_path / "archive.sqlite3"
    db = Database.open(path)
    with db.write() as s:
        s.execute(text("CREATE TABLE filler (id INTEGER PRIMARY KEY, v TEXT)"))
        s.execute(text("CREATE INDEX ix_filler ON filler (v)"))
        for i in range(3000):
            s.execute(text("INSERT INTO filler (v) VALUES (:v)"), {"v": f"value {i:06d}" * 4})
    assert db.integrity_check() == []
    with db.engine.connect() as conn:  # the pooled connection the check used
        assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() == 0
    db.checkpoint()
    db.close()
    # An index entry changed behind SQLite's back: the table and its index disagree.
    raw = bytearray(path.read_bytes())
    at = raw.rfind(b"value 002990")
    assert at > 0
    raw[at:at + 12] = b"VALUE 002990"
    path.write_bytes(bytes(raw))
    db = Database.open(path, migrate=False)
    try:
        problems = db.integrity_check()
    finally:
        db.close()
    assert problems and all(isinstance(p, str) for p in problems)



def test_an_in_memory_archive_is_checked_in_this_process(
        pki: TestPki, make_zfo: Callable[..., bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    """No other process (nor another connection) sees an in-memory SQLite archive: its
    evidence and its structure are checked on this process's own connection."""
    from dso_desktop.store.repos import AccountRepo
    from dso_desktop.zfo import TrustStore

    db = Database.open(Path(":memory:"))
    try:
        with db.write() as s:
            AccountRepo(s).add("urad", environment="test", login_method="password",
                               username="u")
        env = Envelope(message_id="6301", sender_box_id="abc1234", subject="Věc", status=4)
        with db.write() as s:
            repo = MessageRepo(s)
            mid = repo.upsert_envelope(1, Direction.RECEIVED, env).id
            assert repo.attach_zfo(mid, make_zfo(dm_id="6301"), env,
                                   search_text_for(env, []), 1, VALID)
        _pooled(monkeypatch)
        anchors = TrustStore.from_paths([pki.ca_file])
        svc = IntegrityService(db, lambda account: anchors)
        checked_on: list[int] = []
        real = Database.integrity_check

        def spy(self: Database) -> list[str]:
            import threading

            checked_on.append(threading.get_ident())
            return real(self)

        monkeypatch.setattr(Database, "integrity_check", spy)
        report = svc.check(NOW)
        import threading

        assert checked_on == [threading.get_ident()]
        assert svc.last_worker_pids == frozenset()
        assert (report.checked, report.ok, report.problems, report.database_ok) == (
            1, 1, (), True)
    finally:
        db.close()


def test_a_checking_process_runs_the_structural_check_and_finds_what_this_one_does(
        tmp_path: Path, pki: TestPki, make_zfo: Callable[..., bytes],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Pooled, SQLite's structural check is a work item of a checking process (this process
    never runs it: on a thread here it competed with both processes for two cores), and a
    damaged index is reported exactly as by the check in this process, after every verdict
    of an archive with damaged evidence in two accounts' scopes."""
    data = tmp_path / "data"
    a = App.open(AppPaths.default(data), offline=True)
    try:
        a.accounts.add(AccountSpec("urad", LoginMethod.PASSWORD, "u1"))
        a.accounts.add(AccountSpec("sim", LoginMethod.PASSWORD, "u2", "https://127.0.0.1:9/",
                                   ca_file=pki.ca_file))
        ids = _damaged_archive(a, pki, make_zfo)
        _add_filler(a, indexed=True)
    finally:
        a.close()
    path = data / "archive.sqlite3"
    raw = bytearray(path.read_bytes())
    at = raw.rfind(b"value 002990")
    assert at > 0
    raw[at:at + 12] = b"VALUE 002990"  # the table and its index disagree now
    path.write_bytes(bytes(raw))

    calls: list[int] = []
    real = Database.integrity_check

    def spy(self: Database) -> list[str]:
        calls.append(os.getpid())
        return real(self)

    monkeypatch.setattr(Database, "integrity_check", spy)
    a = App.open(AppPaths.default(data), offline=True)
    try:
        single = a.integrity.check(NOW)
        assert calls == [os.getpid()] and a.integrity.last_structure_s is None
        assert not single.database_ok
        damage = [p for p in single.problems if p.problem == P.DATABASE]
        assert damage and single.problems[-len(damage):] == tuple(damage)
        assert _expected(ids) <= {(p.message_id, p.problem) for p in single.problems}

        _pooled(monkeypatch)
        calls.clear()
        pooled = a.integrity.check(NOW)
        assert a.integrity.last_worker_pids
        assert calls == []  # not in this process
        assert a.integrity.last_structure_s is not None and a.integrity.last_structure_s > 0
        assert pooled == single  # every verdict, the damage, the order
    finally:
        a.close()


def test_a_flipped_byte_a_broken_page_and_a_forged_zfo_are_each_reported_by_the_pool(
        tmp_path: Path, pki: TestPki, make_zfo: Callable[..., bytes],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """What `dso check` must never stop finding, however its work is shared out: a byte of
    a stored ZFO flipped behind the archive's back (its SHA-256 no longer matches), a
    b-tree page of the file broken (SQLite's structural check), and a ZFO whose content was
    changed and its SHA-256 stored anew (only the seal tells). The pooled check reports
    each, and its report is the in-process one, problem for problem, in order."""
    data = tmp_path / "data"
    a = App.open(AppPaths.default(data), offline=True)
    try:
        a.accounts.add(AccountSpec("sim", LoginMethod.PASSWORD, "u2", "https://127.0.0.1:9/",
                                   ca_file=pki.ca_file))
        ids = {dm: _store(a, "sim", dm, make_zfo(dm_id=dm, subject=f"Věc {dm}"))
               for dm in map(str, range(6300, 6306))}
        flipped = bytearray(make_zfo(dm_id="6301", subject="Věc 6301"))
        flipped[len(flipped) // 2] ^= 0x01
        _set(a, "message_zfos", ids["6301"], bytes(flipped), digest=False)
        forged = make_zfo(dm_id="6302", subject="Věc 6302: 1000 Kč")
        _set(a, "message_zfos", ids["6302"], forged.replace("1000 Kč".encode(),
                                                            "9000 Kč".encode()))
        _add_filler(a, indexed=False)
    finally:
        a.close()
    path = data / "archive.sqlite3"
    raw = bytearray(path.read_bytes())
    at = raw.find(b"value 001500")
    assert at > 0
    page = at - at % 4096  # a leaf of the filler table (the archive's page size: 4 KB)
    assert raw[page] == 0x0D  # a table b-tree leaf
    raw[page] = 0x00  # no page type at all
    path.write_bytes(bytes(raw))

    a = App.open(AppPaths.default(data), offline=True)
    try:
        single = a.integrity.check(NOW)
        _pooled(monkeypatch)
        pooled = a.integrity.check(NOW)
        assert a.integrity.last_worker_pids and a.integrity.last_structure_s is not None
    finally:
        a.close()
    found = {(p.message_id, p.problem) for p in single.problems}
    assert {(ids["6301"], P.CHECKSUM), (ids["6302"], P.INVALID)} <= found
    assert not single.database_ok and (0, P.DATABASE) in found
    assert (single.checked, single.ok) == (6, 4)
    assert pooled == single


def _bare_pool(conn: Any) -> tuple[Any, Any]:
    """A `_Pool` with one worker talking over ``conn``, no process started."""
    pool = object.__new__(integrity_mod._Pool)
    worker = integrity_mod._Worker(object(), conn)  # type: ignore[arg-type]
    pool.workers, pool._payload, pool._now = [worker], b"", None
    pool.pids, pool.rate, pool.structure_s = set(), None, None
    return pool, worker


def test_the_structural_check_goes_out_first_and_holds_up_no_progress(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool sends the structural check before every batch of evidence, whatever its
    place among the results (the check puts it last, so the progress never waits for it)."""
    sent: list[tuple[Any, ...]] = []

    class Conn:
        def __init__(self) -> None:
            self.inbox: list[Any] = [(integrity_mod._READY, 4242)]

        def send(self, msg: Any) -> None:
            if msg is not None and msg[0] == integrity_mod._CHECK:
                sent.append(msg)
                kind = msg[2]
                self.inbox.append((integrity_mod._DONE, msg[1],
                                   [] if kind == bulkread.STRUCTURE
                                   else [(i, "", None, "") for i in msg[3]], 0.5))

        def recv(self) -> Any:
            return self.inbox.pop(0)

    conn = Conn()
    pool, worker = _bare_pool(conn)
    monkeypatch.setattr("multiprocessing.connection.wait",
                        lambda conns, timeout=None: [c for c in conns if c.inbox])
    batches = [(bulkread.ZFO, [1, 2]), (bulkread.ZFO, [3]), (bulkread.STRUCTURE, [])]
    out = list(pool.run(batches, lambda i: pytest.fail("nothing verified here")))
    assert [m[2] for m in sent] == [bulkread.STRUCTURE, bulkread.ZFO, bulkread.ZFO]
    assert out == [[(1, "", None, ""), (2, "", None, "")], [(3, "", None, "")], []]
    assert pool.structure_s == 0.5 and worker.items == 3


def test_a_checking_process_verifies_beside_its_structural_check(
        tmp_path: Path, pki: TestPki, make_zfo: Callable[..., bytes],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The process that takes the structural check runs it on a thread of its own and goes
    on verifying: a batch sent after the check is answered while the check still runs (on
    a file not in the page cache it waits on the disk; as a work item of its own it left
    that process's core idle), and the check's lines come when it ends."""
    import multiprocessing
    import pickle
    import threading

    a = App.open(AppPaths.default(tmp_path / "data"), offline=True)
    try:
        a.accounts.add(AccountSpec("sim", LoginMethod.PASSWORD, "u2", "https://127.0.0.1:9/",
                                   ca_file=pki.ca_file))
        ids = [_store(a, "sim", str(6700 + i), make_zfo(dm_id=str(6700 + i)))
               for i in range(3)]
        spec = bulkread.reader_spec(a.db, integrity_mod.CHECK_BATCH)
        acc = a.accounts.record("sim").id
        payload = pickle.dumps({acc: a.integrity._trust(acc)})
    finally:
        a.close()
    gate = threading.Event()
    checking = threading.Event()

    def slow_check(spec: bulkread.ReaderSpec, conn: Any) -> list[str]:
        checking.set()
        assert gate.wait(30)
        return ["*** in database main ***\nPage 7: damaged"]

    monkeypatch.setattr(bulkread, "structure_check", slow_check)
    parent, child = multiprocessing.Pipe()
    worker = threading.Thread(target=integrity_mod._check_worker, args=(child, spec),
                              daemon=True)
    worker.start()
    try:
        assert parent.poll(30) and parent.recv()[0] == integrity_mod._READY
        parent.send((integrity_mod._SCOPES, payload, NOW))
        parent.send((integrity_mod._CHECK, 0, bulkread.STRUCTURE, []))
        parent.send((integrity_mod._CHECK, 1, bulkread.ZFO, ids))
        assert parent.poll(10), "the batch waited for the structural check"
        done = parent.recv()
        # The check's thread may not have been scheduled yet when a quick batch is answered:
        # what matters is that the batch did not wait for the check's end (still gated).
        assert checking.wait(10) and not gate.is_set()
        assert done[:2] == (integrity_mod._DONE, 1)
        assert [(r[0], r[2]) for r in done[2]] == [(i, None) for i in ids]  # all sound
        gate.set()
        assert parent.poll(30)
        structure = parent.recv()
        assert structure[:3] == (integrity_mod._DONE, 0,
                                 ["*** in database main ***\nPage 7: damaged"])
        assert structure[3] > 0
    finally:
        gate.set()
        parent.send(None)
        worker.join(30)
    assert not worker.is_alive()


def test_the_structural_check_takes_no_place_in_its_process_queue(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The process running the structural check beside its batches is sent as many batches
    ahead as the others (the check is not one of them)."""
    sent: list[int] = []
    answers: list[Any] = []

    class Conn:
        def __init__(self) -> None:
            self.inbox: list[Any] = [(integrity_mod._READY, 4242)]
            self.outstanding: list[tuple[int, str]] = []
            self.sent_at_first_answer: int | None = None

        def send(self, msg: Any) -> None:
            if msg is not None and msg[0] == integrity_mod._CHECK:
                sent.append(msg[1])
                self.outstanding.append((msg[1], msg[2]))

        def poll(self) -> bool:
            return bool(self.inbox or self.outstanding)

        def recv(self) -> Any:
            if self.inbox:
                return self.inbox.pop(0)
            if self.sent_at_first_answer is None:
                self.sent_at_first_answer = len(sent)
            # Evidence first; the structural check answers when nothing else is left.
            evidence = [o for o in self.outstanding if o[1] != bulkread.STRUCTURE]
            seq, kind = (evidence or self.outstanding)[0]
            self.outstanding.remove((seq, kind))
            answers.append(seq)
            return (integrity_mod._DONE, seq, [] if kind == bulkread.STRUCTURE else [
                (seq, "", None, "")], 0.25)

    conn = Conn()
    pool, worker = _bare_pool(conn)
    monkeypatch.setattr("multiprocessing.connection.wait",
                        lambda conns, timeout=None: [c for c in conns if c.poll()])
    batches: list[tuple[str, list[int]]] = [(bulkread.ZFO, [i]) for i in range(8)]
    batches.append((bulkread.STRUCTURE, []))
    here: list[int] = []  # verified by this process while the worker starts

    def local(i: int) -> list[Any]:
        here.append(i)
        return [(i, "", None, "")]

    out = list(pool.run(batches, local))
    assert sent[0] == 8  # the structural check first
    # Besides it, the full queue: the batch being verified and _AHEAD more.
    assert conn.sent_at_first_answer == 1 + integrity_mod._AHEAD + 1
    assert answers[-1] == 8 and out[:8] == [[(i, "", None, "")] for i in range(8)]
    assert 8 not in here and pool.structure_s == 0.25 and worker.items == 8 - len(here)


def test_a_check_cancelled_while_its_structural_check_runs_ends_every_process(
        tmp_path: Path, pki: TestPki, make_zfo: Callable[..., bytes],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Cancelled at its first progress step (the structural check and its read-ahead are
    on their threads in a checking process by then, or about to be): the cancellation
    reaches the caller, and every checking process is ended, threads and all."""
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True)
    try:
        a.accounts.add(AccountSpec("sim", LoginMethod.PASSWORD, "u2", "https://127.0.0.1:9/",
                                   ca_file=pki.ca_file))
        for i in range(8):
            _store(a, "sim", str(6800 + i), make_zfo(dm_id=str(6800 + i)))
        _pooled(monkeypatch)
        started: list[Any] = []
        real = integrity_mod._Pool

        class Recorded(real):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                started.extend(w.process for w in self.workers)

        monkeypatch.setattr(integrity_mod, "_Pool", Recorded)

        class Cancelled(Exception):
            pass

        def cancel(done: int, total: int) -> None:
            raise Cancelled

        with pytest.raises(Cancelled):
            a.integrity.check(NOW, progress=cancel)
        assert len(started) == 2
        assert all(not p.is_alive() for p in started)
        # The archive is untouched and a check after it runs to its end.
        monkeypatch.setattr(integrity_mod, "_Pool", real)
        report = a.integrity.check(NOW)
        assert (report.checked, report.ok, report.database_ok) == (8, 8, True)
    finally:
        a.close()


def test_the_ids_to_check_are_every_message_with_a_zfo_ascending(
        app: App, make_zfo: Callable[..., bytes]) -> None:
    """`MessageRepo.zfo_ids` (read unordered from the covering index, sorted here) lists what
    the ordered walk of the table lists; a message without a ZFO is not among them."""
    stored = [_store(app, "sim", str(6500 + i), make_zfo(dm_id=str(6500 + i)))
              for i in range(5)]
    env = Envelope(message_id="6599", sender_box_id="abc1234", subject="Věc", status=4)
    with app.db.write() as s:
        bare = MessageRepo(s).upsert_envelope(app.accounts.record("sim").id,
                                              Direction.RECEIVED, env).id
    with app.db.write() as s:  # the first one's ZFO goes away: a gap in the ids
        s.execute(text("DELETE FROM message_zfos WHERE message_id = :m"), {"m": stored[0]})
    with app.db.read() as s:
        repo = MessageRepo(s)
        ids = repo.zfo_ids()
        assert ids == list(repo.iter_zfo_ids()) == sorted(stored[1:])
    assert bare not in ids


def _add_filler(a: App, *, indexed: bool) -> None:
    """3,000 rows of a table of their own ("value 000000" ...), checkpointed into the
    file: pages to damage that hold no message."""
    with a.db.write() as s:
        s.execute(text("CREATE TABLE filler (id INTEGER PRIMARY KEY, v TEXT)"))
        if indexed:
            s.execute(text("CREATE INDEX ix_filler ON filler (v)"))
        for i in range(3000):
            s.execute(text("INSERT INTO filler (v) VALUES (:v)"), {"v": f"value {i:06d}" * 4})
    a.db.checkpoint()
