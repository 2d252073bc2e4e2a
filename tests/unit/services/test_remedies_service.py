"""The watch's remedies (services/remedies.py): a re-sealed ZFO is kept only when it verifies
and is the very same message; the original is never touched; refusals say why."""

# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml, pki  # noqa: F401

from dso_desktop.app import App
from dso_desktop.domain import Direction, EvidenceVersionKind, LoginMethod
from dso_desktop.isds.errors import LoginError, StatusError
from dso_desktop.paths import AppPaths
from dso_desktop.services.remedies import RemedyError, RemedyOutcome, RemedyService
from dso_desktop.services.types import AccountSpec
from dso_desktop.store.models import Message
from dso_desktop.store.timeutil import to_db
from dso_desktop.store.versions import ORIGINAL, EvidenceVersionRepo
from dso_desktop.sync.ingest import parse_and_verify, store_message_zfo
from dso_desktop.zfo.produce import seal
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore

NOW = SEALED_AT + timedelta(days=40)


class _Isds:
    """Re-signISDSDocument and AuthenticateMessage as a test needs them."""

    def __init__(self, answer: Any = None, *, login_error: Exception | None = None,
                 authentic: bool = True) -> None:
        self.answer = answer  # bytes, an exception, or a function of the ZFO sent
        self.login_error = login_error
        self.authentic = authentic
        self.calls: list[str] = []
        self.closed = 0

    def login(self) -> None:
        self.calls.append("login")
        if self.login_error is not None:
            raise self.login_error

    def close(self) -> None:
        self.closed += 1

    def re_sign_isds_document(self, data: bytes) -> Any:
        self.calls.append("resign")
        answer = self.answer(data) if callable(self.answer) else self.answer
        if isinstance(answer, Exception):
            raise answer
        from dso_desktop.isds.models import SignedDocument

        return SignedDocument(answer or b"", "0000", "OK")

    def authenticate_message(self, data: bytes) -> bool:
        self.calls.append("authenticate")
        return self.authentic


class _Accounts:
    def __init__(self, isds: _Isds) -> None:
        self.isds = isds
        self.built = 0

    def client(self, name: str, **_kw: Any) -> _Isds:
        self.built += 1
        return self.isds


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True)
    a.accounts.add(AccountSpec("obec", LoginMethod.PASSWORD, "u"))
    yield a
    a.close()


def _service(app: App, pki: TestPki, isds: _Isds) -> RemedyService:
    trust = TrustStore.from_paths([pki.ca_file])
    return RemedyService(app.db, _Accounts(isds), lambda _acc=None: trust, app.settings.get,
                         lambda: None)


def _xml(pki: TestPki, dm_id: str) -> bytes:
    return message_xml(pki, dm_id=dm_id, subject=f"Zpráva {dm_id}")


def _store(app: App, pki: TestPki, dm_id: str, *, account: str | None = "obec") -> int:
    data = seal(_xml(pki, dm_id), pki.seal, pki.tsa, SEALED_AT)
    parsed, verdict = parse_and_verify(data, TrustStore.from_paths([pki.ca_file]), now=NOW)
    acc_id = app.accounts.record(account).id if account else None
    res = store_message_zfo(app.db, data, parsed, verdict, account_id=acc_id,
                            direction=Direction.RECEIVED, source="test")
    assert res.message_id is not None
    return res.message_id


def _resealed(pki: TestPki, dm_id: str, days: int = 30) -> bytes:
    return seal(_xml(pki, dm_id), pki.seal, pki.tsa, SEALED_AT + timedelta(days=days))


def _original(app: App, mid: int) -> bytes:
    with app.db.read() as s:
        return EvidenceVersionRepo(s).data(mid, ORIGINAL)


# -- re-sealing ----------------------------------------------------------------------------

def test_a_resealed_copy_of_the_same_message_is_kept_as_a_new_version(
        app: App, pki: TestPki) -> None:
    mid = _store(app, pki, "5001")
    before = _original(app, mid)
    isds = _Isds(_resealed(pki, "5001"))
    svc = _service(app, pki, isds)
    progress: list[tuple[int, int, str]] = []
    [out] = svc.restamp([mid], progress=lambda *a: progress.append(a), now=NOW)
    assert out.ok and out.kind is EvidenceVersionKind.RESIGNED and out.version == 2
    assert out.error is None and out.isds_refused is None
    assert progress == [(1, 1, "5001")]
    [rec] = svc.versions(mid)
    assert rec.kind is EvidenceVersionKind.RESIGNED
    assert rec.covers_sha256 == hashlib.sha256(before).hexdigest()
    assert rec.source == "isds"
    assert _original(app, mid) == before  # the original evidence is never touched
    checks = svc.verify_versions(mid, now=NOW)
    assert [(c.version, c.kind, c.ok) for c in checks] == [
        (ORIGINAL, None, True), (2, EvidenceVersionKind.RESIGNED, True)]
    assert out.to_json()["kind"] == "resigned" and out.to_json()["ok"] is True
    assert checks[1].to_json()["kind"] == "resigned"
    assert checks[0].to_json()["kind"] == "original"
    assert isds.closed == 1


@pytest.mark.parametrize(("answer", "why"), [
    ("other-message", "the re-sealed ZFO is not the same message"),
    ("tampered", "the re-sealed ZFO does not verify"),
    ("empty", "ISDS returned no document"),
    ("refused", "document not issued by ISDS"),
])
def test_a_reseal_that_is_not_the_message_is_refused_and_nothing_is_kept(
        app: App, pki: TestPki, answer: str, why: str) -> None:
    mid = _store(app, pki, "5002")
    data: Any = {
        "other-message": _resealed(pki, "5999"),
        "tampered": seal(message_xml(pki, dm_id="5002", subject="Zpráva 5002",
                                     tamper_hash=True), pki.seal, pki.tsa, SEALED_AT),
        "empty": b"",
        "refused": StatusError("document not issued by ISDS", code="1213"),
    }[answer]
    svc = _service(app, pki, _Isds(data))
    [out] = svc.restamp([mid], now=NOW)
    assert not out.ok and out.kind is None and out.version is None
    assert out.isds_refused is not None and why in out.isds_refused
    # No TSA configured: the user is told both facts.
    assert out.error is not None and "no TSA is configured" in out.error
    assert out.error_cs == ("ISDS zprávu znovu nezapečetilo a pro archivní časové razítko "
                            "není nastavena autorita časových razítek.")
    assert svc.versions(mid) == []


def test_a_reseal_whose_core_cannot_be_read_is_not_taken_for_the_same_message(
        app: App, pki: TestPki, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two copies whose message core the parse cannot expose are not "the same": no digest
    # on either side proves nothing (None == None), so the re-seal is refused.
    import dso_desktop.sync.ingest as ingest

    mid = _store(app, pki, "5003")
    monkeypatch.setattr(ingest, "content_digest", lambda parsed: None)
    svc = _service(app, pki, _Isds(_resealed(pki, "5003")))
    [out] = svc.restamp([mid], now=NOW)
    assert not out.ok and out.isds_refused is not None
    assert "the re-sealed ZFO is not the same message" in out.isds_refused
    assert svc.versions(mid) == []


def test_one_login_per_account_and_a_refused_login_is_reported_per_message(
        app: App, pki: TestPki) -> None:
    ids = [_store(app, pki, f"51{i}") for i in range(3)]
    isds = _Isds(lambda _data: StatusError("not now", code="9"))
    svc = _service(app, pki, isds)
    outs = svc.restamp(ids, now=NOW)
    assert [o.dm_id for o in outs] == ["510", "511", "512"]
    assert isds.calls.count("login") == 1 and isds.calls.count("resign") == 3
    assert all(not o.ok for o in outs)

    failing = _Isds(login_error=LoginError("wrong password"))
    svc = _service(app, pki, failing)
    outs = svc.restamp(ids[:2], now=NOW)
    assert all("wrong password" in (o.isds_refused or "") for o in outs)
    # A failed login is not cached: each message tries (and reports) on its own.
    assert failing.calls == ["login", "login"]


def test_a_message_of_no_account_cannot_be_resealed_by_isds(app: App, pki: TestPki) -> None:
    mid = _store(app, pki, "5003", account=None)
    isds = _Isds(_resealed(pki, "5003"))
    [out] = _service(app, pki, isds).restamp([mid], now=NOW)
    assert not out.ok and out.account is None
    assert out.isds_refused == "the message belongs to no account"
    assert isds.calls == []


def test_an_unknown_message_id_is_an_outcome_not_a_crash(app: App, pki: TestPki) -> None:
    [out] = _service(app, pki, _Isds(b"")).restamp([424242], now=NOW)
    assert (out.ok, out.dm_id, out.message_id) == (False, "?", 424242)
    assert out.error


def test_cancel_stops_before_the_next_message_and_keeps_what_was_done(
        app: App, pki: TestPki) -> None:
    first = _store(app, pki, "5004")
    second = _store(app, pki, "5005")
    cancel = threading.Event()

    def answer(data: bytes) -> bytes:
        cancel.set()  # the user presses Cancel while the first one is being done
        return _resealed(pki, "5004")

    svc = _service(app, pki, _Isds(answer))
    outs = svc.restamp([first, second], cancel=cancel, now=NOW)
    assert [(o.message_id, o.ok) for o in outs] == [(first, True)]
    assert len(svc.versions(first)) == 1 and svc.versions(second) == []


# -- what to restamp -----------------------------------------------------------------------

def test_candidates_are_those_expiring_soon_soonest_first(app: App, pki: TestPki) -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    late, soon, never = (_store(app, pki, d) for d in ("5101", "5102", "5103"))
    with app.db.write() as s:
        for mid, when in ((late, now + timedelta(days=50)), (soon, now + timedelta(days=5))):
            s.execute(update(Message).where(Message.id == mid)
                      .values(evidence_expires=to_db(when)))
        s.execute(update(Message).where(Message.id == never).values(evidence_expires=None))
    svc = _service(app, pki, _Isds())
    assert svc.candidates(within_days=60, now=now) == [soon, late]
    assert svc.candidates(within_days=10, now=now) == [soon]
    assert svc.candidates(within_days=1, now=now) == []
    app.settings.update(restamp_within_days=100)
    assert svc.candidates(now=now) == [soon, late]  # the setting is the default
    assert svc.find("5102") == [soon] and svc.find("nothing") == []


# -- archive timestamps --------------------------------------------------------------------

def test_no_tsa_configured_is_a_clear_error(app: App, pki: TestPki) -> None:
    mid = _store(app, pki, "5201")
    svc = _service(app, pki, _Isds())
    with pytest.raises(RemedyError) as info:
        svc.archive_timestamp(mid)
    assert "no time-stamping authority is configured" in str(info.value)
    assert info.value.message_cs.startswith("Není nastavena autorita časových razítek")


@pytest.mark.parametrize("url", ["ftp://tsa.example/", "https://", "tsa.example"])
def test_a_tsa_address_that_is_not_http_is_refused_before_any_request(
        app: App, pki: TestPki, url: str) -> None:
    mid = _store(app, pki, "5202")
    app.settings.update(tsa_url=url, tsa_ca_file=str(pki.ca_file))
    svc = _service(app, pki, _Isds())
    with pytest.raises(RemedyError, match="is not an http\\(s\\) URL") as info:
        svc.archive_timestamp(mid)
    assert info.value.message_cs == "Adresa autority časových razítek není platná."
    assert svc.versions(mid) == []


def test_an_unreachable_tsa_fails_the_restamp_and_keeps_isds_reason(
        app: App, pki: TestPki) -> None:
    mid = _store(app, pki, "5203")
    # Port 9 on loopback: nothing listens (the tests never leave loopback).
    app.settings.update(tsa_url="http://127.0.0.1:9/tsa", tsa_ca_file=str(pki.ca_file))
    from dso_desktop.net import NetConfig

    svc = RemedyService(app.db, _Accounts(_Isds(StatusError("refused", code="1213"))),
                        lambda _a=None: TrustStore.from_paths([pki.ca_file]),
                        app.settings.get, lambda: NetConfig(timeouts=(1.0, 1.0)))
    [out] = svc.restamp([mid], now=NOW)
    assert not out.ok and out.isds_refused == "refused (code 1213)"
    assert out.error is not None and "unreachable" in out.error
    assert out.error_cs == "Autorita časových razítek není dostupná."
    assert svc.versions(mid) == []


def test_an_archive_timestamp_without_its_anchor_cannot_be_checked(
        app: App, pki: TestPki) -> None:
    mid = _store(app, pki, "5204")
    original = _original(app, mid)
    with app.db.write() as s:
        EvidenceVersionRepo(s).add(mid, EvidenceVersionKind.ARCHIVE_TIMESTAMP, b"token",
                                   covers_sha256=hashlib.sha256(original).hexdigest(),
                                   verdict=None, source="http://tsa")
        EvidenceVersionRepo(s).add(mid, EvidenceVersionKind.ARCHIVE_TIMESTAMP, b"token2",
                                   covers_sha256="0" * 64, verdict=None, source="http://tsa")
    checks = _service(app, pki, _Isds()).verify_versions(mid, now=NOW)
    assert [c.ok for c in checks] == [True, False, False]
    assert checks[1].reasons == ("the archive timestamp cannot be checked: no TSA trust "
                                 "anchor is configured",)
    assert checks[2].reasons == ("the archive timestamp cannot be checked: the data it "
                                 "covers is missing",)
    assert checks[1].reasons_cs == ("Archivní časové razítko nelze ověřit.",)


# -- online verification -------------------------------------------------------------------

def test_online_verification_keeps_isds_answer(app: App, pki: TestPki) -> None:
    mid = _store(app, pki, "5301")
    for authentic in (True, False):
        isds = _Isds(authentic=authentic)
        rec = _service(app, pki, isds).verify_online(mid)
        assert rec.authentic is authentic and rec.account == "obec"
        assert rec.version == ORIGINAL
        assert rec.sha256 == hashlib.sha256(_original(app, mid)).hexdigest()
        assert isds.calls == ["login", "authenticate"] and isds.closed == 1
    checks = _service(app, pki, _Isds()).online_checks(mid)
    assert [c.authentic for c in checks] == [True, False]
    assert checks[0].to_json()["account"] == "obec"


def test_online_verification_needs_a_message_and_an_account(app: App, pki: TestPki) -> None:
    svc = _service(app, pki, _Isds())
    with pytest.raises(RemedyError, match="no message 999") as info:
        svc.verify_online(999)
    assert info.value.message_cs == "Zpráva neexistuje."
    orphan = _store(app, pki, "5302", account=None)
    with pytest.raises(RemedyError, match="belongs to no account") as info:
        svc.verify_online(orphan)
    assert "přes účet" in info.value.message_cs
    assert svc.online_checks(orphan) == []


def test_a_failed_login_records_no_online_check(app: App, pki: TestPki) -> None:
    mid = _store(app, pki, "5303")
    isds = _Isds(login_error=LoginError("wrong password"))
    with pytest.raises(LoginError):
        _service(app, pki, isds).verify_online(mid)
    assert isds.closed == 1
    assert _service(app, pki, _Isds()).online_checks(mid) == []


def test_outcome_json_shape() -> None:
    when = datetime(2031, 1, 1, tzinfo=UTC)
    out = RemedyOutcome(7, "123", "obec", True, EvidenceVersionKind.ARCHIVE_TIMESTAMP, 3,
                        when, isds_refused="refused")
    assert out.to_json() == {"message_id": 7, "dm_id": "123", "account": "obec", "ok": True,
                             "kind": "archive-timestamp", "version": 3,
                             "evidence_expires": "2031-01-01T00:00:00+00:00", "error": None,
                             "isds_refused": "refused"}
