"""The official NSESSS schemas from ../shared/records-spec, loaded offline.

The schemas import each other by relative ``schemaLocation``; a resolver answers those from
the schema folder only and refuses anything else (no network, no other file), so a test can
never pass because a schema was fetched from somewhere else.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from tests.conftest import SHARED

RECORDS_SPEC = SHARED / "records-spec"
SCHEMA_2023 = RECORDS_SPEC / "nsesss-schema-2023"
SAMPLE_SIP = RECORDS_SPEC / "examples" / "sip-nsesss2024-received-zfo"


def require_records_spec(path: Path = SCHEMA_2023) -> Path:
    if not path.exists():
        pytest.skip(f"NSESSS schemas not found at {path} (../shared/records-spec is absent)")
    return path


class _LocalOnly(etree.Resolver):
    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder.resolve()

    def resolve(self, system_url: str, public_id: str | None, context: Any) -> Any:
        name = system_url.rsplit("/", 1)[-1]
        candidate = (self.folder / name).resolve()
        if candidate.parent != self.folder or not candidate.is_file():
            raise OSError(f"schema resolver refused {system_url!r} (local files only)")
        return self.resolve_filename(str(candidate), context)


def _parser(folder: Path) -> etree.XMLParser:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(_LocalOnly(folder))
    return parser


@cache
def _schema(folder: str, name: str) -> etree.XMLSchema:
    base = Path(folder)
    doc = etree.parse(str(base / name), _parser(base))
    return etree.XMLSchema(doc)


def erms_schema() -> etree.XMLSchema:
    """ermsExportPrenos.xsd (Annex 7: Davka, Export, PrenosPotvrzeni)."""
    require_records_spec()
    return _schema(str(SCHEMA_2023), "ermsExportPrenos.xsd")


def assert_valid(schema: etree.XMLSchema, data: bytes, what: str = "document") -> None:
    doc = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False))
    if not schema.validate(doc):
        errors = "\n".join(f"  line {e.line}: {e.message}" for e in schema.error_log)
        raise AssertionError(f"{what} does not validate:\n{errors}")
