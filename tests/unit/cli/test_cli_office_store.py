"""`dso --store URL`, DSO_STORE_URL, `dso store use|show|test|init-roles` on a real
PostgreSQL server: the archive is chosen per installation, passwords never land in the
saved setting, and the database itself enforces the office roles."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from tests.pgserver import PgServer

from dso_desktop.cli.main import run
from dso_desktop.services import storeconfig as sc


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSO_OFFLINE", "1")
    monkeypatch.delenv(sc.ENV_STORE_URL, raising=False)


def _run(argv: list[str], stdin: str | None = None,
         monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out, err = io.StringIO(), io.StringIO()
    code = run(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _accounts(argv: list[str]) -> list[str]:
    code, out, err = _run(["account", "list", "--json", *argv])
    assert code == 0, err
    return [a["name"] for a in json.loads(out)]


def test_store_option_before_or_after_the_command_and_the_env_var(
        tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = ["--data-dir", str(tmp_path)]
    code, _, err = _run(["--store", pg_url, "account", "add", "urad", "--login", "password",
                         "--username", "u1", "--environment", "test", "--no-verify", *data])
    assert code == 0, err
    assert _accounts([*data, f"--store={pg_url}"]) == ["urad"]
    assert _accounts(data) == []  # without it: the local SQLite archive, untouched
    assert (tmp_path / "archive.sqlite3").exists()
    monkeypatch.setenv(sc.ENV_STORE_URL, pg_url)  # a managed install
    assert _accounts(data) == ["urad"]
    code, out, _ = _run(["store", "show", "--json", *data])
    assert json.loads(out)["source"] == sc.ENV_STORE_URL
    assert _run(["account", "list", "--store"])[0] == 2


def test_a_saved_url_never_holds_the_password(
        tmp_path: Path, pg_server: PgServer, pg_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = ["--data-dir", str(tmp_path)]
    with_pw = make_url(pg_url).set(password="tajne").render_as_string(hide_password=False)
    code, _, err = _run(["store", "use", with_pw, *data])
    assert code == 2 and "no password in the URL" in err
    with pytest.raises(sc.StoreConfigError):
        sc.save_store_url(sc.AppPaths.default(tmp_path), with_pw)
    # No libpq password file: the password comes from the keyring only.
    monkeypatch.delenv("PGPASSFILE")
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    code, _, err = _run(["store", "test", pg_url, *data])
    assert code == 1 and "password" in err and pg_server.password not in err
    code, _, err = _run(["store", "use", pg_url, "--password-stdin", *data],
                        stdin=pg_server.password + "\n", monkeypatch=monkeypatch)
    assert code == 0, err
    saved = (tmp_path / "config" / "store.json").read_text()
    assert pg_server.password not in saved and json.loads(saved)["url"].startswith(
        "postgresql+psycopg://")
    assert _accounts(data) == []  # opened through the saved URL + keyring password
    code, out, _ = _run(["store", "show", "--json", *data])
    assert json.loads(out)["source"] == "saved setting" and json.loads(out)[
        "backend"] == "postgresql"
    code, out, err = _run(["store", "use", "--local", *data])
    assert code == 0 and not (tmp_path / "config" / "store.json").exists()


def test_store_test_reports_a_bad_url_and_an_unknown_database(
        tmp_path: Path, pg_server: PgServer) -> None:
    code, _, err = _run(["store", "test", "mysql://x@h/db"])
    assert code == 1 and "unsupported database" in err
    code, _, err = _run(["store", "test", pg_server.url("no_such_db")])
    assert code == 1 and "no_such_db" in err and "Traceback" not in err


def test_roles_are_enforced_by_the_database(
        tmp_path: Path, pg_server: PgServer, pg_url: str) -> None:
    """A reader can read but the DATABASE refuses its writes; a clerk can tag but may not
    touch the accounts' delivery consent; the SQL is printed without --apply."""
    from dso_desktop.app import App
    from dso_desktop.paths import AppPaths
    from dso_desktop.services.types import AccountSpec
    from dso_desktop.store.errors import StoreWriteError

    code, out, _ = _run(["store", "init-roles", "--database", "dso"])
    assert code == 0 and "GRANT SELECT ON ALL TABLES" in out and "dso_reader" in out
    assert _run(["store", "init-roles", "--database", "x;drop"])[0] == 2
    code, _, err = _run(["--store", pg_url, "store", "init-roles", "--apply"])
    assert code == 0, err
    code, _, err = _run(["--store", pg_url, "store", "init-roles", "--apply"])
    assert code == 0, err  # idempotent
    db_name = make_url(pg_url).database
    pg_server.admin(f"CREATE ROLE anna LOGIN PASSWORD '{pg_server.password}' IN ROLE dso_reader")
    pg_server.admin(f"CREATE ROLE karel LOGIN PASSWORD '{pg_server.password}' IN ROLE dso_clerk")
    admin = App.open(AppPaths.default(tmp_path / "a"), offline=True, store_url=pg_url)
    try:
        admin.accounts.add(AccountSpec("urad", "password", "u1", "test"))  # type: ignore[arg-type]
        tag = admin.tags.create("Vyřídit", "#00ff00")
    finally:
        admin.close()
    reader = App.open(AppPaths.default(tmp_path / "r"), offline=True,
                      store_url=pg_server.url(db_name or "", user="anna"))
    try:
        assert [a.name for a in reader.accounts.list()] == ["urad"]  # reading works
        with pytest.raises(StoreWriteError) as info:
            reader.tags.create("Moje", "#0000ff")
        assert info.value.reason == "permission" and "permission" in str(info.value)
        with pytest.raises(StoreWriteError):
            reader.settings.update(sync_window_days=10)
    finally:
        reader.close()
    clerk = App.open(AppPaths.default(tmp_path / "c"), offline=True,
                     store_url=pg_server.url(db_name or "", user="karel"))
    try:
        clerk.tags.update(tag.id, color="#123456")  # tagging is the clerk's work
        with pytest.raises(StoreWriteError) as info:
            clerk.accounts.update("urad", sync_received=False)
        assert info.value.reason == "permission"
    finally:
        clerk.close()


def test_zfo_verify_uses_the_office_archives_trust_anchors(
        tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`dso --store URL zfo verify`: the anchors added to the office archive apply (the
    data folder has no local archive at all)."""
    from tests.unit.zfo.zfo_factory import message_xml

    from dso_desktop.zfo.produce import seal
    from dso_desktop.zfo.testpki import create_pki

    pki = create_pki(tmp_path / "pki")
    from datetime import UTC, datetime

    when = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    zfo = tmp_path / "m.zfo"
    zfo.write_bytes(seal(message_xml(pki), pki.seal, pki.tsa, when))
    data = ["--data-dir", str(tmp_path / "pc")]
    code, _, err = _run(["--store", pg_url, "trust", "add", str(pki.ca_file), *data])
    assert code == 0, err
    code, out, err = _run(["--store", pg_url, "zfo", "verify", str(zfo), "--json", *data])
    assert code == 0, (out, err)
    assert json.loads(out)[0]["verdict"] in ("valid", "expiring")
    assert not (tmp_path / "pc" / "archive.sqlite3").exists()
