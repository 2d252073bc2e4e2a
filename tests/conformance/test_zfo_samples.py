"""The nine real ISDS ZFOs: parsing, signatures, PostSignum chains, timestamps, tampering."""

from __future__ import annotations

import base64
import hashlib
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree
from tests.conftest import TRUST_DIR, ZFO_SAMPLES, require_shared

from dso_desktop.zfo.errors import ZfoError
from dso_desktop.zfo.model import ZfoKind
from dso_desktop.zfo.parse import parse_zfo
from dso_desktop.zfo.trust import POSTSIGNUM_ROOTS, TrustStore, fingerprint, load_certificates
from dso_desktop.zfo.verify import VerdictKind, verify_zfo

pytestmark = pytest.mark.conformance

# Facts from ../shared/isds-spec/SOURCES.md: kind, message status, timestamp token present,
# CMS digest, signing time.
SAMPLES = {
    "received_message-330141.zfo": ("received", 6, False, "sha256", "2010-04-18 21:06:27"),
    "signed_sent_message-151874.zfo": ("sent", 7, False, "sha1", "2010-01-12 11:19:53"),
    "signed_sent_xml_message-376701.zfo": ("sent", 4, False, "sha256", "2010-06-28 18:52:39"),
    "signed_delivered-DD_170272.zfo": ("delivery-info", 7, False, "sha1",
                                       "2009-11-18 14:48:53"),
    "DZ_6452235.zfo": ("sent", 4, True, "sha256", "2018-04-25 15:28:00"),
    "DD_6452235.zfo": ("delivery-info", 4, False, "sha256", "2018-04-25 15:28:00"),
    "DDZ_3401761.zfo": ("received", 6, True, "sha256", "2015-03-02 11:03:08"),
    "datova-zprava.zfo": ("sent", 7, True, "sha256", "2015-06-29 11:10:06"),
    "ODZ_with_xml_attachment.zfo": ("sent", 4, True, "sha256", "2014-03-13 16:14:09"),
}
# The AIA "download" is served from ../shared/isds-spec/trust: URL file name -> our file.
AIA_FILES = {
    "psrootqca.crt": "postsignum-root-qca.pem",
    "psrootqca2.crt": "postsignum-root-qca-2.pem",
    "psrootqca4.crt": "postsignum-root-qca-4.pem",
    "psqualifiedca.crt": "postsignum-qualified-ca.pem",
    "psqualifiedca2.crt": "postsignum-qualified-ca-2.pem",
    "psqualifiedca3.crt": "postsignum-qualified-ca-3.pem",
    "psqualifiedca4.crt": "postsignum-qualified-ca-4.pem",
}
DM = "{http://isds.czechpoint.cz/v20}"


def _sample(name: str) -> bytes:
    require_shared(ZFO_SAMPLES)
    return (ZFO_SAMPLES / name).read_bytes()


def _fetcher(log: list[str]) -> object:
    def fetch(url: str) -> bytes:
        log.append(url)
        name = AIA_FILES.get(url.rsplit("/", 1)[-1])
        if name is None:
            raise OSError(f"no such file in the test 'download': {url}")
        return (TRUST_DIR / name).read_bytes()
    return fetch


@pytest.fixture(scope="module")
def postsignum(tmp_path_factory: pytest.TempPathFactory) -> TrustStore:
    require_shared(TRUST_DIR)
    log: list[str] = []
    return TrustStore.default(tmp_path_factory.mktemp("cache"), fetcher=_fetcher(log),
                              os_bundles=(), shipped=False)


def test_shipped_fingerprints_match_the_official_roots() -> None:
    require_shared(TRUST_DIR)
    roots = {}
    for f in sorted(TRUST_DIR.glob("*.pem")):
        cert = load_certificates(f.read_bytes())[0]
        if cert.subject == cert.issuer:
            roots[fingerprint(cert)] = f.name
    assert set(roots) == set(POSTSIGNUM_ROOTS)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_parses_like_its_xml(name: str) -> None:
    data = _sample(name)
    kind, status, has_tst, digest, signed_at = SAMPLES[name]
    z = parse_zfo(data)
    assert z.kind == ZfoKind(kind)
    assert z.digest_algorithm == digest
    assert (z.timestamp is not None) == has_tst
    assert z.signing_time == datetime.fromisoformat(signed_at).replace(tzinfo=UTC)
    assert z.signer is not None and "datových schránek" in (z.signer.common_name or "")
    # Independent reading of the same XML with plain lxml.
    root = etree.fromstring(z.content_xml, etree.XMLParser(resolve_entities=False,
                                                            no_network=True))
    dm = root.find(f".//{DM}dmDm")
    e = z.envelope

    def text(tag: str) -> str | None:
        el = dm.find(f"{DM}{tag}")
        if el is None or el.get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true":
            return None
        return el.text or ""

    assert e.message_id == text("dmID")
    assert e.sender_box_id == text("dbIDSender") and e.recipient_box_id == text("dbIDRecipient")
    assert e.sender_name == text("dmSender") and e.recipient_name == text("dmRecipient")
    assert e.sender_address == text("dmSenderAddress")
    assert e.subject == text("dmAnnotation")
    assert e.our_ref == text("dmSenderRefNumber") and e.our_file_mark == text("dmSenderIdent")
    assert str(e.sender_type) == text("dmSenderType")
    assert e.status == status
    files = dm.findall(f"{DM}dmFiles/{DM}dmFile")
    assert [a.name for a in z.attachments] == [f.get("dmFileDescr") for f in files]
    for att, f in zip(z.attachments, files, strict=True):
        enc = f.find(f"{DM}dmEncodedContent")
        if enc is not None:
            assert att.content() == base64.b64decode(enc.text or "")
        assert att.size == len(att.content())
    if kind == "delivery-info":
        assert z.events and all(ev.code for ev in z.events)
        assert not z.attachments
    # dmHash: hash of the raw dmDm bytes for messages; dmQTimestamp imprint is dmHash.
    assert z.dm_hash is not None
    if kind != "delivery-info":
        assert z.dm_dm_bytes is not None
        alg = "sha1" if z.dm_hash_algorithm == "SHA-1" else "sha256"
        assert hashlib.new(alg, z.dm_dm_bytes).digest() == z.dm_hash


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_verdict_with_postsignum_download(name: str, postsignum: TrustStore) -> None:
    v = verify_zfo(_sample(name), postsignum)
    # Every certificate has expired by now; what remains is proof of the sealing time.
    assert v.kind is VerdictKind.VALID_AT_SIGNING, v.reasons
    assert v.ok
    assert v.dm_hash == ("not-recomputable" if "DD" in name and "DDZ" not in name else "ok")
    if SAMPLES[name][2]:
        assert v.timestamp_time is not None and v.timestamp_expires is not None
        assert any("timestamp" in r and "proves the seal was made while" in r
                   for r in v.reasons)
    else:
        assert v.timestamp_time is None
        assert any("cannot be proven today" in r for r in v.reasons)


def test_sample_verdicts_at_signing_time_are_valid(postsignum: TrustStore) -> None:
    """Checked as on the day they were sealed, the timestamped samples are fully valid."""
    for name, (_k, _s, has_tst, _d, signed_at) in SAMPLES.items():
        when = datetime.fromisoformat(signed_at).replace(tzinfo=UTC)
        v = verify_zfo(_sample(name), postsignum, now=when, expiry_warning_days=0)
        expected = VerdictKind.VALID if has_tst else VerdictKind.VALID_AT_SIGNING
        assert v.kind is expected, (name, v.reasons)


def test_downloads_are_cached_and_reused(tmp_path: Path) -> None:
    require_shared(TRUST_DIR)
    log: list[str] = []
    store = TrustStore.default(tmp_path, fetcher=_fetcher(log), os_bundles=(), shipped=False)
    assert verify_zfo(_sample("DZ_6452235.zfo"), store).kind is VerdictKind.VALID_AT_SIGNING
    assert log and all(u.startswith("http") for u in log)
    assert len(list((tmp_path / "trust").glob("*.der"))) >= 3
    again = TrustStore.default(tmp_path, allow_download=False, os_bundles=(), shipped=False)
    assert verify_zfo(_sample("DZ_6452235.zfo"), again).kind is VerdictKind.VALID_AT_SIGNING


def test_without_intermediates_the_chain_is_untrusted() -> None:
    require_shared(TRUST_DIR)
    store = TrustStore.from_paths([TRUST_DIR / "postsignum-root-qca-2.pem"])
    assert verify_zfo(_sample("DD_6452235.zfo"), store).kind is VerdictKind.UNTRUSTED


def test_root_with_wrong_fingerprint_is_refused(tmp_path: Path) -> None:
    """A 'download' that returns another self-signed root is not accepted as anchor."""
    require_shared(TRUST_DIR)
    from dso_desktop.zfo.testpki import create_pki

    fake_root = create_pki(None).ca_pem()

    def fetch(url: str) -> bytes:
        if "root" in url:
            return fake_root
        return (TRUST_DIR / AIA_FILES[url.rsplit("/", 1)[-1]]).read_bytes()

    store = TrustStore.default(tmp_path, fetcher=fetch, os_bundles=(), shipped=False)
    assert verify_zfo(_sample("DD_6452235.zfo"), store).kind is VerdictKind.UNTRUSTED


def test_os_bundle_supplies_roots_by_fingerprint(tmp_path: Path) -> None:
    require_shared(TRUST_DIR)
    bundle = tmp_path / "ca-certificates.crt"
    bundle.write_bytes((TRUST_DIR / "postsignum-root-qca-2.pem").read_bytes())
    store = TrustStore.default(None, extra=[TRUST_DIR / "postsignum-qualified-ca-2.pem"],
                               allow_download=False, os_bundles=[bundle], shipped=False)
    assert verify_zfo(_sample("DD_6452235.zfo"), store).kind is VerdictKind.VALID_AT_SIGNING


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1:]


def test_tampering_with_a_real_sample(postsignum: TrustStore) -> None:
    data = _sample("DZ_6452235.zfo")
    z = parse_zfo(data)
    # Content: a letter in the sender's name.
    i = data.index(b"Barbucha")
    assert verify_zfo(_flip(data, i + 2), postsignum).kind is VerdictKind.INVALID
    # Signature value (last bytes of the SignerInfo signature).
    from asn1crypto import cms

    si = cms.ContentInfo.load(data)["content"]["signer_infos"][0]
    sig = si["signature"].native
    j = data.index(sig)
    assert verify_zfo(_flip(data, j + 50), postsignum).kind is VerdictKind.INVALID
    # Timestamp: its genTime inside the TSTInfo.
    assert z.timestamp is not None
    token = z.timestamp.der
    k = data.index(token) + token.index(b"20180425152800")
    v = verify_zfo(_flip(data, k + 12), postsignum)
    assert v.kind is VerdictKind.INVALID and any("timestamp" in r for r in v.reasons)


def test_openssl_agrees_on_the_signatures(tmp_path: Path) -> None:
    """Cross-check with OpenSSL: the content we parse is what the CMS signs."""
    require_shared(ZFO_SAMPLES)
    for name in sorted(SAMPLES):
        out = subprocess.run(
            ["openssl", "cms", "-verify", "-noverify", "-inform", "DER",
             "-in", str(ZFO_SAMPLES / name)], capture_output=True, check=False)
        if out.returncode != 0:
            pytest.skip("openssl cannot verify here (SHA-1 policy?)")
        assert out.stdout == parse_zfo(_sample(name)).content_xml


def test_truncated_sample_is_a_typed_error() -> None:
    data = _sample("DDZ_3401761.zfo")
    for cut in (1, 10, 100, len(data) // 2, len(data) - 1):
        with pytest.raises(ZfoError):
            parse_zfo(data[:cut])
