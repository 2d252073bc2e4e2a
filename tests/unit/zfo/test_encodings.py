"""dmHash and every other check work on the exact signed bytes, whatever the encoding.

A UTF-8 message sealed as the simulator seals it is re-encoded in UTF-16 (LE/BE, with and
without a BOM, with an XML declaration saying UTF-16), its dmHash recomputed over the dmDm
element's bytes *in that encoding* (as ISDS would hash what it serialises), and re-sealed.
The verdict and kind must be those of the UTF-8 original.
"""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml, pki, trust  # noqa: F401

from dso_desktop.cli.main import run
from dso_desktop.zfo.errors import HostileXmlError, MalformedXmlError
from dso_desktop.zfo.parse import parse_zfo
from dso_desktop.zfo.produce import dm_hash, q_timestamp, seal
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore
from dso_desktop.zfo.verify import VerdictKind, verify_zfo
from dso_desktop.zfo.xmlcontent import dm_dm_bytes, parse_xml, sniff_encoding

NOW = datetime(2026, 6, 1, tzinfo=UTC)
BOMS = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff", "utf-32-le": b"\xff\xfe\x00\x00",
        "utf-8": b"\xef\xbb\xbf"}
DECL = '<?xml version="1.0" encoding="{name}"?>'
SUBJECT = "Věc: žádost o řízení 😀 (ř, ů, €)"


@dataclass(frozen=True)
class Variant:
    codec: str
    bom: bool
    declaration: bool = True

    @property
    def id(self) -> str:
        return (f"{self.codec}{'-bom' if self.bom else ''}"
                f"{'-decl' if self.declaration else ''}")


VARIANTS = [
    Variant("utf-16-le", bom=True), Variant("utf-16-le", bom=False),
    Variant("utf-16-be", bom=True), Variant("utf-16-be", bom=False),
    Variant("utf-16-le", bom=True, declaration=False),
    Variant("utf-16-be", bom=True, declaration=False),
    Variant("utf-32-le", bom=True),
]
_DM_START = re.compile(r"<(?:([A-Za-z_][\w.-]*):)?dmDm[\s>]")


def dm_dm_span(text: str) -> tuple[int, int]:
    """[start, end) of the outer dmDm element in ``text`` (the one that precedes dmHash)."""
    m = _DM_START.search(text)
    assert m is not None
    qn = f"{m.group(1)}:dmDm" if m.group(1) else "dmDm"
    close = f"</{qn}>"
    end = text.rindex(close, 0, text.rindex("dmHash")) + len(close)
    return m.start(), end


def rehash(text: str, pki: TestPki, dm_bytes: bytes) -> str:
    """``text`` with dmHash = SHA-256(dm_bytes) and a dmQTimestamp over it."""
    h = dm_hash(dm_bytes)
    qts = base64.b64encode(q_timestamp(h, pki.tsa, SEALED_AT)).decode()
    text = re.sub(r'(dmHash algorithm="SHA-256">)[^<]*(<)',
                  lambda m: m.group(1) + base64.b64encode(h).decode() + m.group(2), text)
    return re.sub(r"(dmQTimestamp>)[^<]*(<)", lambda m: m.group(1) + qts + m.group(2), text)


def reencode(xml_utf8: bytes, v: Variant, pki: TestPki, *,
             hash_of: Callable[[str, Variant], bytes] | None = None) -> tuple[bytes, bytes]:
    """(content in ``v``'s encoding, the exact bytes of its dmDm element).

    ISDS's rule, as the program implements it: dmHash covers the bytes the dmDm element
    occupies in the document's own encoding. ``hash_of`` computes the hashed bytes some
    other (wrong) way, to prove the verifier does not do that.
    """
    text = xml_utf8.decode("utf-8")
    if v.declaration:
        name = "UTF-16" if v.codec.startswith("utf-16") else v.codec.upper()[:6]
        text = DECL.format(name=name) + text
    s, e = dm_dm_span(text)
    element = text[s:e].encode(v.codec)
    text = rehash(text, pki, hash_of(text[s:e], v) if hash_of else element)
    data = (BOMS[v.codec] if v.bom else b"") + text.encode(v.codec)
    return data, element


def sealed(content: bytes, pki: TestPki) -> bytes:
    return seal(content, pki.seal, pki.tsa, SEALED_AT)


@pytest.fixture(scope="module")
def utf8_sealed(pki: TestPki) -> Callable[[str], tuple[bytes, bytes]]:
    """Per kind, the UTF-8 message and its ZFO, made once for all seven encodings (each
    case made the same two again: a third of its time went into sealing them)."""
    made: dict[str, tuple[bytes, bytes]] = {}

    def get(kind: str) -> tuple[bytes, bytes]:
        if kind not in made:
            utf8 = message_xml(pki, kind=kind, subject=SUBJECT)
            made[kind] = (utf8, sealed(utf8, pki))
        return made[kind]
    return get


@pytest.mark.parametrize("v", VARIANTS, ids=lambda v: v.id)
@pytest.mark.parametrize("kind", ["received", "sent", "delivery-info"])
def test_reencoded_message_verifies_exactly_as_utf8(
        v: Variant, kind: str, pki: TestPki, trust: TrustStore,
        utf8_sealed: Callable[[str], tuple[bytes, bytes]]) -> None:
    utf8, utf8_zfo = utf8_sealed(kind)
    ref_zfo = parse_zfo(utf8_zfo)
    ref = verify_zfo(ref_zfo, trust, now=NOW)
    assert ref.kind is VerdictKind.VALID, ref.reasons
    content, element = reencode(utf8, v, pki)
    data = sealed(content, pki)
    z = parse_zfo(data)
    assert z.content_xml == content
    assert z.kind is ref_zfo.kind and z.kind.value == kind
    assert z.envelope == ref_zfo.envelope and z.envelope.subject == SUBJECT
    assert [a.content() for a in z.attachments] == [a.content() for a in ref_zfo.attachments]
    assert z.events == ref_zfo.events
    for given in (z, data):  # a parsed Zfo (import, sync) and raw bytes (`dso zfo verify`)
        got = verify_zfo(given, trust, now=NOW)
        assert (got.kind, got.dm_hash, got.zfo_kind, got.message_id, got.reasons) == \
            (ref.kind, ref.dm_hash, ref.zfo_kind, ref.message_id, ref.reasons)
    if kind != "delivery-info":
        assert ref.dm_hash == "ok"
        # The hashed bytes are the element's own slice of the signed content.
        assert z.dm_dm_bytes == element
        assert content.find(element) == content.find(element[:8]) >= (2 if v.bom else 0)
    else:
        assert ref.dm_hash == "not-recomputable"


@pytest.mark.parametrize("v", VARIANTS, ids=lambda v: v.id)
def test_tampered_byte_inside_reencoded_dmdm_is_a_hash_mismatch(
        v: Variant, pki: TestPki, trust: TrustStore) -> None:
    content, _ = reencode(message_xml(pki, subject=SUBJECT), v, pki)
    # Change one character of the subject inside dmDm, in the document's encoding, and
    # re-seal: the seal is intact, only dmHash can notice.
    old, new = "žádost".encode(v.codec), "žádosT".encode(v.codec)
    assert content.count(old) == 1
    forged = content.replace(old, new)
    assert sniff_encoding(forged) == sniff_encoding(content)
    z = parse_zfo(sealed(forged, pki))
    assert z.envelope.subject == SUBJECT.replace("žádost", "žádosT")
    for given in (z, sealed(forged, pki)):
        got = verify_zfo(given, trust, now=NOW)
        assert got.kind is VerdictKind.INVALID and got.dm_hash == "mismatch", got.reasons
        assert any("dmHash does not match" in r for r in got.reasons)


@pytest.mark.parametrize("v", VARIANTS[:4], ids=lambda v: v.id)
def test_hash_over_a_transcoded_copy_is_not_accepted(v: Variant, pki: TestPki,
                                                     trust: TrustStore) -> None:
    """A dmHash over the UTF-8 transcoding of a UTF-16 dmDm is not ISDS's hash of these
    bytes: a verifier that transcodes before hashing would wrongly call this `ok`."""
    content, _ = reencode(message_xml(pki, subject=SUBJECT), v, pki,
                          hash_of=lambda element, _v: element.encode("utf-8"))
    got = verify_zfo(sealed(content, pki), trust, now=NOW)
    assert got.kind is VerdictKind.INVALID and got.dm_hash == "mismatch"


# dmDm written the way no serialiser writes it back: single-quoted and spaced attributes,
# character references, an empty element in long form, a comment and odd whitespace.
QUIRKY_ENVELOPE = ("<p:dmDm  xmlns:p='http://isds.czechpoint.cz/v20' >\n  <p:dmID >4242</p:dmID>"
                   "<!-- kept -->\r\n<p:dmAnnotation>&#x158;&#237;zen&#xED; &amp; &#128512;"
                   "</p:dmAnnotation ><p:dmToHands></p:dmToHands>")


@pytest.mark.parametrize("v", [Variant("utf-8", bom=False), *VARIANTS[:4]],
                         ids=lambda v: v.id)
def test_hash_is_over_the_original_bytes_not_a_reserialisation(
        v: Variant, pki: TestPki, trust: TrustStore) -> None:
    """An implementation that re-serialises dmDm (lxml tostring, C14N, a decoded and
    re-encoded text) hashes other bytes than these and reports a mismatch here."""
    utf8 = message_xml(pki, subject="x").decode()
    s, _ = dm_dm_span(utf8)
    head_end = utf8.index("<p:dmID>")
    after_id = utf8.index("<p:dbIDSender>")
    quirky = (utf8[:s] + QUIRKY_ENVELOPE + utf8[after_id:]).replace(
        "<p:dmToHands>k rukám</p:dmToHands><p:dmAnnotation>x</p:dmAnnotation>", "")
    assert head_end > s
    content, element = reencode(quirky.encode(), v, pki)
    z = parse_zfo(sealed(content, pki))
    assert z.envelope.subject == "Řízení & 😀"
    assert z.dm_dm_bytes == element
    assert element.startswith("<p:dmDm  xmlns:p='".encode(v.codec))
    for given in (z, sealed(content, pki)):
        got = verify_zfo(given, trust, now=NOW)
        assert got.kind is VerdictKind.VALID and got.dm_hash == "ok", got.reasons


def test_dm_dm_bytes_maps_text_offsets_to_original_bytes() -> None:
    """Characters outside the BMP take two UTF-16 code units: offsets are in bytes."""
    text = ('<?xml version="1.0" encoding="UTF-16"?><q:R xmlns:q="urn:q">😀😀'
            '<p:dmDm xmlns:p="urn:p"><p:a>ř😀</p:a></p:dmDm><q:dmHash>x</q:dmHash></q:R>')
    element = '<p:dmDm xmlns:p="urn:p"><p:a>ř😀</p:a></p:dmDm>'
    for codec in ("utf-16-le", "utf-16-be", "utf-32-le"):
        for bom in (b"", BOMS.get(codec, b"")):
            data = bom + text.encode(codec)
            got = dm_dm_bytes(data, "p:dmDm")
            assert got == element.encode(codec)
            assert got is not None and data.index(got) % len("<".encode(codec)) == 0


def test_sniffing_agrees_with_the_parser() -> None:
    """The encoding we locate markup in is the one libxml2 decoded the document in."""
    doc = '<a xmlns="urn:x">ř😀</a>'
    cases = [
        (b"\xff\xfe" + doc.encode("utf-16-le"), "utf-16-le", 2),
        (b"\xfe\xff" + doc.encode("utf-16-be"), "utf-16-be", 2),
        (DECL.format(name="UTF-16").encode("utf-16-le") + doc.encode("utf-16-le"),
         "utf-16-le", 0),
        (DECL.format(name="UTF-16").encode("utf-16-be") + doc.encode("utf-16-be"),
         "utf-16-be", 0),
        # A BOM wins over a declaration naming something else (as in libxml2).
        (b"\xff\xfe" + (DECL.format(name="UTF-8") + doc).encode("utf-16-le"), "utf-16-le", 2),
        (b"\xef\xbb\xbf" + doc.encode(), "utf-8", 3),
        (doc.encode(), "utf-8", 0),
        (b"\xff\xfe\x00\x00" + doc.encode("utf-32-le"), "utf-32-le", 4),
    ]
    for data, codec, bom in cases:
        enc = sniff_encoding(data)
        assert (enc.codec, enc.bom) == (codec, bom)
        assert parse_xml(data).text == "ř😀"


def _cli(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = run(list(argv), out=out, err=err)
    return rc, out.getvalue()


MALFORMED = {
    # Looks like a message to a byte search (root, dmID, dmDm, dmHash all there) but a tag
    # is not closed: not XML.
    "unclosed-tag": lambda xml: xml.replace(b"</p:dmAnnotation>", b"", 1),
    "bad-close": lambda xml: xml.replace(b"</q:MessageDownloadResponse>",
                                         b"</q:MessageDownloadResponsX>"),
    "trailing-garbage": lambda xml: xml + b"<extra/>",
    "undefined-entity": lambda xml: xml.replace("k rukám".encode(), b"k &ruk;", 1),
    "declared-utf16-but-utf8": lambda xml: DECL.format(name="UTF-16").encode() + xml,
    "odd-utf16-length": lambda xml: b"\xff\xfe" + xml.decode().encode("utf-16-le") + b"<",
}


@pytest.mark.parametrize("how", sorted(MALFORMED))
def test_not_well_formed_content_is_invalid_in_verify_as_in_import(
        how: str, pki: TestPki, trust: TrustStore, tmp_path: Path) -> None:
    content = MALFORMED[how](message_xml(pki))
    data = sealed(content, pki)
    with pytest.raises(MalformedXmlError):  # what `dso import` refuses ...
        parse_zfo(data)
    v = verify_zfo(data, trust, now=NOW)  # ... `dso zfo verify` calls invalid
    assert v.kind is VerdictKind.INVALID and not v.ok
    assert any("not well-formed XML" in r or "not valid UTF-16" in r for r in v.reasons), \
        v.reasons
    assert v.reasons_cs == ("Obsah zprávy není platný dokument ISDS.",)
    f = tmp_path / "bad.zfo"
    f.write_bytes(data)
    ca = str(pki.ca_file)
    rc, out = _cli("--json", "zfo", "verify", str(f), "--trust", ca)
    assert rc == 1
    [item] = json.loads(out)
    assert item["verdict"] == "invalid" and item["reasons"] == list(v.reasons)
    rc, out = _cli("zfo", "verify", str(f), "--trust", ca)
    assert rc == 1 and f"{f}: invalid" in out and "not a readable ZFO" in out


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_doctype_in_utf16_is_refused_before_parsing(codec: str, pki: TestPki,
                                                    trust: TrustStore) -> None:
    text = message_xml(pki).decode()
    text = ('<!DOCTYPE q:MessageDownloadResponse [<!ENTITY x "y">]>' + text)
    data = BOMS[codec] + text.encode(codec)
    with pytest.raises(HostileXmlError, match="DOCTYPE or ENTITY declaration"):
        parse_xml(data)
    v = verify_zfo(sealed(data, pki), trust, now=NOW)
    assert v.kind is VerdictKind.INVALID and "DTD" in v.reasons_cs[0]


@pytest.fixture(scope="module")
def simulator_messages() -> tuple[TestPki, list[tuple[str, bytes]]]:
    """Content exactly as the simulator renders and seals its downloads (UTF-8)."""
    from dso_desktop.simulator import Simulator, render

    sim = Simulator(None, seed=11, messages=2, now=NOW)
    msg = next(iter(sim.world.messages.values()))
    qts = sim.core.qtimestamp(msg)
    return sim.pki.pki, [(kind, render.signed_content(sim.world, msg, kind, qts))
                         for kind in ("received", "sent", "delivery")]


@pytest.fixture(scope="module")
def simulator_zfos(simulator_messages: tuple[TestPki, list[tuple[str, bytes]]]
                   ) -> list[bytes]:
    """The UTF-8 contents sealed once for all four encodings (each case sealed the same
    three again)."""
    sim_pki, contents = simulator_messages
    return [sealed(utf8, sim_pki) for _kind, utf8 in contents]


@pytest.mark.parametrize("v", VARIANTS[:4], ids=lambda v: v.id)
def test_simulator_content_reencoded_keeps_verdict_and_kind(
        v: Variant, simulator_messages: tuple[TestPki, list[tuple[str, bytes]]],
        simulator_zfos: list[bytes], tmp_path: Path) -> None:
    sim_pki, contents = simulator_messages
    ca = tmp_path / "sim-ca.pem"
    ca.write_bytes(sim_pki.ca_pem())
    trust = TrustStore.from_paths([ca])
    for (kind, utf8), utf8_zfo in zip(contents, simulator_zfos, strict=True):
        ref = verify_zfo(utf8_zfo, trust, now=NOW)
        assert ref.kind is VerdictKind.VALID, ref.reasons
        content, element = reencode(utf8, v, sim_pki)
        z = parse_zfo(sealed(content, sim_pki))
        got = verify_zfo(z, trust, now=NOW)
        assert (got.kind, got.dm_hash, got.zfo_kind, got.message_id) == \
            (ref.kind, ref.dm_hash, ref.zfo_kind, ref.message_id)
        assert (got.zfo_kind.value if got.zfo_kind else None) == \
            ("delivery-info" if kind == "delivery" else kind)
        if kind != "delivery":
            assert got.dm_hash == "ok" and z.dm_dm_bytes == element


def test_single_byte_declared_encoding_is_hashed_in_its_bytes(pki: TestPki,
                                                              trust: TrustStore) -> None:
    """windows-1250 (declared, ASCII-compatible): dmHash over the element's cp1250 bytes."""
    text = '<?xml version="1.0" encoding="windows-1250"?>' + \
        message_xml(pki, subject="Žádost o řízení").decode()
    s, e = dm_dm_span(text)
    content = rehash(text, pki, text[s:e].encode("cp1250")).encode("cp1250")
    z = parse_zfo(sealed(content, pki))
    assert z.envelope.subject == "Žádost o řízení"
    assert z.dm_dm_bytes == text[s:e].encode("cp1250")
    v = verify_zfo(sealed(content, pki), trust, now=NOW)
    assert v.kind is VerdictKind.VALID and v.dm_hash == "ok", v.reasons


@pytest.mark.parametrize("name", ["UTF-7", "utf7", "UNICODE-1-1-UTF-7"])
def test_utf7_where_markup_hides_from_byte_searches_is_refused(
        name: str, pki: TestPki, trust: TrustStore) -> None:
    """In UTF-7 "+ADw-" is "<": a DOCTYPE or a second dmDm the parser sees would be
    invisible to every byte search. Such content is refused as hostile, as in an import."""
    text = f'<?xml version="1.0" encoding="{name}"?>' + message_xml(pki).decode()
    content = text.encode("utf-7").replace(b"<p:dmDm", b"+ADw-p:dmDm", 1)
    with pytest.raises(HostileXmlError, match="UTF-7"):
        parse_zfo(sealed(content, pki))
    v = verify_zfo(sealed(content, pki), trust, now=NOW)
    assert v.kind is VerdictKind.INVALID and any("UTF-7" in r for r in v.reasons)


def test_dm_dm_in_an_encoding_not_byte_searched_is_not_let_pass(
        pki: TestPki, trust: TrustStore) -> None:
    """A declared encoding the hash check does not search bytes in (here Shift_JIS): the
    message's dmHash is not checkable, which makes it invalid, not valid."""
    text = '<?xml version="1.0" encoding="Shift_JIS"?>' + message_xml(pki, subject="x").decode()
    text = text.replace("Úřad městyse Test", "Urad").replace("Náměstí", "Namesti")
    text = text.replace("Jan Novák", "Jan Novak").replace("k rukám", "k rukam")
    text = text.replace("Č.j.", "Cj")
    s, e = dm_dm_span(text)
    content = rehash(text, pki, text[s:e].encode("shift_jis")).encode("shift_jis")
    z = parse_zfo(sealed(content, pki))
    assert z.envelope.message_id == "4242" and z.dm_dm_bytes is None
    for given in (z, sealed(content, pki)):
        v = verify_zfo(given, trust, now=NOW)
        assert v.kind is VerdictKind.INVALID and v.dm_hash == "unlocatable", v.reasons
        assert any("cannot be located" in r for r in v.reasons)
