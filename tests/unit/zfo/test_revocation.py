"""Revocation: seal and TSA certificates against their CA's CRL, served over loopback HTTP."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import pickle
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml, pki  # noqa: F401 - fixtures

from dso_desktop.zfo.produce import seal
from dso_desktop.zfo.testpki import TestPki, issue_crl, issue_leaf, rsa_key
from dso_desktop.zfo.trust import GIVEN, TrustStore, default_fetcher
from dso_desktop.zfo.verify import VerdictKind, verify_zfo

NOW = datetime(2026, 6, 1, tzinfo=UTC)


class CrlServer:
    """A loopback HTTP server: path -> bytes; counts requests per path."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.hits: dict[str, int] = {}
        files, hits = self.files, self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits[self.path] = hits.get(self.path, 0) + 1
                body = files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/pkix-crl")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_a: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[CrlServer]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # only ever loopback, never a proxy
    s = CrlServer()
    yield s
    s.stop()


def _identities(pki: TestPki, url: str) -> tuple[Any, Any]:
    return issue_leaf(pki, crl_url=url), issue_leaf(pki, tsa=True, crl_url=url)


def _zfo(pki: TestPki, seal_id: Any, tsa_id: Any) -> bytes:
    return seal(message_xml(pki), seal_id, tsa_id, SEALED_AT)


def _crl(pki: TestPki, revoked: list[tuple[int, datetime]], **kw: Any) -> bytes:
    return issue_crl(pki, revoked, this_update=NOW - timedelta(days=1),
                     next_update=NOW + timedelta(days=7), **kw)


def _store(pki: TestPki, cache: Path | None, *, online: bool = True) -> TrustStore:
    """The product's HTTP fetcher (requests), the test CA as the anchor."""
    store = TrustStore(fetcher=default_fetcher if online else None, cache_dir=cache)
    assert pki.directory is not None
    store.add_anchor_files([pki.ca_file], source=GIVEN)
    return store


def test_not_revoked_is_checked_and_good(pki: TestPki, server: CrlServer,
                                         tmp_path: Path) -> None:
    seal_id, tsa_id = _identities(pki, server.url + "/ca.crl")
    server.files["/ca.crl"] = _crl(pki, [(12345, NOW - timedelta(days=30))])
    v = verify_zfo(_zfo(pki, seal_id, tsa_id), _store(pki, tmp_path), now=NOW)
    assert v.kind is VerdictKind.VALID, v.reasons
    assert v.revocation == "good" and v.to_json()["revocation_checked"] is True
    assert any("no certificate was revoked" in r for r in v.reasons)
    assert any("nebyl zneplatněn" in r for r in v.reasons_cs)
    assert server.hits["/ca.crl"] == 1  # one download serves the seal and the TSA


def test_seal_revoked_before_signing_is_invalid(pki: TestPki, server: CrlServer,
                                                tmp_path: Path) -> None:
    seal_id, tsa_id = _identities(pki, server.url + "/ca.crl")
    revoked_at = SEALED_AT - timedelta(days=10)
    server.files["/ca.crl"] = _crl(pki, [(seal_id.cert.serial_number, revoked_at)])
    v = verify_zfo(_zfo(pki, seal_id, tsa_id), _store(pki, tmp_path), now=NOW)
    assert v.kind is VerdictKind.INVALID and not v.ok
    assert v.revocation == "revoked"
    assert any("seal certificate was revoked" in r and "before the message was sealed" in r
               for r in v.reasons)
    assert any("zneplatněn" in r and "před zapečetěním" in r for r in v.reasons_cs)


def test_tsa_revoked_before_the_timestamp_is_invalid(pki: TestPki, server: CrlServer,
                                                     tmp_path: Path) -> None:
    seal_id, tsa_id = _identities(pki, server.url + "/ca.crl")
    server.files["/ca.crl"] = _crl(pki, [(tsa_id.cert.serial_number,
                                          SEALED_AT - timedelta(hours=1))])
    v = verify_zfo(_zfo(pki, seal_id, tsa_id), _store(pki, tmp_path), now=NOW)
    assert v.kind is VerdictKind.INVALID and v.revocation == "revoked"
    assert any("timestamp authority certificate was revoked" in r for r in v.reasons)


def test_revoked_after_the_timestamp_keeps_what_was_proven(pki: TestPki, server: CrlServer,
                                                           tmp_path: Path) -> None:
    seal_id, tsa_id = _identities(pki, server.url + "/ca.crl")
    later = SEALED_AT + timedelta(days=20)
    server.files["/ca.crl"] = _crl(pki, [(seal_id.cert.serial_number, later)])
    v = verify_zfo(_zfo(pki, seal_id, tsa_id), _store(pki, tmp_path), now=NOW)
    assert v.kind is VerdictKind.VALID, v.reasons
    assert v.revocation == "revoked-later"
    assert any("revoked on" in r and "after the message was sealed" in r for r in v.reasons)


def test_unreachable_crl_means_not_checked(pki: TestPki, tmp_path: Path) -> None:
    gone = CrlServer()
    url = gone.url + "/ca.crl"
    gone.stop()  # nothing listens on that port any more
    seal_id, tsa_id = _identities(pki, url)
    v = verify_zfo(_zfo(pki, seal_id, tsa_id), _store(pki, tmp_path), now=NOW)
    assert v.kind is VerdictKind.VALID, v.reasons  # not pretending either way
    assert v.revocation == "not-checked" and v.to_json()["revocation_checked"] is False
    assert any("revocation of the seal certificate was not checked" in r and "failed" in r
               for r in v.reasons)
    assert any("nebylo ověřeno" in r for r in v.reasons_cs)


def test_missing_crl_on_the_server_means_not_checked(pki: TestPki, server: CrlServer,
                                                     tmp_path: Path) -> None:
    seal_id, tsa_id = _identities(pki, server.url + "/none.crl")
    v = verify_zfo(_zfo(pki, seal_id, tsa_id), _store(pki, tmp_path), now=NOW)
    assert v.revocation == "not-checked" and v.kind is VerdictKind.VALID


def test_offline_means_not_checked_and_nothing_fetched(pki: TestPki, server: CrlServer,
                                                       tmp_path: Path) -> None:
    seal_id, tsa_id = _identities(pki, server.url + "/ca.crl")
    server.files["/ca.crl"] = _crl(pki, [(seal_id.cert.serial_number, SEALED_AT)])
    v = verify_zfo(_zfo(pki, seal_id, tsa_id), _store(pki, tmp_path, online=False), now=NOW)
    assert v.revocation == "not-checked" and v.kind is VerdictKind.VALID
    assert any("offline" in r for r in v.reasons)
    assert server.hits == {}


def test_crl_signed_by_the_wrong_key_is_ignored(pki: TestPki, server: CrlServer,
                                                tmp_path: Path) -> None:
    """A forged CRL neither revokes nor clears: revocation stays not checked."""
    seal_id, tsa_id = _identities(pki, server.url + "/ca.crl")
    server.files["/ca.crl"] = _crl(pki, [(seal_id.cert.serial_number, SEALED_AT)],
                                   key=rsa_key())
    v = verify_zfo(_zfo(pki, seal_id, tsa_id), _store(pki, tmp_path), now=NOW)
    assert v.kind is VerdictKind.VALID and v.revocation == "not-checked"
    assert any("not signed by the issuing CA" in r for r in v.reasons)
    assert not list((tmp_path / "crl").glob("*.crl"))  # never cached


def test_crl_is_cached_on_disk_until_its_next_update(pki: TestPki, server: CrlServer,
                                                     tmp_path: Path) -> None:
    seal_id, tsa_id = _identities(pki, server.url + "/ca.crl")
    server.files["/ca.crl"] = _crl(pki, [(seal_id.cert.serial_number,
                                          SEALED_AT - timedelta(days=1))])
    data = _zfo(pki, seal_id, tsa_id)
    assert verify_zfo(data, _store(pki, tmp_path), now=NOW).kind is VerdictKind.INVALID
    assert len(list((tmp_path / "crl").glob("*.crl"))) == 1
    # Offline later: the cached CRL is still current, so revocation is still checked.
    offline = _store(pki, tmp_path, online=False)
    v = verify_zfo(data, offline, now=NOW + timedelta(days=3))
    assert v.kind is VerdictKind.INVALID and v.revocation == "revoked"
    # Past its nextUpdate the cached CRL proves nothing any more.
    v = verify_zfo(data, _store(pki, tmp_path, online=False), now=NOW + timedelta(days=8))
    assert v.revocation == "not-checked" and v.kind is VerdictKind.VALID
    # Online past nextUpdate: fetched again.
    server.files["/ca.crl"] = issue_crl(pki, [], this_update=NOW + timedelta(days=8),
                                        next_update=NOW + timedelta(days=15))
    v = verify_zfo(data, _store(pki, tmp_path), now=NOW + timedelta(days=9))
    assert v.revocation == "good" and server.hits["/ca.crl"] == 2


def test_a_pickled_store_keeps_its_crls(pki: TestPki, server: CrlServer) -> None:
    """The sync's checking process gets the CRLs its parent already has."""
    seal_id, tsa_id = _identities(pki, server.url + "/ca.crl")
    server.files["/ca.crl"] = _crl(pki, [])
    store = _store(pki, None)
    data = _zfo(pki, seal_id, tsa_id)
    assert verify_zfo(data, store, now=NOW).revocation == "good"
    copy = pickle.loads(pickle.dumps(store))  # noqa: S301 - our own bytes
    server.files.clear()
    assert verify_zfo(data, copy, now=NOW).revocation == "good"
    assert server.hits["/ca.crl"] == 1


def test_without_distribution_point_says_so(pki: TestPki) -> None:
    data = seal(message_xml(pki), pki.seal, pki.tsa, SEALED_AT)
    v = verify_zfo(data, _store(pki, None), now=NOW)
    assert v.kind is VerdictKind.VALID and v.revocation == "not-checked"
    assert any("names no CRL distribution point" in r for r in v.reasons)
