"""`dso check --refresh-verdicts` (`IntegrityService.check(refresh_verdicts=True)`): stored
verdicts that today's verification changes are stored, each with an activity entry; an
unchanged one writes nothing; the evidence stays byte for byte. On both backends, in this
process and in checking processes."""

# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from tests.unit.services.test_integrity_pool import _di, _pooled, _set
from tests.unit.zfo.test_fast_ber import _enc, _indef, _to_ber
from tests.unit.zfo.zfo_factory import SEALED_AT, make_zfo, pki  # noqa: F401 - fixtures

from dso_desktop.app import App
from dso_desktop.domain import Direction, Envelope, LoginMethod
from dso_desktop.domain import IntegrityProblemKind as P
from dso_desktop.paths import AppPaths
from dso_desktop.services import integrity as integrity_mod
from dso_desktop.services.integrity import IntegrityService
from dso_desktop.services.types import AccountSpec, VerdictChange
from dso_desktop.store.activity import REVERIFIED, ActivityRepo
from dso_desktop.store.messages import MessageRepo, search_text_for
from dso_desktop.store.records import VerdictInfo
from dso_desktop.zfo import TrustStore, fastcms
from dso_desktop.zfo.testpki import TestPki

NOW = SEALED_AT + timedelta(days=30)
VALID = VerdictInfo("valid", SEALED_AT, "{}", None)
# What an old version stored for a real ZFO of more than 10,000 chunks.
TOO_MANY = VerdictInfo("invalid", SEALED_AT, json.dumps({"reasons": ["too many ASN.1 values"]}))


@pytest.fixture
def app(tmp_path: Path, pki: TestPki, store_url: str) -> Iterator[App]:
    """One account whose CA is the test PKI's: its seals verify in its scope."""
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True, store_url=store_url)
    a.accounts.add(AccountSpec("sim", LoginMethod.PASSWORD, "u2", "https://127.0.0.1:9/",
                               ca_file=pki.ca_file))
    yield a
    a.close()


def _store(app: App, dm_id: str, data: bytes, verdict: VerdictInfo = VALID,
           delivery_info: bytes | None = None, di_verdict: str = "valid") -> int:
    env = Envelope(message_id=dm_id, sender_box_id="abc1234", subject="Věc", status=4)
    acc = app.accounts.record("sim").id
    with app.db.write() as s:
        repo = MessageRepo(s)
        mid = repo.upsert_envelope(acc, Direction.RECEIVED, env).id
        assert repo.attach_zfo(mid, data, env, search_text_for(env, []), 1, VALID)
        repo.set_verdict(mid, verdict)  # as the version that stored it judged it
        if delivery_info is not None:
            assert repo.store_delivery_info(mid, delivery_info, "valid")
    if di_verdict != "valid":
        with app.db.write() as s:
            s.execute(text("UPDATE delivery_infos SET verdict = :v WHERE message_id = :m"),
                      {"v": di_verdict, "m": mid})
    return mid


def _service(app: App, trust: Callable[..., Any] | None = None) -> IntegrityService:
    return app.integrity if trust is None else IntegrityService(app.db, trust)


def _stored(app: App, mid: int) -> tuple[Any, ...]:
    with app.db.read() as s:
        return tuple(s.execute(text(
            "SELECT m.verdict, m.verdict_json, d.verdict FROM messages m "
            "LEFT JOIN delivery_infos d ON d.message_id = m.id WHERE m.id = :m"),
            {"m": mid}).one())


def _history(app: App, mid: int) -> list[tuple[str, str | None]]:
    with app.db.read() as s:
        return [(r.action, r.detail) for r in ActivityRepo(s).history(mid)]


def _evidence(app: App) -> list[tuple[Any, ...]]:
    """Every evidence row and every envelope column but the verdict's, byte for byte."""
    verdict_columns = {"verdict", "verdict_json", "verified_at", "timestamp_expires",
                       "evidence_expires", "evidence_cause"}
    out: list[tuple[Any, ...]] = []
    with app.db.read() as s:
        for table in ("message_zfos", "delivery_infos"):
            out += [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)
                    for r in s.execute(text(
                        f"SELECT message_id, data, sha256, size, content_sha256, "  # noqa: S608
                        f"stored_at FROM {table} ORDER BY message_id"))]
        rows = s.execute(text("SELECT * FROM messages ORDER BY id")).mappings()
        out += [tuple(v for k, v in r.items() if k not in verdict_columns) for r in rows]
    return out


def _many_chunks(content: bytes) -> bytes:
    """The signed content as a constructed OCTET STRING of more than 10,000 chunks (ISDS
    writes 1000-byte chunks: every message over ~10 MB)."""
    chunks = [_enc((fastcms.OCTET_STRING, content[i:i + 1])) for i in range(len(content))]
    chunks += [b"\x04\x00"] * (10_001 - len(chunks))
    return _indef(0x24, chunks)


def test_a_wrong_stored_verdict_is_corrected_and_logged(
        app: App, pki: TestPki, make_zfo: Callable[..., bytes]) -> None:
    big = _to_ber(make_zfo(dm_id="7001"), _many_chunks)
    mid = _store(app, "7001", big, TOO_MANY, _di(pki, "7001"), di_verdict="invalid")
    sound = _store(app, "7002", make_zfo(dm_id="7002"), VALID, _di(pki, "7002"))
    before = _evidence(app)

    found = _service(app).check(NOW)  # the plain check finds them and stores nothing
    assert found.verdicts is not None and not found.verdicts.stored
    assert found.verdicts.changes == (VerdictChange("message", "invalid", "valid", 1),
                                      VerdictChange("delivery-info", "invalid", "valid", 1))
    assert _stored(app, mid)[0::2] == ("invalid", "invalid") and _history(app, mid) == []

    report = _service(app).check(NOW, refresh_verdicts=True)
    assert report.clean and report.ok == 2
    assert report.verdicts is not None and report.verdicts.stored
    assert report.verdicts.changes == found.verdicts.changes
    assert (report.verdicts.checked, report.verdicts.differing, report.verdicts.failed,
            report.verdicts.skipped, report.verdicts.cancelled) == (4, 2, 0, 0, False)
    verdict, verdict_json, di_verdict = _stored(app, mid)
    assert (verdict, di_verdict) == ("valid", "valid")
    assert json.loads(verdict_json)["dm_id"] == "7001"  # today's facts, not the old reasons
    assert _history(app, mid) == [(REVERIFIED, "invalid -> valid"),
                                  (REVERIFIED, "delivery info: invalid -> valid")]
    assert _history(app, sound) == []
    assert _evidence(app) == before

    again = _service(app).check(NOW, refresh_verdicts=True)  # nothing left to change
    assert again.verdicts is not None and again.verdicts.changes == ()
    assert len(_history(app, mid)) == 2


def test_an_unchanged_verdict_writes_nothing(app: App, pki: TestPki,
                                             make_zfo: Callable[..., bytes]) -> None:
    mid = _store(app, "7101", make_zfo(dm_id="7101"), VALID, _di(pki, "7101"))
    with app.db.read() as s:
        verified_at = s.execute(text("SELECT verified_at FROM messages WHERE id = :m"),
                                {"m": mid}).scalar()
    report = _service(app).check(NOW, refresh_verdicts=True)
    assert report.verdicts is not None
    assert (report.verdicts.checked, report.verdicts.changes) == (2, ())
    assert _stored(app, mid) == ("valid", "{}", "valid") and _history(app, mid) == []
    with app.db.read() as s:  # not even verified_at: the row is not written
        assert s.execute(text("SELECT verified_at FROM messages WHERE id = :m"),
                         {"m": mid}).scalar() == verified_at


def test_evidence_no_longer_trusted_gets_its_new_verdict(
        app: App, pki: TestPki, make_zfo: Callable[..., bytes]) -> None:
    mid = _store(app, "7201", make_zfo(dm_id="7201"), VALID, _di(pki, "7201"))
    before = _evidence(app)
    withdrawn = TrustStore.from_paths([])  # the test CA no longer an anchor
    report = _service(app, lambda account: withdrawn).check(NOW, refresh_verdicts=True)
    assert not report.clean
    assert report.verdicts is not None
    assert report.verdicts.changes == (
        VerdictChange("message", "valid", "untrusted", 1),
        VerdictChange("delivery-info", "valid", "untrusted", 1))
    assert _stored(app, mid)[0::2] == ("untrusted", "untrusted")
    assert _history(app, mid) == [(REVERIFIED, "valid -> untrusted"),
                                  (REVERIFIED, "delivery info: valid -> untrusted")]
    assert _evidence(app) == before


def test_damaged_evidence_gets_no_verdict_stored(app: App, pki: TestPki,
                                                 make_zfo: Callable[..., bytes]) -> None:
    """Bytes that are not the stored ones (their SHA-256 differs) and another message's ZFO
    have no verdict of their own: counted as failed, their stored verdicts left."""
    rotted = _store(app, "7301", make_zfo(dm_id="7301"), TOO_MANY)
    _set(app, "message_zfos", rotted, make_zfo(dm_id="7301") + b"\0", digest=False)
    other = _store(app, "7302", make_zfo(dm_id="9999"), TOO_MANY)
    report = _service(app).check(NOW, refresh_verdicts=True)
    assert {(p.message_id, p.problem) for p in report.problems} == {
        (rotted, P.CHECKSUM), (other, P.MISMATCH)}
    assert report.verdicts is not None
    assert (report.verdicts.failed, report.verdicts.changes) == (2, ())
    for mid in (rotted, other):
        assert _stored(app, mid)[0] == "invalid" and _history(app, mid) == []


def test_a_verdict_changed_meanwhile_is_left_as_it_is(
        app: App, make_zfo: Callable[..., bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    mid = _store(app, "7401", make_zfo(dm_id="7401"), TOO_MANY)
    write = integrity_mod._VerdictChanges._write

    def verified_by_hand_first(self: Any, kind: str, changes: list[Any]) -> list[Any]:
        with app.db.write() as s:  # the detail view's verify action, while the check ran
            MessageRepo(s).set_verdict(mid, VerdictInfo("untrusted", NOW, "{}"))
        return write(self, kind, changes)

    monkeypatch.setattr(integrity_mod._VerdictChanges, "_write", verified_by_hand_first)
    report = _service(app).check(NOW, refresh_verdicts=True)
    assert report.verdicts is not None
    assert (report.verdicts.skipped, report.verdicts.changes) == (1, ())
    assert _stored(app, mid)[0] == "untrusted" and _history(app, mid) == []


def test_a_cancel_between_batches_leaves_whole_batches(
        app: App, make_zfo: Callable[..., bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(integrity_mod, "CHECK_BATCH", 2)
    ids = [_store(app, str(7500 + i), make_zfo(dm_id=str(7500 + i)), TOO_MANY)
           for i in range(5)]
    asked: list[int] = []

    def cancel() -> bool:
        asked.append(1)
        return True

    report = _service(app).check(NOW, refresh_verdicts=True, cancel=cancel)
    assert asked == [1] and not report.clean
    assert report.verdicts is not None and report.verdicts.cancelled
    assert report.verdicts.changes == (VerdictChange("message", "invalid", "valid", 2),)
    assert [_stored(app, mid)[0] for mid in ids] == ["valid"] * 2 + ["invalid"] * 3
    assert [len(_history(app, mid)) for mid in ids] == [1, 1, 0, 0, 0]


def test_checking_processes_send_back_the_changed_verdicts(
        app: App, pki: TestPki, make_zfo: Callable[..., bytes],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _pooled(monkeypatch)
    wrong = [_store(app, str(7600 + i), make_zfo(dm_id=str(7600 + i)), TOO_MANY,
                    _di(pki, str(7600 + i)), di_verdict="untrusted") for i in range(3)]
    right = [_store(app, str(7700 + i), make_zfo(dm_id=str(7700 + i))) for i in range(3)]
    before = _evidence(app)
    service = _service(app)
    report = service.check(NOW, refresh_verdicts=True)
    assert service.last_worker_pids  # verified in the checking processes
    assert report.verdicts is not None
    assert report.verdicts.changes == (
        VerdictChange("message", "invalid", "valid", 3),
        VerdictChange("delivery-info", "untrusted", "valid", 3))
    assert [_stored(app, mid)[0::2] for mid in wrong] == [("valid", "valid")] * 3
    assert all(len(_history(app, mid)) == 2 for mid in wrong)
    assert all(_history(app, mid) == [] for mid in right)
    assert _evidence(app) == before


def test_a_renewed_message_keeps_the_horizon_of_its_newest_version(
        app: App, make_zfo: Callable[..., bytes]) -> None:
    """As the message's verify action: the original's new verdict does not move the watch's
    due date back from the one its newer evidence version set (`store.versions`)."""
    from dso_desktop.domain import EvidenceCause, EvidenceVersionKind
    from dso_desktop.store.timeutil import from_db
    from dso_desktop.store.versions import EvidenceVersionRepo

    renewed = _store(app, "7801", make_zfo(dm_id="7801"), TOO_MANY)
    plain = _store(app, "7802", make_zfo(dm_id="7802"), TOO_MANY)
    later = SEALED_AT + timedelta(days=3650)
    with app.db.write() as s:
        EvidenceVersionRepo(s).add(
            renewed, EvidenceVersionKind.ARCHIVE_TIMESTAMP, b"token", covers_sha256="0" * 64,
            verdict=VerdictInfo("valid", NOW, "{}", evidence_expires=later,
                                evidence_cause=EvidenceCause.QUALIFIED_TIMESTAMP.value),
            source="test")

    def horizon(mid: int) -> tuple[Any, ...]:
        from sqlalchemy import select

        from dso_desktop.store.models import Message

        with app.db.read() as s:
            at, cause = s.execute(select(Message.evidence_expires, Message.evidence_cause)
                                  .where(Message.id == mid)).one()
        return from_db(at), cause

    assert horizon(plain) == (None, None)
    report = _service(app).check(NOW, refresh_verdicts=True)
    assert report.verdicts is not None
    assert report.verdicts.changes == (VerdictChange("message", "invalid", "valid", 2),)
    assert horizon(renewed) == (later, "qualified-timestamp")
    at, cause = horizon(plain)  # today's verdict's own horizon
    assert at is not None and at != later and cause is not None
