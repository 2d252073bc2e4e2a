# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here
"""The C fast path of the XML a verdict reads (``_cder.xml_facts``, ``_cder.b64``) against
the lxml reference (``xmlcontent.verify_facts_reference``).

The fast path answers only for a strict subset of XML and leaves everything else, errors
included, to the reference. So on any input - real samples, the simulator's and the
factory's documents, fuzzed and hostile ones - ``verify_facts`` must give exactly what the
reference gives (the same facts, or the same error with the same message).
"""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from types import ModuleType
from typing import Any
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tests.conftest import REPO_ROOT, ZFO_SAMPLES, require_shared
from tests.unit.zfo.test_fast_path import cder  # noqa: F401 - the module's fixture
from tests.unit.zfo.zfo_factory import (  # noqa: F401
    SEALED_AT,
    make_zfo,
    message_xml,
    pki,
    trust,
)

from dso_desktop.zfo import fastcms, xmlcontent
from dso_desktop.zfo.produce import seal
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore
from dso_desktop.zfo.verify import verify_zfo

CHECK_AT = datetime(2026, 11, 2, tzinfo=UTC)
_SETTINGS = settings(max_examples=400, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])


def _outcome(fn: Callable[[], Any]) -> tuple[str, Any]:
    try:
        facts = fn()
    except Exception as exc:  # the exact error is what is compared
        return type(exc).__name__, str(exc)
    view = facts["dm_dm_bytes"]
    return "ok", {**facts, "dm_dm_bytes": None if view is None else bytes(view)}


def _assert_same(content: bytes) -> tuple[str, Any]:
    """verify_facts (fast path first) == the lxml reference; returns the outcome."""
    fast = _outcome(lambda: xmlcontent.verify_facts(content))
    with fastcms.reference_only():
        ref = _outcome(lambda: xmlcontent.verify_facts(content))
    assert fast == ref
    assert ref == _outcome(lambda: xmlcontent.verify_facts_reference(content))
    return fast


def _answered(content: bytes) -> bool:
    """Whether the C walk decided by itself (and then it must agree with the reference)."""
    got = xmlcontent.verify_facts_fast(content)
    if got is not None:
        assert _outcome(lambda: got) == _outcome(
            lambda: xmlcontent.verify_facts_reference(content))
    return got is not None


def _docs(pki: TestPki) -> list[bytes]:
    return [message_xml(pki), message_xml(pki, kind="sent"),
            message_xml(pki, kind="delivery-info"),
            message_xml(pki, files=[("a.pdf", b"x" * 3000), ("b.txt", b"")], dm_id=" 77 ")]


def test_the_fast_path_really_answers(cder: ModuleType, pki: TestPki) -> None:
    """Not a vacuous comparison: on the factory's documents of every kind the C walk gives
    the facts itself, the same as the reference."""
    for doc in _docs(pki):
        assert cder.xml_facts(doc) is not None
        assert _answered(doc)
        assert _assert_same(doc)[0] == "ok"


def test_real_samples_answer_the_same() -> None:
    require_shared(ZFO_SAMPLES)
    samples = sorted(ZFO_SAMPLES.glob("*.zfo"))
    assert samples
    for path in samples:
        content = fastcms.signed_data(path.read_bytes()).content
        assert content is not None
        # Every real sample is in the subset the C walk decides (so verification of real
        # archives takes the fast path), and it agrees with the reference.
        assert _answered(content), path.name
        _assert_same(content)


def test_simulator_documents_answer_the_same() -> None:
    from dso_desktop.simulator import Simulator, render

    sim = Simulator(None, seed=11, messages=20, now=CHECK_AT)
    for msg in list(sim.world.messages.values())[:20]:
        for direction in ("received", "sent"):
            content = render.signed_content(sim.world, msg, direction,
                                            sim.core.qtimestamp(msg))
            assert _answered(content)
            _assert_same(content)


# Snippets that probe each rule of the subset (and what lies just outside it).
_SNIPPETS = [
    b"<!-- c -->", b"<!DOCTYPE x>", b"<![CDATA[x]]>", b"<?pi x?>", b"&amp;", b"&lt;",
    b"&#65;", b"&#x41;", b"&#0;", b"&#xD800;", b"&bogus;", b"&", b"]]>", b"]]", b"\r\n",
    b"\r", b"\t", b"\x00", b"\x01", b"\x7f", b"\xc3\xa9", b"\xc3", b"\xef\xbf\xbe",
    b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x80\x83", b"\xc2\xa0", b"<", b">", b"/>",
    b"</p:dmID>", b"<p:dmID>", b"<p:dmID/>", b"<p:dmDm>", b"</q:dmHash>",
    b'<q:dmHash algorithm="SHA-1">AAAA</q:dmHash>', b"<q:dmQTimestamp>AA==</q:dmQTimestamp>",
    b' xsi:nil="true"', b' xsi:nil="true" xsi:nil="true"', b' xmlns:p=""', b' xmlns:x="u"',
    b' xmlns=""', b' xmlns="http://isds.czechpoint.cz/v20"', b' xmlns:xml="u"', b' a="1"',
    b' xmlns:x=":u"', b' xmlns:x="\xd2\xa4"', b' xmlns:x="http://a:b"', b' xmlns:x="urn:x"',
    b"i6\xd2\xa4", b":", b"%", b"dmHash", b":dmHash", b"<dmHash/>", b"</p:dmDm>",
    b"<p:dmDmX/>", b"<p:dmDm/>", b"p:dmDm",
    b' a="1" a="2"', b" a='&amp;'", b' a="<"', b' a="\t"', b" p:x='1'", b" y:x='1'",
    b' xmlns:r="http://www.w3.org/2001/XMLSchema-instance" r:nil="true"', b"a:b:c", b":",
    b"=", b"==", b" ", b"\n", b"<?xml version=\"1.0\"?>", b"\xef\xbb\xbf",
]


@st.composite
def _edits(draw: st.DrawFn) -> list[tuple[str, int, bytes]]:
    n = draw(st.integers(1, 3))
    return [(draw(st.sampled_from(["snippet", "snippet", "set", "delete", "truncate"])),
             draw(st.integers(0, 1 << 30)),
             draw(st.sampled_from(_SNIPPETS)) if draw(st.booleans())
             else draw(st.binary(min_size=1, max_size=3))) for _ in range(n)]


def _edit(doc: bytes, edits: list[tuple[str, int, bytes]]) -> bytes:
    """Edits mostly at markup (a "<", ">", quote or space), where the rules are."""
    b = bytearray(doc)
    marks = [i for i, c in enumerate(doc) if c in b'<>" =']
    for op, where, data in edits:
        if not b:
            break
        pos = marks[where % len(marks)] + (where >> 20) % 3 if where & 1 else where % len(b)
        pos = min(pos, len(b))
        if op == "snippet":
            b[pos:pos] = data
        elif op == "set" and pos < len(b):
            b[pos] = data[0]
        elif op == "delete":
            del b[pos:pos + len(data)]
        elif op == "truncate":
            del b[pos:]
    return bytes(b)


_BASES: dict[str, list[bytes]] = {}


def _bases(pki: TestPki) -> list[bytes]:
    if "docs" not in _BASES:
        small = [d.replace(b"dopis.pdf", b"d") for d in _docs(pki)]
        _BASES["docs"] = small
    return _BASES["docs"]


@_SETTINGS
@given(edits=_edits(), which=st.integers(0, 3))
def test_edited_documents_answer_the_same(pki: TestPki, edits: list[tuple[str, int, bytes]],
                                          which: int) -> None:
    _assert_same(_edit(_bases(pki)[which], edits))


@_SETTINGS
@given(data=st.binary(max_size=300))
@example(data=b"")
@example(data=b"<a/>")
def test_random_bytes_answer_the_same(data: bytes) -> None:
    _assert_same(data)
    _assert_same(b"<q:MessageDownloadResponse " + data)


def test_every_truncation_answers_the_same(pki: TestPki) -> None:
    """Cut anywhere (a half tag, a half UTF-8 character, an open element): no crash, and
    the reference's error."""
    doc = message_xml(pki, kind="delivery-info")
    for cut in range(len(doc)):
        outcome = _assert_same(doc[:cut])
        assert outcome[0] != "ok"


def test_hostile_shapes_are_left_to_the_reference(cder: ModuleType, pki: TestPki) -> None:
    doc = message_xml(pki)
    head, _, tail = doc.partition(b"<p:dmID>")
    deep = b"<x>" * 5000 + b"</x>" * 5000
    hostile = [
        head + deep + b"<p:dmID>" + tail,  # nesting far beyond the depth limit
        b"<a>" * 100_000,  # unclosed, deep
        doc.replace(b"<p:dmDm ", b"<!DOCTYPE x [<!ENTITY e 'x'>]><p:dmDm "),
        b"<!DOCTYPE q [<!ENTITY a 'b'>]>" + doc,
        doc + b"<more/>",  # a second root
        doc[:-1],  # the root never closes
    ]
    for content in hostile:
        assert cder.xml_facts(content) is None
        assert _assert_same(content)[0] != "ok"
    # Beyond the C walk's bounds but well-formed: declined, and the reference reads them.
    for content in (doc.replace(b"<p:dmID>", b"<p:" + b"n" * 2000 + b"/><p:dmID>"),
                    doc.replace(b"<q:dmReturnedMessage", b"<q:dmReturnedMessage"
                                + b"".join(b' a%d="1"' % i for i in range(40)))):
        assert cder.xml_facts(content) is None
        assert _assert_same(content)[0] == "ok"


def test_texts_the_reference_reads_differently_go_to_the_reference(cder: ModuleType,
                                                                   pki: TestPki) -> None:
    """A reference or a CR in a text or attribute a verdict reads (lxml unescapes and
    normalises them), CDATA, Unicode white space in base64: the C walk declines, and the
    result is still the reference's."""
    doc = message_xml(pki)
    variants = [
        doc.replace(b"<p:dmID>4242", b"<p:dmID>42&#50;42"),
        doc.replace(b"<p:dmID>4242", b"<p:dmID>4242\r"),
        doc.replace(b'algorithm="SHA-256"', b'algorithm="SHA&#45;256"'),
        doc.replace(b'algorithm="SHA-256"', b'algorithm="SHA-256\t"'),
        doc.replace(b"<q:dmQTimestamp>", b"<q:dmQTimestamp><![CDATA[AAAA]]>"),
        doc.replace(b"<q:dmQTimestamp>", b"<q:dmQTimestamp>\xc2\xa0"),
    ]
    for content in variants:
        assert not _answered(content)
        _assert_same(content)


def test_namespace_names_libxml2_refuses_go_to_the_reference(pki: TestPki) -> None:
    """libxml2 refuses some namespace names as URIs (found by the fuzzing above): only
    plain http(s)/urn names are decided in C."""
    doc = message_xml(pki)
    xsi = b"http://www.w3.org/2001/XMLSchema-instance"
    for bad in (b"http://www.w3.org/2001/XMLSchema-i6\xd2\xa4nstance", b":" + xsi,
                b"http://a:b/", b"x y", b"%zz"):
        content = doc.replace(xsi, bad, 1)
        assert not _answered(content)
        outcome = _assert_same(content)
        if b"XMLSchema" in bad:
            assert outcome[0] == "MalformedXmlError"  # the C walk once said well-formed
    for good in (b"urn:x:y", b"https://example.org/ns/v1"):
        content = doc.replace(b"<p:dmID>", b'<p:dmID xmlns:n="' + good + b'">')
        assert _answered(content)
        _assert_same(content)


def test_declarations_and_encodings(pki: TestPki) -> None:
    """The declarations the C walk accepts, and encodings it leaves to the reference."""
    doc = message_xml(pki)
    accepted = [b'<?xml version="1.0" encoding="UTF-8"?>\n' + doc,
                b'<?xml version="1.0"?>' + doc, b"\n  " + doc + b"\n"]
    for content in accepted:
        assert _answered(content)
        _assert_same(content)
    declined = [b'<?xml version="1.0" encoding="windows-1250"?>' + doc,
                b'<?xml version="1.1"?>' + doc, b"\xef\xbb\xbf" + doc,
                b"\xff\xfe" + doc.decode().encode("utf-16-le")]
    for content in declined:
        assert not _answered(content)
        _assert_same(content)


# Base64 letters with the blanks XML keeps as they are (a CR is normalised: the C walk
# leaves a text with one to the reference).
_B64_AND_BLANKS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \t\n")
_CLEAN_B64 = re.compile(r"(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?"
                        r"|[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=")


@_SETTINGS
@given(text=st.text(alphabet="AB+/=z09 \t\r\n", max_size=40)
       | st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
       element=st.sampled_from(["dmHash", "dmQTimestamp"]))
@example(text="QUJD\nREVG", element="dmHash")
@example(text=" QUI= ", element="dmQTimestamp")
@example(text="QUI", element="dmHash")
def test_base64_of_the_hash_and_the_timestamp_reads_as_the_reference(
        cder: ModuleType, pki: TestPki, text: str, element: str) -> None:
    """The C walk decodes the base64 of dmHash and dmQTimestamp itself (`_cder.b64`'s
    core, `_hash_values`' b64decode(validate=True) in the reference): with any text there,
    `verify_facts` gives what the reference gives, the same bytes or the same error. Plain
    padded base64 is decoded in C, not left to the reference."""
    doc = _message(pki)
    tag = element.encode()
    head, rest = doc.split(b"<q:" + tag, 1)
    rest = rest[rest.index(b">") + 1:]
    tail = rest[rest.index(b"</q:" + tag + b">"):]
    opening = b'<q:dmHash algorithm="SHA-256">' if element == "dmHash" else b"<q:dmQTimestamp>"
    content = head + opening + escape(text).encode("utf-8") + tail
    outcome = _assert_same(content)
    packed = "".join(text.split())
    if set(text) <= _B64_AND_BLANKS and _CLEAN_B64.fullmatch(packed):
        assert _answered(content)
        key = {"dmHash": "dm_hash", "dmQTimestamp": "q_timestamp"}[element]
        assert outcome == ("ok", outcome[1])
        assert outcome[1][key] == base64.b64decode(packed, validate=True)


_MESSAGES: dict[int, bytes] = {}


def _message(pki: TestPki) -> bytes:
    """`message_xml(pki)`, made once (it signs a timestamp) for the many examples."""
    return _MESSAGES.setdefault(id(pki), message_xml(pki))


def test_base64_fast_path_really_runs(cder: ModuleType) -> None:
    assert cder.b64(b"QUJD\nREVG") == b"ABCDEF"
    assert cder.b64(b"QUI=") == b"AB"
    assert cder.b64(b"QUI") is None  # unpadded: left to binascii (which refuses it)
    assert cder.b64(b"QU=I") is None


def test_verification_works_without_the_extension(tmp_path: Any) -> None:
    """Where no compiler built _cder, verify_zfo runs on the pure-Python reference alone
    (fresh interpreter: the extension's import is blocked)."""
    code = (
        "import sys; sys.modules['dso_desktop.zfo._cder'] = None\n"
        "from datetime import UTC, datetime\n"
        "from pathlib import Path\n"
        "from dso_desktop.zfo import fastcms, TrustStore, verify_zfo, xmlcontent\n"
        "from dso_desktop.zfo.testpki import create_pki\n"
        "from dso_desktop.zfo.produce import seal\n"
        "from tests.unit.zfo.zfo_factory import message_xml\n"
        "assert not fastcms.fast_path_available() and not fastcms.fast_enabled()\n"
        f"p = create_pki(Path({str(tmp_path)!r}), not_before=datetime(2025,1,1,tzinfo=UTC))\n"
        "when = datetime(2026, 3, 1, 12, tzinfo=UTC)\n"
        "z = seal(message_xml(p), p.seal, p.tsa, when)\n"
        "assert xmlcontent.verify_facts_fast(b'<a/>') is None\n"
        "v = verify_zfo(z, TrustStore.from_paths([p.ca_file]), now=when)\n"
        "print(v.kind.value)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120, check=False,
                          env={"PYTHONPATH": f"{REPO_ROOT / 'src'}:{REPO_ROOT}",
                               "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "valid"


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(edits=_edits(), which=st.integers(0, 3))
def test_edited_and_resealed_documents_give_the_same_verdict(
        pki: TestPki, trust: TrustStore, edits: list[tuple[str, int, bytes]],
        which: int) -> None:
    """Edited XML sealed again (so the seal holds and what the XML says decides: dmHash,
    dmID, the kind, well-formedness): verify_zfo's verdict, every field, is the reference's."""
    z = seal(_edit(_bases(pki)[which], edits), pki.seal, pki.tsa, SEALED_AT)
    fast = asdict(verify_zfo(z, trust, now=CHECK_AT))
    with fastcms.reference_only():
        ref = asdict(verify_zfo(z, trust, now=CHECK_AT))
    assert fast == ref
