"""What made verify_zfo cheaper without dropping a check (issue 18): the qualified
timestamp's signature is checked only when the evidence horizon depends on it, and facts of
one certificate object are computed once."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.unit.zfo.zfo_factory import make_zfo, pki, trust  # noqa: F401

from dso_desktop.zfo import verify as v
from dso_desktop.zfo.certcache import by_identity
from dso_desktop.zfo.trust import TrustStore

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _counting_check_signer(monkeypatch: pytest.MonkeyPatch,
                           fail: bool = False) -> list[Any]:
    """Count (and optionally fail) the qualified-timestamp signature checks verify runs."""
    calls: list[Any] = []
    real = v.check_signer

    def check(parts: Any) -> Any:
        calls.append(parts)
        cert, problem = real(parts)
        return (cert, "forced failure") if fail and parts.econtent_type != v.f.OID_DATA \
            else (cert, problem)

    monkeypatch.setattr(v, "check_signer", check)
    return calls


def test_a_covered_qualified_timestamp_is_not_rsa_checked(
        make_zfo: Callable[..., bytes], trust: TrustStore,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With a seal timestamp made while the qualified timestamp's chain was valid, the
    horizon ignores the qualified timestamp: its signature is not checked (the old code
    checked it on every verification), and the verdict is the same as when it is."""
    z = make_zfo()
    calls = _counting_check_signer(monkeypatch)
    fast = v.verify_zfo(z, trust, now=NOW)
    # Only the seal's SignerInfo goes through verify.check_signer (the seal timestamp's is
    # checked inside cmscheck.check_timestamp).
    assert [p.econtent_type for p in calls] == [v.f.OID_DATA]
    assert fast.evidence_expires is not None and fast.timestamp_time is not None
    # The same verdict when the qualified timestamp's signature is forced to fail: the
    # horizon never depended on it.
    calls.clear()
    _counting_check_signer(monkeypatch, fail=True)
    assert asdict(v.verify_zfo(z, trust, now=NOW)) == asdict(fast)


def test_without_a_seal_timestamp_the_qualified_timestamp_is_still_checked(
        make_zfo: Callable[..., bytes], trust: TrustStore,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing covers it then: its signature decides whether its chain ends the evidence."""
    z = make_zfo(with_tsa=False)
    calls = _counting_check_signer(monkeypatch)
    v.verify_zfo(z, trust, now=NOW)
    assert [p.econtent_type for p in calls] == [v.f.OID_DATA, v.f.OID_TST_INFO]
    facts = v._facts(z, v.f.signed_data(z).content)
    chain = v._q_timestamp_chain(facts, trust)
    assert chain is not None and chain.anchored
    # Covered (a seal timestamp before the chain expires): no signature check, no chain.
    calls.clear()
    assert v._q_timestamp_chain(facts, trust, covered_at=chain.expires.replace(
        year=chain.expires.year - 1)) is None
    assert calls == []
    # Not covered (a seal timestamp after it expired): checked, and a failure counts.
    assert v._q_timestamp_chain(facts, trust, covered_at=chain.expires) is not None
    assert len(calls) == 1
    _counting_check_signer(monkeypatch, fail=True)
    assert v._q_timestamp_chain(facts, trust) is None


class _Obj:
    """Hashes like a certificate (slowly) and counts it: lru_cache would call __hash__."""

    hashed = 0

    def __hash__(self) -> int:
        _Obj.hashed += 1
        return 1


def test_by_identity_computes_once_per_object_and_never_hashes() -> None:
    seen: list[_Obj] = []

    @by_identity
    def fact(o: _Obj) -> int:
        seen.append(o)
        return len(seen)

    a, b = _Obj(), _Obj()
    _Obj.hashed = 0
    assert [fact(a), fact(a), fact(b), fact(a)] == [1, 1, 2, 1]
    assert seen == [a, b]
    assert _Obj.hashed == 0


def test_by_identity_does_not_confuse_a_new_object_with_a_dead_one() -> None:
    """An id() may be reused once an object is gone; an entry keeps its object alive, and
    after the cache forgets it (maxsize) a new object at that address is computed anew."""
    calls: list[int] = []

    def fact(o: object) -> int:
        calls.append(id(o))
        return len(calls)

    cached = by_identity(fact, maxsize=1)
    first = cached(_Obj())
    assert first == 1  # the object lives on in the entry, so its id cannot be taken
    cached(_Obj())  # maxsize: the first entry is forgotten (its object may now be freed)
    gc.collect()
    values = {cached(_Obj()) for _ in range(20)}  # new objects, some at reused addresses
    assert 1 not in values and len(calls) == 22
    # A stale entry (same id, other object) is never returned.
    o = _Obj()
    cached._entries[id(o)] = (_Obj(), -1)
    assert cached(o) != -1


def test_a_certificate_of_an_unknown_version_makes_the_zfo_invalid(
        make_zfo: Callable[..., bytes], trust: TrustStore) -> None:
    """Found by the fuzzed differential test: cryptography raises InvalidVersion (not a
    ValueError) for a certificate whose version is neither v1 nor v3; verify_zfo crashed
    with it instead of saying the file is broken."""
    z = make_zfo()
    content = v.f.signed_data(z).content
    assert content is not None
    certs_at = z.index(content) + len(content)
    v3 = b"\xa0\x03\x02\x01\x02"  # [0] EXPLICIT INTEGER 2 (v3), in every certificate
    assert v3 in z[certs_at:]
    broken = z[:certs_at] + z[certs_at:].replace(v3, b"\xa0\x03\x02\x01\x01")
    verdict = v.verify_zfo(broken, trust, now=NOW)
    assert verdict.kind is v.VerdictKind.INVALID
    assert "unreadable certificate" in verdict.reasons[0]
