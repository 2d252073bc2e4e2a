"""The sealing side: CMS structure, timestamp token, persistence, and OpenSSL's opinion."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import hashlib
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from asn1crypto import cms, tsp
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID
from tests.unit.zfo.zfo_factory import pki  # noqa: F401 - pytest fixtures

from dso_desktop.zfo.produce import make_timestamp_token, seal
from dso_desktop.zfo.testpki import TestPki, create_pki

WHEN = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
XML = b'<q:MessageDownloadResponse xmlns:q="http://isds.czechpoint.cz/v20/message"/>'


def test_structure_matches_isds(pki: TestPki) -> None:
    der = seal(XML, pki.seal, pki.tsa, WHEN)
    info = cms.ContentInfo.load(der)
    assert info["content_type"].native == "signed_data"
    sd = info["content"]
    assert sd["encap_content_info"]["content_type"].native == "data"
    assert sd["encap_content_info"]["content"].native == XML
    assert len(sd["certificates"]) == 1  # only the seal certificate, like real ZFOs
    si = sd["signer_infos"][0]
    attrs = {a["type"].native: a["values"][0] for a in si["signed_attrs"]}
    assert attrs["content_type"].native == "data"
    assert attrs["signing_time"].native == WHEN
    assert attrs["message_digest"].native == hashlib.sha256(XML).digest()
    assert "signing_certificate_v2" in attrs
    token = si["unsigned_attrs"][0]["values"][0]
    assert si["unsigned_attrs"][0]["type"].dotted == "1.2.840.113549.1.9.16.2.14"
    tst = token["content"]["encap_content_info"]["content"].parsed
    assert isinstance(tst, tsp.TSTInfo)
    assert tst["message_imprint"]["hashed_message"].native == hashlib.sha256(
        si["signature"].native).digest()
    assert tst["gen_time"].native == WHEN


def test_the_seal_is_the_der_asn1crypto_writes_around_its_signed_data(pki: TestPki) -> None:
    # seal wraps the SignedData's DER in its ContentInfo by hand; the bytes are those of
    # asn1crypto's ContentInfo around the same SignedData (short and long DER lengths).
    for xml in (XML, XML + b"<!--" + b"x" * 70_000 + b"-->"):
        der = seal(xml, pki.seal, pki.tsa, WHEN)
        inner = cms.ContentInfo.load(der)["content"].untag().dump()
        assert der == cms.ContentInfo({"content_type": "signed_data",
                                       "content": cms.SignedData.load(inner)}).dump()
        assert der.startswith(b"\x30\x83" if len(der) > 0xFFFF else b"\x30\x82")


def test_a_seal_certificate_naming_a_crl_url_seals_a_message_with_its_timestamps(
        pki: TestPki) -> None:
    # With this seal certificate and a message carrying its dmQTimestamp, asn1crypto's own
    # ContentInfo dump took 8-25 s of CPU (a test suite hang); the seal is read back whole.
    from datetime import timedelta

    from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml

    from dso_desktop.zfo.testpki import issue_leaf

    identity = issue_leaf(pki, crl_url="http://crl.example.test/ca.crl")
    xml = message_xml(pki)
    der = seal(xml, identity, pki.tsa, SEALED_AT,  # type: ignore[arg-type]
               timestamp_time=SEALED_AT + timedelta(hours=2))
    sd = cms.ContentInfo.load(der)["content"]
    assert sd["encap_content_info"]["content"].native == xml
    assert sd["certificates"][0].chosen.dump() == identity.cert.public_bytes(Encoding.DER)
    assert sd["signer_infos"][0]["unsigned_attrs"][0]["type"].dotted == \
        "1.2.840.113549.1.9.16.2.14"


def test_no_tsa_means_no_unsigned_attrs(pki: TestPki) -> None:
    si = cms.ContentInfo.load(seal(XML, pki.seal, None, WHEN))["content"]["signer_infos"][0]
    assert not si["unsigned_attrs"]


def test_naive_time_refused(pki: TestPki) -> None:
    with pytest.raises(ValueError):
        seal(XML, pki.seal, None, datetime(2026, 1, 1))


def test_tsa_cert_has_critical_timestamping_eku(pki: TestPki) -> None:
    from cryptography import x509

    eku = pki.tsa.cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and ExtendedKeyUsageOID.TIME_STAMPING in eku.value
    bc = pki.ca_cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.value.ca


def test_persisted_pki_is_reloaded(tmp_path: Path, pki: TestPki) -> None:
    assert pki.directory is not None
    again = create_pki(pki.directory)
    assert again.ca_cert == pki.ca_cert and again.seal.cert == pki.seal.cert
    assert (pki.directory / "ca.key.pem").stat().st_mode & 0o077 == 0
    with pytest.raises(ValueError):
        _ = TestPki(pki.ca_cert, pki.ca_key, pki.seal, pki.tsa).ca_file  # in memory only


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl binary not installed")
def test_openssl_accepts_seal_and_token(tmp_path: Path, pki: TestPki) -> None:
    for digest in ("sha256", "sha1"):
        f = tmp_path / f"m-{digest}.zfo"
        f.write_bytes(seal(XML, pki.seal, pki.tsa, datetime.now(UTC), digest=digest))
        out = subprocess.run(
            ["openssl", "cms", "-verify", "-inform", "DER", "-in", str(f),
             "-CAfile", str(pki.ca_file)], capture_output=True, check=False)
        assert out.returncode == 0, out.stderr
        assert out.stdout == XML
    info = cms.ContentInfo.load(f.read_bytes())
    si = info["content"]["signer_infos"][0]
    (tmp_path / "sig.bin").write_bytes(si["signature"].native)
    (tmp_path / "tok.der").write_bytes(si["unsigned_attrs"][0]["values"][0].dump())
    out = subprocess.run(
        ["openssl", "ts", "-verify", "-token_in", "-in", str(tmp_path / "tok.der"),
         "-data", str(tmp_path / "sig.bin"), "-CAfile", str(pki.ca_file)],
        capture_output=True, check=False)
    assert out.returncode == 0, out.stderr + out.stdout
    assert b"Verification: OK" in out.stdout


def test_make_timestamp_token_imprint(pki: TestPki) -> None:
    token = make_timestamp_token(b"abc", pki.tsa, WHEN, serial=7, nonce=42)
    tst = token["content"]["encap_content_info"]["content"].parsed
    assert tst["serial_number"].native == 7
    assert tst["nonce"].native == 42
    assert tst["message_imprint"]["hashed_message"].native == hashlib.sha256(b"abc").digest()
