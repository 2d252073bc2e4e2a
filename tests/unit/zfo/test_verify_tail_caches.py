# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here
"""The verdict's per-chain shortcuts (session 7 of issue 18) answer exactly as the code
they stand in for, and forget what a changed trust store or another chain must not reuse.

- `Chain.invalid_at` decides the common "valid" answer from the chain's validity window;
- `key_rejected_at` from the chain's earliest key-length limit;
- `TrustStore.anchor_info` is kept per chain object and forgotten by every `add()`;
- `horizon` is kept per (chains, covered);
- the anchor reasons per pair of anchor infos; `_d`'s text per instant;
- `_new_verdict` builds the same Verdict as its frozen ``__init__``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.zfo.zfo_factory import SEALED_AT, make_zfo, pki, trust  # noqa: F401

from dso_desktop.domain import EvidenceCause, VerdictKind
from dso_desktop.zfo import horizon as hz
from dso_desktop.zfo import verify as v
from dso_desktop.zfo.testpki import TestPki, short_lived_tsa
from dso_desktop.zfo.trust import ACCOUNT, GIVEN, PINNED, USER, AnchorInfo, Chain, TrustStore

CHECK_AT = datetime(2026, 11, 2, tzinfo=UTC)
BASE = datetime(2020, 1, 1, tzinfo=UTC)


def _stub_cert(name: str, start: datetime, end: datetime, key: Any = None) -> Any:
    """What `Chain` and `horizon` read of a certificate (dates, name, key), nothing more."""
    subject = SimpleNamespace(get_attributes_for_oid=lambda oid: [SimpleNamespace(value=name)],
                              rfc4514_string=lambda: f"CN={name}")
    return SimpleNamespace(not_valid_before_utc=start, not_valid_after_utc=end,
                           subject=subject, public_key=lambda: key)


def _walk(chain: Chain, when: datetime) -> str | None:
    """`Chain.invalid_at` as it was: every certificate in turn."""
    for c in chain.certs:
        start, end = c.not_valid_before_utc, c.not_valid_after_utc
        name = c.subject.get_attributes_for_oid(None)[0].value
        if when < start:
            return f"certificate '{name}' not yet valid (from {start:%Y-%m-%d})"
        if when > end:
            return f"certificate '{name}' expired on {end:%Y-%m-%d}"
    return None


_DAYS = st.integers(min_value=0, max_value=3000)


@settings(max_examples=300, deadline=None)
@given(windows=st.lists(st.tuples(_DAYS, _DAYS), max_size=4), at=_DAYS)
def test_the_validity_window_answers_as_the_walk(windows: list[tuple[int, int]],
                                                 at: int) -> None:
    certs = tuple(_stub_cert(f"c{i}", BASE + timedelta(days=min(a, b)),
                             BASE + timedelta(days=max(a, b)))
                  for i, (a, b) in enumerate(windows))
    chain = Chain(certs, True)  # type: ignore[arg-type]
    for when in (BASE + timedelta(days=at), BASE + timedelta(days=at, seconds=1)):
        assert chain.invalid_at(when) == _walk(chain, when)


def test_an_edge_day_is_inside_the_window_and_a_second_past_it_is_not() -> None:
    start, end = BASE, BASE + timedelta(days=10)
    chain = Chain((_stub_cert("leaf", start, end),
                   _stub_cert("ca", start - timedelta(days=1), end + timedelta(days=1))),
                  True)  # type: ignore[arg-type]
    assert chain.invalid_at(start) is None and chain.invalid_at(end) is None
    assert chain.invalid_at(end + timedelta(seconds=1)) == "certificate 'leaf' expired on " \
        f"{end:%Y-%m-%d}"
    assert chain.invalid_at(start - timedelta(seconds=1)) == "certificate 'leaf' not yet " \
        f"valid (from {start:%Y-%m-%d})"
    assert Chain((), False).invalid_at(start) is None


_CURVES = [ec.SECP224R1(), ec.SECP256R1(), ec.SECP384R1()]
_EC_KEYS = [ec.generate_private_key(c).public_key() for c in _CURVES]


def _key_walk(chain: Chain, when: datetime) -> str | None:
    """`key_rejected_at` as it was: every certificate's own limit in turn."""
    for c in chain.certs:
        until = hz.key_accepted_until(c)
        if until is not None and when > until:
            size = getattr(c.public_key(), "key_size", "?")
            name = c.subject.get_attributes_for_oid(None)[0].value
            return (f"the {size}-bit key of certificate '{name}' is no longer accepted "
                    f"(accepted until {until:%Y-%m-%d})")
    return None


@settings(max_examples=200, deadline=None)
@given(keys=st.lists(st.integers(min_value=0, max_value=len(_EC_KEYS) - 1), max_size=4),
       year=st.integers(min_value=2020, max_value=2040))
def test_the_earliest_key_limit_answers_as_the_walk(keys: list[int], year: int) -> None:
    certs = tuple(_stub_cert(f"k{i}", BASE, BASE, _EC_KEYS[k]) for i, k in enumerate(keys))
    chain = Chain(certs, True)  # type: ignore[arg-type]
    for when in (datetime(year, 1, 1, tzinfo=UTC), datetime(year, 12, 31, 23, 59, tzinfo=UTC)):
        assert hz.key_rejected_at(chain, when) == _key_walk(chain, when)


def test_a_224_bit_key_is_rejected_after_its_limit_whatever_else_the_chain_holds() -> None:
    chain = Chain((_stub_cert("strong", BASE, BASE, _EC_KEYS[1]),
                   _stub_cert("weak", BASE, BASE, _EC_KEYS[0])), True)  # type: ignore[arg-type]
    limit = hz.STRENGTH_112_UNTIL
    assert hz.key_rejected_at(chain, limit) is None
    text = hz.key_rejected_at(chain, limit + timedelta(days=1))
    assert text is not None and "224-bit key of certificate 'weak'" in text


def test_anchor_info_is_kept_per_chain_and_forgotten_by_add(
        pki: TestPki, monkeypatch: pytest.MonkeyPatch) -> None:
    store = TrustStore.from_paths([pki.ca_file])
    chain = store.chain_for(pki.seal.cert, purpose="seal")
    calls: list[Chain] = []
    real = store._anchor_info

    def counting(c: Chain) -> AnchorInfo | None:
        calls.append(c)
        return real(c)

    monkeypatch.setattr(store, "_anchor_info", counting)
    first = store.anchor_info(chain)
    assert first is not None and first.source == GIVEN
    assert store.anchor_info(chain) is first
    assert calls == [chain]  # asked once for this chain
    # Another chain object (even an equal one) is asked anew, never confused by its id.
    other = Chain(chain.certs, True)
    assert store.anchor_info(other) == first
    assert calls == [chain, other]
    # Not anchored: no anchor, cached as such.
    loose = Chain(chain.certs[:1], False, "no issuer")
    assert store.anchor_info(loose) is None and store.anchor_info(loose) is None
    # add() may change an anchor's source or a chain: everything is asked anew.
    store.add(pki.tsa.cert)
    assert store.anchor_info(chain) == first
    assert calls[-1] is chain and len(calls) == 4


def test_a_pinned_anchor_added_later_is_named_as_pinned(pki: TestPki) -> None:
    """The same chain object, before and after its root's fingerprint is pinned in a fresh
    store: the source comes from that store, not from another store's cache."""
    from dso_desktop.zfo.trust import fingerprint

    given = TrustStore.from_paths([pki.ca_file])
    pinned = TrustStore(anchor_fingerprints=[fingerprint(pki.ca_cert)])
    pinned.add(pki.ca_cert)
    chain = given.chain_for(pki.seal.cert, purpose="seal")
    a, b = given.anchor_info(chain), pinned.anchor_info(chain)
    assert a is not None and b is not None
    assert (a.source, b.source) == (GIVEN, PINNED)
    assert given.anchor_info(chain) == a and pinned.anchor_info(chain) == b


def test_the_horizon_is_kept_per_chains_and_covered(pki: TestPki) -> None:
    seal_chain = Chain((pki.seal.cert,), True)
    qts_end = datetime(2027, 1, 1, tzinfo=UTC)
    qts = Chain((short_lived_tsa(pki, qts_end).cert,), True)
    tsa = Chain((pki.tsa.cert,), True)
    hz._HORIZONS.clear()
    covered = hz.horizon(seal_chain, tsa, datetime(2026, 6, 1, tzinfo=UTC), qts)
    late = hz.horizon(seal_chain, tsa, datetime(2027, 6, 1, tzinfo=UTC), qts)
    assert covered == hz._horizon(seal_chain, tsa, qts, True)
    assert late == hz._horizon(seal_chain, tsa, qts, False)
    assert covered is not None and late is not None
    assert (covered.cause, late.cause) == (EvidenceCause.ALGORITHM,
                                           EvidenceCause.QUALIFIED_TIMESTAMP)
    assert len(hz._HORIZONS) == 2
    # The same question again is answered from the cache (the same object).
    assert hz.horizon(seal_chain, tsa, datetime(2026, 7, 1, tzinfo=UTC), qts) is covered
    # An equal chain that is another object is computed for itself.
    again = hz.horizon(Chain(seal_chain.certs, True), tsa, datetime(2026, 6, 1, tzinfo=UTC),
                       qts)
    assert again == covered and again is not covered
    for _ in range(300):  # bounded: the cache never grows past its limit
        hz.horizon(Chain(seal_chain.certs, True), None, None, None)
    assert len(hz._HORIZONS) <= 256


def test_a_date_text_is_per_instant_and_the_cache_bounded() -> None:
    at = datetime(2026, 3, 1, 12, 30, 59, tzinfo=UTC)
    prague = at.astimezone(timezone(timedelta(hours=1)))
    assert v._d(at) == "2026-03-01 12:30 UTC"
    assert v._d(prague) == "2026-03-01 12:30 UTC"  # the same instant: the same text
    assert v._d(at + timedelta(minutes=1)) == "2026-03-01 12:31 UTC"
    for k in range(1500):
        assert v._d(BASE + timedelta(minutes=k)) == \
            f"{BASE + timedelta(minutes=k):%Y-%m-%d %H:%M} UTC"
    assert len(v._D_TEXT) <= 1024


def test_the_anchor_reasons_are_the_same_from_the_cache() -> None:
    infos = [None] + [AnchorInfo(src, f"Root {src}", f"{i:064x}")
                      for i, src in enumerate((PINNED, USER, ACCOUNT, GIVEN))]
    infos.append(AnchorInfo(USER, "Root user", f"{1:064x}"))  # equal to infos[2]
    v._ANCHOR_LINES.clear()
    for seal_a in infos:
        for tsa_a in infos:
            for _ in range(2):  # cold, then from the cache
                r = v._Reasons()
                v._anchor_reasons(seal_a, tsa_a, r)
                want = v._anchor_lines(seal_a, tsa_a)
                assert tuple(zip(r.en, r.cs, strict=True)) == want
    r = v._Reasons()
    v._anchor_reasons(infos[2], infos[4], r)
    assert len(r.en) == 2 and "seal chains to 'Root user'" in r.en[0]
    assert "timestamp chains to 'Root given'" in r.en[1]
    r = v._Reasons()
    v._anchor_reasons(infos[2], infos[-1], r)  # the same anchor twice: named once
    assert len(r.en) == 1
    assert len(v._ANCHOR_LINES) <= 64


def test_a_verdict_built_directly_is_the_frozen_dataclass_it_would_be(
        make_zfo: Callable[..., bytes], trust: TrustStore) -> None:
    r = v._Reasons()
    r.add("one", "jedna")
    base = {"checked_at": CHECK_AT, "signing_time": SEALED_AT, "message_id": "42"}
    kw = {"dm_hash": v.HashCheck.OK, "revocation": "not-checked"}
    fast = v._new_verdict(VerdictKind.VALID, r, base, kw)
    slow = v.Verdict(VerdictKind.VALID, ("one",), ("jedna",), **base, **kw)  # type: ignore[arg-type]
    assert fast == slow and type(fast) is v.Verdict
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
    assert vars(fast) == vars(slow)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.kind = VerdictKind.INVALID  # type: ignore[misc]
    with pytest.raises(TypeError, match="unknown Verdict fields"):
        v._new_verdict(VerdictKind.VALID, r, base, {"no_such_field": 1})
    # And a whole verdict: every field as the frozen dataclass's own copy has it.
    verdict = v.verify_zfo(make_zfo(), trust, now=CHECK_AT)
    assert verdict == dataclasses.replace(verdict)
    assert vars(verdict) == vars(dataclasses.replace(verdict))
