"""Survivors of the mutation run of branch ``mutsurv`` in `zfo.trust` and `zfo.revocation`:
who may sign a CRL, the issuer URLs guessed from CRL distribution points, and a trust
store that went through pickling (a sync's checking process) still copied and pickled."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import pickle
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.serialization import pkcs7
from tests.unit.zfo.zfo_factory import SEALED_AT, pki  # noqa: F401

from dso_desktop.zfo.revocation import (
    NOT_CHECKED,
    CrlCache,
    RevocationCheck,
    _load_crl,
    _signed_by,
    crl_urls,
)
from dso_desktop.zfo.testpki import (
    TestPki,
    ca_key_usage,
    create_pki,
    issue_cert,
    issue_crl,
    issue_leaf,
    pki_name,
)
from dso_desktop.zfo.trust import (
    MAX_CHAIN,
    Chain,
    TrustStore,
    _files,
    aia_ca_issuers,
    crl_derived_issuer_urls,
    pem_blocks_der,
)


def _crl_named(issuer: x509.Name, key: object) -> x509.CertificateRevocationList:
    return (x509.CertificateRevocationListBuilder().issuer_name(issuer)
            .last_update(SEALED_AT).next_update(SEALED_AT + timedelta(days=7))
            .sign(key, hashes.SHA256()))  # type: ignore[arg-type]


def test_a_crl_counts_only_from_its_named_issuer_allowed_to_sign_crls(pki: TestPki) -> None:
    own = _crl_named(pki.ca_cert.subject, pki.ca_key)
    assert _signed_by(own, pki.ca_cert)
    # Signed with the CA's key but naming another issuer: not the CA's CRL.
    assert not _signed_by(_crl_named(pki_name("Another CA"), pki.ca_key), pki.ca_cert)
    # The CA's name and key, but a certificate whose key usage forbids signing CRLs.
    no_crl_sign = x509.KeyUsage(
        digital_signature=False, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
        encipher_only=False, decipher_only=False)
    cert_only = issue_cert(pki.ca_cert.subject, pki.ca_key, ca=True, key_usage=no_crl_sign)
    assert not _signed_by(own, cert_only)
    may_sign = issue_cert(pki.ca_cert.subject, pki.ca_key, ca=True, key_usage=ca_key_usage())
    assert _signed_by(own, may_sign)
    # Another key under the same name: the signature decides.
    forged = issue_cert(pki.ca_cert.subject, create_pki(None).ca_key, ca=True,
                        key_usage=ca_key_usage())
    assert not _signed_by(own, forged)


def test_issuer_urls_are_guessed_from_a_postsignum_style_crl_url(pki: TestPki) -> None:
    leaf = issue_leaf(pki, crl_url="http://crl.postsignum.cz/crl/psqualifiedca2.crl").cert
    assert crl_derived_issuer_urls(leaf) == ["http://crl.postsignum.cz/crt/psqualifiedca2.crt"]
    other = issue_leaf(pki, crl_url="http://example.test/lists/ca.crl").cert
    assert crl_derived_issuer_urls(other) == []
    assert crl_derived_issuer_urls(pki.seal.cert) == []  # no distribution point


def test_a_store_from_a_checking_process_can_be_scoped_and_pickled_again(
        pki: TestPki, tmp_path: object) -> None:
    second = create_pki(None)
    store = TrustStore()
    store.add(pki.ca_cert, explicit_anchor=True)
    store.add(second.ca_cert, explicit_anchor=True)  # two explicit anchors
    copy = pickle.loads(pickle.dumps(store))  # noqa: S301 - our own bytes
    again = pickle.loads(pickle.dumps(copy))  # noqa: S301 - our own bytes
    for s in (copy, again):
        assert s.chain_for(pki.seal.cert).anchored
        assert s.chain_for(second.seal.cert).anchored
    scoped = again.scoped([])
    assert scoped.chain_for(second.seal.cert).anchored
    back = pickle.loads(pickle.dumps(scoped))  # noqa: S301 - our own bytes
    assert back.chain_for(pki.seal.cert).anchored


# Survivors of seed 20261208 (branch ``survrest``) in `zfo.trust`, `zfo.revocation`.

def _ec() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())  # fast: chains of many CAs


def test_a_ca_without_key_usage_may_sign_its_crl(pki: TestPki) -> None:
    # RFC 5280: no keyUsage extension means no restriction (older CAs carry none).
    plain = issue_cert(pki.ca_cert.subject, pki.ca_key, ca=True)
    assert plain.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert _signed_by(_crl_named(pki.ca_cert.subject, pki.ca_key), plain)


def test_a_crl_is_not_counted_when_the_issuer_key_cannot_check_it(pki: TestPki) -> None:
    # An "issuer" with the CA's name but a key no signature can be checked with (X25519):
    # cryptography raises TypeError, and the CRL must count as not signed.
    dh_key = x25519.X25519PrivateKey.generate()
    odd = issue_cert(pki.ca_cert.subject, dh_key, issuer=pki.ca_cert.subject,
                     issuer_key=pki.ca_key, not_before=SEALED_AT - timedelta(days=1), days=31)
    assert not _signed_by(_crl_named(pki.ca_cert.subject, pki.ca_key), odd)


def test_a_pem_crl_is_read_like_a_der_one(pki: TestPki) -> None:
    crl = _crl_named(pki.ca_cert.subject, pki.ca_key)
    pem = crl.public_bytes(serialization.Encoding.PEM)
    loaded = _load_crl(b"\n  " + pem)
    assert loaded is not None and loaded == crl
    assert _load_crl(crl.public_bytes(serialization.Encoding.DER)) == crl
    assert _load_crl(b"-----BEGIN X509 CRL-----\nnot base64\n-----END X509 CRL-----") is None


def test_why_revocation_was_not_checked_is_said(pki: TestPki) -> None:
    now = SEALED_AT + timedelta(days=1)
    offline = CrlCache(None, None)
    assert offline.crl("http://crl.test/ca.crl", pki.ca_cert, now) == (
        None, "offline: no current CRL in the cache")
    store = TrustStore()
    assert store.revocation(Chain((pki.seal.cert,), False), at=now, now=now) == \
        RevocationCheck(NOT_CHECKED, "no issuing CA to check against")
    # A certificate that expired before the CRL was issued: its absence proves nothing.
    key = _ec()
    start = SEALED_AT - timedelta(days=10)
    expired = issue_cert("Old seal", key, issuer=pki.ca_cert, issuer_key=pki.ca_key,
                         not_before=start, days=2)
    crl = _crl_named(pki.ca_cert.subject, pki.ca_key)  # issued at SEALED_AT
    assert CrlCache._entry(expired, crl, "http://crl.test/ca.crl") == RevocationCheck(
        NOT_CHECKED, "the certificate expired before the newest CRL was issued, so the CRL "
        "no longer lists it")


def test_anchors_are_read_from_a_p7b_bundle_in_a_folder(pki: TestPki, tmp_path: Path) -> None:
    folder = tmp_path / "anchors"
    folder.mkdir()
    (folder / "ca.p7b").write_bytes(
        pkcs7.serialize_certificates([pki.ca_cert], serialization.Encoding.DER))
    (folder / "notes.txt").write_bytes(pki.ca_cert.public_bytes(serialization.Encoding.PEM))
    assert [p.name for p in _files(folder)] == ["ca.p7b"]
    assert TrustStore.from_paths([folder]).chain_for(pki.seal.cert).anchored


def test_an_https_issuer_url_is_followed(pki: TestPki) -> None:
    leaf = issue_cert("Seal", _ec(), issuer=pki.ca_cert, issuer_key=pki.ca_key,
                      aia="https://ca.example.test/ca.crt")
    assert aia_ca_issuers(leaf) == ["https://ca.example.test/ca.crt"]
    ftp = issue_cert("Seal", _ec(), issuer=pki.ca_cert, issuer_key=pki.ca_key,
                     aia="ftp://ca.example.test/ca.crt")
    assert aia_ca_issuers(ftp) == []


def test_a_crl_download_may_be_as_large_as_a_crl(monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop import net
    from dso_desktop.zfo.revocation import MAX_CRL_BYTES
    from dso_desktop.zfo.trust import MAX_FETCH_BYTES, default_crl_fetcher, default_fetcher

    asked: list[tuple[str, int]] = []

    def fetch(url: str, *, max_bytes: int) -> bytes:
        asked.append((url, max_bytes))
        return b""

    monkeypatch.setattr(net, "fetch", fetch)
    default_crl_fetcher("http://crl.test/a.crl")
    default_fetcher("http://ca.test/a.crt")
    assert asked == [("http://crl.test/a.crl", MAX_CRL_BYTES),
                     ("http://ca.test/a.crt", MAX_FETCH_BYTES)]
    assert MAX_CRL_BYTES > MAX_FETCH_BYTES  # PostSignum's CRLs are megabytes


def test_a_chain_is_valid_from_the_first_second_of_its_newest_certificate(
        pki: TestPki) -> None:
    chain = TrustStore.from_paths([pki.ca_file]).chain_for(pki.seal.cert)
    start = max(c.not_valid_before_utc for c in chain.certs)
    end = min(c.not_valid_after_utc for c in chain.certs)
    assert chain.invalid_at(start) is None
    assert chain.invalid_at(end) is None
    assert chain.invalid_at(start - timedelta(seconds=1)) is not None
    assert chain.invalid_at(end + timedelta(seconds=1)) is not None


def test_a_chain_longer_than_the_limit_is_refused_as_such() -> None:
    root_key = _ec()
    root = issue_cert("Root", root_key, ca=True)
    store = TrustStore()
    store.add(root, explicit_anchor=True)
    issuer, issuer_key = root, root_key
    for i in range(MAX_CHAIN + 1):  # one intermediate more than a chain may hold
        key = _ec()
        issuer = issue_cert(f"CA {i}", key, issuer=issuer, issuer_key=issuer_key, ca=True)
        issuer_key = key
        store.add(issuer)
    leaf = issue_cert("Seal", _ec(), issuer=issuer, issuer_key=issuer_key)
    chain = store.chain_for(leaf)
    assert not chain.anchored
    assert chain.problem == "certificate chain too long"
    assert len(chain.certs) == MAX_CHAIN + 1


def test_issuer_download_goes_on_until_the_issuer_is_found(pki: TestPki) -> None:
    # The leaf names two issuer URLs: the first serves a CA of the same PKI that did not
    # issue it (useful, so kept), the second its real issuer.
    mid_key = _ec()
    mid = issue_cert("Issuing CA", mid_key, issuer=pki.ca_cert, issuer_key=pki.ca_key, ca=True)
    other = issue_cert("Other CA", _ec(), issuer=pki.ca_cert, issuer_key=pki.ca_key, ca=True)
    leaf_key = _ec()
    leaf = issue_cert("Seal", leaf_key, issuer=mid, issuer_key=mid_key,
                      not_before=mid.not_valid_before_utc,
                      days=(mid.not_valid_after_utc - mid.not_valid_before_utc).days,
                      aia=("http://ca.test/other.crt", "http://ca.test/mid.crt"))
    der = serialization.Encoding.DER
    served = {"http://ca.test/other.crt": other.public_bytes(der),
              "http://ca.test/mid.crt": mid.public_bytes(der)}
    store = TrustStore(fetcher=served.__getitem__)
    store.add(pki.ca_cert, explicit_anchor=True)
    chain = store.chain_for(leaf)
    assert chain.anchored, chain.problem
    assert chain.certs == (leaf, mid, pki.ca_cert)


# Survivors of seed 20261210 (branch ``survrest3``).

def _bare_cert(subject: str, extensions: list[x509.ExtensionType] = ()) -> x509.Certificate:  # type: ignore[assignment]
    """A self-issued certificate with only the given extensions (no basicConstraints)."""
    key = _ec()
    return issue_cert(pki_name(subject), key, issuer=pki_name("Some CA"), issuer_key=key,
                      not_before=SEALED_AT - timedelta(days=1), days=366,
                      basic_constraints=False, key_identifier=False, extensions=extensions)


def test_a_certificate_without_basic_constraints_is_no_intermediate() -> None:
    store = TrustStore()
    assert store.add(_bare_cert("No constraints")) is False


def test_crl_urls_are_the_http_uris_of_the_distribution_points() -> None:
    cdp = x509.CRLDistributionPoints([
        x509.DistributionPoint(full_name=[
            x509.DirectoryName(pki_name("CRL issuer")),
            x509.UniformResourceIdentifier("ldap://ldap.example.test/cn=CA?crl"),
            x509.UniformResourceIdentifier("HTTP://crl.example.test/ca.crl")],
            relative_name=None, reasons=None, crl_issuer=None)])
    assert crl_urls(_bare_cert("Seal", [cdp])) == ["HTTP://crl.example.test/ca.crl"]


def test_a_crl_issued_this_very_second_is_current(pki: TestPki) -> None:
    crl = issue_crl(pki, [], this_update=SEALED_AT, next_update=SEALED_AT + timedelta(days=1))
    cache = CrlCache(lambda _url: crl, None)
    got, problem = cache.crl("http://crl.example.test/ca.crl", pki.ca_cert, SEALED_AT)
    assert got is not None and problem == ""


def test_the_crl_fetcher_of_the_apps_http_settings_allows_a_crls_size() -> None:
    from dso_desktop import net
    from dso_desktop.zfo.revocation import MAX_CRL_BYTES
    from dso_desktop.zfo.trust import _crl_fetcher

    config = net.NetConfig()
    fetcher = _crl_fetcher(net.HttpFetcher(config))
    assert isinstance(fetcher, net.HttpFetcher)
    assert fetcher.config is config and fetcher.max_bytes == MAX_CRL_BYTES


def test_anchors_are_read_from_crt_and_cer_files_in_a_folder(
        pki: TestPki, tmp_path: Path) -> None:
    for suffix in (".crt", ".CER"):
        folder = tmp_path / suffix.lower()[1:]
        folder.mkdir()
        (folder / f"ca{suffix}").write_bytes(pki.ca_cert.public_bytes(serialization.Encoding.PEM))
        assert [p.name for p in _files(folder)] == [f"ca{suffix}"]
        assert TrustStore.from_paths([folder]).chain_for(pki.seal.cert).anchored


def test_a_pem_block_that_is_not_strict_base64_is_skipped(pki: TestPki) -> None:
    import base64

    der = pki.ca_cert.public_bytes(serialization.Encoding.DER)
    text = base64.b64encode(der)
    block = b"-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n"
    damaged = block % (text[:40] + b"*" + text[40:])
    assert pem_blocks_der(damaged + block % text) == [der]


def test_a_chain_prefers_the_anchor_over_a_cross_certificate(pki: TestPki) -> None:
    # The CA's name and key, also certified by another root that this store does not
    # trust (valid longer, so only the preference for an anchor picks the trusted one).
    other_key = _ec()
    cross = issue_cert(pki.ca_cert.subject, pki.ca_key, issuer="Other root",
                       issuer_key=other_key, ca=True, days=20000,
                       key_usage=ca_key_usage())
    store = TrustStore.from_paths([pki.ca_file])
    assert store.add(cross)
    chain = store.chain_for(pki.seal.cert)
    assert chain.anchored and chain.certs[-1] == pki.ca_cert


def test_a_pinned_anchor_given_again_stays_pinned(pki: TestPki) -> None:
    from dso_desktop.zfo.trust import PINNED, USER, fingerprint

    store = TrustStore(anchor_fingerprints=[fingerprint(pki.ca_cert)])
    assert store.add(pki.ca_cert)
    assert store.add(pki.ca_cert, explicit_anchor=True, source=USER)
    info = store.anchor_info(store.chain_for(pki.seal.cert))
    assert info is not None and info.source == PINNED


# Survivors of seed 20261211 (branch ``survzfo4``).

_CRL_URL = "http://crl.example.test/ca.crl"


def test_a_crl_at_its_next_update_is_no_longer_current(pki: TestPki) -> None:
    crl = issue_crl(pki, [], this_update=SEALED_AT, next_update=SEALED_AT + timedelta(days=1))
    cache = CrlCache(lambda _url: crl, None)
    got, problem = cache.crl(_CRL_URL, pki.ca_cert, SEALED_AT + timedelta(days=1))
    assert got is None and problem == f"the CRL from {_CRL_URL} is not current"


def test_a_crl_held_for_one_ca_is_not_taken_for_another(pki: TestPki) -> None:
    """The memory keeps which CA's signature on a CRL was checked: asked for another CA,
    the CRL must be signed by that one."""
    crl = issue_crl(pki, [], this_update=SEALED_AT, next_update=SEALED_AT + timedelta(days=1))
    cache = CrlCache(lambda _url: crl, None)
    assert cache.crl(_CRL_URL, pki.ca_cert, SEALED_AT)[0] is not None
    other = issue_cert("Other CA", _ec(), ca=True, key_usage=ca_key_usage())
    got, problem = cache.crl(_CRL_URL, other, SEALED_AT)
    assert got is None and problem == f"the CRL from {_CRL_URL} is not signed by the issuing CA"


def _seal_with_crls(pki: TestPki, urls: list[str]) -> x509.Certificate:
    cdp = x509.CRLDistributionPoints([
        x509.DistributionPoint(full_name=[x509.UniformResourceIdentifier(u)], relative_name=None,
                               reasons=None, crl_issuer=None) for u in urls])
    return issue_cert("Seal", _ec(), issuer=pki.ca_cert, issuer_key=pki.ca_key,
                      not_before=SEALED_AT - timedelta(days=1), days=366, extensions=[cdp])


def test_the_next_distribution_point_is_tried_when_one_fails(pki: TestPki) -> None:
    cert = _seal_with_crls(pki, ["http://down.example.test/a.crl", _CRL_URL])
    served = {_CRL_URL: issue_crl(pki, [], this_update=SEALED_AT,
                                  next_update=SEALED_AT + timedelta(days=1))}
    cache = CrlCache(served.__getitem__, None)  # the first URL raises KeyError
    check = cache.check(cert, pki.ca_cert, SEALED_AT, SEALED_AT)
    assert check.status == "good"
    assert check.detail.startswith(f"not listed in the CRL from {_CRL_URL}")


def test_a_revocation_time_is_given_in_utc_whatever_the_local_zone(
        pki: TestPki, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from dso_desktop.zfo.revocation import REVOKED

    cert = _seal_with_crls(pki, [_CRL_URL])
    revoked_at = SEALED_AT - timedelta(hours=3)
    crl = issue_crl(pki, [(cert.serial_number, revoked_at)], this_update=SEALED_AT,
                    next_update=SEALED_AT + timedelta(days=1))
    monkeypatch.setenv("TZ", "Europe/Prague")
    time.tzset()
    try:
        check = CrlCache(lambda _url: crl, None).check(cert, pki.ca_cert, SEALED_AT, SEALED_AT)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert check.status == REVOKED and check.revoked_at == revoked_at
    assert check.revoked_at is not None and check.revoked_at.tzinfo is UTC


def test_a_certificate_is_looked_up_once_in_the_same_crl(
        pki: TestPki, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sync checks many messages sealed by one certificate against one big CRL: the
    lookup is remembered per certificate and CRL."""
    cert = _seal_with_crls(pki, [_CRL_URL])
    crl = issue_crl(pki, [], this_update=SEALED_AT, next_update=SEALED_AT + timedelta(days=1))
    cache = CrlCache(lambda _url: crl, None)
    looked_up = []
    real_entry = CrlCache._entry

    def counting(*args: object) -> RevocationCheck:
        looked_up.append(args)
        return real_entry(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(CrlCache, "_entry", staticmethod(counting))
    first = cache.check(cert, pki.ca_cert, SEALED_AT, SEALED_AT)
    second = cache.check(cert, pki.ca_cert, SEALED_AT, SEALED_AT)
    assert first == second and first.status == "good"
    assert len(looked_up) == 1


def test_a_failed_crl_download_is_retried_once_the_pause_is_over(
        pki: TestPki, monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from dso_desktop.zfo import revocation

    clock = [1000.0]
    monkeypatch.setattr(revocation, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    crl = issue_crl(pki, [], this_update=SEALED_AT, next_update=SEALED_AT + timedelta(days=1))
    answers: list[bytes | None] = [None, crl]
    fetched = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        answer = answers.pop(0)
        if answer is None:
            raise OSError("down")
        return answer

    cache = CrlCache(fetch, None)
    assert cache.crl(_CRL_URL, pki.ca_cert, SEALED_AT)[0] is None
    clock[0] += revocation.RETRY_FAILED_AFTER - 0.5
    assert cache.crl(_CRL_URL, pki.ca_cert, SEALED_AT) == \
        (None, f"CRL download from {_CRL_URL} failed a moment ago")
    clock[0] += 0.5  # exactly the pause after the failure
    assert cache.crl(_CRL_URL, pki.ca_cert, SEALED_AT)[0] is not None
    assert len(fetched) == 2


def test_a_ca_that_may_not_sign_certificates_breaks_the_chain_below_it() -> None:
    from dso_desktop.zfo.testpki import leaf_key_usage

    root_key, mid_key = _ec(), _ec()
    root = issue_cert("Root", root_key, ca=True, key_usage=ca_key_usage())
    mid = issue_cert("Issuing CA", mid_key, issuer=root, issuer_key=root_key, ca=True,
                     key_usage=leaf_key_usage())  # a CA flag, but no keyCertSign
    leaf = issue_cert("Seal", _ec(), issuer=mid, issuer_key=mid_key, key_usage=leaf_key_usage())
    store = TrustStore()
    store.add(root, explicit_anchor=True)
    store.add(mid)
    chain = store.chain_for(leaf)
    assert not chain.anchored
    assert chain.problem is not None and "'Issuing CA' may not sign certificates" in chain.problem


def test_a_downloaded_root_nobody_trusts_is_neither_added_nor_cached(tmp_path: Path) -> None:
    root_key = _ec()
    root = issue_cert("Foreign Root", root_key, ca=True, key_usage=ca_key_usage())
    leaf = issue_cert("Seal", _ec(), issuer=root, issuer_key=root_key,
                      aia="http://ca.example.test/root.crt")
    served = {"http://ca.example.test/root.crt": root.public_bytes(serialization.Encoding.DER)}
    store = TrustStore(fetcher=served.__getitem__, cache_dir=tmp_path)
    assert store.add(root) is False
    assert not store.chain_for(leaf).anchored
    assert list(tmp_path.iterdir()) == []


def test_without_downloads_the_default_store_fetches_nothing(tmp_path: Path) -> None:
    root_key = _ec()
    root = issue_cert("Foreign Root", root_key, ca=True, key_usage=ca_key_usage())
    leaf = issue_cert("Seal", _ec(), issuer=root, issuer_key=root_key,
                      aia="http://ca.example.test/root.crt")
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return root.public_bytes(serialization.Encoding.DER)

    store = TrustStore.default(tmp_path, allow_download=False, fetcher=fetch, os_bundles=(),
                               shipped=False)
    assert not store.chain_for(leaf).anchored
    assert fetched == []


# Survivors of seed 20261212 (branch ``survzfo5b``).


def test_a_chain_whose_certificates_never_overlap_is_named_by_the_one_not_yet_valid() -> None:
    """A CA re-issued only after the leaf it certified expired: no instant has every
    certificate valid, not even the leaf's last second, at which the leaf is still valid
    and the CA is the one named."""
    ca_key = _ec()
    leaf_start = SEALED_AT - timedelta(days=10)
    leaf_end = leaf_start + timedelta(days=10)
    ca = issue_cert("Issuing CA", ca_key, ca=True, not_before=leaf_end + timedelta(days=1))
    leaf = issue_cert("Seal", _ec(), issuer=ca, issuer_key=ca_key, not_before=leaf_start,
                      days=10)
    chain = Chain((leaf, ca), True)
    ca_from = f"{ca.not_valid_before_utc:%Y-%m-%d}"
    assert chain.invalid_at(leaf_end) == \
        f"certificate 'Issuing CA' not yet valid (from {ca_from})"
    assert chain.invalid_at(leaf_end + timedelta(seconds=1)) == \
        f"certificate 'Seal' expired on {leaf_end:%Y-%m-%d}"


def test_at_the_leafs_last_second_an_expired_ca_is_named() -> None:
    ca_key = _ec()
    ca = issue_cert("Issuing CA", ca_key, ca=True, not_before=SEALED_AT - timedelta(days=30),
                    days=10)
    leaf = issue_cert("Seal", _ec(), issuer=ca, issuer_key=ca_key,
                      not_before=SEALED_AT - timedelta(days=25), days=25)
    chain = Chain((leaf, ca), True)
    assert chain.invalid_at(SEALED_AT) == \
        f"certificate 'Issuing CA' expired on {ca.not_valid_after_utc:%Y-%m-%d}"


def test_an_issuer_url_that_fails_is_followed_by_the_next_one(pki: TestPki) -> None:
    mid_key = _ec()
    mid = issue_cert("Issuing CA", mid_key, issuer=pki.ca_cert, issuer_key=pki.ca_key, ca=True)
    leaf = issue_cert("Seal", _ec(), issuer=mid, issuer_key=mid_key,
                      not_before=mid.not_valid_before_utc, days=365,
                      aia=("http://down.example.test/mid.crt", "http://ca.test/mid.crt"))
    served = {"http://ca.test/mid.crt": mid.public_bytes(serialization.Encoding.DER)}
    store = TrustStore(fetcher=served.__getitem__)  # the first URL raises KeyError
    store.add(pki.ca_cert, explicit_anchor=True)
    chain = store.chain_for(leaf)
    assert chain.anchored, chain.problem
    assert chain.certs == (leaf, mid, pki.ca_cert)


def test_an_accounts_scoped_store_still_downloads_issuers(pki: TestPki,
                                                           tmp_path: Path) -> None:
    """The account's copy (the simulator's or a test environment's CA) keeps the app's
    fetcher: an intermediate the ZFO does not carry is fetched from the leaf's AIA URL."""
    mid_key = _ec()
    mid = issue_cert("Issuing CA", mid_key, issuer=pki.ca_cert, issuer_key=pki.ca_key, ca=True)
    leaf = issue_cert("Seal", _ec(), issuer=mid, issuer_key=mid_key,
                      not_before=mid.not_valid_before_utc, days=365,
                      aia="http://ca.test/mid.crt")
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return mid.public_bytes(serialization.Encoding.DER)

    base = TrustStore(fetcher=fetch)
    scoped = base.scoped([pki.ca_file])
    chain = scoped.chain_for(leaf)
    assert chain.anchored, chain.problem
    assert chain.certs == (leaf, mid, pki.ca_cert)
    assert fetched == ["http://ca.test/mid.crt"]
    assert not base.chain_for(leaf).anchored  # the base store does not trust the CA


def test_revocation_needs_an_anchored_chain_with_an_issuing_ca(pki: TestPki) -> None:
    # A self-signed seal certificate trusted as its own anchor: nobody to ask about it.
    key = _ec()
    own = issue_cert("Self-sealed", key, extensions=[x509.CRLDistributionPoints([
        x509.DistributionPoint(full_name=[x509.UniformResourceIdentifier(_CRL_URL)],
                               relative_name=None, reasons=None, crl_issuer=None)])])
    store = TrustStore.from_paths([pki.ca_file])
    assert store.add(own, explicit_anchor=True)
    alone = store.chain_for(own)
    assert alone.anchored and alone.certs == (own,)
    assert store.revocation(alone, at=SEALED_AT, now=SEALED_AT) == \
        RevocationCheck(NOT_CHECKED, "no issuing CA to check against")
    # A leaf and its issuer that lead to no anchor: its CRL would prove nothing.
    cert = _seal_with_crls(pki, [_CRL_URL])
    loose = Chain((cert, pki.ca_cert), False, "not trusted")
    assert store.revocation(loose, at=SEALED_AT, now=SEALED_AT) == \
        RevocationCheck(NOT_CHECKED, "no issuing CA to check against")


def test_a_seal_revoked_at_the_very_second_it_is_checked_at_counts_as_revoked(
        pki: TestPki) -> None:
    """Revoked at or before the signing (or timestamp) time: revoked; only a revocation
    after it is "revoked later"."""
    from dso_desktop.zfo.revocation import REVOKED, REVOKED_LATER

    cert = _seal_with_crls(pki, [_CRL_URL])
    revoked_at = SEALED_AT - timedelta(hours=1)
    crl = issue_crl(pki, [(cert.serial_number, revoked_at)], this_update=SEALED_AT,
                    next_update=SEALED_AT + timedelta(days=1))
    cache = CrlCache(lambda _url: crl, None)
    at_once = cache.check(cert, pki.ca_cert, revoked_at, SEALED_AT)
    assert (at_once.status, at_once.revoked_at) == (REVOKED, revoked_at)
    before = cache.check(cert, pki.ca_cert, revoked_at - timedelta(seconds=1), SEALED_AT)
    assert (before.status, before.revoked_at) == (REVOKED_LATER, revoked_at)


# Survivors of seed 20261213 (branch ``survzfo6``).


def _key_usage(*, digital_signature: bool, content_commitment: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature, content_commitment=content_commitment,
        key_encipherment=False, data_encipherment=False, key_agreement=False,
        key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False)


@pytest.mark.parametrize(("digital_signature", "content_commitment", "problem"), [
    (True, True, None),
    (True, False, None),
    (False, True, None),
    (False, False, "'Seal' may not sign (key usage)"),
])
def test_a_seal_may_sign_with_either_signing_key_usage(
        digital_signature: bool, content_commitment: bool, problem: str | None) -> None:
    """Either bit lets a key sign (RFC 5280: digitalSignature, or nonRepudiation for
    content commitment); only a key with neither is refused."""
    root_key = _ec()
    root = issue_cert("Root", root_key, ca=True, key_usage=ca_key_usage())
    leaf = issue_cert("Seal", _ec(), issuer=root, issuer_key=root_key,
                      key_usage=_key_usage(digital_signature=digital_signature,
                                           content_commitment=content_commitment))
    store = TrustStore()
    store.add(root, explicit_anchor=True)
    chain = store.chain_for(leaf)
    assert (chain.anchored, chain.problem) == (problem is None, problem)


def test_a_store_keeps_its_certificate_cache_through_pickling(tmp_path: Path) -> None:
    """A checking process's store caches downloaded issuers where the app's store does."""
    root_key = _ec()
    root = issue_cert("Root", root_key, ca=True, key_usage=ca_key_usage())
    leaf = issue_cert("Seal", _ec(), issuer=root, issuer_key=root_key,
                      aia="http://ca.example.test/root.crt")
    store = TrustStore(anchor_fingerprints={_fingerprint(root): "Root"},
                       fetcher=_root_fetcher, cache_dir=tmp_path)
    copy = pickle.loads(pickle.dumps(store))  # noqa: S301 - our own bytes
    _ROOT[:] = [root.public_bytes(serialization.Encoding.DER)]
    try:
        assert copy.chain_for(leaf).anchored
    finally:
        _ROOT.clear()
    assert (tmp_path / f"{_fingerprint(root)}.der").read_bytes() == \
        root.public_bytes(serialization.Encoding.DER)


_ROOT: list[bytes] = []


def _root_fetcher(url: str) -> bytes:  # module level: a store's fetcher is pickled
    return _ROOT[0]


def _fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def test_the_shipped_bundle_can_be_given_as_a_file(tmp_path: Path) -> None:
    """``shipped`` as a path replaces the product's resource file: an empty one adds no
    anchor, where the resource file's PostSignum roots are anchors."""
    empty = tmp_path / "none.pem"
    empty.write_bytes(b"")
    given = TrustStore.default(None, allow_download=False, os_bundles=(), shipped=empty)
    assert given.anchors == []
    assert TrustStore.default(None, allow_download=False, os_bundles=()).anchors != []


def test_https_crl_distribution_points_are_used() -> None:
    key = _ec()
    cdp = x509.CRLDistributionPoints([x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(url)], relative_name=None, reasons=None,
        crl_issuer=None) for url in ("HTTPS://crl.example.test/a.crl",
                                     "http://crl.example.test/b.crl",
                                     "ldap://crl.example.test/c")])
    cert = issue_cert("Seal", key, extensions=[cdp])
    assert crl_urls(cert) == ["HTTPS://crl.example.test/a.crl", "http://crl.example.test/b.crl"]
