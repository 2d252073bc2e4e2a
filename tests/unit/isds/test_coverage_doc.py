"""docs/isds-coverage.md matches the code: client methods, simulator set, official WSDLs."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from tests.conftest import WSDL_DIR, require_shared

from dso_desktop.isds.client import IsdsClient

DOC = Path(__file__).resolve().parents[3] / "docs" / "isds-coverage.md"
WSDL_NS = "{http://schemas.xmlsoap.org/wsdl/}"


def rows() -> list[dict[str, str]]:
    out = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith("| WSDL") or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        assert len(cells) == 5, line
        out.append(dict(zip(("wsdl", "operation", "method", "client", "simulator"), cells,
                            strict=True)))
    return out


def test_table_is_not_empty_and_has_no_duplicates() -> None:
    r = rows()
    assert len(r) > 50
    keys = [(x["wsdl"], x["operation"]) for x in r]
    assert len(keys) == len(set(keys))
    assert {x["client"] for x in r} <= {"done", "out of scope"}
    assert {x["simulator"] for x in r} <= {"done", "—"}


def test_every_done_operation_is_a_callable_client_method() -> None:
    for r in rows():
        if r["client"] != "done":
            continue
        name = r["method"].strip("`")
        assert callable(getattr(IsdsClient, name, None)), f"{r['operation']}: {name} missing"


def test_simulator_column_matches_the_simulator() -> None:
    sim = pytest.importorskip("dso_desktop.simulator")
    implemented = getattr(sim, "IMPLEMENTED_OPERATIONS", None)
    if implemented is None:
        pytest.skip("dso_desktop.simulator does not expose IMPLEMENTED_OPERATIONS yet")
    marked = {r["operation"] for r in rows() if r["simulator"] == "done"}
    assert marked == set(implemented)


def test_table_lists_every_official_operation() -> None:
    require_shared(WSDL_DIR)
    official = set()
    for f in WSDL_DIR.glob("*.wsdl"):
        doc = etree.parse(str(f), etree.XMLParser(resolve_entities=False, no_network=True))
        for op in doc.getroot().iter(f"{WSDL_NS}operation"):
            if op.getparent().tag == f"{WSDL_NS}portType":
                official.add((f.stem, op.get("name")))
    listed = {(r["wsdl"], r["operation"]) for r in rows()}
    assert official == listed
