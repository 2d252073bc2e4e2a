"""The services' store-touching rules on SQLite AND PostgreSQL (`store_url`): what the legal
archive keeps must not depend on the backend (bytes, states, settings, who sees what)."""

# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.unit.services.isds_fake import (
    OUR_FILE_MARK,
    OUR_REF,
    RECIPIENT,
    TO_HANDS,
    FakeAccounts,
    FakeIsds,
)
from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml, pki  # noqa: F401

from dso_desktop.app import App
from dso_desktop.domain import Direction, Envelope, EvidenceVersionKind, LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.outbox import OutboxService
from dso_desktop.services.remedies import RemedyService
from dso_desktop.services.send import SendLimits, SendService
from dso_desktop.services.types import AccountSpec, Draft
from dso_desktop.store.messages import MessageRepo
from dso_desktop.store.outbox import FAILED, SENT
from dso_desktop.store.versions import ORIGINAL, EvidenceVersionRepo
from dso_desktop.sync.ingest import parse_and_verify, store_message_zfo
from dso_desktop.zfo.produce import seal
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore


@pytest.fixture
def app(tmp_path: Path, store_url: str) -> Iterator[App]:
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True, store_url=store_url)
    a.accounts.add(AccountSpec("obec", LoginMethod.PASSWORD, "u", delivery_confirmed=True),
                   password="p", save_password=True)
    yield a
    a.close()


def test_account_rules(app: App) -> None:
    assert app.accounts.get("obec").delivery_confirmed is True
    assert app.accounts.update("obec", sync_received=False).delivery_confirmed is False
    acc = app.accounts.record("obec")
    with app.db.write() as s:
        MessageRepo(s).upsert_envelope(acc.id, Direction.RECEIVED, Envelope("6001", status=4))
        MessageRepo(s).upsert_envelope(acc.id, Direction.SENT, Envelope("6002", status=4))
    assert app.accounts.remove("obec") == 2  # the messages stay in the archive
    assert app.messages.find("6001") and app.messages.find("6002")
    assert not app.accounts.exists("obec")


def test_settings_are_cached_until_invalidated(app: App, tmp_path: Path,
                                               store_url: str) -> None:
    assert app.settings.get().sync_window_days == 366
    other = App.open(AppPaths.default(tmp_path / "data"), offline=True, store_url=store_url)
    try:
        other.settings.update(sync_window_days=31, trust_anchors=("a.pem", "b.pem"))
    finally:
        other.close()
    # This process keeps its cached copy (one read per run) until told the archive moved.
    assert app.settings.get().sync_window_days == 366
    app.settings.invalidate()
    st = app.settings.get()
    assert st.sync_window_days == 31 and tuple(st.trust_anchors) == ("a.pem", "b.pem")


def _sender(app: App, isds: FakeIsds, pki: TestPki, tmp_path: Path) -> SendService:
    accounts = FakeAccounts(app.accounts, isds)
    trust = TrustStore.from_paths([pki.ca_file])
    outbox = OutboxService(app.db, accounts, lambda _a=None: trust, settle=0.0,
                           sleep=lambda _s: None)
    return SendService(app.db, accounts, lambda _a=None: trust,  # type: ignore[arg-type]
                       SendLimits(reconcile_settle=0.0), outbox)


def _draft(tmp_path: Path, subject: str) -> Draft:
    doc = tmp_path / "dopis.pdf"
    doc.write_bytes(b"%PDF-1.4 " + subject.encode())
    return Draft(recipients=(RECIPIENT,), subject=subject, attachments=(doc,),
                 to_hands=TO_HANDS, our_ref=OUR_REF, our_file_mark=OUR_FILE_MARK)


def test_exactly_once_sending(app: App, pki: TestPki, tmp_path: Path) -> None:
    from dso_desktop.isds.errors import StatusError

    isds = FakeIsds(pki)
    sender = _sender(app, isds, pki, tmp_path)
    isds.create_lost = True  # created in ISDS, the answer lost
    [lost] = sender.send("obec", _draft(tmp_path, "Ztracená odpověď"))
    assert lost.ok and lost.note and "the answer was lost" in lost.note
    isds.create_lost = False
    isds.create_error = StatusError("refused", code="1216")
    [refused] = sender.send("obec", _draft(tmp_path, "Odmítnutá"))
    assert not refused.ok and not refused.unknown
    states = {r.subject: (r.state, r.dm_id) for r in sender.outbox.records("obec")}
    assert states == {"Ztracená odpověď": (SENT, lost.message_id),
                      "Odmítnutá": (FAILED, None)}
    assert isds.calls.count(f"create:{RECIPIENT}") == 2
    # The confirmed message was archived, its signed bytes intact.
    [mid] = app.messages.find(lost.message_id or "")
    assert app.messages.zfo_bytes(mid) == isds.sent[lost.message_id or ""].zfo


def test_a_resealed_version_is_kept_byte_for_byte(app: App, pki: TestPki) -> None:
    xml = message_xml(pki, dm_id="6101", subject="Obnova")
    original = seal(xml, pki.seal, pki.tsa, SEALED_AT)
    trust = TrustStore.from_paths([pki.ca_file])
    parsed, verdict = parse_and_verify(original, trust, now=SEALED_AT)
    mid = store_message_zfo(app.db, original, parsed, verdict,
                            account_id=app.accounts.record("obec").id,
                            direction=Direction.RECEIVED, source="test").message_id
    assert mid is not None
    resealed = seal(xml, pki.seal, pki.tsa, SEALED_AT + timedelta(days=30))

    class _Client:
        def login(self) -> None: ...

        def close(self) -> None: ...

        def re_sign_isds_document(self, data: bytes) -> Any:
            from dso_desktop.isds.models import SignedDocument

            assert data == original
            return SignedDocument(resealed, "0000", "OK")

    class _Accounts:
        def client(self, *_a: Any, **_k: Any) -> _Client:
            return _Client()

    svc = RemedyService(app.db, _Accounts(), lambda _a=None: trust, app.settings.get,
                        lambda: None)
    [out] = svc.restamp([mid], now=SEALED_AT + timedelta(days=31))
    assert out.ok and out.kind is EvidenceVersionKind.RESIGNED
    with app.db.read() as s:
        repo = EvidenceVersionRepo(s)
        assert repo.data(mid, ORIGINAL) == original
        assert repo.data(mid, out.version or 0) == resealed
        [rec] = repo.versions(mid)
        assert rec.covers_sha256 == hashlib.sha256(original).hexdigest()
        assert rec.sha256 == hashlib.sha256(resealed).hexdigest()
