"""Alembic migrations of the archive schema (shipped inside the package)."""

import re
from functools import cache
from pathlib import Path

_VERSIONS = Path(__file__).with_name("versions")
_REV = re.compile(r'^revision\s*=\s*["\']([^"\']+)["\']', re.M)
_DOWN = re.compile(r'^down_revision\s*=\s*["\']([^"\']+)["\']', re.M)


@cache
def head_revision() -> str:
    """The newest schema revision, read from the migration files without importing Alembic.

    Lets an archive that is already current open without Alembic's start-up cost;
    ``tests/unit/store`` checks that it agrees with Alembic's own idea of the head.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in _VERSIONS.glob("*.py"):
        source = script.read_text(encoding="utf-8")
        if m := _REV.search(source):
            revisions.add(m.group(1))
        if m := _DOWN.search(source):
            parents.add(m.group(1))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()
