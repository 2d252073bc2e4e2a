"""Every response fixture of the ISDS unit tests validates against the official XSDs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from lxml import etree
from tests.conftest import WSDL_DIR, require_shared

pytestmark = pytest.mark.conformance

HERE = Path(__file__).resolve().parent
XS = "{http://www.w3.org/2001/XMLSchema}"
SCHEMA_FILES = ("dmBaseTypes.xsd", "dbTypes.xsd", "ChangePasswordTypes.xsd")


def load_fakes() -> ModuleType:
    """tests/unit/isds/isds_fakes.py, loaded by path (test folders are not packages)."""
    if "isds_fakes" in sys.modules:
        return sys.modules["isds_fakes"]
    path = HERE.parent / "unit" / "isds" / "isds_fakes.py"
    spec = importlib.util.spec_from_file_location("isds_fakes", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["isds_fakes"] = mod
    spec.loader.exec_module(mod)
    return mod


class Schemas:
    """The official XSDs, one XMLSchema each (dmBaseTypes and dbTypes share a namespace and
    both define tIdDb, so they cannot be merged into one schema)."""

    def __init__(self, wsdl_dir: Path) -> None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        self.by_element: dict[tuple[str, str], etree.XMLSchema] = {}
        for name in SCHEMA_FILES:
            doc = etree.parse(str(wsdl_dir / name), parser)
            schema = etree.XMLSchema(doc)
            tns = doc.getroot().get("targetNamespace")
            for el in doc.getroot().findall(f"{XS}element"):
                self.by_element[(tns, el.get("name"))] = schema

    def validate(self, element: Any) -> None:
        qn = etree.QName(element)
        schema = self.by_element.get((qn.namespace, qn.localname))
        assert schema is not None, f"no official schema declares <{qn.localname}> in {qn.namespace}"
        huge = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
        doc = etree.ElementTree(etree.fromstring(etree.tostring(element), huge))
        if not schema.validate(doc):
            errors = "\n".join(str(e) for e in schema.error_log)
            raise AssertionError(f"<{qn.localname}> is not valid:\n{errors}")


@pytest.fixture(scope="module")
def schemas() -> Schemas:
    require_shared(WSDL_DIR)
    return Schemas(WSDL_DIR)


def wsdl_operations(wsdl_dir: Path) -> dict[str, set[str]]:
    """Operation names per WSDL file, read from the portType."""
    ns = "{http://schemas.xmlsoap.org/wsdl/}"
    out: dict[str, set[str]] = {}
    for f in sorted(wsdl_dir.glob("*.wsdl")):
        doc = etree.parse(str(f), etree.XMLParser(resolve_entities=False, no_network=True))
        out[f.stem] = {op.get("name") for op in doc.getroot().iter(f"{ns}operation")
                       if op.getparent().tag == f"{ns}portType"}
    return out


FAKES = load_fakes()


@pytest.mark.parametrize("operation", sorted(FAKES.RESPONSES))
def test_response_fixture_is_schema_valid(schemas: Schemas, operation: str) -> None:
    schemas.validate(FAKES.response_element(operation))


def test_fixtures_cover_every_operation_in_scope(schemas: Schemas) -> None:
    ops = wsdl_operations(WSDL_DIR)
    in_scope = set().union(*(ops[w] for w in ("dm_operations", "dm_info", "db_search",
                                               "db_access", "dm_VoDZ", "dm_arch",
                                               "ChangePassword")))
    assert in_scope == set(FAKES.RESPONSES)
