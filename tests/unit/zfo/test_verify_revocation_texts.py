"""How the verdict combines the CRL answers for the seal and the timestamp authority.

``tests/unit/zfo/test_revocation.py`` checks the CRL reading against a loopback server;
here the trust store's ``revocation`` answer is scripted per certificate, so that each
combination (good, revoked before, revoked later, not checked; seal or TSA) is checked for
the verdict kind, the revocation state, the time each certificate was checked at, and the
exact reasons in both languages. Written against survivors of a mutmut run over
``zfo/verify.py`` (docs/testing.md).
"""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.unit.zfo.zfo_factory import SEALED_AT, make_zfo, pki  # noqa: F401 - fixtures

from dso_desktop.zfo.revocation import GOOD, NOT_CHECKED, REVOKED, REVOKED_LATER, RevocationCheck
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import GIVEN, Chain, TrustStore
from dso_desktop.zfo.verify import VerdictKind, verify_zfo

NOW = datetime(2026, 6, 1, tzinfo=UTC)
WHEN = datetime(2026, 2, 1, 8, 30, tzinfo=UTC)
WHEN_TEXT = "2026-02-01 08:30 UTC"
GOOD_NOTE = ("no certificate was revoked (checked against current CRLs)",
             "Žádný z certifikátů nebyl zneplatněn (ověřeno podle aktuálních seznamů "
             "zneplatněných certifikátů).")


class Scripted(TrustStore):
    """The test CA as anchor; ``revocation`` answers from a script per certificate CN."""

    def __init__(self, pki: TestPki, answers: dict[str, RevocationCheck],
                 anchored: bool = True) -> None:
        super().__init__()
        if anchored:
            self.add_anchor_files([pki.ca_file], source=GIVEN)
        self.answers = answers
        self.asked: list[tuple[str, datetime, datetime]] = []

    def revocation(self, chain: Chain, *, at: datetime, now: datetime) -> RevocationCheck:
        cn = chain.certs[0].subject.rfc4514_string()
        self.asked.append((cn.split(",")[0].removeprefix("CN="), at, now))
        who = "tsa" if "TSA" in cn else "seal"
        return self.answers[who]


def _verify(make_zfo: Callable[..., bytes], pki: TestPki, *, with_tsa: bool = True,
            **answers: RevocationCheck) -> tuple[Any, Scripted]:
    store = Scripted(pki, answers)
    return verify_zfo(make_zfo(with_tsa=with_tsa), store, now=NOW), store


def _tail(v: Any, n: int) -> list[tuple[str, str]]:
    return list(zip(v.reasons[-n:], v.reasons_cs[-n:], strict=True))


def test_both_good_is_said_once(make_zfo: Callable[..., bytes], pki: TestPki) -> None:
    v, store = _verify(make_zfo, pki, seal=RevocationCheck(GOOD), tsa=RevocationCheck(GOOD))
    assert v.kind is VerdictKind.VALID and v.revocation == GOOD
    assert v.to_json()["revocation_checked"] is True
    notes = [r for r in v.reasons if "revoked" in r]
    assert notes == [GOOD_NOTE[0]]
    assert GOOD_NOTE[1] in v.reasons_cs
    # The seal is checked at the timestamp's time (what the timestamp proves), the TSA too.
    assert [(cn, at) for cn, at, _ in store.asked] == [
        ("Informační systém datových schránek - simulátor", SEALED_AT),
        ("DSO Simulator TSA", SEALED_AT)]
    assert all(now == NOW for _, _, now in store.asked)


def test_without_a_timestamp_the_seal_is_checked_at_signing(make_zfo: Callable[..., bytes],
                                                            pki: TestPki) -> None:
    v, store = _verify(make_zfo, pki, with_tsa=False, seal=RevocationCheck(GOOD))
    assert v.kind is VerdictKind.VALID_AT_SIGNING and v.revocation == GOOD
    assert [at for _, at, _ in store.asked] == [SEALED_AT]
    assert GOOD_NOTE in list(zip(v.reasons, v.reasons_cs, strict=True))


def test_a_seal_revoked_before_sealing_is_invalid(make_zfo: Callable[..., bytes],
                                                  pki: TestPki) -> None:
    v, _ = _verify(make_zfo, pki, seal=RevocationCheck(REVOKED, "CRL of X", WHEN),
                       tsa=RevocationCheck(GOOD))
    assert v.kind is VerdictKind.INVALID and v.revocation == REVOKED
    assert _tail(v, 1) == [(
        f"the seal certificate was revoked on {WHEN_TEXT}, before the message was sealed "
        "(CRL of X)",
        f"Certifikát pečeti byl zneplatněn (revokován) {WHEN_TEXT}, ještě před zapečetěním "
        "zprávy.")]
    assert v.reasons.count(_tail(v, 1)[0][0]) == 1 and GOOD_NOTE[0] not in v.reasons
    assert v.anchor is not None and v.evidence_expires is not None


def test_a_tsa_revoked_before_the_timestamp_is_invalid(make_zfo: Callable[..., bytes],
                                                       pki: TestPki) -> None:
    v, _ = _verify(make_zfo, pki, seal=RevocationCheck(GOOD),
                   tsa=RevocationCheck(REVOKED, "CRL of Y", WHEN))
    assert v.kind is VerdictKind.INVALID and v.revocation == REVOKED
    assert _tail(v, 1) == [(
        f"the timestamp authority certificate was revoked on {WHEN_TEXT}, before the "
        "message was sealed (CRL of Y)",
        f"Certifikát časového razítka byl zneplatněn (revokován) {WHEN_TEXT}, ještě před "
        "zapečetěním zprávy.")]


def test_a_revocation_without_a_date_says_so(make_zfo: Callable[..., bytes],
                                             pki: TestPki) -> None:
    v, _ = _verify(make_zfo, pki, seal=RevocationCheck(REVOKED, "CRL", None),
                   tsa=RevocationCheck(GOOD))
    assert v.reasons[-1].startswith("the seal certificate was revoked on ?, before")


@pytest.mark.parametrize(("seal", "tsa", "state"), [
    (REVOKED_LATER, GOOD, REVOKED_LATER),
    (GOOD, REVOKED_LATER, REVOKED_LATER),
    (REVOKED_LATER, NOT_CHECKED, NOT_CHECKED),  # not checked outweighs revoked later
    (NOT_CHECKED, GOOD, NOT_CHECKED),
])
def test_the_combined_state(make_zfo: Callable[..., bytes], pki: TestPki, seal: str,
                            tsa: str, state: str) -> None:
    v, _ = _verify(make_zfo, pki, seal=RevocationCheck(seal, "why", WHEN),
                   tsa=RevocationCheck(tsa, "why", WHEN))
    assert v.kind is VerdictKind.VALID and v.revocation == state
    assert v.to_json()["revocation_checked"] is (state != NOT_CHECKED)
    assert GOOD_NOTE[0] not in v.reasons


def test_revoked_later_and_not_checked_are_each_explained(make_zfo: Callable[..., bytes],
                                                          pki: TestPki) -> None:
    v, _ = _verify(make_zfo, pki, seal=RevocationCheck(REVOKED_LATER, "CRL of X", WHEN),
                   tsa=RevocationCheck(NOT_CHECKED, "offline"))
    pairs = list(zip(v.reasons, v.reasons_cs, strict=True))
    later = (f"the seal certificate was revoked on {WHEN_TEXT}, after the message was sealed "
             "(CRL of X)",
             f"Certifikát pečeti byl zneplatněn (revokován) {WHEN_TEXT}, až po zapečetění "
             "zprávy.")
    unchecked = ("revocation of the timestamp authority certificate was not checked: offline",
                 "Zneplatnění (revokace) certifikátu časového razítka nebylo ověřeno (seznam "
                 "zneplatněných certifikátů není k dispozici).")
    i = pairs.index(later)
    assert pairs[i + 1] == unchecked  # in the order checked, after the anchor, before time
    assert pairs[i + 2][0].startswith("timestamp of ")


def test_revocation_is_not_asked_when_the_seal_is_not_anchored(
        make_zfo: Callable[..., bytes], pki: TestPki) -> None:
    store = Scripted(pki, {}, anchored=False)
    v = verify_zfo(make_zfo(), store, now=NOW - timedelta(days=1))
    assert v.kind is VerdictKind.UNTRUSTED and v.revocation == "not-reached"
    assert store.asked == []
