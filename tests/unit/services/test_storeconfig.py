"""Where the archive is (services/storeconfig.py): the order of the sources, URLs normalised,
and a database password that never reaches a settings file or an error message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dso_desktop import secretstore
from dso_desktop.paths import AppPaths
from dso_desktop.services import storeconfig as sc
from dso_desktop.services.storeconfig import StoreConfigError


@pytest.fixture
def paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppPaths:
    monkeypatch.delenv(sc.ENV_STORE_URL, raising=False)
    return AppPaths.default(tmp_path / "data")


@pytest.mark.parametrize(("given_url", "expected"), [
    ("postgresql://clerk@server/dso", "postgresql+psycopg://clerk@server/dso"),
    ("postgres://clerk@server:5433/dso", "postgresql+psycopg://clerk@server:5433/dso"),
    ("  postgresql+psycopg://clerk@server/dso  ", "postgresql+psycopg://clerk@server/dso"),
    ("sqlite:////var/dso/archive.sqlite3", "sqlite:////var/dso/archive.sqlite3"),
    ("postgresql:///?service=office", "postgresql+psycopg:///?service=office"),
])
def test_normalize(given_url: str, expected: str) -> None:
    assert sc.normalize(given_url) == expected


@pytest.mark.parametrize(("bad", "cs"), [
    ("mysql://u:Tajne@h/db", "Podporovány jsou databáze PostgreSQL a SQLite."),
    ("not a url at all", "Adresa databáze není platná."),
    ("://", "Adresa databáze není platná."),
])
def test_normalize_refuses_other_databases_without_showing_a_password(bad: str,
                                                                      cs: str) -> None:
    with pytest.raises(StoreConfigError) as info:
        sc.normalize(bad)
    assert info.value.message_cs == cs
    assert "Tajne" not in str(info.value)
    assert isinstance(info.value, ValueError)  # callers that expect ValueError still work


def test_password_helpers() -> None:
    url = "postgresql+psycopg://clerk:Tajne-123@server/dso"
    assert sc.has_password(url) and not sc.has_password("postgresql://clerk@server/dso")
    assert sc.without_password(url) == "postgresql+psycopg://clerk@server/dso"
    assert sc.with_password("postgresql://clerk@server/dso", "pw") == \
        "postgresql+psycopg://clerk:pw@server/dso"
    # A password given in the URL wins over the one typed beside it; none given: unchanged.
    assert sc.with_password(url, "other") == url
    assert sc.with_password("postgresql://clerk@server/dso", None) == \
        "postgresql+psycopg://clerk@server/dso"
    assert sc.describe(None) == "SQLite (local file)"
    assert sc.describe(url) == "postgresql+psycopg://clerk:***@server/dso"


def test_a_saved_url_never_holds_a_password(paths: AppPaths) -> None:
    with pytest.raises(StoreConfigError) as info:
        sc.save_store_url(paths, "postgresql://clerk:Tajne-123@server/dso")
    assert "Tajne" not in str(info.value)
    assert "heslo patří do klíčenky" in info.value.message_cs
    assert not (paths.config / sc.CONFIG_FILE).exists()
    sc.save_store_url(paths, "postgres://clerk@server/dso")
    saved = (paths.config / sc.CONFIG_FILE).read_text(encoding="utf-8")
    assert json.loads(saved) == {"url": "postgresql+psycopg://clerk@server/dso"}
    assert sc.saved_store_url(paths) == "postgresql+psycopg://clerk@server/dso"
    sc.save_store_url(paths, None)  # back to the SQLite file
    assert sc.saved_store_url(paths) is None
    sc.save_store_url(paths, None)  # twice is fine


@pytest.mark.parametrize(("content", "expected"), [
    ('{"url": ""}', None), ('["postgresql://x@y/z"]', None), ("{}", None),
])
def test_a_saved_file_without_a_url_means_sqlite(paths: AppPaths, content: str,
                                                 expected: str | None) -> None:
    paths.config.mkdir(parents=True)
    (paths.config / sc.CONFIG_FILE).write_text(content, encoding="utf-8")
    assert sc.saved_store_url(paths) is expected


def test_a_damaged_saved_file_is_an_error_not_silently_sqlite(paths: AppPaths) -> None:
    """Silently falling back to an empty local archive would hide the office's archive."""
    paths.config.mkdir(parents=True)
    (paths.config / sc.CONFIG_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(StoreConfigError, match="cannot read"):
        sc.saved_store_url(paths)
    with pytest.raises(StoreConfigError):
        sc.resolve_store_url(paths)


def test_resolution_order(paths: AppPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    assert sc.resolve_store_url(paths) is None  # nothing anywhere: the SQLite file
    sc.save_store_url(paths, "postgresql://saved@server/dso")
    assert sc.resolve_store_url(paths) == "postgresql+psycopg://saved@server/dso"
    monkeypatch.setenv(sc.ENV_STORE_URL, "postgresql://env@server/dso")
    assert sc.resolve_store_url(paths) == "postgresql+psycopg://env@server/dso"
    assert sc.resolve_store_url(paths, "postgresql://cli@server/dso") == \
        "postgresql+psycopg://cli@server/dso"


def test_the_keyring_password_is_added_for_the_connection_only(paths: AppPaths) -> None:
    sc.save_store_url(paths, "postgresql://clerk@server/dso")
    sc.set_store_password("postgres://clerk:ignored@server/dso", "Z-Klicenky-1")
    assert secretstore.get_secret("postgresql+psycopg://clerk@server/dso",
                                  sc.SECRET_KIND) == "Z-Klicenky-1"
    assert sc.resolve_store_url(paths) == \
        "postgresql+psycopg://clerk:Z-Klicenky-1@server/dso"
    # ... and is never written to the saved file.
    assert "Z-Klicenky" not in (paths.config / sc.CONFIG_FILE).read_text(encoding="utf-8")
    # Another user on the same server does not get it.
    assert sc.connect_url("postgresql://other@server/dso") == \
        "postgresql+psycopg://other@server/dso"
    sc.set_store_password("postgresql://clerk@server/dso", None)
    assert sc.resolve_store_url(paths) == "postgresql+psycopg://clerk@server/dso"
    assert sc.connect_url("sqlite:////tmp/a.sqlite3") == "sqlite:////tmp/a.sqlite3"


def test_no_keyring_leaves_it_to_libpq(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_a: object) -> None:
        raise secretstore.SecretStoreError("no keyring backend")

    monkeypatch.setattr(secretstore, "get_secret", broken)
    assert sc.connect_url("postgresql://clerk@server/dso") == \
        "postgresql+psycopg://clerk@server/dso"


def test_connection_to_sqlite_needs_no_server(tmp_path: Path) -> None:
    info = sc.test_connection(f"sqlite:///{tmp_path}/a.sqlite3")
    assert info.server_version == "sqlite" and info.schema_revision is None
    assert info.database == f"{tmp_path}/a.sqlite3"


def test_an_unreachable_server_is_a_czech_error_without_the_password() -> None:
    # Port 9 on loopback: nothing listens there; the tests never leave loopback.
    with pytest.raises(StoreConfigError) as info:
        sc.test_connection("postgresql://clerk:Tajne-123@127.0.0.1:9/dso", timeout=2)
    assert info.value.message_cs.startswith("K databázi se nelze připojit: ")
    assert "127.0.0.1" in str(info.value) and "***" in str(info.value)
    assert "Tajne-123" not in str(info.value) and "Tajne-123" not in info.value.message_cs


_part = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126,
                                       exclude_characters="@/:?#[]%"), min_size=1,
                max_size=12)


@settings(max_examples=100, deadline=None)
@given(user=_part, password=_part, host=st.sampled_from(["server", "10.0.0.5", "db.local"]),
       db=_part)
def test_without_password_removes_any_password(user: str, password: str, host: str,
                                               db: str) -> None:
    from urllib.parse import quote

    url = f"postgresql://{quote(user)}:{quote(password)}@{host}/{quote(db)}"
    bare = sc.without_password(sc.normalize(url))
    assert not sc.has_password(bare)
    assert sc.with_password(bare, password) == sc.normalize(url)
