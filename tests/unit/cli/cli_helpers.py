"""Helpers of the CLI unit tests: run `dso` in-process, seed an archive in a data folder."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.unit.zfo.zfo_factory import SEALED_AT, message_xml

from dso_desktop.app import App
from dso_desktop.cli.main import run
from dso_desktop.domain import Direction, LoginMethod
from dso_desktop.paths import AppPaths
from dso_desktop.services.types import AccountSpec
from dso_desktop.sync.ingest import parse_and_verify, store_message_zfo
from dso_desktop.zfo.produce import seal
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.trust import TrustStore


def dso(*argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    """`dso ARGV` in this process: (exit code, stdout, stderr)."""
    import sys

    out, err = io.StringIO(), io.StringIO()
    if stdin is None:
        return run(list(argv), out=out, err=err), out.getvalue(), err.getvalue()
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return run(list(argv), out=out, err=err), out.getvalue(), err.getvalue()
    finally:
        sys.stdin = old


def dso_json(*argv: str) -> tuple[int, Any, str]:
    code, out, err = dso(*argv, "--json")
    return code, json.loads(out) if out.strip() else None, err


def open_app(data: Path) -> App:
    return App.open(AppPaths.default(data), offline=True)


def add_account(data: Path, name: str = "obec") -> None:
    with open_app(data) as app:
        app.accounts.add(AccountSpec(name, LoginMethod.PASSWORD, "user1"), password="p",
                         save_password=True)


def seed_message(data: Path, pki: TestPki, dm_id: str, *, subject: str = "Věc",
                 account: str | None = "obec", direction: Direction = Direction.RECEIVED,
                 files: list[tuple[str, bytes]] | None = None) -> bytes:
    """Store one message sealed by the test PKI (verdict from that PKI's trust) and return
    its ZFO bytes."""
    kind = "received" if direction is Direction.RECEIVED else "sent"
    data_zfo = seal(message_xml(pki, kind=kind, dm_id=dm_id, subject=subject, files=files),
                    pki.seal, pki.tsa, SEALED_AT)
    parsed, verdict = parse_and_verify(data_zfo, TrustStore.from_paths([pki.ca_file]),
                                       now=SEALED_AT + timedelta(days=1))
    with open_app(data) as app:
        acc_id = app.accounts.record(account).id if account else None
        res = store_message_zfo(app.db, data_zfo, parsed, verdict, account_id=acc_id,
                                direction=direction, source="test")
        assert res.message_id is not None
    return data_zfo


@pytest.fixture
def offline_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI offline and in English whatever the machine's locale (modules use it with
    ``pytestmark = pytest.mark.usefixtures("offline_english")``)."""
    monkeypatch.setenv("DSO_OFFLINE", "1")
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DSO_LANG", "en")
