"""What a verdict says, word for word, on every path a valid seal can take.

The reasons are the product's explanation of a legal proof (the detail pane, `dso zfo
verify`, the PDF report show them as they are): a reason dropped, swapped between paths or
changed in one language only is a bug the verdict kind alone does not reveal. These tests
were written against the survivors of a mutmut run over `zfo/verify.py` (docs/testing.md):
each pins the full English and Czech reason lists and the JSON form of one path.
"""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from tests.unit.zfo.zfo_factory import make_zfo, pki, trust  # noqa: F401 - pytest fixtures

from dso_desktop.domain import EvidenceCause, HashCheck, ZfoKind
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import ACCOUNT, GIVEN, USER, AnchorInfo, TrustStore, fingerprint
from dso_desktop.zfo.verify import Verdict, VerdictKind, verify_zfo

NOW = datetime(2026, 6, 1, tzinfo=UTC)
SEAL_CN = "Informační systém datových schránek - simulátor"
SEALED = "2026-03-01 12:00 UTC"

SEAL_OK = (f"seal by '{SEAL_CN}' is intact and its certificate was valid when sealed "
           f"({SEALED})",
           f"Pečeť ({SEAL_CN}) je neporušená a její certifikát byl v době zapečetění "
           f"({SEALED}) platný.")
HASH_OK = ("dmHash matches the message content", "Otisk zprávy (dmHash) odpovídá obsahu.")
NOT_CHECKED = {
    "seal": ("revocation of the seal certificate was not checked: the certificate names no "
             "CRL distribution point",
             "Zneplatnění (revokace) certifikátu pečeti nebylo ověřeno (seznam "
             "zneplatněných certifikátů není k dispozici)."),
    "tsa": ("revocation of the timestamp authority certificate was not checked: the "
            "certificate names no CRL distribution point",
            "Zneplatnění (revokace) certifikátu časového razítka nebylo ověřeno (seznam "
            "zneplatněných certifikátů není k dispozici)."),
}


def _anchor(pki: TestPki, what: str = "seal") -> tuple[str, str]:
    sha = fingerprint(pki.ca_cert)
    en_what, cs_what = ("seal", "Pečeť") if what == "seal" else ("timestamp", "Časové razítko")
    return (f"the {en_what} chains to 'DSO Simulator Root CA' (SHA-256 {sha[:16]}…): a CA "
            "given for this check, not a PostSignum root",
            f"{cs_what} vede k autoritě „DSO Simulator Root CA“ (SHA-256 {sha[:16]}…): "
            "autorita zadaná pro toto ověření (není to kořenová autorita PostSignum).")


def _pairs(v: Verdict) -> list[tuple[str, str]]:
    assert len(v.reasons) == len(v.reasons_cs), (v.reasons, v.reasons_cs)
    return list(zip(v.reasons, v.reasons_cs, strict=True))


def _d(t: datetime) -> str:
    return f"{t.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def test_a_valid_message_explains_every_check(make_zfo: Callable[..., bytes],
                                              trust: TrustStore, pki: TestPki) -> None:
    v = verify_zfo(make_zfo(), trust, now=NOW)
    ts_end = pki.tsa.cert.not_valid_after_utc
    assert v.kind is VerdictKind.VALID
    assert _pairs(v) == [
        SEAL_OK, HASH_OK, _anchor(pki), NOT_CHECKED["seal"], NOT_CHECKED["tsa"],
        (f"timestamp of {SEALED} is valid until {_d(ts_end)}",
         f"Časové razítko z {SEALED} je platné do {_d(ts_end)}."),
    ]
    # The seal and the timestamp chain to the same added CA: it is named once.
    assert v.anchor == v.timestamp_anchor
    assert v.anchor == AnchorInfo(GIVEN, "DSO Simulator Root CA", fingerprint(pki.ca_cert))
    assert v.added_anchor == v.anchor


def test_the_json_form_of_a_valid_verdict(make_zfo: Callable[..., bytes], trust: TrustStore,
                                          pki: TestPki) -> None:
    v = verify_zfo(make_zfo(), trust, now=NOW)
    anchor = {"source": GIVEN, "name": "DSO Simulator Root CA",
              "sha256": fingerprint(pki.ca_cert)}
    assert v.to_json() == {
        "kind": "received", "dm_id": "4242", "verdict": "valid",
        "reasons": list(v.reasons), "reasons_cs": list(v.reasons_cs),
        "signing_time": "2026-03-01T12:00:00+00:00",
        "timestamp_time": "2026-03-01T12:00:00+00:00",
        "timestamp_expires": pki.tsa.cert.not_valid_after_utc.isoformat(),
        "checked_at": NOW.isoformat(), "dm_hash": "ok",
        "anchor": anchor, "timestamp_anchor": anchor, "added_anchor": anchor,
        "revocation": "not-checked", "revocation_checked": False,
        # The test PKI's 2048-bit RSA keys are accepted until the end of 2030 (zfo.horizon).
        "evidence_expires": "2030-12-31T23:59:59+00:00", "evidence_cause": "algorithm",
    }
    assert v.zfo_kind is ZfoKind.RECEIVED and v.dm_hash is HashCheck.OK
    assert v.evidence_cause is EvidenceCause.ALGORITHM


def test_an_invalid_verdict_in_json_has_no_times_or_anchors(trust: TrustStore) -> None:
    v = verify_zfo(b"not a zfo at all", trust, now=NOW)
    out = v.to_json()
    assert out["verdict"] == "invalid" and out["kind"] is None and out["dm_id"] is None
    for key in ("signing_time", "timestamp_time", "timestamp_expires", "anchor",
                "timestamp_anchor", "added_anchor", "evidence_expires", "evidence_cause"):
        assert out[key] is None, key
    assert out["revocation"] == "not-reached" and out["revocation_checked"] is False
    assert out["checked_at"] == NOW.isoformat() and out["dm_hash"] == "not-checked"
    assert not v.ok and v.added_anchor is None


def test_no_timestamp_says_the_time_cannot_be_proven(make_zfo: Callable[..., bytes],
                                                     trust: TrustStore, pki: TestPki) -> None:
    v = verify_zfo(make_zfo(with_tsa=False), trust, now=NOW)
    assert v.kind is VerdictKind.VALID_AT_SIGNING
    assert _pairs(v) == [
        SEAL_OK, HASH_OK, _anchor(pki), NOT_CHECKED["seal"],
        ("no timestamp: the seal was valid at signing time, but that time cannot be proven "
         "today", "Zpráva nemá časové razítko: pečeť byla platná v době podepsání, dnes to "
         "však nelze prokázat."),
    ]
    assert v.timestamp_time is None and v.timestamp_expires is None
    assert v.timestamp_anchor is None and v.anchor is not None


def test_no_timestamp_and_the_seal_expired_since(make_zfo: Callable[..., bytes],
                                                 trust: TrustStore, pki: TestPki) -> None:
    later = pki.seal.cert.not_valid_after_utc + timedelta(days=400)
    v = verify_zfo(make_zfo(with_tsa=False), trust, now=later)
    assert v.kind is VerdictKind.VALID_AT_SIGNING and v.ok
    pairs = _pairs(v)
    assert pairs[:4] == [SEAL_OK, HASH_OK, _anchor(pki), NOT_CHECKED["seal"]]
    assert pairs[5] == (f"today: certificate '{SEAL_CN}' expired on "
                        f"{pki.seal.cert.not_valid_after_utc:%Y-%m-%d}",
                        "Dnes: certifikát vypršel")
    assert len(pairs) == 6


def test_an_expired_timestamp_still_proves_the_sealing(make_zfo: Callable[..., bytes],
                                                       trust: TrustStore, pki: TestPki) -> None:
    ts_end = pki.tsa.cert.not_valid_after_utc
    v = verify_zfo(make_zfo(), trust, now=ts_end + timedelta(days=400))
    assert v.kind is VerdictKind.VALID_AT_SIGNING and v.ok
    assert _pairs(v) == [
        SEAL_OK, HASH_OK, _anchor(pki), NOT_CHECKED["seal"], NOT_CHECKED["tsa"],
        (f"the timestamp of {SEALED} proves the seal was made while its certificates were "
         "valid; they have expired since, so the seal cannot be re-checked today",
         f"Časové razítko z {SEALED} prokazuje, že pečeť vznikla v době platnosti "
         "certifikátů; ty mezitím vypršely, dnes ji proto nelze znovu ověřit."),
        (f"the timestamp stopped being verifiable on {_d(ts_end)}",
         f"Časové razítko přestalo být ověřitelné {_d(ts_end)}."),
    ]


def test_a_delivery_info_says_its_hash_cannot_be_recomputed(
        make_zfo: Callable[..., bytes], trust: TrustStore, pki: TestPki) -> None:
    v = verify_zfo(make_zfo(kind="delivery-info"), trust, now=NOW)
    assert v.kind is VerdictKind.VALID and v.zfo_kind is ZfoKind.DELIVERY_INFO
    assert v.dm_hash is HashCheck.NOT_RECOMPUTABLE
    assert _pairs(v)[1] == (
        "dmHash not recomputable: a delivery info does not contain the attachments it covers",
        "Otisk zprávy nelze z doručenky přepočítat (nejsou v ní přílohy).")


def test_a_dm_hash_mismatch_is_explained(make_zfo: Callable[..., bytes],
                                         trust: TrustStore) -> None:
    v = verify_zfo(make_zfo(tamper_hash=True), trust, now=NOW)
    assert v.kind is VerdictKind.INVALID and v.dm_hash is HashCheck.MISMATCH
    assert _pairs(v) == [("dmHash does not match the message content (dmDm)",
                          "Otisk zprávy (dmHash) neodpovídá jejímu obsahu.")]
    # What failed is told, but nothing that was not reached is claimed.
    assert v.anchor is None and v.timestamp_time is None and v.revocation == "not-reached"
    assert v.message_id == "4242" and v.signing_time is not None


@pytest.mark.parametrize(("source", "en", "cs"), [
    (USER, "a CA you added as trusted in the settings, not a PostSignum root",
     "autorita, kterou jste v nastavení přidali mezi důvěryhodné (není to kořenová "
     "autorita PostSignum)"),
    (ACCOUNT, "the CA given for this account (a test environment or the simulator), not a "
     "PostSignum root", "autorita zadaná pro tento účet (testovací prostředí nebo simulátor), "
     "není to kořenová autorita PostSignum"),
])
def test_the_source_of_an_added_anchor_is_named(make_zfo: Callable[..., bytes], pki: TestPki,
                                                source: str, en: str, cs: str) -> None:
    store = TrustStore.from_paths([pki.ca_file], source=source)
    v = verify_zfo(make_zfo(), store, now=NOW)
    assert v.kind is VerdictKind.VALID
    sha = fingerprint(pki.ca_cert)
    assert v.anchor == AnchorInfo(source, "DSO Simulator Root CA", sha)
    named = [p for p in _pairs(v) if "DSO Simulator Root CA" in p[0]]
    assert named == [(f"the seal chains to 'DSO Simulator Root CA' (SHA-256 {sha[:16]}…): {en}",
                      f"Pečeť vede k autoritě „DSO Simulator Root CA“ (SHA-256 {sha[:16]}…): "
                      f"{cs}.")]


# The test PKI's 2048-bit RSA keys stop being accepted at the end of 2030 (zfo.horizon),
# before any of its certificates expires: "not valid today" for another reason than expiry.
KEYS_END = "2030-12-31"
AFTER_KEYS = datetime(2032, 1, 1, tzinfo=UTC)


def test_no_timestamp_and_a_key_no_longer_accepted(make_zfo: Callable[..., bytes],
                                                   trust: TrustStore, pki: TestPki) -> None:
    assert pki.seal.cert.not_valid_after_utc > AFTER_KEYS  # not expired: rejected
    v = verify_zfo(make_zfo(with_tsa=False), trust, now=AFTER_KEYS)
    assert v.kind is VerdictKind.VALID_AT_SIGNING
    assert _pairs(v)[-1] == (
        f"today: the 2048-bit key of certificate '{SEAL_CN}' is no longer accepted "
        f"(accepted until {KEYS_END})", "Dnes: délka klíče již není přijímána.")


def test_a_timestamp_whose_keys_are_no_longer_accepted(make_zfo: Callable[..., bytes],
                                                       trust: TrustStore, pki: TestPki) -> None:
    v = verify_zfo(make_zfo(), trust, now=AFTER_KEYS)
    assert v.kind is VerdictKind.VALID_AT_SIGNING and v.ok
    pairs = _pairs(v)
    assert pairs[-2:] == [
        (f"today: the 2048-bit key of certificate '{SEAL_CN}' is no longer accepted "
         f"(accepted until {KEYS_END})", "Dnes: délka klíče již není přijímána."),
        ("today: the 2048-bit key of certificate 'DSO Simulator TSA' is no longer accepted "
         f"(accepted until {KEYS_END})", "Dnes: délka klíče již není přijímána."),
    ]
    # Nothing has expired: the key lengths are said to be the cause, and the timestamp
    # ended when they stopped being accepted (not on its certificate's future end).
    assert pairs[5][0] == (
        f"the timestamp of {SEALED} proves the seal was made while its certificates were "
        "valid; their key lengths are no longer accepted, so the seal cannot be re-checked "
        "today")
    assert "expired" not in pairs[5][0] and "vypršely" not in pairs[5][1]
    assert pairs[6] == ("the timestamp stopped being verifiable on 2030-12-31 23:59 UTC",
                        "Časové razítko přestalo být ověřitelné 2030-12-31 23:59 UTC.")


def test_evidence_ending_for_another_cause_than_the_timestamp_is_named(
        make_zfo: Callable[..., bytes], trust: TrustStore) -> None:
    # Exactly 30 days before the keys stop being accepted (2030-12-31 23:59:59).
    soon = datetime(2030, 12, 1, 23, 59, 59, tzinfo=UTC)
    v = verify_zfo(make_zfo(), trust, now=soon, expiry_warning_days=30)
    assert v.kind is VerdictKind.EXPIRING
    assert v.evidence_cause is EvidenceCause.ALGORITHM
    assert _pairs(v)[-1] == (
        "the evidence stops being verifiable in 30 days (the key length stops being "
        "accepted): re-seal or archive the message",
        "Zprávu za 30 dní nepůjde ověřit (délka klíče přestane být přijímána): nechte ji "
        "znovu opatřit razítkem.")
    # With one day less of warning time it is not yet "expiring".
    assert verify_zfo(make_zfo(), trust, now=soon, expiry_warning_days=29).kind \
        is VerdictKind.VALID


def test_the_seal_certificate_ending_is_named(
        make_zfo: Callable[..., bytes], trust: TrustStore, pki: TestPki,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("dso_desktop.zfo.horizon.STRENGTH_112_UNTIL",
                        datetime(2099, 1, 1, tzinfo=UTC))
    end = pki.seal.cert.not_valid_after_utc  # not after the TSA's: the seal is named
    assert end <= pki.tsa.cert.not_valid_after_utc
    v = verify_zfo(make_zfo(), trust, now=end - timedelta(days=10, hours=1))
    assert v.kind is VerdictKind.EXPIRING
    assert _pairs(v)[-1] == (
        "the evidence stops being verifiable in 10 days (the seal certificate expires): "
        "re-seal or archive the message",
        "Zprávu za 10 dní nepůjde ověřit (vyprší certifikát pečeti): nechte ji znovu "
        "opatřit razítkem.")
    assert v.evidence_cause is EvidenceCause.SEAL_CERTIFICATE


def test_an_unlocatable_dm_dm_is_explained(pki: TestPki, trust: TrustStore) -> None:
    from tests.unit.zfo.test_encodings import dm_dm_span, rehash
    from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml

    from dso_desktop.zfo.produce import seal

    # Shift_JIS: an encoding the hash check does not search bytes in (test_encodings.py).
    text = '<?xml version="1.0" encoding="Shift_JIS"?>' + message_xml(pki, subject="x").decode()
    for cz, ascii_ in (("Úřad městyse Test", "Urad"), ("Náměstí", "Namesti"),
                       ("Jan Novák", "Jan Novak"), ("k rukám", "k rukam"), ("Č.j.", "Cj")):
        text = text.replace(cz, ascii_)
    s, e = dm_dm_span(text)
    content = rehash(text, pki, text[s:e].encode("shift_jis")).encode("shift_jis")
    v = verify_zfo(seal(content, pki.seal, pki.tsa, SEALED_AT), trust, now=NOW)
    assert v.kind is VerdictKind.INVALID and v.dm_hash is HashCheck.UNLOCATABLE
    assert _pairs(v) == [(
        "dmHash cannot be checked: the dmDm element's bytes cannot be located in the content "
        "(unsupported encoding)",
        "Otisk zprávy (dmHash) nelze ověřit: obsah je v nepodporovaném kódování.")]


def test_an_unreadable_file_is_explained(trust: TrustStore) -> None:
    v = verify_zfo(b"%PDF-1.7 not a zfo", trust, now=NOW)
    assert v.kind is VerdictKind.INVALID and len(v.reasons) == 1
    assert v.reasons[0].startswith("not a readable ZFO: ")
    assert v.reasons_cs == ("Soubor není podepsaná datová zpráva (chybí struktura CMS).",)


def test_a_file_over_the_size_limit_is_not_read(make_zfo: Callable[..., bytes],
                                                trust: TrustStore,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_zfo()
    monkeypatch.setattr("dso_desktop.zfo.verify.MAX_ZFO_SIZE", len(data) - 1)
    v = verify_zfo(data, trust, now=NOW)
    assert v.kind is VerdictKind.INVALID
    assert v.reasons == (f"not a readable ZFO: file has {len(data)} bytes, more than "
                         f"{len(data) - 1}",)
    monkeypatch.setattr("dso_desktop.zfo.verify.MAX_ZFO_SIZE", len(data))
    assert verify_zfo(data, trust, now=NOW).kind is VerdictKind.VALID


def test_an_unexpected_parser_error_is_a_broken_structure(
        make_zfo: Callable[..., bytes], trust: TrustStore,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The lean CMS reader may fail with a plain ValueError/IndexError on shapes no check
    # names; that is an invalid file, said plainly, never an exception out of the verifier.
    def broken(_data: bytes) -> object:
        raise IndexError("index out of range")

    monkeypatch.setattr("dso_desktop.zfo.verify.f.signed_data", broken)
    v = verify_zfo(make_zfo(), trust, now=NOW)
    assert v.kind is VerdictKind.INVALID
    assert _pairs(v) == [("broken signature structure: index out of range",
                          "Podpisová struktura je poškozená.")]
    assert v.zfo_kind is None and v.message_id is None


@pytest.mark.parametrize(("offset", "valid"), [
    (timedelta(hours=24), True), (timedelta(hours=-24), True),
    (timedelta(hours=24, seconds=1), False), (-timedelta(hours=24, seconds=1), False),
])
def test_a_timestamp_more_than_a_day_from_the_signing_time(
        pki: TestPki, trust: TrustStore, offset: timedelta, valid: bool) -> None:
    from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml

    from dso_desktop.zfo.produce import seal

    data = seal(message_xml(pki), pki.seal, pki.tsa, SEALED_AT,
                timestamp_time=SEALED_AT + offset)
    v = verify_zfo(data, trust, now=NOW)
    if valid:
        assert v.kind is VerdictKind.VALID, v.reasons
        assert v.timestamp_time == SEALED_AT + offset
        return
    assert v.kind is VerdictKind.INVALID
    assert _pairs(v)[-1] == ("the timestamp is more than a day away from the signing time",
                             "Časové razítko je o více než den vzdálené od času podepsání.")
    assert v.timestamp_time == SEALED_AT + offset and v.anchor is None


def test_the_isds_timestamp_chain_ends_the_evidence_without_a_seal_timestamp(
        pki: TestPki, trust: TrustStore) -> None:
    """dmQTimestamp's TSA certificate counts for the evidence horizon when nothing else
    (a seal timestamp) vouches for it: a short-lived one ends the evidence first."""
    from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml_with_short_lived_q_tsa

    from dso_desktop.zfo.produce import seal

    xml, short = message_xml_with_short_lived_q_tsa(pki)
    v = verify_zfo(seal(xml, pki.seal, None, SEALED_AT), trust, now=NOW)
    assert v.kind is VerdictKind.VALID_AT_SIGNING, v.reasons
    assert v.evidence_expires == short.not_valid_after_utc
    assert v.evidence_cause is EvidenceCause.QUALIFIED_TIMESTAMP


def test_a_timestamp_made_outside_its_authoritys_validity_keeps_its_time(
        make_zfo: Callable[..., bytes], trust: TrustStore) -> None:
    early = datetime(2020, 1, 1, tzinfo=UTC)  # before every test certificate
    v = verify_zfo(make_zfo(when=early), trust, now=NOW)
    assert v.kind is VerdictKind.INVALID
    assert v.reasons[-1].startswith("timestamp check failed: timestamp authority at its "
                                    "issue time: ")
    assert v.reasons_cs[-1] == "Časové razítko je neplatné."
    assert v.timestamp_time == early  # what the token says, shown with the refusal


# Survivors of seed 20261208 (branch ``survrest``): reasons of an invalid seal, word for
# word in both languages, and the count of days left.

def test_a_seal_without_a_signing_time_is_invalid_and_says_so(
        pki: TestPki, trust: TrustStore) -> None:
    from asn1crypto import cms
    from tests.unit.zfo.zfo_factory import message_xml

    from dso_desktop.zfo.produce import _sign_signed_data

    signed = _sign_signed_data("data", message_xml(pki), pki.seal.cert, pki.seal.key, None,
                               "sha256")
    data = cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump()
    v = verify_zfo(data, trust, now=NOW)
    assert v.kind is VerdictKind.INVALID
    assert _pairs(v)[-1] == ("the seal has no signing time", "Pečeť neuvádí čas podepsání.")


def test_a_signed_content_type_other_than_the_content_is_named(
        make_zfo: Callable[..., bytes]) -> None:
    from dso_desktop.zfo import fastcms as f
    from dso_desktop.zfo.cmscheck import check_signer

    # The first id-data OID is the encapsulated content's type (the second is the signed
    # contentType attribute): made id-digestedData, outside what the signature covers.
    data_oid = bytes.fromhex("06092a864886f70d010701")
    zfo = make_zfo().replace(data_oid, bytes.fromhex("06092a864886f70d010705"), 1)
    cert, problem = check_signer(f.signed_data(zfo))
    assert cert is not None
    assert problem == "signed contentType does not match the content"


def test_a_timestamp_over_another_signature_is_named(
        pki: TestPki, trust: TrustStore) -> None:
    from asn1crypto import cms
    from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml

    from dso_desktop.zfo.produce import _sign_signed_data, make_timestamp_token

    def stamp_of_another(_signature: bytes) -> cms.CMSAttributes:
        token = make_timestamp_token(b"another signature", pki.tsa, SEALED_AT)
        return cms.CMSAttributes([
            cms.CMSAttribute({"type": "signature_time_stamp_token", "values": [token]})])

    signed = _sign_signed_data("data", message_xml(pki), pki.seal.cert, pki.seal.key,
                               SEALED_AT, "sha256", unsigned=stamp_of_another)
    data = cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump()
    v = verify_zfo(data, trust, now=NOW)
    assert v.kind is not VerdictKind.VALID
    assert any(r.endswith("timestamp was issued for another signature (imprint mismatch)")
               for r in v.reasons), v.reasons


def test_a_timestamp_ending_within_the_day_says_zero_days(
        pki: TestPki, trust: TrustStore) -> None:
    from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml

    from dso_desktop.zfo.produce import seal
    from dso_desktop.zfo.testpki import short_lived_tsa

    ends_at = NOW + timedelta(hours=5)  # whole days from its start: ends exactly then
    tsa = short_lived_tsa(pki, ends_at, not_before=ends_at - timedelta(days=100))
    assert tsa.cert.not_valid_after_utc == ends_at and tsa.cert.not_valid_before_utc < SEALED_AT
    v = verify_zfo(seal(message_xml(pki), pki.seal, tsa, SEALED_AT), trust, now=NOW)
    assert any(r.startswith("the timestamp expires in 0 days") for r in v.reasons), v.reasons


def test_a_seal_certificate_not_yet_valid_at_signing_time_is_invalid(
        pki: TestPki, trust: TrustStore) -> None:
    from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml

    from dso_desktop.zfo.produce import SealIdentity, seal
    from dso_desktop.zfo.testpki import issue_cert, leaf_key_usage

    later = issue_cert(pki.seal.cert.subject, pki.seal.key, issuer=pki.ca_cert,
                       issuer_key=pki.ca_key, not_before=SEALED_AT + timedelta(days=1),
                       key_usage=leaf_key_usage())
    data = seal(message_xml(pki), SealIdentity(later, pki.seal.key, (pki.ca_cert,)), None,
                SEALED_AT)
    v = verify_zfo(data, trust, now=NOW)
    assert v.kind is VerdictKind.INVALID
    en, cs = _pairs(v)[-1]
    assert en.startswith("the seal certificate chain was not valid at signing time: ")
    assert cs == "Certifikát pečeti nebyl v době podepsání platný."


def test_a_signing_certificate_attribute_naming_another_certificate_is_refused(
        make_zfo: Callable[..., bytes], pki: TestPki, monkeypatch: pytest.MonkeyPatch) -> None:
    from dso_desktop.zfo import fastcms as f
    from dso_desktop.zfo import produce
    from dso_desktop.zfo.cmscheck import check_signer

    real = produce._signing_certificate_v2
    monkeypatch.setattr(produce, "_signing_certificate_v2",
                        lambda _cert: real(produce._asn1_cert(pki.tsa.cert)))
    cert, problem = check_signer(f.signed_data(make_zfo(with_tsa=False)))
    assert cert is not None
    assert problem == "signing-certificate attribute names another certificate"


def test_a_zfo_verifies_without_the_compiled_fast_path(
        make_zfo: Callable[..., bytes], trust: TrustStore,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # An install without a C compiler has no _cder: every walk falls back to Python.
    from dso_desktop.zfo import fastcms as f

    monkeypatch.setattr(f, "_cder", None)
    v = verify_zfo(make_zfo(), trust, now=NOW)
    assert v.kind is VerdictKind.VALID, v.reasons
