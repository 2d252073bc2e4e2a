"""The e-mail digest against a real SMTP server (aiosmtpd) with TLS, and its refusals.

STARTTLS and implicit TLS with the server's certificate verified against the test CA; an
untrusted certificate, a server without STARTTLS, a wrong password and a server that is down
each give one clear error, and the sync's own result stays ok.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.smtpserver import PASSWORD, USER, SmtpServer, free_port, start_smtp

from dso_desktop import secretstore
from dso_desktop.app import App
from dso_desktop.cli.main import run
from dso_desktop.domain import Direction, LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.notify import (
    SECRET_ACCOUNT,
    SECRET_KIND,
    DigestStatus,
    DueItem,
    NotifyConfigError,
    NotifyService,
    SmtpAuthError,
    SmtpTlsError,
    SmtpUnreachable,
)
from dso_desktop.services.types import AccountSpec, MessageFilter
from dso_desktop.sync.events import SyncSummary

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    from dso_desktop.simulator import Simulator

    s = Simulator(seed=5, messages=6)
    s.start()
    yield s
    s.stop()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True)
    yield a
    a.close()


@pytest.fixture(params=["starttls", "tls"])
def smtp(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SmtpServer]:
    server = start_smtp(tmp_path, request.param)
    server.mode = request.param  # type: ignore[attr-defined]
    yield server
    server.stop()


def configure(app: App, server: SmtpServer, mode: str, *, password: str | None = PASSWORD,
              ca_file: str | None = "", **more: Any) -> None:
    app.settings.update(
        notify_email=True, notify_email_to="podatelna@obec.example",
        notify_email_from=USER, notify_smtp_host="127.0.0.1", notify_smtp_port=server.port,
        notify_smtp_security=mode, notify_smtp_username=USER,
        notify_smtp_ca_file=str(server.ca_file) if ca_file == "" else ca_file, **more)
    app.notify.set_password(password)


def add_account(app: App, sim: Any, name: str, nth: int = 0) -> None:
    first = sim.account("password")
    acc = [a for a in sim.info.accounts if a.login_method == "password"
           and a.box_id == first.box_id][nth]
    app.accounts.add(AccountSpec(name=name, login_method=LoginMethod.PASSWORD,
                                 username=acc.username, environment=sim.info.url,
                                 ca_file=Path(sim.info.ca_file)),
                     password=acc.password, save_password=True)


def test_test_mail_over_tls_with_the_certificate_verified(app: App, smtp: SmtpServer) -> None:
    configure(app, smtp, smtp.mode)  # type: ignore[attr-defined]
    assert app.notify.send_test() == "podatelna@obec.example"
    assert len(smtp.received) == 1
    mail = smtp.received[0]
    assert mail["To"] == "podatelna@obec.example" and mail["From"] == USER
    assert "zkušební" in mail["Subject"]
    assert smtp.auth_attempts == [(USER, True)]
    # The password is in the keyring, not in the archive's settings.
    assert secretstore.get_secret(SECRET_ACCOUNT, SECRET_KIND) == PASSWORD
    assert PASSWORD not in json.dumps(app.settings.get().__dict__, default=str)


def test_an_untrusted_server_certificate_is_refused(app: App, smtp: SmtpServer) -> None:
    configure(app, smtp, smtp.mode, ca_file=None)  # the system roots: the test CA is unknown
    with pytest.raises(SmtpTlsError) as err:
        app.notify.send_test()
    assert "certificate" in err.value.message.lower()
    assert "certifikát" in err.value.message_cs
    assert smtp.auth_attempts == [] and smtp.received == []  # nothing sent before TLS


def test_a_server_without_starttls_never_gets_the_password(app: App, tmp_path: Path) -> None:
    plain = start_smtp(tmp_path, "plain")
    try:
        configure(app, plain, "starttls")
        with pytest.raises(SmtpTlsError, match="STARTTLS"):
            app.notify.send_test()
        assert plain.auth_attempts == [] and plain.received == []
    finally:
        plain.stop()


def test_a_wrong_password_is_a_clear_error_without_the_password(
        app: App, smtp: SmtpServer, caplog: pytest.LogCaptureFixture) -> None:
    configure(app, smtp, smtp.mode, password="spatne-heslo-77")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SmtpAuthError) as err:
        app.notify.send_test()
    assert USER in err.value.message and "spatne-heslo-77" not in err.value.message
    assert "heslo" in err.value.message_cs
    assert smtp.auth_attempts == [(USER, False)] and smtp.received == []
    assert "spatne-heslo-77" not in caplog.text


def test_a_server_that_is_down_is_unreachable(app: App, tmp_path: Path) -> None:
    app.settings.update(notify_email=True, notify_email_to="a@obec.example",
                        notify_smtp_host="127.0.0.1", notify_smtp_port=free_port())
    with pytest.raises(SmtpUnreachable, match="connection refused"):
        app.notify.send_test()


def test_a_missing_password_or_address_is_named(app: App, smtp: SmtpServer) -> None:
    configure(app, smtp, smtp.mode, password=None)
    with pytest.raises(NotifyConfigError, match="password"):
        app.notify.send_test()
    app.settings.update(notify_smtp_username="", notify_email_to="a@b.cz\r\nBcc: x@y.cz")
    with pytest.raises(NotifyConfigError, match="recipient"):
        app.notify.send_test()
    assert smtp.received == []


def test_digest_after_sync_content_only_for_opted_in_accounts(
        app: App, smtp: SmtpServer, sim: Any) -> None:
    """Content (subject, parties, ZFO) only where the user opted in. Two users of one data
    box share one copy of its messages, and which of the two synced a message first is
    chance: the opt-in of either holds for the box's messages, whoever's sync found them."""
    add_account(app, sim, "obec")
    add_account(app, sim, "firma", 1)  # another user of the same box: the same dmIDs
    configure(app, smtp, smtp.mode, notify_content_accounts=("obec",))
    results = app.sync.sync_many(["obec", "firma"], accept_delivery=True)
    assert all(not isinstance(r, BaseException) for r in results.values()), results
    outcome = app.notify.after_sync(results)
    assert outcome.status is DigestStatus.SENT, outcome.error
    assert len(smtp.received) == 1
    mail = smtp.received[0]
    body = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    text = body.get_payload(decode=True).decode("utf-8")
    parts = [p for p in mail.walk() if p.get_filename()]
    zfos = {p.get_filename(): p.get_payload(decode=True) for p in parts}
    obec_ids = app.messages.ids(MessageFilter(account="obec"))
    assert obec_ids and set(obec_ids) == set(app.messages.ids(MessageFilter(account="firma")))
    expected = {}
    for row in app.messages.rows(obec_ids):
        assert row.dm_id in text
        if row.downloaded:
            prefix = "DDZ" if row.direction == Direction.RECEIVED else "ODZ"
            expected[f"{prefix}_{row.dm_id}.zfo"] = app.messages.zfo_bytes(row.id)
    assert zfos == expected  # every new message of the opted-in box, byte for byte
    assert text.count("Věc:") == len(obec_ids)  # each message once, with its subject

    # Without any opt-in the same digest names dmIDs only, and attaches nothing.
    smtp.received.clear()
    app.settings.update(notify_content_accounts=())
    assert app.notify.after_sync(results).status is DigestStatus.SENT
    bare = smtp.received[0]
    bare_text = next(p for p in bare.walk() if p.get_content_type() == "text/plain"
                     ).get_payload(decode=True).decode("utf-8")
    assert not [p for p in bare.walk() if p.get_filename()]
    assert "Věc:" not in bare_text and "Odesílatel:" not in bare_text
    assert all(r.dm_id in bare_text for r in app.messages.rows(obec_ids))
    assert outcome.new_messages == len(obec_ids)  # each new message once, whoever found it
    assert outcome.attached == len(parts)
    # Nothing new on the next sync: no second mail.
    again = app.sync.sync_many(["obec", "firma"], accept_delivery=True)
    assert app.notify.after_sync(again).status is DigestStatus.NOTHING_NEW
    assert len(smtp.received) == 1


def _dso(data: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["--data-dir", str(data), *argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("refusal", ["down", "auth"])
def test_dso_sync_stays_ok_when_the_mail_is_refused(
        tmp_path: Path, sim: Any, monkeypatch: pytest.MonkeyPatch, refusal: str) -> None:
    monkeypatch.setenv("DSO_OFFLINE", "1")
    data = tmp_path / "data"
    with App.open(AppPaths.default(data), offline=True) as a:
        add_account(a, sim, "obec")
    server = start_smtp(tmp_path, "starttls")
    try:
        port = str(free_port() if refusal == "down" else server.port)
        monkeypatch.setattr("sys.stdin", io.StringIO(
            ("wrong-password" if refusal == "auth" else PASSWORD) + "\n"))
        code, out, err = _dso(data, "notify", "config", "--enable", "--to",
                              "podatelna@obec.example", "--host", "127.0.0.1", "--port", port,
                              "--security", "starttls", "--username", USER, "--ca-file",
                              str(server.ca_file), "--password-stdin", "--json")
        assert code == 0, err
        assert json.loads(out)["password_saved"] is True
        code, out, err = _dso(data, "sync", "--accept-delivery", "--json")
        assert code == 0, err  # the sync is ok ...
        assert all(r["new"] > 0 and "error" not in r for r in json.loads(out))
        assert "notification e-mail not sent" in err  # ... and the mail problem is named
        assert ("cannot be reached" if refusal == "down" else "refused the login") in err
        assert "wrong-password" not in err and PASSWORD not in err
        code, _out, err = _dso(data, "notify", "test")
        assert code == 1 and err.startswith("dso: error: mail server 127.0.0.1:")
    finally:
        server.stop()


def test_dso_notify_test_sends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSO_OFFLINE", "1")
    data = tmp_path / "data"
    server = start_smtp(tmp_path, "tls")
    try:
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        code, _out, err = _dso(data, "notify", "config", "--enable", "--to",
                               "podatelna@obec.example", "--host", "127.0.0.1", "--port",
                               str(server.port), "--security", "tls", "--username", USER,
                               "--ca-file", str(server.ca_file), "--password-stdin")
        assert code == 0, err
        code, out, err = _dso(data, "notify", "test")
        assert code == 0, err
        assert out == "test mail sent to podatelna@obec.example\n"
        assert len(server.received) == 1
    finally:
        server.stop()


def test_a_due_item_is_mailed_when_it_first_appears_and_until_a_mail_got_through(
        app: App, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    day = datetime.now(UTC) + timedelta(days=10)
    due = [DueItem("deletion", "obec", "111", day, "download", "stáhněte")]
    app.notify = NotifyService(app.db, app.settings.get, app.messages, lambda: list(due))
    nothing_new = {"obec": SyncSummary(account="obec")}
    server = start_smtp(tmp_path, "starttls")
    try:
        configure(app, server, "starttls")
        assert app.notify.after_sync(nothing_new).status is DigestStatus.SENT
        assert app.notify.after_sync(nothing_new).status is DigestStatus.NOTHING_NEW
        due.append(DueItem("fiction", "obec", "222", day, "decide", "rozhodněte"))
        assert app.notify.after_sync(nothing_new).status is DigestStatus.SENT
        text = server.received[-1].get_body().get_content()
        assert "  111  stáhněte" in text and "* " in text.split("222")[0].splitlines()[-1]
        assert len(server.received) == 2
    finally:
        server.stop()
    # The server is down: the new item is not marked as mailed ...
    due.append(DueItem("timestamp-expiry", "obec", "333", day, "restamp", "přerazítkujte"))
    assert app.notify.after_sync(nothing_new).status is DigestStatus.FAILED
    # ... so it goes out with the next digest that reaches a server.
    again = start_smtp(tmp_path, "starttls")
    try:
        configure(app, again, "starttls")
        assert app.notify.after_sync(nothing_new).status is DigestStatus.SENT
        assert "333" in again.received[0].get_body().get_content()
    finally:
        again.stop()
