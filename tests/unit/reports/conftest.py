"""An archive with real sealed ZFOs (the test PKI) for the document tests, and the checks
an independent reader (pypdf, pdftotext when installed) makes on every generated PDF."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.unit.zfo.zfo_factory import make_zfo, pki, trust  # noqa: F401 - pytest fixtures

from dso_desktop.paths import AppPaths

FILES = [("rozhodnutí o dotaci.pdf", b"%PDF-1.4 rozhodnuti"),
         ("příloha č. 1.txt", "Příloha č. 1 – žluťoučký kůň".encode())]
SUBJECT = "Rozhodnutí o dotaci – Příliš žluťoučký kůň"


@pytest.fixture
def archive(tmp_path: Path, pki: Any, make_zfo: Callable[..., bytes]) -> Iterator[Any]:
    """An App with a received message 7001 (two attachments, its signed delivery info)
    and a sent message 7002, imported as verified (the test PKI's CA is an anchor)."""
    from dso_desktop.app import App

    src = tmp_path / "in"
    src.mkdir()
    (src / "m.zfo").write_bytes(make_zfo(dm_id="7001", subject=SUBJECT, files=FILES))
    (src / "d.zfo").write_bytes(make_zfo(kind="delivery-info", dm_id="7001",
                                         subject=SUBJECT))
    (src / "s.zfo").write_bytes(make_zfo(kind="sent", dm_id="7002",
                                         subject="Odpověď na žádost"))
    app = App.open(AppPaths.default(tmp_path / "data"), offline=True,
                   trust_anchors=[pki.ca_file])
    summary = app.zfo.import_files([src / "m.zfo", src / "d.zfo", src / "s.zfo"])
    assert not summary.needs_attention, summary
    yield app
    app.close()


def pdf_text(data: bytes) -> str:
    """The text of every page as pypdf reads it, and as pdftotext does when present (both
    must hold what a test looks for, so the text is joined)."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(p.extract_text() or "" for p in reader.pages)
    tool = shutil.which("pdftotext")
    if tool:
        res = subprocess.run([tool, "-enc", "UTF-8", "-", "-"], input=data,
                             capture_output=True, check=True)
        other = res.stdout.decode("utf-8")
        return text + "\n\f" + other
    return text


def text_has(data: bytes, *needles: str) -> None:
    """Every needle is in the PDF's text (whitespace runs compared as one space)."""
    text = re.sub(r"\s+", " ", pdf_text(data))
    missing = [n for n in needles if re.sub(r"\s+", " ", n) not in text]
    assert not missing, f"not in the PDF text: {missing}"


def assert_pdfa(data: bytes) -> dict[str, Any]:
    """The PDF/A-2b claims an independent reader sees: XMP with pdfaid part 2 conformance
    B, an OutputIntent with an embedded sRGB ICC profile, every font embedded, no
    encryption, no JavaScript or automatic actions."""
    import io

    from pypdf import PdfReader
    from pypdf.generic import IndirectObject

    reader = PdfReader(io.BytesIO(data))
    assert data.startswith(b"%PDF-1.7")
    assert not reader.is_encrypted and "/Encrypt" not in reader.trailer
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert "<pdfaid:part>2</pdfaid:part>" in xmp
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    intents = root["/OutputIntents"]
    assert len(intents) == 1
    intent = intents[0].get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    profile = intent["/DestOutputProfile"].get_object()
    icc = profile.get_data()
    assert icc[36:40] == b"acsp" and icc[16:20] == b"RGB "  # an ICC profile of RGB
    assert "/Names" not in root or "/JavaScript" not in root["/Names"]
    assert "/AA" not in root
    open_action = root.get("/OpenAction")
    if open_action is not None:  # a view destination is allowed, an action is not
        assert not hasattr(open_action.get_object(), "keys") or \
            "/S" not in open_action.get_object()
    fonts = 0
    for page in reader.pages:
        assert "/AA" not in page
        res = page["/Resources"].get_object()
        for ref in res.get("/Font", {}).values():
            font = ref.get_object() if isinstance(ref, IndirectObject) else ref
            fonts += 1
            descendants = font.get("/DescendantFonts")
            desc_font = descendants[0].get_object() if descendants else font
            fd = desc_font["/FontDescriptor"].get_object()
            assert any(k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
    assert fonts > 0
    assert b"/JavaScript" not in data and b"/JS " not in data
    return {"xmp": xmp, "pages": len(reader.pages)}
