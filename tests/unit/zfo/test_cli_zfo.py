"""`dso zfo show|verify|extract` through the real dispatcher."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

from tests.unit.zfo.zfo_factory import make_zfo, pki  # noqa: F401 - pytest fixtures

from dso_desktop.cli.main import run
from dso_desktop.zfo.testpki import TestPki


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = run(list(argv), out=out, err=err)
    return rc, out.getvalue(), err.getvalue()


def test_verify_json_and_exit_codes(tmp_path: Path, pki: TestPki,
                                    make_zfo: Callable[..., bytes]) -> None:
    good = tmp_path / "good.zfo"
    good.write_bytes(make_zfo())
    junk = tmp_path / "junk.zfo"
    junk.write_bytes(b"this is not a zfo")
    rc, out, _ = _run("zfo", "verify", str(good), "--json", "--trust", str(pki.ca_file))
    assert rc == 0
    [item] = json.loads(out)
    assert item["file"] == str(good) and item["kind"] == "received"
    assert item["dm_id"] == "4242" and item["verdict"] in ("valid", "expiring")
    assert item["signing_time"].startswith("2026-03-01")
    assert item["timestamp_expires"] and item["reasons"]
    rc, out, _ = _run("--json", "zfo", "verify", str(good), str(junk), "--trust",
                      str(pki.ca_file))
    assert rc == 1
    items = json.loads(out)
    assert [i["verdict"] for i in items][1] == "invalid" and items[1]["reasons"]


def test_verify_untrusted_exits_1(tmp_path: Path, make_zfo: Callable[..., bytes]) -> None:
    f = tmp_path / "m.zfo"
    f.write_bytes(make_zfo())
    empty = tmp_path / "empty"
    empty.mkdir()
    rc, out, _ = _run("zfo", "verify", str(f), "--trust", str(empty))
    assert rc == 1 and "untrusted" in out


def test_verify_missing_file_and_usage(tmp_path: Path) -> None:
    rc, out, _ = _run("zfo", "verify", str(tmp_path / "nope.zfo"), "--trust", str(tmp_path),
                      "--json")
    assert rc == 1 and json.loads(out)[0]["verdict"] == "invalid"
    assert _run("zfo")[0] == 2
    assert _run("zfo", "verify")[0] == 2
    assert _run("zfo", "extract", "x.zfo")[0] == 2  # --out is required


def test_show_text_and_json(tmp_path: Path, pki: TestPki,
                            make_zfo: Callable[..., bytes]) -> None:
    f = tmp_path / "m.zfo"
    f.write_bytes(make_zfo(subject="Výzva k doplnění"))
    rc, out, _ = _run("zfo", "show", str(f), "--trust", str(pki.ca_file))
    assert rc == 0 and "Výzva k doplnění" in out and "dopis.pdf" in out
    rc, out, _ = _run("zfo", "show", str(f), "--json", "--trust", str(pki.ca_file))
    obj = json.loads(out)
    assert obj["dm_id"] == "4242" and obj["sender"]["box_id"] == "abc1234"
    assert obj["attachments"][0]["name"] == "dopis.pdf"
    assert obj["verdict"]["verdict"] in ("valid", "expiring")
    bad = tmp_path / "bad.zfo"
    bad.write_bytes(b"\x30\x03\x02\x01")
    rc, _, err = _run("zfo", "show", str(bad), "--trust", str(pki.ca_file))
    assert rc == 1 and "error" in err


def test_extract(tmp_path: Path, make_zfo: Callable[..., bytes]) -> None:
    f = tmp_path / "m.zfo"
    f.write_bytes(make_zfo(files=[("../x.pdf", b"a"), ("y.txt", b"b")]))
    out_dir = tmp_path / "out"
    rc, out, _ = _run("zfo", "extract", str(f), "--out", str(out_dir), "--json")
    assert rc == 0
    written = [Path(p) for p in json.loads(out)["written"]]
    assert [p.name for p in written] == ["_x.pdf", "y.txt"]
    assert all(p.parent == out_dir.resolve() for p in written)
