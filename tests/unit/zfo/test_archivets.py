"""RFC 3161 archive timestamps over a stored ZFO: request/response and verification."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from tests.unit.zfo.zfo_factory import make_zfo, pki, trust  # noqa: F401

from dso_desktop.domain import EvidenceCause
from dso_desktop.zfo.archivets import (
    build_request,
    token_from_response,
    verify_archive_timestamp,
)
from dso_desktop.zfo.errors import ArchiveTimestampError
from dso_desktop.zfo.produce import rejection_response, timestamp_response
from dso_desktop.zfo.testpki import TestPki, create_pki, short_lived_tsa
from dso_desktop.zfo.trust import TrustStore

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _stamp(data: bytes, pki: TestPki, tsa: object = None) -> bytes:
    req = build_request(data)
    reply = timestamp_response(req.der, tsa or pki.tsa, NOW)  # type: ignore[arg-type]
    return token_from_response(reply, req)


def test_round_trip_verifies_and_has_a_horizon(make_zfo: Callable[..., bytes], pki: TestPki,
                                               trust: TrustStore) -> None:
    data = make_zfo()
    token = _stamp(data, pki)
    check = verify_archive_timestamp(token, data, trust, now=NOW)
    assert check.ok, check.reasons
    assert check.time == NOW
    assert check.horizon is not None and check.horizon.expires > NOW
    assert len(check.reasons) == len(check.reasons_cs)


def test_other_bytes_fail_the_imprint(make_zfo: Callable[..., bytes], pki: TestPki,
                                      trust: TrustStore) -> None:
    data = make_zfo()
    token = _stamp(data, pki)
    changed = data[:-1] + bytes([data[-1] ^ 1])
    check = verify_archive_timestamp(token, changed, trust, now=NOW)
    assert not check.ok and "imprint" in check.reasons[0]


def test_a_tsa_outside_the_configured_anchor_is_not_trusted(
        make_zfo: Callable[..., bytes], pki: TestPki, tmp_path: object) -> None:
    data = make_zfo()
    token = _stamp(data, pki)
    other = create_pki(None)
    check = verify_archive_timestamp(token, data, TrustStore.from_paths([]), now=NOW)
    assert not check.ok and "not trusted" in check.reasons[0]
    assert other.ca_cert != pki.ca_cert


def test_a_short_lived_tsa_gives_its_end_as_horizon(make_zfo: Callable[..., bytes],
                                                    pki: TestPki, trust: TrustStore) -> None:
    data = make_zfo()
    short = short_lived_tsa(pki, NOW + timedelta(days=20))
    token = _stamp(data, pki, short)
    check = verify_archive_timestamp(token, data, trust, now=NOW)
    assert check.ok and check.horizon is not None
    assert check.horizon.cause is EvidenceCause.ARCHIVE_TIMESTAMP
    assert check.horizon.expires == short.cert.not_valid_after_utc
    later = verify_archive_timestamp(token, data, trust, now=NOW + timedelta(days=30))
    assert not later.ok


def test_a_refusal_or_foreign_answer_is_a_clear_error(make_zfo: Callable[..., bytes],
                                                      pki: TestPki) -> None:
    data = make_zfo()
    req = build_request(data)
    refused = rejection_response("busy")
    with pytest.raises(ArchiveTimestampError, match="refused"):
        token_from_response(refused, req)
    other = build_request(b"something else")
    with pytest.raises(ArchiveTimestampError, match=r"nonce|imprint"):
        token_from_response(timestamp_response(other.der, pki.tsa, NOW), req)
    with pytest.raises(ArchiveTimestampError):
        token_from_response(b"\x30\x03garbage", req)


def test_a_grant_with_modifications_is_a_grant_and_trailing_bytes_are_refused(
        make_zfo: Callable[..., bytes], pki: TestPki) -> None:
    """RFC 3161 status 1 (grantedWithMods) carries a token like status 0; a reply with
    bytes after its DER is not taken (mutation survivors of branch ``mutants2``)."""
    req = build_request(make_zfo())
    reply = timestamp_response(req.der, pki.tsa, NOW)
    granted = b"\x30\x03\x02\x01\x00"  # PKIStatusInfo { status 0 }, right after the header
    assert reply.index(granted) <= 4
    with_mods = reply.replace(granted, b"\x30\x03\x02\x01\x01", 1)
    assert token_from_response(with_mods, req) == token_from_response(reply, req)
    with pytest.raises(ArchiveTimestampError):
        token_from_response(reply + b"\x00", req)
