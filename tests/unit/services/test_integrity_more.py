"""`IntegrityService.check`: delivery infos are evidence too (checksum, parse, seal), and a
big archive checked by several processes reports exactly what one process does."""

# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import text
from tests.unit.archive_helpers import urad_sqlite_db as db  # noqa: F401 - the fixture
from tests.unit.zfo.zfo_factory import SEALED_AT, make_zfo, message_xml, pki  # noqa: F401

from dso_desktop.domain import Direction, Envelope
from dso_desktop.domain import IntegrityProblemKind as P
from dso_desktop.services import integrity as integrity_mod
from dso_desktop.services.integrity import IntegrityService
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo, search_text_for
from dso_desktop.store.records import VerdictInfo
from dso_desktop.zfo import TrustStore
from dso_desktop.zfo.produce import seal
from dso_desktop.zfo.testpki import TestPki

NOW = SEALED_AT + timedelta(days=30)
VALID = VerdictInfo("valid", SEALED_AT, "{}", None)




def _stored(db: Database, dm_id: str, data: bytes, delivery_info: bytes | None = None) -> int:
    env = Envelope(message_id=dm_id, sender_box_id="abc1234", subject="Věc", status=4)
    with db.write() as s:
        repo = MessageRepo(s)
        mid = repo.upsert_envelope(1, Direction.RECEIVED, env).id
        assert repo.attach_zfo(mid, data, env, search_text_for(env, []), 1, VALID)
        if delivery_info is not None:
            assert repo.store_delivery_info(mid, delivery_info, "valid")
    return mid


def _di(pki: TestPki, dm_id: str, *, broken_seal: bool = False) -> bytes:
    data = seal(message_xml(pki, kind="delivery-info", dm_id=dm_id), pki.seal, pki.tsa,
                SEALED_AT)
    if broken_seal:
        # One letter of the sealed content changed (same length): the CMS still parses,
        # the seal no longer matches. (A delivery info's dmHash cannot be recomputed: it
        # covers attachments the delivery info does not carry.)
        assert data.count(b"EV5: ") == 1
        data = data.replace(b"EV5: ", b"EV6: ")
    return data


def _service(db: Database, pki: TestPki) -> IntegrityService:
    anchors = TrustStore.from_paths([pki.ca_file])
    return IntegrityService(db, lambda account: anchors)


def test_delivery_infos_are_checked_like_the_messages(db: Database, pki: TestPki,
                                                      make_zfo: Callable[..., bytes]) -> None:
    sound = _stored(db, "3001", make_zfo(dm_id="3001"), _di(pki, "3001"))
    rotted = _stored(db, "3002", make_zfo(dm_id="3002"), _di(pki, "3002"))
    broken = _stored(db, "3003", make_zfo(dm_id="3003"), _di(pki, "3003"))
    invalid = _stored(db, "3004", make_zfo(dm_id="3004"), _di(pki, "3004", broken_seal=True))
    with db.engine.begin() as c:
        c.execute(text("UPDATE delivery_infos SET data = :d WHERE message_id = :m"),
                  {"d": _di(pki, "3002") + b"\x00", "m": rotted})
        # Garbage whose stored digest matches: it passes the checksum, fails the parse.
        import hashlib

        junk = b"not a delivery info"
        c.execute(text("UPDATE delivery_infos SET data = :d, sha256 = :h "
                       "WHERE message_id = :m"),
                  {"d": junk, "h": hashlib.sha256(junk).hexdigest(), "m": broken})
    report = _service(db, pki).check(NOW)
    found = {(p.message_id, p.problem): p.detail for p in report.problems}
    assert report.checked == 4 and report.ok == 4  # the messages themselves are sound
    assert set(found) == {(rotted, P.CHECKSUM), (broken, P.UNPARSABLE), (invalid, P.INVALID)}
    assert found[(rotted, P.CHECKSUM)] == "delivery info bytes do not match their SHA-256"
    assert found[(broken, P.UNPARSABLE)].startswith("delivery info: ")
    assert found[(invalid, P.INVALID)].startswith("delivery info: ")
    assert not any(mid == sound for mid, _ in found)
    assert not report.clean


def test_several_processes_report_what_one_process_does(
        db: Database, pki: TestPki, make_zfo: Callable[..., bytes],
        monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [_stored(db, str(3100 + i), make_zfo(dm_id=str(3100 + i))) for i in range(5)]
    other = _stored(db, "3199", make_zfo(dm_id="9999"))  # the ZFO of another message
    single = _service(db, pki).check(NOW)
    assert _service(db, pki).last_worker_pids == frozenset()
    monkeypatch.setattr(integrity_mod, "PROCESS_MIN_ZFOS", 1)
    monkeypatch.setattr(integrity_mod, "CHECK_BATCH", 2)
    monkeypatch.setattr(IntegrityService, "_workers", staticmethod(lambda: 2))
    svc = _service(db, pki)
    seen: list[int] = []
    pooled = svc.check(NOW, progress=lambda n, _t: seen.append(n))
    assert svc.last_worker_pids, "verified in worker processes"
    assert (pooled.checked, pooled.ok) == (single.checked, single.ok) == (6, 5)
    assert [(p.message_id, p.problem) for p in pooled.problems] == \
        [(p.message_id, p.problem) for p in single.problems] == [(other, P.MISMATCH)]
    assert seen == list(range(1, len(ids) + 2))


def test_trust_stores_that_cannot_go_to_a_process_are_checked_in_process(
        db: Database, pki: TestPki, make_zfo: Callable[..., bytes],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _stored(db, "3201", make_zfo(dm_id="3201"))
    monkeypatch.setattr(integrity_mod, "PROCESS_MIN_ZFOS", 1)
    monkeypatch.setattr(IntegrityService, "_workers", staticmethod(lambda: 2))
    anchors = TrustStore.from_paths([pki.ca_file])
    unpicklable = lambda account: anchors  # noqa: E731 - the scope is a closure here

    class Scope:
        """A trust store double that pickle refuses (a lock inside)."""

        def __init__(self) -> None:
            import threading

            self.lock = threading.Lock()
            self.inner = anchors

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

    svc = IntegrityService(db, lambda account: Scope() if account else unpicklable(account))
    report = svc.check(NOW)
    assert svc.last_worker_pids == frozenset()
    assert (report.checked, report.ok) == (1, 1)  # verified all the same, in process
