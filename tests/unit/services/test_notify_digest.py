"""The e-mail digest's content (services/notify.py), built without a server: message content
only for opted-in boxes, ZFOs attached within the cap, due items marked fresh once, and the
SMTP settings validated with Czech texts. Mail is captured where `send_mail` would send it."""

# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml, pki  # noqa: F401

from dso_desktop.app import App
from dso_desktop.domain import Direction, LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services import notify as notify_mod
from dso_desktop.services.notify import (
    DigestStatus,
    DueItem,
    NotifyConfigError,
    NotifyService,
    SmtpConfig,
    SmtpSecurity,
    SmtpUnreachable,
)
from dso_desktop.services.types import AccountSpec
from dso_desktop.settings import Settings
from dso_desktop.store.repos import AccountRepo
from dso_desktop.sync.events import SyncSummary
from dso_desktop.sync.ingest import parse_and_verify, store_message_zfo
from dso_desktop.zfo.produce import seal
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore

CLOCK = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
SECRET_SUBJECT = "Rozhodnutí o přestupku Jana Nováka"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True)
    for name in ("obec", "starosta", "jiná"):
        a.accounts.add(AccountSpec(name, LoginMethod.PASSWORD, "u"))
    yield a
    a.close()


def _store(app: App, pki: TestPki, dm_id: str, account: str,
           subject: str = SECRET_SUBJECT) -> tuple[int, bytes]:
    data = seal(message_xml(pki, dm_id=dm_id, subject=subject), pki.seal, pki.tsa,
                SEALED_AT)
    parsed, verdict = parse_and_verify(data, TrustStore.from_paths([pki.ca_file]),
                                       now=SEALED_AT)
    res = store_message_zfo(app.db, data, parsed, verdict,
                            account_id=app.accounts.record(account).id,
                            direction=Direction.RECEIVED, source="test")
    assert res.message_id is not None
    return res.message_id, data


def _settings(**kw: Any) -> Settings:
    base: dict[str, Any] = {"notify_email": True, "notify_smtp_host": "smtp.obec.example",
                            "notify_email_to": "podatelna@obec.example", "language": "en"}
    return Settings().changed(**{**base, **kw})


def _service(app: App, settings: Settings, due: list[DueItem] | None = None) -> NotifyService:
    return NotifyService(app.db, lambda: settings, app.messages, lambda: list(due or []),
                         clock=lambda: CLOCK)


def _cfg() -> SmtpConfig:
    return SmtpConfig("smtp.obec.example", 587, SmtpSecurity.STARTTLS,
                      "dso@obec.example", "podatelna@obec.example")


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def _attachments(msg: EmailMessage) -> dict[str, bytes]:
    return {str(a.get_filename()): bytes(a.get_content()) for a in msg.iter_attachments()}


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> list[EmailMessage]:
    sent: list[EmailMessage] = []

    def capture(cfg: SmtpConfig, msg: EmailMessage, *, timeout: float) -> None:
        sent.append(msg)

    monkeypatch.setattr(notify_mod, "send_mail", capture)
    return sent


# -- content and privacy ---------------------------------------------------------------------

def test_without_opt_in_a_new_message_is_its_dmid_only(app: App, pki: TestPki) -> None:
    mid, _ = _store(app, pki, "7001", "obec")
    st = _settings()
    digest = _service(app, st).build_digest(_cfg(), st, {"obec": [mid]}, [])
    body = _body(digest.message)
    assert "    7001 (received)" in body
    assert SECRET_SUBJECT not in body and "Úřad městyse" not in body
    assert "Message content is sent only for the accounts you opted in." in body
    assert _attachments(digest.message) == {}
    assert digest.message["Subject"] == "DSO Desktop: 1 new messages"
    assert digest.message["Auto-Submitted"] == "auto-generated"
    assert (digest.new_messages, digest.due_items, digest.attached) == (1, 0, 0)


def test_with_opt_in_subject_sender_and_the_signed_zfo_are_included(app: App,
                                                                    pki: TestPki) -> None:
    mid, data = _store(app, pki, "7002", "obec")
    st = _settings(notify_content_accounts=("obec",))
    digest = _service(app, st).build_digest(_cfg(), st, {"obec": [mid]}, [])
    body = _body(digest.message)
    assert f"      Subject: {SECRET_SUBJECT}" in body
    assert "      From: Úřad městyse Test" in body
    assert _attachments(digest.message) == {"DDZ_7002.zfo": data}  # the very bytes
    assert "opted in" not in body
    assert digest.attached == 1


def test_the_opt_in_holds_for_every_account_of_the_same_box(app: App, pki: TestPki) -> None:
    with app.db.write() as s:
        for name in ("obec", "starosta"):
            AccountRepo(s).update(name, box_id="abc1234")
    mid, _ = _store(app, pki, "7003", "starosta")
    other, _ = _store(app, pki, "7004", "jiná")
    st = _settings(notify_content_accounts=("obec",))
    digest = _service(app, st).build_digest(_cfg(), st, {"starosta": [mid], "jiná": [other]},
                                            [])
    body = _body(digest.message)
    # Which of the box's accounts synced it first is chance: the box's opt-in counts.
    assert body.count(SECRET_SUBJECT) == 1
    assert list(_attachments(digest.message)) == ["DDZ_7003.zfo"]


def test_attachments_stop_at_the_size_cap(app: App, pki: TestPki,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [_store(app, pki, f"71{i}", "obec")[0] for i in range(3)]
    _, one = _store(app, pki, "7199", "obec")
    monkeypatch.setattr(notify_mod, "MAX_ATTACHED_BYTES", len(one) * 2 + 10)
    st = _settings(notify_content_accounts=("obec",))
    digest = _service(app, st).build_digest(_cfg(), st, {"obec": ids}, [])
    assert digest.attached == 2
    assert "(1 ZFO not attached: over 20 MiB in total)" in _body(digest.message)


def test_due_items_listed_with_the_fresh_ones_marked(app: App) -> None:
    due = [DueItem("deletion", "obec", str(7300 + i), CLOCK + timedelta(days=i),
                   "Download the message", "Stáhněte zprávu") for i in range(52)]
    st = _settings()
    fresh = {due[1].key()}
    digest = _service(app, st, due).build_digest(_cfg(), st, {}, due, fresh=fresh)
    lines = _body(digest.message).splitlines()
    listed = [line for line in lines if "Download the message" in line]
    assert len(listed) == notify_mod.MAX_LISTED_DUE
    assert listed[1].startswith("  * ") and listed[0].startswith("    ")
    assert "  … and 2 more" in lines
    assert "  * new since the last digest" in lines
    assert digest.message["Subject"] == "DSO Desktop: 52 due items"
    cs = _settings(language="cs")
    body_cs = _body(_service(app, cs, due).build_digest(_cfg(), cs, {}, due[:1]).message)
    assert "Hlídané lhůty: 1" in body_cs and "Stáhněte zprávu" in body_cs


def test_a_due_item_with_a_moved_date_is_a_new_one() -> None:
    a = DueItem("fiction", "obec", "1", CLOCK, "x")
    assert a.key() == DueItem("fiction", "obec", "1", CLOCK + timedelta(hours=1), "y").key()
    assert a.key() != DueItem("fiction", "obec", "1", CLOCK + timedelta(days=1), "x").key()
    assert DueItem("backup", None, None, None, "x").key() == "backup|||"


# -- after a sync ----------------------------------------------------------------------------

def _summary(account: str, ids: list[int]) -> SyncSummary:
    s = SyncSummary(account)
    s.new_ids = list(ids)  # type: ignore[misc]
    return s


def test_due_items_are_mailed_once_then_only_when_something_is_new(
        app: App, pki: TestPki, mailbox: list[EmailMessage]) -> None:
    due = [DueItem("deletion", "obec", "7401", CLOCK, "Download")]
    svc = _service(app, _settings(), due)
    first = svc.after_sync({"obec": _summary("obec", [])})
    assert first.status is DigestStatus.SENT and first.due_items == 1
    again = svc.after_sync({"obec": _summary("obec", [])})
    assert again.status is DigestStatus.NOTHING_NEW and len(mailbox) == 1
    mid, _ = _store(app, pki, "7402", "obec")
    third = svc.after_sync({"obec": _summary("obec", [mid])})
    assert third.status is DigestStatus.SENT and third.new_messages == 1
    body = _body(mailbox[-1])
    assert "7402 (received)" in body
    assert "* " not in body.split("Due items")[1].splitlines()[1]  # no longer fresh


def test_a_big_archive_reads_only_the_nearest_due_items_and_counts_the_rest(
        app: App, mailbox: list[EmailMessage]) -> None:
    window = notify_mod.DIGEST_DUE_WINDOW
    asked: list[int | None] = []

    def nearest(limit: int | None = None) -> list[DueItem]:
        asked.append(limit)
        n = window if limit is None else min(limit, window)
        return [DueItem("timestamp-expiry", "obec", str(100000 + i),
                        CLOCK + timedelta(minutes=i), "Restamp") for i in range(n)]

    svc = NotifyService(app.db, lambda: _settings(), app.messages, nearest,
                        clock=lambda: CLOCK, due_count=lambda: 344_146)
    out = svc.after_sync({})
    assert out.status is DigestStatus.SENT and out.due_items == 344_146
    assert asked == [window]  # never the whole list
    body = _body(mailbox[-1])
    assert "Due items: 344146" in body and f"… and {344_146 - 50} more" in body
    assert mailbox[-1]["Subject"] == "DSO Desktop: 344146 due items"
    # Only the window's keys are remembered (not 344,146 keys in the archive's settings).
    with app.db.read() as s:
        from dso_desktop.store.repos import SettingsRepo

        assert len(SettingsRepo(s).all()[notify_mod.STATE_KEY]) == window
    assert svc.after_sync({}).status is DigestStatus.NOTHING_NEW


def test_a_failed_mail_is_the_digests_failure_and_is_tried_again(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    due = [DueItem("deletion", "obec", "7501", CLOCK, "Download")]
    svc = _service(app, _settings(), due)

    def down(*_a: Any, **_k: Any) -> None:
        raise SmtpUnreachable("mail server smtp.obec.example:587 cannot be reached")

    monkeypatch.setattr(notify_mod, "send_mail", down)
    out = svc.after_sync({})
    assert out.status is DigestStatus.FAILED and not out.sent
    assert out.to_json()["kind"] == str(SmtpUnreachable.kind)
    assert "cannot be reached" in out.to_json()["error"]
    sent: list[EmailMessage] = []
    monkeypatch.setattr(notify_mod, "send_mail", lambda _c, m, **_k: sent.append(m))
    assert svc.after_sync({}).status is DigestStatus.SENT  # not marked mailed before
    assert len(sent) == 1


def test_a_bug_while_building_never_fails_the_sync(app: App, mailbox: list[EmailMessage]
                                                   ) -> None:
    def broken() -> list[DueItem]:
        raise KeyError("bug")

    svc = NotifyService(app.db, lambda: _settings(), app.messages, broken, clock=lambda: CLOCK)
    out = svc.after_sync({})
    assert out.status is DigestStatus.FAILED
    assert out.error is not None and "internal error" in out.error.message
    assert mailbox == []


def test_disabled_sends_nothing(app: App, mailbox: list[EmailMessage]) -> None:
    out = _service(app, _settings(notify_email=False), [
        DueItem("x", None, None, None, "y")]).after_sync({})
    assert out.status is DigestStatus.DISABLED and mailbox == []


def test_the_test_mail_in_each_language(app: App, mailbox: list[EmailMessage]) -> None:
    assert _service(app, _settings()).send_test() == "podatelna@obec.example"
    assert mailbox[-1]["Subject"] == "DSO Desktop: test notification"
    _service(app, _settings(language="cs")).send_test()
    assert mailbox[-1]["Subject"] == "DSO Desktop: zkušební upozornění"
    assert "fungují" in _body(mailbox[-1])


# -- settings --------------------------------------------------------------------------------

def test_smtp_settings_are_validated_with_czech_texts() -> None:
    with pytest.raises(NotifyConfigError) as info:
        SmtpConfig.from_settings(Settings(), None)
    assert info.value.message == "e-mail notification needs: SMTP server, recipient"
    assert info.value.message_cs == ("Upozornění e-mailem není úplně nastavené: chybí "
                                     "poštovní server, příjemce.")
    with pytest.raises(NotifyConfigError, match="unknown SMTP security 'ssl'"):
        SmtpConfig.from_settings(_settings(notify_smtp_security="ssl"), None)
    with pytest.raises(NotifyConfigError, match="SMTP port 70000 is out of range"):
        SmtpConfig.from_settings(_settings(notify_smtp_port=70000), None)
    with pytest.raises(NotifyConfigError) as info:
        SmtpConfig.from_settings(_settings(notify_smtp_username="dso@obec.example"), None)
    assert info.value.message_cs == "Heslo k poštovnímu serveru není uložené."
    # A login that is no address, with no sender set, is named as the sender's problem.
    with pytest.raises(NotifyConfigError) as info:
        SmtpConfig.from_settings(_settings(notify_smtp_username="dso"), "pw")
    assert info.value.message_cs == ("Adresa (odesílatele) není jedna platná e-mailová "
                                     "adresa: dso")


def test_sender_falls_back_to_the_login_then_the_recipient() -> None:
    cfg = SmtpConfig.from_settings(_settings(), "ignored")
    assert cfg.sender == "podatelna@obec.example"
    assert cfg.password is None  # no login: no password kept at all
    cfg = SmtpConfig.from_settings(_settings(notify_smtp_username="dso@obec.example"), "pw")
    assert (cfg.sender, cfg.username, cfg.password) == ("dso@obec.example",
                                                        "dso@obec.example", "pw")
    assert "pw" not in repr(cfg)
    cfg = SmtpConfig.from_settings(_settings(notify_email_from="x@obec.example",
                                             notify_smtp_host="  smtp.x  "), None)
    assert (cfg.sender, cfg.host) == ("x@obec.example", "smtp.x")


def test_the_smtp_password_lives_in_the_keyring(app: App) -> None:
    svc = _service(app, _settings(notify_smtp_username="dso@obec.example"))
    assert not svc.has_password()
    with pytest.raises(NotifyConfigError):
        svc.config()
    svc.set_password("Posta-123")
    assert svc.has_password() and svc.config().password == "Posta-123"
    assert svc.config(password="given").password == "given"
    svc.set_password("")
    assert not svc.has_password()
