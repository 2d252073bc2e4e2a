"""Services without a network: accounts and secrets, settings, tags, warnings, send checks."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dso_desktop import secretstore
from dso_desktop.app import App
from dso_desktop.domain import Direction, Envelope, LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.accounts import AccountError, PasswordMissing
from dso_desktop.services.send import SendLimits, check_attachments, is_big
from dso_desktop.services.types import AccountSpec
from dso_desktop.store.errors import AlreadyExists
from dso_desktop.store.messages import MessageRepo
from dso_desktop.store.repos import AccountRepo
from dso_desktop.sync.events import DeliveryConfirmationRequired


@pytest.fixture
def app(tmp_path: Path, store_url: str) -> App:
    a = App.open(AppPaths.default(tmp_path / "data"), offline=True, store_url=store_url)
    yield a
    a.close()


def test_account_password_goes_to_the_keyring_only(app: App, tmp_path: Path) -> None:
    v = app.accounts.add(AccountSpec("úřad", LoginMethod.PASSWORD, "user1", "test"),
                         password="Tajne-Heslo-123", save_password=True)
    assert v.password_saved and v.environment == "test"
    assert secretstore.get_secret("úřad", "password") == "Tajne-Heslo-123"
    app.db.checkpoint()
    for f in (tmp_path / "data").rglob("*"):
        if f.is_file():
            assert b"Tajne-Heslo-123" not in f.read_bytes(), f
    with pytest.raises(AlreadyExists):
        app.accounts.add(AccountSpec("úřad", LoginMethod.PASSWORD, "user1"))
    assert [a.name for a in app.accounts.list()] == ["úřad"]
    app.accounts.remove("úřad")
    assert secretstore.get_secret("úřad", "password") is None
    assert app.accounts.list() == []


def test_unsaved_password_lives_for_the_session_only(app: App) -> None:
    app.accounts.add(AccountSpec("a", LoginMethod.PASSWORD, "u"), password="x1",
                     save_password=False)
    assert app.accounts.password("a") == "x1"
    assert secretstore.get_secret("a", "password") is None
    app.accounts.add(AccountSpec("b", LoginMethod.PASSWORD, "u"))
    with pytest.raises(PasswordMissing):
        app.accounts.client("b")


def test_account_validation(app: App, tmp_path: Path) -> None:
    with pytest.raises(AccountError):
        app.accounts.add(AccountSpec("x", LoginMethod.PASSWORD, "u", "http://insecure"))
    with pytest.raises(AccountError):
        app.accounts.add(AccountSpec("x", LoginMethod.CERT, "u"))
    with pytest.raises(AccountError):
        app.accounts.add(AccountSpec("x", LoginMethod.PASSWORD, "u",
                                     ca_file=tmp_path / "missing.pem"))
    v = app.accounts.add(AccountSpec("sim", LoginMethod.PASSWORD, "u", "https://127.0.0.1:9/"))
    assert v.environment == "https://127.0.0.1:9"


def test_settings_persist_and_validate(app: App, tmp_path: Path, store_url: str) -> None:
    assert app.settings.get().sync_window_days == 366
    app.settings.update(sync_window_days=30, proxy="http://proxy:3128")
    with pytest.raises(KeyError):
        app.settings.update(no_such_setting=1)
    with pytest.raises(TypeError):
        app.settings.update(sync_window_days="many")
    app.close()
    again = App.open(AppPaths.default(tmp_path / "data"), offline=True, store_url=store_url)
    try:
        assert again.settings.get().sync_window_days == 30
        assert again.settings.get().proxy == "http://proxy:3128"
    finally:
        again.close()


def test_sync_refuses_first_delivery_without_confirmation(app: App) -> None:
    app.accounts.add(AccountSpec("a", LoginMethod.PASSWORD, "u"), password="p",
                     save_password=True)
    calls: list[str] = []

    def factory(*a: object, **k: object) -> object:
        calls.append("client")
        raise AssertionError("no client may be built before the legal guard passes")

    app.sync._client_factory = factory
    with pytest.raises(DeliveryConfirmationRequired):
        app.sync.sync_account("a", accept_delivery=None)
    assert calls == []


def test_warnings(app: App) -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    app.accounts.add(AccountSpec("a", LoginMethod.PASSWORD, "u"))
    with app.db.write() as s:
        acc = AccountRepo(s).update("a", password_expires_at=now + timedelta(days=3))
        repo = MessageRepo(s)
        # listed but never downloaded, accepted 85 days ago: ISDS deletes it in 5 days
        repo.upsert_envelope(acc.id, Direction.RECEIVED, Envelope(
            "900", status=6, delivered_at=now - timedelta(days=86),
            accepted_at=now - timedelta(days=85)))
        # sent, delivered 2 days ago, not accepted: fiction in 8 days
        repo.upsert_envelope(acc.id, Direction.SENT, Envelope(
            "901", status=4, delivered_at=now - timedelta(days=2)))
    kinds = {w.kind: w for w in app.warnings.collect(now)}
    assert set(kinds) == {"password-expiry", "deletion", "fiction"}
    assert kinds["deletion"].due == now + timedelta(days=5)
    assert kinds["fiction"].due == now + timedelta(days=8)
    assert "vyprší" in kinds["password-expiry"].text_cs


def test_tags_through_services(app: App) -> None:
    t = app.tags.create("Faktury", "#00aa00")
    assert [x.name for x in app.tags.list()] == ["Faktury"]
    app.tags.update(t.id, color="#0000ff")
    assert app.tags.list()[0].color == "#0000ff"
    app.tags.delete(t.id)
    assert app.tags.list() == []


def test_attachment_checks(tmp_path: Path) -> None:
    pdf = tmp_path / "rozhodnutí.pdf"
    pdf.write_bytes(b"%PDF-1.4\n...")
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"MZ not a pdf")
    exe = tmp_path / "virus.exe"
    exe.write_bytes(b"MZ")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    nested = tmp_path / "a.zip"
    with zipfile.ZipFile(nested, "w") as z:
        z.writestr("inner.zip", b"PK")
    assert check_attachments([pdf]) == []
    assert check_attachments([]) == ["Zpráva musí mít alespoň jednu přílohu."]
    problems = check_attachments([fake, exe, empty, nested, tmp_path / "missing.pdf"])
    text = " | ".join(problems)
    assert "neodpovídá příponě" in text and ".exe" in text and "prázdný" in text
    assert "vnořený archiv" in text and "neexistuje" in text
    small = SendLimits(normal_max=10, big_max=20)
    assert is_big([pdf], small) and not is_big([pdf])
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 30)
    assert any("nejvýše" in p for p in check_attachments([big], small))


def test_one_sync_per_account_across_processes(app: App, tmp_path: Path) -> None:
    import subprocess
    import sys

    from dso_desktop.sync.events import SyncBusy
    from dso_desktop.sync.lock import AccountLock

    app.accounts.add(AccountSpec("a", LoginMethod.PASSWORD, "u"), password="p",
                     save_password=False)
    rec = app.accounts.record("a")
    lock_dir = app.paths.data / "locks"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from dso_desktop.sync.lock import "
         "AccountLock; l = AccountLock(Path(sys.argv[1]), int(sys.argv[2])); l.acquire(); "
         "print('held', flush=True); sys.stdin.readline()", str(lock_dir), str(rec.id)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(SyncBusy, match="another program"):
            app.sync.sync_account("a", accept_delivery=False)
    finally:
        holder.kill()
        holder.communicate()
    with AccountLock(lock_dir, rec.id):  # the dead holder's lock is gone
        pass
