"""`zfo.verify` and `zfo.horizon`: texts of a verdict no other test pinned, the UTC form of
its times whatever the local zone, and which key a key-length limit names (survivors of
seed 20261210, branch ``survzfo3``)."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from asn1crypto import cms
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from tests.unit.zfo.zfo_factory import make_zfo, pki, trust  # noqa: F401 - pytest fixtures

from dso_desktop.domain import EvidenceCause, VerdictKind
from dso_desktop.zfo import horizon as hz
from dso_desktop.zfo import verify as v
from dso_desktop.zfo.trust import Chain, TrustStore

NOW = datetime(2026, 6, 1, tzinfo=UTC)
SIGNATURE_TIMESTAMP = "1.2.840.113549.1.9.16.2.14"  # id-aa-signatureTimeStampToken


@pytest.fixture
def prague() -> Iterator[None]:
    """The process's local zone is Central European (as on the users' machines)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TZ", "Europe/Prague")
        time.tzset()
        yield
    time.tzset()


@pytest.mark.usefixtures("prague")
def test_a_time_in_another_zone_is_written_in_utc_whatever_the_local_zone() -> None:
    # an instant no other test formats (the texts are kept per instant)
    dt = datetime(2031, 7, 4, 7, 6, tzinfo=timezone(timedelta(hours=2)))
    assert v._d(dt) == "2031-07-04 05:06 UTC"
    assert v._d(datetime(2031, 7, 4, 5, 6, tzinfo=UTC)) == "2031-07-04 05:06 UTC"


def test_a_seal_not_chaining_to_an_anchor_is_explained_in_both_languages(
        make_zfo: Callable[..., bytes]) -> None:
    verdict = v.verify_zfo(make_zfo(with_tsa=False), TrustStore(), now=NOW)
    assert verdict.kind is VerdictKind.UNTRUSTED
    pairs = list(zip(verdict.reasons, verdict.reasons_cs, strict=True))
    (cs,) = [cs for en, cs in pairs if en.startswith(
        "signature is intact but the seal does not chain to a trust anchor: ")]
    assert cs == "Podpis je neporušený, ale certifikát pečeti nevede k důvěryhodné autoritě."


def test_a_seal_with_two_signature_timestamps_is_not_readable(
        make_zfo: Callable[..., bytes], trust: TrustStore) -> None:
    ci = cms.ContentInfo.load(make_zfo())
    si = ci["content"]["signer_infos"][0]
    (attr,) = [a for a in si["unsigned_attrs"] if a["type"].dotted == SIGNATURE_TIMESTAMP]
    token = attr["values"][0]
    attr["values"] = [token, token]
    si["unsigned_attrs"] = si["unsigned_attrs"]  # re-encode upwards, child by child
    sd = ci["content"]
    sd["signer_infos"] = cms.SignerInfos([si])
    doubled = cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()
    verdict = v.verify_zfo(doubled, trust, now=NOW)
    assert verdict.kind is VerdictKind.INVALID
    assert verdict.reasons == ("not a readable ZFO: more than one signature timestamp",)


def _stub_cert(name: str, key: Any) -> Any:
    """What `key_rejected_at` reads of a certificate: its name and key."""
    subject = SimpleNamespace(get_attributes_for_oid=lambda oid: [SimpleNamespace(value=name)],
                              rfc4514_string=lambda: f"CN={name}")
    return SimpleNamespace(subject=subject, public_key=lambda: key)


def test_a_key_is_rejected_only_after_its_limit_and_the_one_past_it_is_named() -> None:
    """At the very instant the 224-bit key's limit ends it is still accepted, so the key
    named is the 1024-bit one whose limit ended years before, not the first in the chain."""
    chain = Chain((_stub_cert("p224", ec.generate_private_key(ec.SECP224R1()).public_key()),
                   _stub_cert("rsa1024", rsa.generate_private_key(
                       public_exponent=65537, key_size=1024).public_key())),  # noqa: S505
                  True)  # type: ignore[arg-type]
    assert hz.key_rejected_at(chain, hz.STRENGTH_112_UNTIL) == (
        "the 1024-bit key of certificate 'rsa1024' is no longer accepted (accepted until "
        "2013-12-31)")
    assert hz.key_rejected_at(chain, hz.STRENGTH_112_UNTIL + timedelta(seconds=1)) == (
        "the 224-bit key of certificate 'p224' is no longer accepted (accepted until "
        "2030-12-31)")


# Survivors of seed 20261211 (branch ``survzfo4``).


def test_an_unreadable_seal_still_names_the_message_it_belongs_to(
        make_zfo: Callable[..., bytes], trust: TrustStore) -> None:
    """A seal refused after the XML was read (here: two signature timestamps) keeps the
    document's kind and dmID in its verdict, so the refusal is shown on its message."""
    from dso_desktop.zfo.model import ZfoKind

    ci = cms.ContentInfo.load(make_zfo(dm_id="7301"))
    si = ci["content"]["signer_infos"][0]
    (attr,) = [a for a in si["unsigned_attrs"] if a["type"].dotted == SIGNATURE_TIMESTAMP]
    attr["values"] = [attr["values"][0], attr["values"][0]]
    si["unsigned_attrs"] = si["unsigned_attrs"]  # re-encode upwards, child by child
    sd = ci["content"]
    sd["signer_infos"] = cms.SignerInfos([si])
    doubled = cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()
    verdict = v.verify_zfo(doubled, trust, now=NOW)
    assert verdict.kind is VerdictKind.INVALID
    assert (verdict.zfo_kind, verdict.message_id) == (ZfoKind.RECEIVED, "7301")


def test_a_seal_without_a_signing_time_still_reports_its_checked_dm_hash(
        pki: Any, trust: TrustStore) -> None:
    from tests.unit.zfo.zfo_factory import message_xml

    from dso_desktop.domain import HashCheck
    from dso_desktop.zfo.produce import _sign_signed_data

    signed = _sign_signed_data("data", message_xml(pki), pki.seal.cert, pki.seal.key, None,
                               "sha256")
    data = cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump()
    verdict = v.verify_zfo(data, trust, now=NOW)
    assert verdict.kind is VerdictKind.INVALID
    assert verdict.reasons[-1] == "the seal has no signing time"
    assert verdict.dm_hash is HashCheck.OK


def test_a_qualified_timestamp_of_an_unanchored_authority_feeds_no_horizon(
        make_zfo: Callable[..., bytes]) -> None:
    """dmQTimestamp's chain ends the evidence only if it leads to a trust anchor: one
    built up to an unknown root is no chain for the horizon."""
    z = make_zfo(with_tsa=False)
    facts = v._facts(z, v.f.signed_data(z).content)
    assert facts.q_timestamp is not None
    found = v.signer_cert(v.f.signed_data(facts.q_timestamp))
    assert found is not None
    nothing_trusted = TrustStore()
    chain = nothing_trusted.chain_for(found[0], purpose="tsa")
    assert not chain.anchored and chain.certs  # built, but not to an anchor
    assert v._q_timestamp_chain(facts, nothing_trusted) is None


# Survivors of seed 20261212 (branch ``survzfo5b``).


def _rsa_public(bits: int) -> rsa.RSAPublicKey:
    """An RSA public key of exactly ``bits`` bits (a modulus nobody can sign with: only its
    size is read), instead of generating a 3072-bit key."""
    return rsa.RSAPublicNumbers(65537, (1 << (bits - 1)) + 1).public_key()


def _dated_cert(name: str, end: datetime, key: Any) -> Any:
    """What `Chain` and `horizon` read of a certificate: its name, dates and key."""
    subject = SimpleNamespace(get_attributes_for_oid=lambda oid: [SimpleNamespace(value=name)],
                              rfc4514_string=lambda: f"CN={name}")
    return SimpleNamespace(not_valid_before_utc=end - timedelta(days=3650),
                           not_valid_after_utc=end, subject=subject, public_key=lambda: key)


def test_a_3072_bit_rsa_key_has_no_key_length_limit() -> None:
    """128-bit strength (RSA from 3072 bits) has no end in SP 800-57; below it, 2048 bits
    up to 3071, the 112-bit limit of 2030 applies."""
    for bits, until in ((2048, hz.STRENGTH_112_UNTIL), (3071, hz.STRENGTH_112_UNTIL),
                        (3072, None), (4096, None)):
        cert = _dated_cert(f"rsa{bits}", NOW, _rsa_public(bits))
        assert hz.key_accepted_until(cert) == until, bits


def test_a_certificate_ending_with_the_key_length_or_another_chain_is_named_first() -> None:
    """When two ends fall on the same second the horizon names the seal certificate, the
    first it considers, not whichever cause sorts first by its name."""
    at_limit = _dated_cert("seal", hz.STRENGTH_112_UNTIL, _rsa_public(2048))
    found = hz.horizon(Chain((at_limit,), True), None, None, None)  # type: ignore[arg-type]
    assert found == hz.Horizon(hz.STRENGTH_112_UNTIL, EvidenceCause.SEAL_CERTIFICATE)
    end = datetime(2029, 5, 1, tzinfo=UTC)
    seal_chain = Chain((_dated_cert("seal", end, None),), True)  # type: ignore[arg-type]
    qts = Chain((_dated_cert("qualified tsa", end, None),), True)  # type: ignore[arg-type]
    found = hz.horizon(seal_chain, None, None, qts)
    assert found == hz.Horizon(end, EvidenceCause.SEAL_CERTIFICATE)


@pytest.mark.parametrize("qualified", [False, True], ids=["seal-timestamp", "qualified"])
def test_the_horizons_of_two_timestamp_chains_of_one_seal_are_both_kept(
        monkeypatch: pytest.MonkeyPatch, qualified: bool) -> None:
    """ISDS stamps with more than one TSA certificate: a sync alternating between them
    computes each seal and timestamp chain pair's horizon once; so do messages without a
    seal timestamp alternating between qualified timestamps of several TSA certificates."""
    end = datetime(2029, 5, 1, tzinfo=UTC)
    seal_chain = Chain((_dated_cert("seal", end, None),), True)  # type: ignore[arg-type]
    tsas = [Chain((_dated_cert(f"tsa {i}", end - timedelta(days=i), None),), True)  # type: ignore[arg-type]
            for i in (1, 2)]
    computed: list[tuple[object, ...]] = []
    real = hz._horizon

    def counting(*args: Any) -> hz.Horizon | None:
        computed.append(args)
        return real(*args)

    monkeypatch.setattr(hz, "_horizon", counting)
    hz._HORIZONS.clear()
    cause = (EvidenceCause.QUALIFIED_TIMESTAMP if qualified
             else EvidenceCause.TIMESTAMP_CERTIFICATE)
    for _ in range(3):
        for i, tsa in enumerate(tsas, 1):
            found = (hz.horizon(seal_chain, None, None, tsa) if qualified
                     else hz.horizon(seal_chain, tsa, NOW, None))
            assert found == hz.Horizon(end - timedelta(days=i), cause)
    assert len(computed) == 2


def test_the_anchor_lines_of_a_pair_of_anchors_are_made_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.zfo.trust import ACCOUNT, USER, AnchorInfo

    seal_a = AnchorInfo(USER, "User root", f"{7:064x}")
    tsa_a = AnchorInfo(ACCOUNT, "Account root", f"{8:064x}")
    made: list[tuple[object, object]] = []
    real = v._anchor_lines

    def counting(seal: Any, tsa: Any) -> tuple[tuple[str, str], ...]:
        made.append((seal, tsa))
        return real(seal, tsa)

    monkeypatch.setattr(v, "_anchor_lines", counting)
    v._ANCHOR_LINES.clear()
    texts = []
    for _ in range(3):
        r = v._Reasons()
        v._anchor_reasons(seal_a, tsa_a, r)
        texts.append((tuple(r.en), tuple(r.cs)))
    assert made == [(seal_a, tsa_a)]
    assert texts[0] == texts[1] == texts[2] and len(texts[0][0]) == 2


def test_a_broken_seal_signature_is_explained_in_czech(
        make_zfo: Callable[..., bytes], trust: TrustStore) -> None:
    ci = cms.ContentInfo.load(make_zfo())
    si = ci["content"]["signer_infos"][0]
    signature = bytearray(si["signature"].native)
    signature[-1] ^= 1
    si["signature"] = bytes(signature)
    sd = ci["content"]
    sd["signer_infos"] = cms.SignerInfos([si])
    broken = cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()
    verdict = v.verify_zfo(broken, trust, now=NOW)
    assert verdict.kind is VerdictKind.INVALID
    assert verdict.reasons == ("seal signature invalid: signature value does not verify",)
    assert verdict.reasons_cs == (
        "Elektronická pečeť neodpovídá obsahu – zpráva byla změněna nebo poškozena.",)


def test_a_timestamp_token_given_as_a_zfo_is_named_as_not_a_message(
        pki: Any, trust: TrustStore) -> None:
    """A SignedData that encapsulates something else than data (here an RFC 3161 token's
    TSTInfo) is no ZFO."""
    from dso_desktop.zfo.produce import make_timestamp_token

    token = make_timestamp_token(b"signature", pki.tsa, NOW).dump()
    verdict = v.verify_zfo(token, trust, now=NOW)
    assert verdict.kind is VerdictKind.INVALID
    assert verdict.reasons == ("not a readable ZFO: encapsulated content is not pkcs7-data",)


def test_a_seal_revoked_between_signing_and_its_timestamp_is_invalid(pki: Any) -> None:
    """The timestamp, not the seal's own claim, proves when it was made: a seal certificate
    revoked after the claimed signing time but before the timestamp proves nothing."""
    from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml

    from dso_desktop.zfo.produce import seal
    from dso_desktop.zfo.testpki import issue_crl, issue_leaf

    url = "http://crl.test/ca.crl"  # (with crl.example.test produce.seal takes 30 s)
    seal_id = issue_leaf(pki, crl_url=url)
    data = seal(message_xml(pki), seal_id, pki.tsa, SEALED_AT,  # type: ignore[arg-type]
                timestamp_time=SEALED_AT + timedelta(hours=2))
    revoked_at = SEALED_AT + timedelta(hours=1)
    served = {url: issue_crl(pki, [(seal_id.cert.serial_number, revoked_at)],
                             this_update=NOW - timedelta(days=1),
                             next_update=NOW + timedelta(days=7))}
    store = TrustStore(fetcher=served.__getitem__)
    store.add_anchor_files([pki.ca_file], source="given")
    verdict = v.verify_zfo(data, store, now=NOW)
    assert verdict.kind is VerdictKind.INVALID, verdict.reasons
    assert verdict.revocation == "revoked"
    assert verdict.reasons[-1].startswith(
        "the seal certificate was revoked on 2026-03-01 13:00 UTC, before the message was "
        "sealed")


# Survivors of seed 20261213 (branch ``survzfo6``).


def test_a_seal_not_yet_valid_today_is_not_called_expired_in_czech(
        make_zfo: Callable[..., bytes], trust: TrustStore) -> None:
    """A clock set before the certificates start (the seal claims a later signing time):
    the Czech reason says "not valid", not "expired"."""
    before = datetime(2024, 12, 1, tzinfo=UTC)
    verdict = v.verify_zfo(make_zfo(with_tsa=False), trust, now=before)
    assert verdict.kind is VerdictKind.VALID_AT_SIGNING
    today = [(en, cs) for en, cs in zip(verdict.reasons, verdict.reasons_cs, strict=True)
             if en.startswith("today: ")]
    assert len(today) == 1
    assert "not yet valid (from 2025-01-01)" in today[0][0]
    assert today[0][1] == "Dnes: certifikát není platný"


# Survivors of session 14's whole run (branch ``survzfo15``).


def test_an_untrusted_timestamp_authority_is_explained_and_its_chain_still_dated(
        make_zfo: Callable[..., bytes], pki: Any) -> None:
    """A timestamp whose authority leads to no trust anchor: the Czech reason says so (not
    "invalid"), and the verdict still carries the checked dmHash and the day the
    authority's certificate chain ends."""
    from dso_desktop.domain import HashCheck

    verdict = v.verify_zfo(make_zfo(), TrustStore(), now=NOW)
    assert verdict.kind is VerdictKind.UNTRUSTED
    assert verdict.reasons[-1].startswith("timestamp check failed: timestamp authority not "
                                          "trusted: ")
    assert verdict.reasons_cs == (
        "Časové razítko nelze ověřit: jeho vydavatel není důvěryhodný.",)
    assert verdict.dm_hash is HashCheck.OK
    assert verdict.timestamp_time is not None
    assert verdict.timestamp_expires == min(pki.tsa.cert.not_valid_after_utc,
                                            pki.ca_cert.not_valid_after_utc)


def test_a_timestamp_made_before_its_authority_was_valid_is_invalid_and_dated(
        make_zfo: Callable[..., bytes], pki: Any, trust: TrustStore) -> None:
    """A timestamp made before its authority's certificate starts is invalid; the verdict
    still says when the authority's chain ends."""
    before = datetime(2024, 6, 1, tzinfo=UTC)  # the test PKI starts on 2025-01-01
    verdict = v.verify_zfo(make_zfo(when=before), trust, now=NOW)
    assert verdict.kind is VerdictKind.INVALID
    assert verdict.reasons[-1].startswith(
        "timestamp check failed: timestamp authority at its issue time: certificate ")
    assert verdict.reasons_cs == ("Časové razítko je neplatné.",)
    assert verdict.timestamp_time == before
    assert verdict.timestamp_expires == pki.tsa.cert.not_valid_after_utc


def test_a_seal_refused_for_its_chain_still_reports_its_checked_dm_hash(
        make_zfo: Callable[..., bytes], trust: TrustStore) -> None:
    """dmHash is checked before the seal's chain: a seal that does not chain to an anchor,
    or whose chain was not valid when it was made, keeps that result in its verdict."""
    from dso_desktop.domain import HashCheck

    untrusted = v.verify_zfo(make_zfo(with_tsa=False), TrustStore(), now=NOW)
    assert untrusted.kind is VerdictKind.UNTRUSTED
    assert untrusted.dm_hash is HashCheck.OK
    early = v.verify_zfo(make_zfo(with_tsa=False, when=datetime(2024, 6, 1, tzinfo=UTC)),
                         trust, now=NOW)
    assert early.kind is VerdictKind.INVALID
    assert early.reasons[-1].startswith(
        "the seal certificate chain was not valid at signing time: ")
    assert early.dm_hash is HashCheck.OK


@pytest.fixture(scope="module")
def short_tsa_zfo(pki: Any) -> tuple[bytes, datetime]:
    """A ZFO sealed at SEALED_AT whose signature timestamp comes from an authority of the
    test CA whose certificate ends years before the seal's; and that end."""
    from cryptography.x509.oid import ExtendedKeyUsageOID
    from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml

    from dso_desktop.zfo.produce import TsaIdentity, seal
    from dso_desktop.zfo.testpki import issue_cert, leaf_key_usage, pki_name, rsa_key

    key = rsa_key()
    cert = issue_cert(pki_name("Short-lived TSA"), key, issuer=pki.ca_cert,
                      issuer_key=pki.ca_key, not_before=datetime(2025, 1, 1, tzinfo=UTC),
                      days=3 * 365, key_usage=leaf_key_usage(),
                      eku=[ExtendedKeyUsageOID.TIME_STAMPING])
    assert cert.not_valid_after_utc < pki.seal.cert.not_valid_after_utc
    data = seal(message_xml(pki), pki.seal, TsaIdentity(cert, key, (pki.ca_cert,)), SEALED_AT)
    return data, cert.not_valid_after_utc


def test_a_timestamp_whose_authority_expired_since_is_named_as_expired(
        short_tsa_zfo: tuple[bytes, datetime], trust: TrustStore) -> None:
    """Only the timestamp's certificate has expired (the seal's is valid, every key length
    still accepted): the verdict says the certificates expired, not that key lengths did."""
    data, tsa_end = short_tsa_zfo
    verdict = v.verify_zfo(data, trust, now=tsa_end + timedelta(days=30))
    assert verdict.kind is VerdictKind.VALID_AT_SIGNING
    assert any("they have expired since, so the seal cannot be re-checked today" in en
               for en in verdict.reasons)
    assert not any("key lengths" in en for en in verdict.reasons)


def test_the_warning_before_a_timestamp_expires_starts_sixty_days_ahead(
        short_tsa_zfo: tuple[bytes, datetime], trust: TrustStore) -> None:
    """With no warning period given, a verdict turns "expiring" 60 days before the
    timestamp authority's certificate ends, and says so in both languages."""
    data, tsa_end = short_tsa_zfo
    quiet = v.verify_zfo(data, trust, now=tsa_end - timedelta(days=60, hours=12))
    assert quiet.kind is VerdictKind.VALID
    assert quiet.evidence_expires == tsa_end
    assert quiet.evidence_cause is EvidenceCause.TIMESTAMP_CERTIFICATE
    due = v.verify_zfo(data, trust, now=tsa_end - timedelta(days=60))
    assert due.kind is VerdictKind.EXPIRING
    assert due.reasons[-1] == "the timestamp expires in 60 days: re-seal or archive the message"
    assert due.reasons_cs[-1] == \
        "Časové razítko vyprší za 60 dní: nechte zprávu znovu opatřit razítkem."


def test_an_added_timestamp_anchor_is_named_after_a_pinned_seal_anchor() -> None:
    """The seal chains to a pinned PostSignum root (nothing to say), the timestamp to a CA
    someone added: that one is still named."""
    from dso_desktop.zfo.trust import PINNED, USER, AnchorInfo

    pinned = AnchorInfo(PINNED, "PostSignum Root QCA 4", "ab" * 32)
    added = AnchorInfo(USER, "Own root", "cd" * 32)
    lines = v._anchor_lines(pinned, added)
    assert [en for en, _cs in lines] == [
        f"the timestamp chains to 'Own root' (SHA-256 {'cd' * 8}…): a CA you added as trusted "
        "in the settings, not a PostSignum root"]
    assert v._anchor_lines(None, added) == lines


def test_an_unknown_dm_hash_algorithm_is_quoted_to_forty_characters() -> None:
    from dso_desktop.domain import HashCheck
    from dso_desktop.zfo.model import ZfoKind

    name = "X" * 39 + "YZ"  # 41 characters
    facts = v._Facts(ZfoKind.RECEIVED, "1", b"h", f"  {name} ", b"dmDm", None)
    r = v._Reasons()
    v._dm_reason(HashCheck.NOT_RECOMPUTABLE, r, facts)
    assert r.en == [f"dmHash not recomputable: its algorithm '{name[:40]}' is not known (the "
                    "seal covers the content)"]
    assert r.cs == [f"Otisk zprávy (dmHash) nelze přepočítat: algoritmus „{name[:40]}“ není "
                    "znám (obsah chrání pečeť)."]


def test_a_seal_timestamp_at_the_qualified_timestamps_last_second_does_not_cover_it() -> None:
    """The qualified timestamp's chain ends the evidence unless the seal timestamp was made
    before that chain's end; made at its very last second it still counts, as
    `_q_timestamp_chain` decides at that second (it checks the chain and returns it:
    test_verify_hot_path), so the two agree on what the seal timestamp covers."""
    end = datetime(2029, 5, 1, tzinfo=UTC)
    seal_chain = Chain((_dated_cert("seal", end + timedelta(days=9), None),), True)  # type: ignore[arg-type]
    tsa = Chain((_dated_cert("tsa", end + timedelta(days=5), None),), True)  # type: ignore[arg-type]
    qts = Chain((_dated_cert("qualified tsa", end, None),), True)  # type: ignore[arg-type]
    assert hz.horizon(seal_chain, tsa, end, qts) == \
        hz.Horizon(end, EvidenceCause.QUALIFIED_TIMESTAMP)
    assert hz.horizon(seal_chain, tsa, end - timedelta(seconds=1), qts) == \
        hz.Horizon(end + timedelta(days=5), EvidenceCause.TIMESTAMP_CERTIFICATE)
