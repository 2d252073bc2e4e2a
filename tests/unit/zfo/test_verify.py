"""Verdicts on simulator-made ZFOs: every kind, and tampering anywhere makes them invalid."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import cms
from tests.unit.zfo.zfo_factory import make_zfo, pki, trust  # noqa: F401 - pytest fixtures

from dso_desktop.zfo.parse import parse_zfo
from dso_desktop.zfo.produce import seal
from dso_desktop.zfo.testpki import TestPki, create_pki
from dso_desktop.zfo.trust import TrustStore
from dso_desktop.zfo.verify import VerdictKind, check_with_server, verify_zfo

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_valid_with_timestamp(make_zfo: Callable[..., bytes], trust: TrustStore) -> None:
    v = verify_zfo(make_zfo(), trust, now=NOW)
    assert v.kind is VerdictKind.VALID, v.reasons
    assert v.dm_hash == "ok"
    assert v.timestamp_time is not None and v.timestamp_expires is not None
    assert v.ok and v.message_id == "4242"
    assert len(v.reasons) == len(v.reasons_cs)
    assert v.to_json()["verdict"] == "valid"


def test_expiring_when_tsa_cert_ends_soon(make_zfo: Callable[..., bytes], trust: TrustStore,
                                          pki: TestPki, monkeypatch: pytest.MonkeyPatch) -> None:
    # The test PKI's 2048-bit keys stop being accepted end of 2030 (zfo.horizon); lift
    # that limit so that the TSA certificate's own end (2035) is what is tested here.
    monkeypatch.setattr("dso_desktop.zfo.horizon.STRENGTH_112_UNTIL",
                        datetime(2099, 1, 1, tzinfo=UTC))
    end = pki.tsa.cert.not_valid_after_utc
    v = verify_zfo(make_zfo(), trust, now=end - timedelta(days=10))
    assert v.kind is VerdictKind.EXPIRING, v.reasons
    assert v.timestamp_expires == end
    v = verify_zfo(make_zfo(), trust, now=end - timedelta(days=10), expiry_warning_days=5)
    assert v.kind is VerdictKind.VALID


def test_expired_timestamp_still_proves_sealing_time(make_zfo: Callable[..., bytes],
                                                     trust: TrustStore, pki: TestPki) -> None:
    later = pki.tsa.cert.not_valid_after_utc + timedelta(days=400)
    v = verify_zfo(make_zfo(), trust, now=later)
    assert v.kind is VerdictKind.VALID_AT_SIGNING
    assert any("proves the seal was made while" in r for r in v.reasons)
    assert v.ok


def test_no_timestamp_is_valid_at_signing(make_zfo: Callable[..., bytes],
                                          trust: TrustStore) -> None:
    v = verify_zfo(make_zfo(with_tsa=False), trust, now=NOW)
    assert v.kind is VerdictKind.VALID_AT_SIGNING
    assert any("cannot be proven today" in r for r in v.reasons)
    assert v.timestamp_time is None


def test_sha1_seal_verifies(make_zfo: Callable[..., bytes], trust: TrustStore) -> None:
    assert verify_zfo(make_zfo(digest="sha1"), trust, now=NOW).kind is VerdictKind.VALID


def test_delivery_info_hash_not_recomputable(make_zfo: Callable[..., bytes],
                                             trust: TrustStore) -> None:
    z = parse_zfo(make_zfo(kind="delivery-info"))
    assert z.kind.value == "delivery-info" and len(z.events) == 1
    v = verify_zfo(z, trust, now=NOW)
    assert v.kind is VerdictKind.VALID and v.dm_hash == "not-recomputable"


def test_untrusted_with_foreign_anchor(make_zfo: Callable[..., bytes]) -> None:
    other = create_pki(None)
    v = verify_zfo(make_zfo(with_tsa=False), TrustStore.from_paths([]), now=NOW)
    assert v.kind is VerdictKind.UNTRUSTED and not v.ok
    store = TrustStore()
    store.add(other.ca_cert, explicit_anchor=True)
    assert verify_zfo(make_zfo(), store, now=NOW).kind is VerdictKind.UNTRUSTED


def test_signed_before_certificate_validity_is_invalid(make_zfo: Callable[..., bytes],
                                                       trust: TrustStore) -> None:
    early = datetime(2020, 1, 1, tzinfo=UTC)
    v = verify_zfo(make_zfo(when=early, with_tsa=False), trust, now=NOW)
    assert v.kind is VerdictKind.INVALID
    assert any("not valid at signing time" in r for r in v.reasons)
    v = verify_zfo(make_zfo(when=early), trust, now=NOW)  # the TSA was not valid either
    assert v.kind is VerdictKind.INVALID
    assert any("timestamp authority at its issue time" in r for r in v.reasons)


def test_dm_hash_mismatch_is_invalid(make_zfo: Callable[..., bytes], trust: TrustStore) -> None:
    v = verify_zfo(make_zfo(tamper_hash=True), trust, now=NOW)
    assert v.kind is VerdictKind.INVALID and v.dm_hash == "mismatch"


def _flip(data: bytes, needle: bytes, offset: int = 0) -> bytes:
    i = data.index(needle) + offset
    return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1:]


def test_tampered_content_is_invalid(make_zfo: Callable[..., bytes], trust: TrustStore) -> None:
    z = make_zfo()
    bad = _flip(z, "Úřad městyse".encode(), 5)
    v = verify_zfo(bad, trust, now=NOW)
    assert v.kind is VerdictKind.INVALID
    assert "content digest" in v.reasons[0]


def test_tampered_signature_is_invalid(make_zfo: Callable[..., bytes], trust: TrustStore) -> None:
    z = make_zfo()
    sig = cms.ContentInfo.load(z)["content"]["signer_infos"][0]["signature"].native
    v = verify_zfo(_flip(z, sig, 100), trust, now=NOW)
    assert v.kind is VerdictKind.INVALID


def test_tampered_timestamp_is_invalid(make_zfo: Callable[..., bytes], trust: TrustStore) -> None:
    z = make_zfo()
    # One bit in the TSTInfo's genTime (GeneralizedTime, only there) breaks the TSA's
    # signature while the token stays well-formed.
    v = verify_zfo(_flip(z, b"20260301120000Z", 13), trust, now=NOW)
    assert v.kind is VerdictKind.INVALID
    assert any("timestamp" in r for r in v.reasons)


def test_timestamp_for_another_signature_is_invalid(pki: TestPki, trust: TrustStore,
                                                    make_zfo: Callable[..., bytes]) -> None:
    # Graft the token of one ZFO onto another (same seal, different content).
    a = cms.ContentInfo.load(make_zfo(subject="A"))
    b = cms.ContentInfo.load(make_zfo(subject="B"))
    b_si = b["content"]["signer_infos"][0]
    b_si["unsigned_attrs"] = a["content"]["signer_infos"][0]["unsigned_attrs"].copy()
    b["content"]["signer_infos"][0] = b_si
    v = verify_zfo(b.dump(), trust, now=NOW)
    assert v.kind is VerdictKind.INVALID
    assert any("imprint" in r for r in v.reasons)


def test_not_a_zfo_is_invalid_verdict(trust: TrustStore) -> None:
    v = verify_zfo(b"%PDF-1.7 not a zfo", trust, now=NOW)
    assert v.kind is VerdictKind.INVALID and v.reasons_cs


def test_trust_chain_result_is_cached(make_zfo: Callable[..., bytes], pki: TestPki) -> None:
    store = TrustStore.from_paths([pki.ca_file])
    calls = 0
    real = store._build

    def counting(leaf, purpose):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        return real(leaf, purpose)

    store._build = counting  # type: ignore[method-assign]
    for _ in range(3):
        verify_zfo(make_zfo(), store, now=NOW)
    assert calls == 2  # once for the seal, once for the TSA


def test_server_check_hook() -> None:
    seen: list[bytes] = []

    def authenticate(data: bytes) -> bool:
        seen.append(data)
        return data == b"good"

    assert check_with_server(b"good", authenticate) is True
    assert check_with_server(b"bad", authenticate) is False
    assert seen == [b"good", b"bad"]


def test_seal_requires_bytes(pki: TestPki) -> None:
    with pytest.raises(TypeError):
        seal("text", pki.seal, None, NOW)  # type: ignore[arg-type]
