"""A big sync checks its ZFOs in a checking process, with the trust store the app really
builds (issue 18, sync floor).

The trust store a sync gets carries the product's HTTP fetcher (the user's proxy and
timeouts, `net.HttpFetcher`). Once that fetcher held a lock, the store stopped pickling and
`CheckingProcess.for_items` quietly fell back to checking every ZFO on the sync's own store
thread, where parsing, verification and PDF text competed with the requests for the
interpreter lock: the sync took ~1.7x its floor instead of ~1.25x.
"""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.unit.zfo.zfo_factory import make_zfo, pki, trust  # noqa: F401 - pytest fixtures

from dso_desktop import net
from dso_desktop.app import App
from dso_desktop.paths import AppPaths
from dso_desktop.sync import pipeline as pl
from dso_desktop.sync.ingest import check_in_worker, check_zfo
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    # Online, as a real install is: the trust store then holds the product's fetcher.
    with App.open(AppPaths.default(tmp_path / "d").ensure(), offline=False) as app:
        yield app


def _fetcher_of(store: Any) -> Any:
    return store._fetcher


def test_the_apps_trust_store_holds_the_product_fetcher_and_pickles(app: App) -> None:
    store = app.trust()
    assert isinstance(_fetcher_of(store), net.HttpFetcher)  # what made pickling fail
    copy = pickle.loads(pickle.dumps(store))  # noqa: S301 - our own bytes
    fetcher = _fetcher_of(copy)
    assert isinstance(fetcher, net.HttpFetcher)
    assert fetcher.config == _fetcher_of(store).config
    assert fetcher.max_bytes == _fetcher_of(store).max_bytes
    assert [c.subject for c in copy.anchors] == [c.subject for c in store.anchors]


def test_an_account_scoped_trust_store_pickles(app: App, pki: TestPki,
                                              tmp_path: Path) -> None:
    ca = tmp_path / "account-ca.pem"
    ca.write_bytes(pki.ca_pem())
    scoped = app.trust().scoped([ca])
    copy = pickle.loads(pickle.dumps(scoped))  # noqa: S301 - our own bytes
    assert {c.subject for c in copy.anchors} == {c.subject for c in scoped.anchors}


def test_a_big_run_gets_a_checking_process_with_the_apps_trust_store(app: App) -> None:
    checking = pl.CheckingProcess(app.trust())
    try:
        assert checking.for_items(pl.PROCESS_MIN_ITEMS - 1) is None  # small: checked here
        assert checking.for_items(pl.PROCESS_MIN_ITEMS) is not None
    finally:
        checking.close()


def test_a_pickled_app_trust_store_checks_as_the_original(
        app: App, pki: TestPki, make_zfo: Callable[..., bytes], tmp_path: Path) -> None:
    ca = tmp_path / "account-ca.pem"
    ca.write_bytes(pki.ca_pem())
    scoped = app.trust().scoped([ca])
    copy = pickle.loads(pickle.dumps(scoped))  # noqa: S301 - our own bytes
    zfo = make_zfo(files=[("zadost.txt", "Žádost o stavební povolení".encode())])
    here, there = check_zfo(zfo, scoped), check_zfo(zfo, copy)
    assert here.verdict.kind == there.verdict.kind == "valid"
    assert (here.envelope, here.texts) == (there.envelope, there.texts)
    assert check_zfo(make_zfo(tamper_hash=True), copy).invalid


def test_checking_in_process_because_of_the_trust_store_is_logged(
        caplog: pytest.LogCaptureFixture) -> None:
    store = TrustStore(fetcher=lambda url: b"")  # a lambda does not pickle
    checking = pl.CheckingProcess(store)
    with caplog.at_level(logging.WARNING, logger="dso_desktop.sync.pipeline"):
        assert checking.for_items(1000) is None
    assert any("checking process" in r.getMessage() for r in caplog.records)


def test_a_fetcher_copy_makes_its_own_session_and_resolver(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    fetcher = net.HttpFetcher(net.NetConfig(proxy="http://p.urad.cz:3128", timeouts=(3, 9)),
                              max_bytes=777)
    _ = fetcher.session  # made here; not sent along
    copy = pickle.loads(pickle.dumps(fetcher))  # noqa: S301 - our own bytes
    assert copy.config == fetcher.config and copy.max_bytes == 777
    assert copy._session is None and copy.session is not fetcher.session
    assert copy._proxies.for_url("https://crl.postsignum.cz/x.crl")["https"] == \
        "http://p.urad.cz:3128"
    system = pickle.loads(pickle.dumps(net.ProxyResolver(None)))  # noqa: S301
    monkeypatch.setenv("HTTPS_PROXY", "http://env.proxy:8080")
    assert system.for_url("https://crl.postsignum.cz/")["https"] == "http://env.proxy:8080"


def test_the_checking_process_checks_with_the_apps_trust_store(
        app: App, pki: TestPki, make_zfo: Callable[..., bytes], tmp_path: Path) -> None:
    ca = tmp_path / "account-ca.pem"
    ca.write_bytes(pki.ca_pem())
    checking = pl.CheckingProcess(app.trust().scoped([ca]))
    try:
        pool = checking.for_items(pl.PROCESS_MIN_ITEMS)
        assert pool is not None
        zfo = make_zfo()
        checked = pool.submit(check_in_worker, zfo, True).result(timeout=120)
        assert checked.verdict.kind == "valid"
    finally:
        checking.close()


def test_a_checking_process_profiles_its_checks_only_when_asked(
        app: App, pki: TestPki, make_zfo: Callable[..., bytes], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import pstats

    from dso_desktop.sync import ingest

    ca = tmp_path / "account-ca.pem"
    ca.write_bytes(pki.ca_pem())
    folder = tmp_path / "profiles"
    folder.mkdir()
    zfo = make_zfo()
    for asked in (False, True):
        if asked:
            monkeypatch.setenv(ingest.PROFILE_ENV, str(folder))
        else:
            monkeypatch.delenv(ingest.PROFILE_ENV, raising=False)
        checking = pl.CheckingProcess(app.trust().scoped([ca]))
        try:
            pool = checking.for_items(pl.PROCESS_MIN_ITEMS)
            assert pool is not None
            assert pool.submit(check_in_worker, zfo, True).result(timeout=120).verdict.kind \
                == "valid"
        finally:
            checking.close()  # the process ends, and writes its profile then
        written = sorted(folder.glob("checker-*.prof"))
        if not asked:
            assert written == []
            continue
        assert len(written) == 1
        calls = {(Path(fn[0]).parent.name, Path(fn[0]).name, fn[2]): stat[0]
                 for fn, stat in pstats.Stats(str(written[0])).stats.items()}
        assert _called(calls, ("sync", "ingest.py"), "check_zfo") >= 1
        assert _called(calls, ("zfo", "parse.py"), "parse_zfo") >= 1


def _called(calls: dict[tuple[str, str, str], int], module: tuple[str, str], name: str) -> int:
    """Calls of ``name`` in ``module`` (folder, file) by a profile's entries; by module file
    and name, so that a mutation run's copy of the tree (its own paths, its trampolines
    named x_<name>__mutmut_...) reads the same."""
    return sum(n for (folder, file, fn), n in calls.items()
               if (folder, file) == module and (fn == name or fn.startswith(f"x_{name}")))
