"""What an archive timestamp check says, word for word, and which time it keeps; which
certificates may sign an archive timestamp; how a refusal or an answer about other data
reads (mutation survivors of branch ``mutsurv``: the reasons, the time kept on a refusal
and the TSA's name were checked by no test, nor was the time-stamping EKU of the signer)."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import algos, core, tsp
from tests.unit.zfo.zfo_factory import make_zfo, pki, trust  # noqa: F401

from dso_desktop.domain import EvidenceCause
from dso_desktop.zfo.archivets import (
    TimestampRequest,
    build_request,
    token_from_response,
    verify_archive_timestamp,
)
from dso_desktop.zfo.errors import ArchiveTimestampError
from dso_desktop.zfo.produce import TsaIdentity, timestamp_response
from dso_desktop.zfo.testpki import TestPki, short_lived_tsa
from dso_desktop.zfo.trust import TrustStore, _cn

NOW = datetime(2026, 6, 1, tzinfo=UTC)
STAMP = "2026-06-01 00:00 UTC"


def _stamp(data: bytes, tsa: TsaIdentity) -> bytes:
    req = build_request(data)
    return token_from_response(timestamp_response(req.der, tsa, NOW), req)


def test_a_good_archive_timestamp_names_its_authority_and_its_end(
        make_zfo: Callable[..., bytes], pki: TestPki, trust: TrustStore) -> None:
    data = make_zfo()
    check = verify_archive_timestamp(_stamp(data, pki.tsa), data, trust, now=NOW)
    name = _cn(pki.tsa.cert)
    assert check.ok and check.time == NOW and check.tsa_name == name
    assert check.horizon is not None
    ends = check.horizon.expires
    assert check.reasons == (f"archive timestamp of {STAMP} by '{name}' covers exactly these "
                             f"bytes; valid until {ends:%Y-%m-%d}",)
    assert check.reasons_cs == (f"Archivní časové razítko z {STAMP} („{name}“) pokrývá přesně "
                                f"tato data; platí do {ends:%d. %m. %Y}.",)


def test_an_archive_timestamp_no_longer_verifiable_keeps_its_time_and_authority(
        make_zfo: Callable[..., bytes], pki: TestPki, trust: TrustStore) -> None:
    data = make_zfo()
    short = short_lived_tsa(pki, NOW + timedelta(days=20))
    later = verify_archive_timestamp(_stamp(data, short), data, trust,
                                     now=NOW + timedelta(days=30))
    assert not later.ok and later.time == NOW and later.tsa_name == _cn(short.cert)
    assert later.horizon is not None
    assert later.horizon.expires == short.cert.not_valid_after_utc
    assert later.horizon.cause is EvidenceCause.ARCHIVE_TIMESTAMP
    assert later.reasons[0].startswith(
        f"the archive timestamp of {STAMP} can no longer be verified: ")
    assert later.reasons_cs == (f"Archivní časové razítko z {STAMP} již nelze ověřit.",)


def test_an_archive_timestamp_over_other_bytes_says_so_and_keeps_its_time(
        make_zfo: Callable[..., bytes], pki: TestPki, trust: TrustStore) -> None:
    data = make_zfo()
    check = verify_archive_timestamp(_stamp(data, pki.tsa), data + b"\x00", trust, now=NOW)
    assert not check.ok and check.time == NOW and check.horizon is None
    assert check.reasons == ("the archive timestamp is over other data (imprint mismatch)",)
    assert check.reasons_cs == ("Archivní časové razítko patří k jiným datům.",)


def test_an_untrusted_authority_is_named_and_the_time_kept(
        make_zfo: Callable[..., bytes], pki: TestPki) -> None:
    data = make_zfo()
    check = verify_archive_timestamp(_stamp(data, pki.tsa), data, TrustStore.from_paths([]),
                                     now=NOW)
    name = _cn(pki.tsa.cert)
    assert not check.ok and check.time == NOW and check.horizon is None
    assert check.reasons[0].startswith(f"the time-stamping authority '{name}' is not trusted: ")
    assert check.reasons_cs == (f"Autorita časových razítek „{name}“ není důvěryhodná.",)


def test_only_a_time_stamping_certificate_may_sign_an_archive_timestamp(
        make_zfo: Callable[..., bytes], pki: TestPki, trust: TrustStore) -> None:
    # The seal's certificate chains to the same anchor but has no timeStamping EKU.
    data = make_zfo()
    not_a_tsa = TsaIdentity(pki.seal.cert, pki.seal.key, pki.seal.chain)
    check = verify_archive_timestamp(_stamp(data, not_a_tsa), data, trust, now=NOW)
    assert not check.ok and check.time == NOW
    assert "is not a time-stamping certificate" in check.reasons[0]


def test_a_zfo_is_not_an_archive_timestamp(make_zfo: Callable[..., bytes],
                                           trust: TrustStore) -> None:
    data = make_zfo()
    check = verify_archive_timestamp(data, data, trust, now=NOW)  # signed, but no TSTInfo
    assert not check.ok and check.time is None
    assert check.reasons == ("not a timestamp token",)
    assert check.reasons_cs == ("Nejde o časové razítko.",)


def test_a_refusal_without_text_reads_plainly() -> None:
    status = tsp.PKIStatusInfo({"status": "rejection"}).dump()
    reply = core.Sequence.load(b"\x30" + bytes([len(status)]) + status).dump()
    with pytest.raises(ArchiveTimestampError) as refused:
        token_from_response(reply, build_request(b"data"))
    assert str(refused.value) == "the time-stamping authority refused: rejection"


def test_an_answer_with_our_nonce_over_other_data_is_refused_as_such(pki: TestPki) -> None:
    req = build_request(b"our data")
    other = tsp.TimeStampReq({  # the same nonce, another imprint
        "version": "v1",
        "message_imprint": tsp.MessageImprint({
            "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "hashed_message": b"\x11" * 32}),
        "nonce": req.nonce, "cert_req": True}).dump()
    reply = timestamp_response(other, pki.tsa, NOW)
    with pytest.raises(ArchiveTimestampError) as refused:
        token_from_response(reply, req)
    assert str(refused.value) == "the timestamp is over other data (imprint)"
    same = TimestampRequest(other, req.nonce, b"\x11" * 32)
    assert token_from_response(reply, same)  # the same reply answers its own request


# Survivors of seed 20261208 (branch ``survrest``): the certificate asked of the TSA, the
# size bound of a reply, the Czech texts of a refusal and of a broken signature, and the
# time a broken signature keeps.

def test_the_request_asks_the_authority_for_its_certificate() -> None:
    # Without its certificate in the token, the archive timestamp cannot be verified on
    # its own years later (verify_archive_timestamp finds the signer inside the token).
    req = build_request(b"data")
    parsed = tsp.TimeStampReq.load(req.der)
    assert parsed["cert_req"].native is True
    assert parsed["nonce"].native == req.nonce
    assert parsed["message_imprint"]["hashed_message"].native == req.imprint


def test_a_reply_of_exactly_the_size_bound_is_read() -> None:
    from dso_desktop.zfo.archivets import MAX_REPLY_BYTES

    req = build_request(b"data")
    with pytest.raises(ArchiveTimestampError) as at_bound:
        token_from_response(b"\x00" * MAX_REPLY_BYTES, req)
    assert str(at_bound.value).startswith("not a timestamp reply: ")  # read, not refused
    with pytest.raises(ArchiveTimestampError) as over:
        token_from_response(b"\x00" * (MAX_REPLY_BYTES + 1), req)
    assert str(over.value) == "the reply is too large"


def test_a_refusal_and_a_non_answer_tell_the_clerk_in_czech() -> None:
    status = tsp.PKIStatusInfo({"status": "rejection"}).dump()
    reply = core.Sequence.load(b"\x30" + bytes([len(status)]) + status).dump()
    with pytest.raises(ArchiveTimestampError) as refused:
        token_from_response(reply, build_request(b"data"))
    assert refused.value.message_cs == "Autorita časových razítek žádost odmítla."
    with pytest.raises(ArchiveTimestampError) as garbage:
        token_from_response(b"\x30\x00", build_request(b"data"))  # an empty SEQUENCE
    assert str(garbage.value).startswith("not a timestamp reply: ")
    assert garbage.value.message_cs == "Odpověď autority není časové razítko."


def test_a_broken_authority_signature_says_so_and_keeps_its_time(
        make_zfo: Callable[..., bytes], pki: TestPki, trust: TrustStore) -> None:
    from asn1crypto import cms

    data = make_zfo()
    token = cms.ContentInfo.load(_stamp(data, pki.tsa))
    signer = token["content"]["signer_infos"][0]
    sig = bytearray(signer["signature"].native)
    sig[-1] ^= 0x01
    signer["signature"] = bytes(sig)
    check = verify_archive_timestamp(token.dump(force=True), data, trust, now=NOW)
    assert not check.ok and check.time == NOW and check.horizon is None
    assert check.reasons[0].startswith("archive timestamp signature: ")
    assert check.reasons_cs == ("Podpis archivního časového razítka neplatí.",)


# Survivors of seed 20261210 (branch ``survrest3``).

def test_a_refusal_with_text_gives_the_authoritys_words() -> None:
    status = tsp.PKIStatusInfo({"status": "rejection",
                                "status_string": ["unknown policy", "try later"]}).dump()
    reply = core.Sequence.load(b"\x30" + bytes([len(status)]) + status).dump()
    with pytest.raises(ArchiveTimestampError) as refused:
        token_from_response(reply, build_request(b"data"))
    assert str(refused.value) == (
        "the time-stamping authority refused: rejection (unknown policy; try later)")


def test_an_authority_certificate_issued_after_the_stamp_is_refused(
        make_zfo: Callable[..., bytes], pki: TestPki, trust: TrustStore) -> None:
    data = make_zfo()
    later_cert = short_lived_tsa(pki, NOW + timedelta(days=40),
                                 not_before=NOW + timedelta(days=1))
    check = verify_archive_timestamp(_stamp(data, later_cert), data, trust,
                                     now=NOW + timedelta(days=2))
    assert not check.ok and check.time == NOW
    assert check.reasons[0].startswith(
        "the TSA certificate was not valid at the timestamp time: ")
    assert check.reasons_cs == ("Certifikát autority nebyl v čase razítka platný.",)


# Survivors of seed 20261211 (branch ``survzfo4``).


def test_a_grant_without_a_token_is_refused_by_name() -> None:
    status = tsp.PKIStatusInfo({"status": "granted"}).dump()
    reply = core.Sequence.load(b"\x30" + bytes([len(status)]) + status).dump()
    with pytest.raises(ArchiveTimestampError) as refused:
        token_from_response(reply, build_request(b"data"))
    assert str(refused.value) == "the reply carries no timestamp token"


def test_an_unreadable_archive_timestamp_says_so_in_czech_too(
        make_zfo: Callable[..., bytes], trust: TrustStore) -> None:
    check = verify_archive_timestamp(b"not DER at all", make_zfo(), trust, now=NOW)
    assert not check.ok and check.time is None
    assert check.reasons[0].startswith("unreadable archive timestamp: ")
    assert check.reasons_cs == ("Archivní časové razítko je nečitelné.",)


def test_an_archive_timestamp_is_checked_at_the_current_time_by_default(
        make_zfo: Callable[..., bytes], pki: TestPki, trust: TrustStore) -> None:
    """Without ``now`` the check runs at the current (aware, UTC) time: it compares with
    the certificates' times and gives a result (whether still verifiable depends on the
    day the test runs)."""
    data = make_zfo()
    check = verify_archive_timestamp(_stamp(data, pki.tsa), data, trust)
    assert check.time == NOW and check.tsa_name == _cn(pki.tsa.cert)
    assert check.horizon is not None and check.ok == (datetime.now(UTC) <= check.horizon.expires)


def test_a_2048_bit_authority_key_ends_the_archive_evidence_at_its_limit(
        make_zfo: Callable[..., bytes], pki: TestPki, trust: TrustStore) -> None:
    """RSA-2048 is accepted until the end of 2030 (112-bit strength): an archive
    timestamp by such a key proves nothing after that, whatever its certificate says."""
    from dso_desktop.zfo.horizon import STRENGTH_112_UNTIL

    data = make_zfo()
    assert pki.tsa.cert.public_key().key_size == 2048  # type: ignore[union-attr]
    chain = trust.chain_for(pki.tsa.cert, purpose="tsa")
    assert chain.expires > STRENGTH_112_UNTIL  # the certificates outlive the key's limit
    check = verify_archive_timestamp(_stamp(data, pki.tsa), data, trust, now=NOW)
    assert check.ok and check.horizon is not None
    assert (check.horizon.expires, check.horizon.cause) == \
        (STRENGTH_112_UNTIL, EvidenceCause.ALGORITHM)
