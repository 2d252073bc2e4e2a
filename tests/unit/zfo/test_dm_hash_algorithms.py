"""dmHash under every algorithm name ISDS uses, and the dmQTimestamp over it.

The verifier maps the XML's algorithm name (``SHA-1``, ``SHA-256``, ... with or without the
dash, any case, surrounding blanks) to a hash and recomputes it over the exact dmDm bytes.
A name dropped from the map or mapped to the wrong hash would turn a good message into
"not recomputable" or "mismatch"; a wrong digest under any name must be a mismatch.
Written against survivors of a mutmut run over ``zfo/verify.py`` (docs/testing.md).
"""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime

import pytest
from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml, pki, trust  # noqa: F401

from dso_desktop.domain import HashCheck
from dso_desktop.zfo.parse import parse_zfo
from dso_desktop.zfo.produce import q_timestamp, seal
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore
from dso_desktop.zfo.verify import VerdictKind, verify_zfo

NOW = datetime(2026, 6, 1, tzinfo=UTC)
_DM = re.compile(rb'<p:dmDm xmlns:p="http://isds.czechpoint.cz/v20">.*?</p:dmDm>', re.S)


def _with_hash(pki: TestPki, name: str, digest: str, *, corrupt: bool = False,
               q_ts: bytes | None = None) -> bytes:
    """The test message with dmHash under ``name``, computed with ``digest``."""
    xml = message_xml(pki)
    m = _DM.search(xml)
    assert m is not None
    h = hashlib.new(digest, m.group(0)).digest()
    if corrupt:
        h = bytes([h[0] ^ 1]) + h[1:]
    if q_ts is None and len(h) in (20, 32, 64):
        q_ts = q_timestamp(h, pki.tsa, SEALED_AT)
    xml = re.sub(rb'<q:dmHash algorithm="SHA-256">[^<]*</q:dmHash>',
                 f'<q:dmHash algorithm="{name}">{base64.b64encode(h).decode()}'
                 "</q:dmHash>".encode(), xml)
    qts = b"" if q_ts is None else (b"<q:dmQTimestamp>" + base64.b64encode(q_ts)
                                    + b"</q:dmQTimestamp>")
    xml = re.sub(rb"<q:dmQTimestamp>[^<]*</q:dmQTimestamp>", qts, xml)
    return seal(xml, pki.seal, pki.tsa, SEALED_AT)


@pytest.mark.parametrize(("name", "digest"), [
    ("SHA-1", "sha1"), ("SHA1", "sha1"), ("SHA-256", "sha256"), ("SHA256", "sha256"),
    ("SHA-384", "sha384"), ("SHA-512", "sha512"), (" sha-512 ", "sha512"), ("sha-1", "sha1"),
])
def test_every_algorithm_name_is_recomputed(pki: TestPki, trust: TrustStore, name: str,
                                            digest: str) -> None:
    v = verify_zfo(_with_hash(pki, name, digest), trust, now=NOW)
    assert v.dm_hash is HashCheck.OK, v.reasons
    assert v.kind is VerdictKind.VALID
    assert "dmHash matches the message content" in v.reasons
    bad = verify_zfo(_with_hash(pki, name, digest, corrupt=True), trust, now=NOW)
    assert bad.kind is VerdictKind.INVALID and bad.dm_hash is HashCheck.MISMATCH


@pytest.mark.parametrize(("name", "digest"), [("SHA-1", "sha256"), ("SHA-256", "sha512"),
                                              ("SHA-512", "sha256")])
def test_a_hash_made_with_another_algorithm_than_named_is_a_mismatch(
        pki: TestPki, trust: TrustStore, name: str, digest: str) -> None:
    v = verify_zfo(_with_hash(pki, name, digest), trust, now=NOW)
    assert v.kind is VerdictKind.INVALID and v.dm_hash is HashCheck.MISMATCH


def test_an_unknown_algorithm_is_not_recomputable(pki: TestPki, trust: TrustStore) -> None:
    v = verify_zfo(_with_hash(pki, "MD5", "md5"), trust, now=NOW)
    assert v.dm_hash is HashCheck.NOT_RECOMPUTABLE
    assert v.kind is not VerdictKind.INVALID  # the seal itself is intact and anchored
    # Said as it is: a message, not a delivery info without its attachments.
    assert ("dmHash not recomputable: its algorithm 'MD5' is not known (the seal covers "
            "the content)") in v.reasons
    assert not any("delivery info" in reason for reason in v.reasons)
    assert "Otisk zprávy (dmHash) nelze přepočítat: algoritmus „MD5“ není znám (obsah " \
           "chrání pečeť)." in v.reasons_cs


def test_a_missing_dm_qtimestamp_is_absent_not_a_failure(pki: TestPki,
                                                         trust: TrustStore) -> None:
    data = _with_hash(pki, "SHA-384", "sha384")  # no token: the producer makes none for it
    assert parse_zfo(data).q_timestamp is None
    v = verify_zfo(data, trust, now=NOW)
    assert v.kind is VerdictKind.VALID and v.dm_hash is HashCheck.OK


def test_a_dm_qtimestamp_over_a_parsed_zfo_is_checked_the_same(pki: TestPki,
                                                              trust: TrustStore) -> None:
    # The token vouches for another hash: invalid, whether bytes or a parsed Zfo are given.
    wrong = q_timestamp(bytes(32), pki.tsa, SEALED_AT)
    data = _with_hash(pki, "SHA-256", "sha256", q_ts=wrong)
    for given in (data, parse_zfo(data)):
        v = verify_zfo(given, trust, now=NOW)
        assert v.kind is VerdictKind.INVALID
        assert v.reasons == ("the ISDS timestamp (dmQTimestamp) is not over dmHash",)
        assert v.reasons_cs == ("Časové razítko ISDS (dmQTimestamp) nepatří k otisku zprávy.",)
        assert v.dm_hash is HashCheck.OK


def test_a_dm_hash_without_an_algorithm_name_is_said_so(pki: TestPki, trust: TrustStore) -> None:
    # Survivor of seed 20261208: an empty algorithm attribute reads as '?', not as a
    # made-up name.
    v = verify_zfo(_with_hash(pki, "", "sha256"), trust, now=NOW)
    assert v.dm_hash is HashCheck.NOT_RECOMPUTABLE
    assert ("dmHash not recomputable: its algorithm '?' is not known (the seal covers "
            "the content)") in v.reasons
