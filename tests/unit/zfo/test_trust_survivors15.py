"""Survivors of session 15's whole mutation run in the zfo-trust group (branch
``survtrust15``): which certificate vouches for which (a CA under another name, a key that
verifies nothing, an RSASSA-PSS signature, a self-issued CA that did not sign itself, the
re-issued CA valid longest), the issuer URLs a store follows and caches, a per-account copy
of a store, what a CRL says word for word (and one without nextUpdate, or keeping expired
certificates), a CRL cache after pickling, and an archive timestamp's nonce and cause."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import pickle
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import algos, tsp
from asn1crypto import crl as asn1_crl
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, x25519
from cryptography.hazmat.primitives.serialization import pkcs7
from tests.unit.zfo.zfo_factory import SEALED_AT, make_zfo, pki, trust  # noqa: F401

from dso_desktop.domain import EvidenceCause
from dso_desktop.zfo.archivets import build_request, token_from_response, verify_archive_timestamp
from dso_desktop.zfo.errors import ArchiveTimestampError
from dso_desktop.zfo.produce import timestamp_response
from dso_desktop.zfo.revocation import (
    EXPIRED_CERTS_ON_CRL,
    GOOD,
    NOT_CHECKED,
    REVOKED,
    CrlCache,
    RevocationCheck,
)
from dso_desktop.zfo.testpki import TestPki, ca_key_usage, issue_cert, issue_crl, pki_name
from dso_desktop.zfo.trust import (
    PINNED,
    TrustStore,
    _files,
    crl_derived_issuer_urls,
    fingerprint,
    issued_by,
)

_CRL_URL = "http://crl.example.test/ca.crl"
_DER = serialization.Encoding.DER


def _ec() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _cdp(*names: x509.GeneralName) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints([x509.DistributionPoint(
        full_name=list(names), relative_name=None, reasons=None, crl_issuer=None)])


def _seal_with_crls(pki: TestPki, urls: list[str], *, not_before: datetime | None = None,
                    days: int = 366) -> x509.Certificate:
    return issue_cert("Seal", _ec(), issuer=pki.ca_cert, issuer_key=pki.ca_key,
                      not_before=not_before or SEALED_AT - timedelta(days=1), days=days,
                      extensions=[_cdp(*(x509.UniformResourceIdentifier(u) for u in urls))])


# -- who vouches for whom ------------------------------------------------------------------

def test_a_ca_of_another_name_has_not_issued_a_certificate_even_with_its_key() -> None:
    ca_key = _ec()
    named = issue_cert("CA A", ca_key, ca=True)
    renamed = issue_cert("CA B", ca_key, ca=True)  # the same key under another name
    leaf = issue_cert("Seal", _ec(), issuer=named, issuer_key=ca_key)
    assert issued_by(leaf, named)
    assert not issued_by(leaf, renamed)


def test_a_ca_whose_key_verifies_no_signature_vouches_for_nothing() -> None:
    """An "issuing CA" with an X25519 key (which signs nothing): a certificate naming it as
    issuer cannot be checked against it, so it does not lead to the anchor above it."""
    root_key = _ec()
    root = issue_cert("Root", root_key, ca=True, key_usage=ca_key_usage())
    odd = issue_cert("Key agreement CA", x25519.X25519PrivateKey.generate(), issuer=root,
                     issuer_key=root_key, ca=True)
    forged = issue_cert("Seal", _ec(), issuer=odd, issuer_key=_ec())
    store = TrustStore()
    store.add(root, explicit_anchor=True)
    assert store.add(odd)
    assert not issued_by(forged, odd)
    chain = store.chain_for(forged)
    assert not chain.anchored
    assert chain.problem == "issuer of 'Seal' not found among trusted certificates"


def test_a_ca_certificate_signed_with_rsassa_pss_is_checked_with_its_parameters(
        pki: TestPki) -> None:
    mid_key = _ec()
    mid = issue_cert("PSS CA", mid_key, issuer=pki.ca_cert, issuer_key=pki.ca_key, ca=True,
                     rsa_pss=True)
    assert isinstance(mid.signature_algorithm_parameters, padding.PSS)
    leaf = issue_cert("Seal", _ec(), issuer=mid, issuer_key=mid_key,
                      not_before=mid.not_valid_before_utc, days=365)
    assert issued_by(mid, pki.ca_cert)
    store = TrustStore.from_paths([pki.ca_file])
    store.add(mid)
    chain = store.chain_for(leaf)
    assert chain.anchored, chain.problem
    assert chain.certs == (leaf, mid, pki.ca_cert)


def test_a_self_issued_ca_signed_by_another_key_is_no_anchor(tmp_path: Path) -> None:
    """A CA whose name is its issuer's (a key rollover certificate) but which its own key
    did not sign: given as a trust file, it is kept as an intermediate, not an anchor."""
    old_key, new_key = _ec(), _ec()
    rollover = issue_cert("Rollover CA", new_key, issuer="Rollover CA", issuer_key=old_key,
                          ca=True)
    assert rollover.subject == rollover.issuer
    (tmp_path / "ca.pem").write_bytes(rollover.public_bytes(serialization.Encoding.PEM))
    store = TrustStore.from_paths([tmp_path / "ca.pem"])
    assert store.anchors == []
    leaf = issue_cert("Seal", _ec(), issuer=rollover, issuer_key=new_key)
    assert not store.chain_for(leaf).anchored


def test_of_two_issuing_cas_under_one_name_and_key_the_one_valid_longer_is_chosen(
        pki: TestPki) -> None:
    """A re-issued CA certificate (same name and key, longer validity) ends the chain's
    validity later: the chain takes it, whichever was added first."""
    mid_key = _ec()
    start = pki.ca_cert.not_valid_before_utc
    short = issue_cert("Issuing CA", mid_key, issuer=pki.ca_cert, issuer_key=pki.ca_key,
                       ca=True, not_before=start, days=2000)
    long = issue_cert("Issuing CA", mid_key, issuer=pki.ca_cert, issuer_key=pki.ca_key,
                      ca=True, not_before=start, days=4000)
    leaf = issue_cert("Seal", _ec(), issuer=short, issuer_key=mid_key, not_before=start,
                      days=365)
    for first, second in ((short, long), (long, short)):
        store = TrustStore.from_paths([pki.ca_file])
        store.add(first)
        store.add(second)
        chain = store.chain_for(leaf)
        assert chain.anchored and chain.certs == (leaf, long, pki.ca_cert)


def test_at_the_first_second_of_one_certificate_the_other_not_yet_valid_is_named() -> None:
    """When a chain is not valid at a time, the certificate named is one that is not valid
    then; a certificate that starts at that very second is valid."""
    ca_key = _ec()
    leaf_start = SEALED_AT - timedelta(days=10)
    ca = issue_cert("Issuing CA", ca_key, ca=True, not_before=leaf_start + timedelta(days=1),
                    days=100)
    leaf = issue_cert("Seal", _ec(), issuer=ca, issuer_key=ca_key, not_before=leaf_start,
                      days=100)
    from dso_desktop.zfo.trust import Chain

    chain = Chain((leaf, ca), True)
    assert chain.invalid_at(leaf_start) == \
        f"certificate 'Issuing CA' not yet valid (from {ca.not_valid_before_utc:%Y-%m-%d})"


# -- trust files and issuer URLs -----------------------------------------------------------

def test_anchors_are_read_from_a_p7c_bundle_in_a_folder(pki: TestPki, tmp_path: Path) -> None:
    (tmp_path / "ca.P7C").write_bytes(pkcs7.serialize_certificates([pki.ca_cert], _DER))
    assert [p.name for p in _files(tmp_path)] == ["ca.P7C"]
    assert TrustStore.from_paths([tmp_path]).chain_for(pki.seal.cert).anchored


def test_a_missing_trust_file_is_named() -> None:
    missing = Path("/nonexistent/dso-trust/ca.pem")
    with pytest.raises(FileNotFoundError) as raised:
        TrustStore.from_paths([missing])
    assert str(raised.value) == f"trust file or folder not found: {missing}"


def test_issuer_urls_are_guessed_past_other_names_and_keep_capitals() -> None:
    cdp = _cdp(x509.DirectoryName(pki_name("CRL issuer")),
               x509.UniformResourceIdentifier("http://crl.example.test/crl/PS_QCA-4.crl"))
    cert = issue_cert("Seal", _ec(), extensions=[cdp])
    assert crl_derived_issuer_urls(cert) == ["http://crl.example.test/crt/PS_QCA-4.crt"]


def test_an_issuer_url_fetched_for_another_certificate_does_not_end_the_search(
        pki: TestPki) -> None:
    """Issuer URLs are fetched once per store; one already fetched (for an earlier
    certificate) is passed over and the next URL still tried."""
    mid_key = _ec()
    mid = issue_cert("Issuing CA", mid_key, issuer=pki.ca_cert, issuer_key=pki.ca_key, ca=True)
    other_key = _ec()
    other = issue_cert("Other CA", other_key, issuer=pki.ca_cert, issuer_key=pki.ca_key,
                       ca=True)
    first = issue_cert("First seal", _ec(), issuer=other, issuer_key=other_key,
                       not_before=other.not_valid_before_utc, days=365,
                       aia="http://ca.test/other.crt")
    second = issue_cert("Second seal", _ec(), issuer=mid, issuer_key=mid_key,
                        not_before=mid.not_valid_before_utc, days=365,
                        aia=("http://ca.test/other.crt", "http://ca.test/mid.crt"))
    served = {"http://ca.test/other.crt": other.public_bytes(_DER),
              "http://ca.test/mid.crt": mid.public_bytes(_DER)}
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return served[url]

    store = TrustStore(fetcher=fetch)
    store.add(pki.ca_cert, explicit_anchor=True)
    assert store.chain_for(first).anchored
    chain = store.chain_for(second)
    assert chain.anchored, chain.problem
    assert chain.certs == (second, mid, pki.ca_cert)
    assert fetched == ["http://ca.test/other.crt", "http://ca.test/mid.crt"]


# -- an account's copy of a store ----------------------------------------------------------

def test_an_accounts_copy_caches_downloaded_issuers_where_the_store_does(
        pki: TestPki, tmp_path: Path) -> None:
    mid_key = _ec()
    mid = issue_cert("Issuing CA", mid_key, issuer=pki.ca_cert, issuer_key=pki.ca_key, ca=True)
    leaf = issue_cert("Seal", _ec(), issuer=mid, issuer_key=mid_key,
                      not_before=mid.not_valid_before_utc, days=365,
                      aia="http://ca.test/mid.crt")
    base = TrustStore(fetcher=lambda _url: mid.public_bytes(_DER), cache_dir=tmp_path)
    scoped = base.scoped([pki.ca_file])
    assert scoped.chain_for(leaf).anchored
    assert (tmp_path / f"{fingerprint(mid)}.der").read_bytes() == mid.public_bytes(_DER)


def test_an_accounts_copy_still_trusts_the_pinned_roots(pki: TestPki) -> None:
    """The pinned fingerprints go with the copy: a pinned root met only later (shipped,
    downloaded) is an anchor there too."""
    base = TrustStore(anchor_fingerprints=[fingerprint(pki.ca_cert)])
    scoped = base.scoped([])
    assert scoped.add(pki.ca_cert)
    chain = scoped.chain_for(pki.seal.cert)
    assert chain.anchored, chain.problem
    info = scoped.anchor_info(chain)
    assert info is not None and info.source == PINNED


# -- what a CRL says -----------------------------------------------------------------------

def _crl(pki: TestPki, revoked: list[tuple[int, datetime]] = (),  # type: ignore[assignment]
         this_update: datetime = SEALED_AT) -> x509.CertificateRevocationList:
    return x509.load_der_x509_crl(issue_crl(pki, revoked, this_update=this_update,
                                            next_update=this_update + timedelta(days=1)))


def _crl_without_next_update(pki: TestPki) -> x509.CertificateRevocationList:
    """The test CA's CRL with nextUpdate left out (optional in the syntax), signed again."""
    crl = asn1_crl.CertificateList.load(issue_crl(
        pki, [], this_update=SEALED_AT, next_update=SEALED_AT + timedelta(days=1)))
    crl["tbs_cert_list"]["next_update"] = None
    tbs = crl["tbs_cert_list"].dump(force=True)
    crl["signature"] = pki.ca_key.sign(tbs, padding.PKCS1v15(), hashes.SHA256())
    loaded = x509.load_der_x509_crl(crl.dump(force=True))
    assert loaded.next_update_utc is None and loaded.is_signature_valid(pki.ca_key.public_key())
    return loaded


def test_a_good_answer_says_until_when_the_crl_is_valid(pki: TestPki) -> None:
    cert = _seal_with_crls(pki, [_CRL_URL])
    check = CrlCache._entry(cert, _crl(pki), _CRL_URL)
    until = SEALED_AT + timedelta(days=1)
    assert check == RevocationCheck(
        GOOD, f"not listed in the CRL from {_CRL_URL} (valid until {until:%Y-%m-%d %H:%M} UTC)")


def test_a_crl_without_next_update_gives_a_good_answer_without_an_end(pki: TestPki) -> None:
    cert = _seal_with_crls(pki, [_CRL_URL])
    check = CrlCache._entry(cert, _crl_without_next_update(pki), _CRL_URL)
    assert check == RevocationCheck(GOOD, f"not listed in the CRL from {_CRL_URL}")


def test_a_revocation_without_a_reason_names_only_the_crl(pki: TestPki) -> None:
    cert = _seal_with_crls(pki, [_CRL_URL])
    revoked_at = SEALED_AT - timedelta(hours=2)
    check = CrlCache._entry(cert, _crl(pki, [(cert.serial_number, revoked_at)]), _CRL_URL)
    assert check == RevocationCheck(REVOKED, f"listed in the CRL from {_CRL_URL}", revoked_at)


def test_a_crl_that_keeps_expired_certificates_proves_an_expired_one_good(
        pki: TestPki) -> None:
    """expiredCertsOnCRL: the CA keeps the entries of expired certificates, so absence
    still proves something about a certificate that expired before the CRL."""
    cert = _seal_with_crls(pki, [_CRL_URL], not_before=SEALED_AT - timedelta(days=30), days=10)
    keeps = (x509.CertificateRevocationListBuilder().issuer_name(pki.ca_cert.subject)
             .last_update(SEALED_AT).next_update(SEALED_AT + timedelta(days=1))
             .add_extension(x509.UnrecognizedExtension(
                 EXPIRED_CERTS_ON_CRL, b"\x18\x0f20250101000000Z"), critical=False)
             .sign(pki.ca_key, hashes.SHA256()))
    assert CrlCache._entry(cert, keeps, _CRL_URL).status == GOOD
    assert CrlCache._entry(cert, _crl(pki), _CRL_URL).status == NOT_CHECKED


def test_a_certificate_ending_the_second_a_crl_is_issued_is_still_on_it(pki: TestPki) -> None:
    cert = _seal_with_crls(pki, [_CRL_URL], not_before=SEALED_AT - timedelta(days=10), days=10)
    assert cert.not_valid_after_utc == SEALED_AT
    assert CrlCache._entry(cert, _crl(pki), _CRL_URL).status == GOOD
    later = _crl(pki, this_update=SEALED_AT + timedelta(seconds=1))
    assert CrlCache._entry(cert, later, _CRL_URL).status == NOT_CHECKED


def test_why_no_crl_could_be_used_is_said_for_each_distribution_point(pki: TestPki) -> None:
    down, junk = "http://down.example.test/a.crl", "http://junk.example.test/b.crl"
    cert = _seal_with_crls(pki, [down, junk])

    def fetch(url: str) -> bytes:
        if url == down:
            raise ConnectionRefusedError(url)
        return b"not a CRL"

    check = CrlCache(fetch, None).check(cert, pki.ca_cert, SEALED_AT, SEALED_AT)
    assert check == RevocationCheck(
        NOT_CHECKED, f"CRL download from {down} failed (ConnectionRefusedError); "
        f"{junk} did not return a CRL")


_SERVED_CRL: list[bytes] = []


def _served_crl(url: str) -> bytes:  # module level: a CRL cache's fetcher is pickled
    return _SERVED_CRL[0]


def test_a_pickled_crl_cache_still_downloads_and_keeps_crls_on_disk(
        pki: TestPki, tmp_path: Path) -> None:
    """A sync's checking process gets the cache pickled: it downloads with the same fetcher
    and writes the CRLs into the same folder."""
    copy = pickle.loads(pickle.dumps(CrlCache(_served_crl, tmp_path)))  # noqa: S301 - ours
    _SERVED_CRL[:] = [issue_crl(pki, [], this_update=SEALED_AT,
                                next_update=SEALED_AT + timedelta(days=1))]
    try:
        crl, problem = copy.crl(_CRL_URL, pki.ca_cert, SEALED_AT)
    finally:
        _SERVED_CRL.clear()
    assert crl is not None and problem == ""
    assert [p.suffix for p in tmp_path.iterdir()] == [".crl"]



def test_a_crl_from_memory_or_from_disk_comes_with_no_problem_said(
        pki: TestPki, tmp_path: Path) -> None:
    """``crl`` gives a CRL and "" or no CRL and why not: the same whether the CRL was just
    downloaded, held in memory (its signature checked before, or checked now after
    pickling) or read from the disk cache."""
    _SERVED_CRL[:] = [issue_crl(pki, [], this_update=SEALED_AT,
                                next_update=SEALED_AT + timedelta(days=1))]
    try:
        downloaded = CrlCache(_served_crl, tmp_path)
        crl, problem = downloaded.crl(_CRL_URL, pki.ca_cert, SEALED_AT)
    finally:
        _SERVED_CRL.clear()
    assert crl is not None and problem == ""
    copy = pickle.loads(pickle.dumps(downloaded))  # noqa: S301 - ours
    assert copy.crl(_CRL_URL, pki.ca_cert, SEALED_AT) == (crl, "")  # signature checked now
    assert copy.crl(_CRL_URL, pki.ca_cert, SEALED_AT) == (crl, "")  # checked before
    from_disk = CrlCache(None, tmp_path)
    assert from_disk.crl(_CRL_URL, pki.ca_cert, SEALED_AT) == (crl, "")

# -- archive timestamps --------------------------------------------------------------------

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_the_nonce_of_a_request_fits_a_signed_64_bit_integer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """TSAs commonly keep the nonce as a signed 64-bit number: even the largest nonce drawn
    is below 2**63 (eight octets of DER INTEGER content)."""
    from dso_desktop.zfo import archivets

    monkeypatch.setattr(archivets.secrets, "randbits", lambda bits: (1 << bits) - 1)
    req = build_request(b"data")
    assert req.nonce == 2**63 - 1
    assert len(tsp.TimeStampReq.load(req.der)["nonce"].contents) == 8


def test_a_reply_to_another_request_is_refused_by_name(pki: TestPki) -> None:
    ours = build_request(b"data")
    other = tsp.TimeStampReq({
        "version": "v1",
        "message_imprint": tsp.MessageImprint({
            "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "hashed_message": ours.imprint}),
        "nonce": ours.nonce + 1, "cert_req": True}).dump()
    with pytest.raises(ArchiveTimestampError) as refused:
        token_from_response(timestamp_response(other, pki.tsa, NOW), ours)
    assert str(refused.value) == "the reply answers another request (nonce)"


def test_an_authority_certificate_ending_with_its_keys_limit_ends_the_evidence_as_itself(
        make_zfo: Callable[..., bytes], pki: TestPki, trust: TrustStore) -> None:
    """Where the certificate ends at the very second its key length stops being accepted,
    the evidence ends with the archive timestamp's certificate (as a renewal fixes it), not
    with the algorithm."""
    from dso_desktop.zfo.horizon import STRENGTH_112_UNTIL
    from dso_desktop.zfo.testpki import short_lived_tsa

    tsa = short_lived_tsa(pki, STRENGTH_112_UNTIL,
                          not_before=STRENGTH_112_UNTIL - timedelta(days=2200))
    assert tsa.cert.not_valid_after_utc == STRENGTH_112_UNTIL
    data = make_zfo()
    req = build_request(data)
    token = token_from_response(timestamp_response(req.der, tsa, NOW), req)
    check = verify_archive_timestamp(token, data, trust, now=NOW)
    assert check.ok and check.horizon is not None
    assert (check.horizon.expires, check.horizon.cause) == \
        (STRENGTH_112_UNTIL, EvidenceCause.ARCHIVE_TIMESTAMP)
