"""The e-mail digest's rules without a network: addresses (no header injection), settings
round trip, the warnings→due items adapter, when a digest is due at all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dso_desktop.app import App
from dso_desktop.domain import WarningKind
from dso_desktop.paths import AppPaths
from dso_desktop.services.notify import (
    DigestStatus,
    DueItem,
    NotifyConfigError,
    NotifyService,
    SmtpConfig,
    due_items_from_watch,
    new_message_ids,
)
from dso_desktop.settings import Settings
from dso_desktop.sync.events import SyncError, SyncSummary


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True)
    yield a
    a.close()


def _settings(**kw: Any) -> Settings:
    base = {"notify_email": True, "notify_smtp_host": "smtp.obec.example",
            "notify_email_to": "podatelna@obec.example"}
    return Settings().changed(**{**base, **kw})


@given(st.one_of(st.text(max_size=40),
                st.text(alphabet=st.sampled_from(list('ab.x@\r\n,;<>" ')), max_size=24)))
def test_an_address_is_one_plain_address_or_refused(text: str) -> None:
    try:
        cfg = SmtpConfig.from_settings(_settings(notify_email_to=text), None)
    except NotifyConfigError:
        return
    # Whatever is accepted cannot add a header, a second recipient or a display name.
    assert cfg.recipient == text.strip()
    assert not any(c in cfg.recipient for c in "\r\n,;<>\"")
    assert cfg.recipient.count("@") == 1


@pytest.mark.parametrize("bad", ["a@b.cz\r\nBcc: x@y.cz", "a@b.cz, c@d.cz", "Jan <a@b.cz>",
                                 "", "bez-zavinace", "a@localhost"])
def test_bad_recipients_are_named(bad: str) -> None:
    with pytest.raises(NotifyConfigError):
        SmtpConfig.from_settings(_settings(notify_email_to=bad), None)


def test_a_login_without_a_saved_password_and_an_unknown_mode_are_refused() -> None:
    with pytest.raises(NotifyConfigError, match="password"):
        SmtpConfig.from_settings(_settings(notify_smtp_username="u@obec.example"), None)
    with pytest.raises(NotifyConfigError, match="starttls or tls"):
        SmtpConfig.from_settings(_settings(notify_smtp_security="none"), None)
    cfg = SmtpConfig.from_settings(_settings(notify_smtp_username="u@obec.example"), "tajne")
    assert "tajne" not in repr(cfg)  # the password stays out of every repr (and log)


def test_the_settings_keep_the_opted_in_accounts(app: App) -> None:
    app.settings.update(notify_content_accounts=("obec", "skola"), notify_smtp_port=465)
    fresh = App(app.paths, app.db)  # a new service reads the stored JSON list back
    assert fresh.settings.get().notify_content_accounts == ("obec", "skola")
    assert fresh.settings.get().notify_smtp_port == 465


def test_watch_items_become_due_items_without_content() -> None:
    from dso_desktop.domain import Remedy
    from dso_desktop.services.watch import WatchItem

    now = datetime.now(UTC)
    items = due_items_from_watch([
        WatchItem(WarningKind.DELETION, "obec", 7, "111", now + timedelta(days=5),
                  Remedy.DOWNLOAD, "zpráva „Tajná věc“ bude smazána", "'Tajná věc' deleted"),
        WatchItem(WarningKind.TIMESTAMP_EXPIRY, "obec", 8, "222", now + timedelta(days=2),
                  Remedy.RESTAMP, "Tajná věc", "Tajná věc"),
        WatchItem(WarningKind.PASSWORD_EXPIRY, "obec", None, None, now + timedelta(days=9),
                  Remedy.CHANGE_PASSWORD, "heslo", "password"),
    ])
    assert [(i.kind, i.dm_id) for i in items] == [
        ("timestamp-expiry", "222"), ("deletion", "111"), ("password-expiry", None)]
    assert [i.remedy_cs for i in items] == ["obnovit razítko", "stáhnout zprávu",
                                           "změnit heslo"]
    # The item's sentence (which may name a subject) never reaches the digest.
    assert all("Tajná" not in i.remedy and "Tajná" not in i.remedy_cs for i in items)


def test_new_messages_come_from_the_sync_result() -> None:
    ok = SyncSummary(account="obec", new=2, new_ids=[4, 5])
    stopped = SyncError("network down", SyncSummary(account="spis", new=1, new_ids=[9]))
    results: dict[str, Any] = {"obec": ok, "spis": stopped, "x": ValueError("bug"),
                               "y": SyncSummary(account="y")}
    assert new_message_ids(results) == {"obec": [4, 5], "spis": [9]}


def test_no_digest_when_disabled_or_nothing_is_new(app: App) -> None:
    due: list[DueItem] = []
    svc = NotifyService(app.db, app.settings.get, app.messages, lambda: list(due))
    assert svc.after_sync({"obec": SyncSummary(account="obec", new_ids=[1])}).status is \
        DigestStatus.DISABLED
    app.settings.update(notify_email=True, notify_smtp_host="127.0.0.1",
                        notify_email_to="podatelna@obec.example")
    # No new message and no due item: no connection is even tried (the host is fine).
    outcome = svc.after_sync({"obec": SyncSummary(account="obec")})
    assert outcome.status is DigestStatus.NOTHING_NEW and outcome.error is None


def test_the_digest_names_due_items_and_marks_the_fresh_ones(app: App) -> None:
    soon = datetime(2030, 1, 15, 12, tzinfo=UTC)
    due = [DueItem("deletion", "obec", "111", soon, "download", "stáhněte"),
           DueItem("fiction", "obec", "222", soon + timedelta(days=1), "decide", "rozhodněte")]
    svc = NotifyService(app.db, app.settings.get, app.messages, lambda: due)
    settings = _settings(notify_email_from="dso@obec.example")
    cfg = SmtpConfig.from_settings(settings, None)
    digest = svc.build_digest(cfg, settings, {}, due, fresh={due[1].key()})
    text = digest.message.get_content()
    assert "Hlídané lhůty: 2" in text
    assert "  15.01.2030  obec  111  stáhněte" in text
    assert "* 16.01.2030  obec  222  rozhodněte" in text
    assert digest.message["Subject"] == "DSO Desktop: 2 hlídaných lhůt"
    assert digest.message["Auto-Submitted"] == "auto-generated"
    assert digest.attached == 0 and digest.new_messages == 0
    english = svc.build_digest(cfg, settings.changed(language="en"), {}, due)
    assert "Due items: 2" in english.message.get_content()


def test_a_broken_due_item_provider_fails_the_digest_not_the_caller(
        app: App, caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> list[DueItem]:
        raise RuntimeError("watch bug")

    svc = NotifyService(app.db, app.settings.get, app.messages, broken)
    app.settings.update(notify_email=True, notify_smtp_host="127.0.0.1",
                        notify_email_to="podatelna@obec.example")
    outcome = svc.after_sync({"obec": SyncSummary(account="obec", new_ids=[1])})
    assert outcome.status is DigestStatus.FAILED
    assert outcome.error is not None and "RuntimeError" in outcome.error.message
    assert "watch bug" in caplog.text  # the traceback is in the log for the bug report


def test_dso_notify_config_refuses_a_bad_address_before_saving(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from dso_desktop.cli.main import run

    monkeypatch.setenv("DSO_OFFLINE", "1")
    data = tmp_path / "cli"
    out, err = io.StringIO(), io.StringIO()
    code = run(["--data-dir", str(data), "notify", "config", "--enable", "--to",
                "podatelna@obec.example\r\nBcc: x@y.cz"], out=out, err=err)
    assert code == 1 and "recipient is not one e-mail address" in err.getvalue()
    with App.open(AppPaths.default(data), offline=True) as a:
        assert a.settings.get().notify_email is False  # nothing was saved


def test_due_items_with_a_limit_ask_the_provider_for_that_many(app: App) -> None:
    """Issue 18: the tray reads the nearest items only; a provider that takes ``limit``
    (the app's, over the watch) is asked for that many, another one is cut."""
    soon = datetime(2030, 1, 15, 12, tzinfo=UTC)
    due = [DueItem("deletion", "obec", str(100 + i), soon + timedelta(days=i), "download")
           for i in range(10)]
    asked: list[int | None] = []

    def limited(limit: int | None = None) -> list[DueItem]:
        asked.append(limit)
        return due if limit is None else due[:limit]

    svc = NotifyService(app.db, app.settings.get, app.messages, limited)
    assert svc.due_items(limit=3) == due[:3]
    assert svc.due_items() == due
    assert asked == [3, None]
    plain = NotifyService(app.db, app.settings.get, app.messages, lambda: due)
    assert plain.due_items(limit=4) == due[:4]
    # The app's own provider passes the limit on to the watch.
    seen: list[int | None] = []
    items = app.watch.items

    def spy(*a: Any, **kw: Any) -> Any:
        seen.append(kw.get("limit"))
        return items(*a, **kw)

    app.watch.items = spy  # type: ignore[method-assign]
    app.notify.due_items(limit=5)
    assert seen == [5]
