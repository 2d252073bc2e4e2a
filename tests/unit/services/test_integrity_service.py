"""`IntegrityService.check` on a bare archive with real (test-PKI) ZFOs: each kind of problem
is found for the message it belongs to, a sound message counts as ok, nothing is modified."""

# ruff: noqa: F811 - the `db` fixture imported from archive_helpers is a parameter here

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from tests.unit.archive_helpers import urad_sqlite_db as db  # noqa: F401 - the fixture
from tests.unit.zfo.zfo_factory import SEALED_AT, make_zfo, pki  # noqa: F401 - fixtures

from dso_desktop.domain import Direction, Envelope
from dso_desktop.domain import IntegrityProblemKind as P
from dso_desktop.services.integrity import IntegrityService
from dso_desktop.store import evidence as evd
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo, search_text_for
from dso_desktop.store.records import VerdictInfo
from dso_desktop.zfo import TrustStore
from dso_desktop.zfo.testpki import TestPki

NOW = SEALED_AT + timedelta(days=30)
VALID = VerdictInfo("valid", SEALED_AT, "{}", None)




def _stored(db: Database, dm_id: str, data: bytes | None) -> int:
    env = Envelope(message_id=dm_id, sender_box_id="abc1234", subject="Věc", status=4)
    with db.write() as s:
        repo = MessageRepo(s)
        mid = repo.upsert_envelope(1, Direction.RECEIVED, env).id
        if data is not None:
            assert repo.attach_zfo(mid, data, env, search_text_for(env, []), 1, VALID)
    return mid


def _service(db: Database, pki: TestPki) -> IntegrityService:
    anchors = TrustStore.from_paths([pki.ca_file])
    return IntegrityService(db, lambda account: anchors)


def _problems(report: Any) -> dict[tuple[int, P], str]:
    return {(p.message_id, p.problem): p.detail for p in report.problems}


def test_a_sound_archive_is_clean(db: Database, pki: TestPki,
                                  make_zfo: Callable[..., bytes]) -> None:
    _stored(db, "4242", make_zfo(dm_id="4242"))
    seen: list[tuple[int, int]] = []
    report = _service(db, pki).check(NOW, progress=lambda n, total: seen.append((n, total)))
    assert (report.checked, report.ok, report.problems, report.database_ok) == (1, 1, (), True)
    assert report.clean
    assert seen == [(1, 1)]


def test_each_problem_is_reported_for_its_message(db: Database, pki: TestPki,
                                                  make_zfo: Callable[..., bytes],
                                                  ) -> None:
    good = _stored(db, "1001", make_zfo(dm_id="1001"))
    other = _stored(db, "1002", make_zfo(dm_id="9999"))  # the ZFO of another message
    flipped = _stored(db, "1003", make_zfo(dm_id="1003"))
    garbage = _stored(db, "1004", b"not a zfo at all")
    listed = _stored(db, "1005", None)
    tampered = make_zfo(dm_id="1006", tamper_hash=True)
    invalid = _stored(db, "1006", tampered)
    with db.engine.begin() as c:  # bit rot: the stored bytes no longer match their digest
        c.execute(text("UPDATE message_zfos SET data = :d WHERE message_id = :m"),
                  {"d": make_zfo(dm_id="1003", subject="Jiná věc"), "m": flipped})
    with db.write() as s:
        repo = MessageRepo(s)
        repo.keep_copy(good, evd.MESSAGE, b"aside", None, "untrusted", None,
                       evd.REASON_CONFLICT)
        repo.quarantine(b"imported", zfo_kind="received", dm_id="2001", verdict="untrusted",
                        verdict_json=None, reasons="chain", source_name="x.zfo")
    before = _snapshot(db)
    report = _service(db, pki).check(NOW)
    found = _problems(report)
    assert report.checked == 5 and report.ok == 1  # only "1001" is sound
    assert found.keys() == {
        (other, P.MISMATCH), (flipped, P.CHECKSUM), (garbage, P.UNPARSABLE),
        (listed, P.MISSING_ZFO), (invalid, P.INVALID), (good, P.CONFLICT),
        (0, P.QUARANTINED)}
    assert "9999" in found[(other, P.MISMATCH)]
    assert "x.zfo" in found[(0, P.QUARANTINED)]
    assert not report.clean
    assert _snapshot(db) == before  # a check never modifies the evidence
    # reviewing the copy turns its problem into the reviewed kind
    assert _service(db, pki).mark_copies_reviewed() == 1
    found = _problems(_service(db, pki).check(NOW))
    assert (good, P.CONFLICT_REVIEWED) in found and (good, P.CONFLICT) not in found


def test_a_seal_outside_the_trust_scope_is_untrusted(db: Database, pki: TestPki,
                                                     make_zfo: Callable[..., bytes],
                                                     ) -> None:
    mid = _stored(db, "4242", make_zfo(dm_id="4242"))
    mid2 = _stored(db, "4243", make_zfo(dm_id="4243"))
    asked: list[Any] = []

    def no_anchor(account: Any) -> TrustStore:
        asked.append(account)
        return TrustStore.from_paths([])

    report = IntegrityService(db, no_anchor).check(NOW)
    assert list(_problems(report)) == [(mid, P.UNTRUSTED), (mid2, P.UNTRUSTED)]
    assert report.ok == 0
    assert asked == [1]  # the messages' own account's scope, built once for both


def _snapshot(db: Database) -> list[tuple[Any, ...]]:
    with db.engine.connect() as c:
        return [tuple(r) for r in c.execute(text(
            "SELECT message_id, sha256, data FROM message_zfos ORDER BY message_id"))] + [
            tuple(r) for r in c.execute(text("SELECT id, verdict FROM messages ORDER BY id"))]
