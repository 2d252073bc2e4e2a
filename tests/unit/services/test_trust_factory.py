"""One trust-store factory for `App` and `dso zfo`: one certificate cache, the user's proxy,
and `dso zfo` verifying through the ZFO service (the GUI viewer's scopes)."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from tests.unit.zfo.zfo_factory import make_zfo, pki  # noqa: F401 - pytest fixtures

from dso_desktop import net
from dso_desktop.app import App
from dso_desktop.cli.main import run
from dso_desktop.domain import LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.trust import open_trust_store
from dso_desktop.services.types import AccountSpec
from dso_desktop.store.repos import AccountRepo
from dso_desktop.zfo.testpki import TestPki, issue_cert
from dso_desktop.zfo.trust import fingerprint

START = datetime(2024, 1, 1, tzinfo=UTC)
INT_URL = "http://pki.example.invalid/int.crt"
PROXY = "http://proxy.kraj.example:3128"


class _FakeNet:
    """Stands in for `net.fetcher`: serves the intermediate, records the configs it got."""

    def __init__(self, inter: x509.Certificate) -> None:
        self.configs: list[Any] = []
        self.urls: list[str] = []
        self._der = inter.public_bytes(serialization.Encoding.DER)

    def fetcher(self, config: Any = None, *, max_bytes: int = 0) -> Callable[[str], bytes]:
        self.configs.append(config)

        def fetch(url: str) -> bytes:
            self.urls.append(url)
            if url != INT_URL:
                raise OSError(f"unexpected download {url}")
            return self._der

        return fetch


def test_app_and_cli_share_one_certificate_cache(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    rk, ik, lk = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root = issue_cert("Kořen", rk, ca=True, not_before=START)
    inter = issue_cert("Mezilehlá", ik, issuer=root, issuer_key=rk, ca=True, not_before=START)
    leaf = issue_cert("Pečeť", lk, issuer=inter, issuer_key=ik, aia=INT_URL, not_before=START)
    root_file = tmp_path / "root.pem"
    root_file.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    fake = _FakeNet(inter)
    monkeypatch.setattr(net, "fetcher", fake.fetcher)

    paths = AppPaths.default(tmp_path / "data")
    with App.open(paths, trust_anchors=[root_file]) as app:
        app.settings.update(proxy=PROXY)
        assert app.trust().chain_for(leaf).anchored
    assert fake.urls == [INT_URL]
    # The user's proxy reached the trust store's downloads.
    assert [c.proxy for c in fake.configs] == [PROXY]
    cached = paths.cache / "trust" / f"{fingerprint(inter)}.der"
    assert cached.is_file()
    assert not (paths.cache / "trust" / "trust").exists()
    # What `dso zfo` builds without an archive: the same factory, the same cache, offline.
    cli_store = open_trust_store(paths.cache, offline=True, anchors=[root_file])
    assert cli_store.chain_for(leaf).anchored
    assert fake.urls == [INT_URL]  # found in the cache, nothing downloaded again


def test_factory_reports_an_unreadable_anchor_and_goes_on(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_bytes(b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    missing = tmp_path / "missing.pem"
    seen: list[Path] = []
    store = open_trust_store(None, offline=True, anchors=[bad, missing],
                             on_unreadable=lambda p, exc: seen.append(p))
    assert missing in seen
    assert store.anchors != []  # the shipped PostSignum roots are still there


def _cli(data: Path, *argv: str) -> tuple[int, Any]:
    out, err = io.StringIO(), io.StringIO()
    rc = run(["--data-dir", str(data), "--json", *argv], out=out, err=err)
    return rc, json.loads(out.getvalue()) if out.getvalue() else err.getvalue()


def test_dso_zfo_verifies_in_the_account_scope_like_the_viewer(
        tmp_path: Path, pki: TestPki, make_zfo: Callable[..., bytes]) -> None:
    """A simulator account's CA vouches for that account's messages in `dso zfo` as in the
    GUI viewer (through the ZFO service), and for nothing else."""
    data = tmp_path / "data"
    zfo = tmp_path / "m.zfo"
    zfo.write_bytes(make_zfo())  # received by box xyz9876
    # No archive: the global scope only, and none is created.
    rc, items = _cli(data, "zfo", "verify", "--offline", str(zfo))
    assert rc == 1 and items[0]["verdict"] == "untrusted"
    assert not AppPaths.default(data).database.exists()
    with App.open(AppPaths.default(data), offline=True) as app:
        app.accounts.add(AccountSpec("sim", LoginMethod.PASSWORD, "u", "https://127.0.0.1:9/",
                                     ca_file=pki.ca_file))
        with app.db.write() as s:
            AccountRepo(s).update("sim", box_id="xyz9876")
    rc, items = _cli(data, "zfo", "verify", "--offline", str(zfo))
    assert rc == 0 and items[0]["verdict"] in ("valid", "expiring")
    rc, shown = _cli(data, "zfo", "show", "--offline", str(zfo))
    assert rc == 0 and shown["verdict"]["verdict"] in ("valid", "expiring")
    # Another box's message: the account's CA does not count.
    other = tmp_path / "other.zfo"
    other.write_bytes(make_zfo().replace(b"xyz9876", b"qqq1111"))
    rc, items = _cli(data, "zfo", "verify", "--offline", str(other))
    assert rc == 1 and items[0]["verdict"] in ("untrusted", "invalid")


def test_dso_zfo_downloads_through_the_users_proxy(
        tmp_path: Path, pki: TestPki, make_zfo: Callable[..., bytes],
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    with App.open(AppPaths.default(data), offline=True) as app:
        app.settings.update(proxy=PROXY)
    configs: list[Any] = []

    def fetcher(config: Any = None, *, max_bytes: int = 0) -> Callable[[str], bytes]:
        configs.append(config)
        return lambda url: b""

    monkeypatch.setattr(net, "fetcher", fetcher)
    zfo = tmp_path / "m.zfo"
    zfo.write_bytes(make_zfo())
    rc, _ = _cli(data, "zfo", "verify", str(zfo))
    assert rc == 1  # the test PKI is no PostSignum CA
    assert configs and all(c.proxy == PROXY for c in configs)
