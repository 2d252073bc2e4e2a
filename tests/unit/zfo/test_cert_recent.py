# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here
"""The recent-certificate cache of `cmscheck.signer_cert` (keyed by the exact DER bytes) and
the qualified timestamp read once per verdict: neither may change a verdict."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.serialization import Encoding
from tests.unit.zfo.zfo_factory import SEALED_AT, make_zfo, message_xml, pki, trust  # noqa: F401

from dso_desktop.zfo import cmscheck, fastcms
from dso_desktop.zfo.produce import SealIdentity, seal
from dso_desktop.zfo.testpki import (
    TestPki,
    ca_key_usage,
    issue_cert,
    leaf_key_usage,
    rsa_key,
)
from dso_desktop.zfo.trust import TrustStore
from dso_desktop.zfo.verify import VerdictKind, verify_zfo

CHECK_AT = datetime(2026, 11, 2, tzinfo=UTC)


def _cold() -> None:
    """Forget every certificate-keyed cache of cmscheck."""
    cmscheck._RECENT.clear()
    for fn in (cmscheck.load_cert, cmscheck._issuer_serial, cmscheck._cert_hash,
               cmscheck._public_key):
        fn.cache_clear()


def test_equal_bytes_hit_and_give_the_cached_der_object(make_zfo: Callable[..., bytes]
                                                         ) -> None:
    _cold()
    parts = fastcms.signed_data(make_zfo())
    (der,) = parts.certs
    first = cmscheck._known(der)
    again = cmscheck._known(bytes(bytearray(der)))  # equal bytes, another object
    assert again is first and again[0] is der


def test_a_changed_certificate_byte_does_not_hit_the_cache(make_zfo: Callable[..., bytes],
                                                           trust: TrustStore) -> None:
    """A ZFO whose certificate differs in one byte from one met before is judged on its
    own bytes: the same verdict as with every cache cold, and not the valid one."""
    _cold()
    z = make_zfo()
    assert verify_zfo(z, trust, now=CHECK_AT).kind is VerdictKind.VALID  # caches warm
    (der,) = fastcms.signed_data(z).certs
    at = z.index(der)
    changed = []
    for offset in (len(der) - 5, len(der) // 2, 40):  # signature bits, key, serial/names
        b = bytearray(z)
        b[at + offset] ^= 0x01
        changed.append(bytes(b))
    for bad in changed:
        (bad_der,) = fastcms.signed_data(bad).certs
        assert cmscheck._known(bad_der)[0] is bad_der  # a new entry, not the cached one
        warm = asdict(verify_zfo(bad, trust, now=CHECK_AT))
        _cold()
        cold = asdict(verify_zfo(bad, trust, now=CHECK_AT))
        assert warm == cold
        assert warm["kind"] is not VerdictKind.VALID
        verify_zfo(z, trust, now=CHECK_AT)  # warm again for the next one


def test_the_cache_is_bounded_and_keeps_the_latest(pki: TestPki) -> None:
    _cold()
    key = rsa_key()
    ders = [issue_cert(f"leaf {k}", key, issuer=pki.ca_cert, issuer_key=pki.ca_key,
                       serial=1000 + k).public_bytes(Encoding.DER)
            for k in range(cmscheck._RECENT_MAX + 5)]
    for der in ders:
        assert cmscheck._known(der)[2] == 1000 + ders.index(der)
    assert len(cmscheck._RECENT) == cmscheck._RECENT_MAX
    assert cmscheck._RECENT[0][0] is ders[-1]
    assert cmscheck._known(bytes(ders[0]))[2] == 1000  # evicted: read again, correctly


def test_an_expired_intermediate_still_fails_with_warm_caches(pki: TestPki) -> None:
    """Seal certificate under an intermediate CA valid for 30 days, checked after it
    expired: a ZFO sealed inside that window was valid when sealed (its timestamp proves
    it), one sealed after it is invalid, in either order, warm or cold."""
    start = SEALED_AT - timedelta(days=10)
    inter_key, seal_key = rsa_key(), rsa_key()
    inter = issue_cert("Test Intermediate CA", inter_key, issuer=pki.ca_cert,
                       issuer_key=pki.ca_key, ca=True, not_before=start, days=30,
                       key_usage=ca_key_usage())
    seal_cert = issue_cert("Informační systém datových schránek - test", seal_key,
                           issuer=inter, issuer_key=inter_key, not_before=start, days=3650,
                           key_usage=leaf_key_usage())
    identity = SealIdentity(seal_cert, seal_key, (inter, pki.ca_cert))
    xml = message_xml(pki)
    inside = seal(xml, identity, pki.tsa, SEALED_AT)
    after = seal(xml, identity, pki.tsa, SEALED_AT + timedelta(days=40))
    store = TrustStore.from_paths([pki.ca_file])
    assert store.add(inter)
    now = SEALED_AT + timedelta(days=41)
    want = {inside: VerdictKind.VALID_AT_SIGNING, after: VerdictKind.INVALID}
    for order in ((inside, after), (after, inside)):
        _cold()
        # The first verdict of each order is made cold, the second with warm caches.
        kinds = [verify_zfo(z, store, now=now).kind for z in order]
        assert kinds == [want[order[0]], want[order[1]]]
    reasons = verify_zfo(after, store, now=now).reasons
    assert any("not valid at signing time" in r for r in reasons)


def test_the_qualified_timestamp_read_once_gives_the_same_states(
        pki: TestPki, trust: TrustStore) -> None:
    """`_q_timestamp_state` with the parsed token == without it (the lenient reading),
    on a good token, a tampered one and an unreadable one."""
    from dso_desktop.zfo import verify as v

    for kw in ({}, {"tamper_hash": True}):
        content = message_xml(pki, **kw)  # type: ignore[arg-type]
        facts = v._facts(content, content)
        parts = v._q_parts(facts)
        assert parts is not None
        assert v._q_timestamp_state(facts, parts) is v._q_timestamp_state(facts)
    content = message_xml(pki)
    facts = v._facts(content, content)
    broken = v._Facts(facts.kind, facts.message_id, facts.dm_hash, facts.dm_hash_algorithm,
                      facts.dm_dm_bytes, facts.q_timestamp[:-40] if facts.q_timestamp else None)
    assert v._q_parts(broken) is None
    assert v._q_timestamp_state(broken, None) is v._q_timestamp_state(broken)


def test_a_token_that_does_not_declare_a_tstinfo_is_not_read_as_one(pki: TestPki) -> None:
    """RFC 3161, 2.4.2: a time-stamp token's eContentType MUST be id-ct-TSTInfo. A
    dmQTimestamp whose SignedData declares another type is no time-stamp token, so it is
    unreadable, even where its content would parse as a TSTInfo over another hash (read
    anyway, it would turn into a mismatch the token never claimed)."""
    from dso_desktop.zfo import verify as v

    content = message_xml(pki)
    good = v._facts(content, content)
    assert good.q_timestamp is not None and good.dm_hash is not None
    # dmHash no longer what the token's imprint says: a TSTInfo token reports a mismatch.
    other_hash = bytes(b ^ 0xFF for b in good.dm_hash)
    facts = v._Facts(good.kind, good.message_id, other_hash, good.dm_hash_algorithm,
                     good.dm_dm_bytes, good.q_timestamp)
    tst_oid = b"\x06\x0b" + fastcms.OID_TST_INFO
    other = b"\x06\x0b" + fastcms.OID_TST_INFO[:-1] + b"\x05"  # id-ct-... 5, same length
    # The first one is the encapsulated content's type (it precedes certificates and
    # signer infos); the signed content-type attribute further on is left as it was.
    relabelled = good.q_timestamp.replace(tst_oid, other, 1)
    assert relabelled != good.q_timestamp
    odd = v._Facts(good.kind, good.message_id, other_hash, good.dm_hash_algorithm,
                   good.dm_dm_bytes, relabelled)
    parts = v._q_parts(odd)
    assert parts is not None and parts.econtent_type != fastcms.OID_TST_INFO
    assert v._q_timestamp_state(good, v._q_parts(good)) is v.HashCheck.OK
    assert v._q_timestamp_state(facts, v._q_parts(facts)) is v.HashCheck.MISMATCH
    assert v._q_timestamp_state(odd, parts) is v.HashCheck.UNREADABLE
    assert v._q_timestamp_state(odd) is v.HashCheck.UNREADABLE
