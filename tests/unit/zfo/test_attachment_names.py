"""Any attachment name is saved under a short, unique, safe name that keeps its extension;
no name (final or temporary) is longer than the file system takes; one odd name never
stops an export."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import errno
import io
import json
import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.zfo.zfo_factory import make_zfo, pki  # noqa: F401 - pytest fixtures

from dso_desktop.app import App
from dso_desktop.cli.main import run
from dso_desktop.paths import AppPaths, atomic_write
from dso_desktop.zfo import extract
from dso_desktop.zfo.extract import MAX_NAME_BYTES, save_files
from dso_desktop.zfo.parse import parse_zfo
from dso_desktop.zfo.testpki import TestPki

LONG_R = "ř" * 200  # 400 bytes of UTF-8
HOSTILE = [
    LONG_R + ".pdf", LONG_R + ".pdf", LONG_R + ".PDF", LONG_R, "ž" * 300 + ".docx",
    "../../etc/passwd", "..", ".", "a/b/c.txt", "C:\\Windows\\x.exe", "CON", "NUL.txt",
    "com1.pdf", "name. . .", "tab\tand\nnewline\x07.txt", "\u202egnp.exe", "",
    "x." + "e" * 300, "ř" * 126 + "." + "ž" * 16, "soubor.pdf", "SOUBOR.pdf",
]
# In a ZFO a name is an XML attribute: no BEL there (XML forbids it); tab and newline are
# read as spaces.
IN_XML = [n.replace("\x07", "") for n in HOSTILE]
_SANE_EXT = re.compile(r"(?s).*\.([A-Za-z0-9]{1,16})")


def expected_extension(name: str) -> str | None:
    """The extension an output name must end with: a plain one at the very end."""
    m = _SANE_EXT.fullmatch(name)
    return "." + m.group(1) if m else None


def check_saved(names: list[str], contents: list[bytes], written: list[Path], out: Path,
                sandbox: Path, limit: int = MAX_NAME_BYTES) -> None:
    assert len(written) == len(names)
    root = out.resolve()
    folded = [p.name.casefold() for p in written]
    assert len(set(folded)) == len(folded), "two attachments got one name"
    for name, data, p in zip(names, contents, written, strict=True):
        n = p.name
        assert p.parent == root
        assert len(n.encode("utf-8")) <= limit
        assert n not in (".", "..") and not n.startswith(".")
        assert "/" not in n and "\\" not in n and "\x00" not in n
        assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in n)
        assert not n.endswith((" ", "."))
        ext = expected_extension(name)
        if ext is not None:
            assert n.endswith(ext), (name, n)
        assert p.read_bytes() == data
    # Nothing outside the target folder, nothing but the written files inside it.
    everything = {Path(d) / f for d, _, fs in os.walk(sandbox) for f in fs}
    assert everything == {p for p in written}


names_strategy = st.lists(
    st.one_of(
        st.text(max_size=300),
        st.builds(lambda c, n, e: c * n + e,
                  st.sampled_from(["ř", "ž", "😀", "a", "\u0301", ".", " ", "/", "\\"]),
                  st.integers(0, 300),
                  st.sampled_from(["", ".pdf", ".PDF", ".tar.gz", ".", " ", ".ř" * 9])),
        st.sampled_from(HOSTILE),
    ),
    min_size=1, max_size=6)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=names_strategy)
def test_any_names_are_saved_inside_the_folder(tmp_path_factory: pytest.TempPathFactory,
                                               names: list[str]) -> None:
    sandbox = tmp_path_factory.mktemp("sandbox")
    out = sandbox / "out"
    contents = [f"obsah {i}".encode() for i in range(len(names))]
    written = save_files(out, list(zip(names, contents, strict=True)))
    check_saved(names, contents, written, out, sandbox)


def test_hostile_names_through_extract(tmp_path: Path, make_zfo: Callable[..., bytes]) -> None:
    files = [(n, f"{i}".encode()) for i, n in enumerate(IN_XML)]
    z = parse_zfo(make_zfo(files=files))
    out = tmp_path / "out"
    written = extract.extract_attachments(z, out)
    check_saved([a.name for a in z.attachments], [d for _, d in files], written, out,
                tmp_path)
    long_ones = [p.name for p in written[:3]]
    assert long_ones[0].endswith(".pdf") and long_ones[1].endswith(" (2).pdf")
    assert long_ones[2].endswith(" (3).PDF")  # case-insensitively the same as the others


def test_a_short_file_system_limit_is_respected(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """eCryptfs takes 143 bytes per name: the folder's own limit is asked for."""
    monkeypatch.setattr(extract.os, "pathconf", lambda _p, _n: 143)
    names = [LONG_R + ".pdf", LONG_R + ".pdf", "x." + "e" * 200]
    written = save_files(tmp_path / "out", [(n, b"1") for n in names])
    check_saved(names, [b"1"] * 3, written, tmp_path / "out", tmp_path, limit=143)


def test_a_name_the_file_system_refuses_falls_back_and_the_rest_go_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file system that refuses non-ASCII names (EILSEQ), or says a name is too long
    for it although pathconf said otherwise: the file gets a plain name, none is lost."""
    real = extract._write_new
    tried: list[str] = []

    def picky(path: Path, data: bytes) -> None:
        tried.append(path.name)
        if not path.name.isascii():
            raise OSError(errno.EILSEQ, "Illegal byte sequence", str(path))
        if len(path.name) > 40:
            raise OSError(errno.ENAMETOOLONG, "File name too long", str(path))
        real(path, data)

    monkeypatch.setattr(extract, "_write_new", picky)
    names = [LONG_R + ".pdf", "a" * 100 + ".txt", "ok.txt", "ž.ř"]
    written = save_files(tmp_path / "out", [(n, n.encode()) for n in names])
    assert [p.name for p in written] == ["priloha-1.pdf", "priloha-2.txt", "ok.txt",
                                         "priloha"]
    assert [p.read_bytes() for p in written] == [n.encode() for n in names]


@pytest.mark.parametrize("code", [errno.ENAMETOOLONG, errno.EINVAL, errno.EILSEQ,
                                  errno.ENOENT])
def test_each_name_error_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    code: int) -> None:
    """ENOENT is what Windows says for a path over MAX_PATH (WinError 206)."""
    real = extract._write_new

    def refuse_long(path: Path, data: bytes) -> None:
        if len(path.name) > 20:
            raise OSError(code, os.strerror(code), str(path))
        real(path, data)

    monkeypatch.setattr(extract, "_write_new", refuse_long)
    written = save_files(tmp_path / "out", [(LONG_R + ".pdf", b"1"), ("b.txt", b"2")])
    assert [p.name for p in written] == ["priloha-1.pdf", "b.txt"]


def test_other_write_errors_still_stop_with_the_error(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(extract, "_write_new", full)
    with pytest.raises(OSError) as info:
        save_files(tmp_path / "out", [("a.txt", b"1")])
    assert info.value.errno == errno.ENOSPC


def test_atomic_write_temporary_name_is_short(tmp_path: Path) -> None:
    """A 255-byte final name: ".<name>.XXXXXXXX" would be 265 bytes, too long to create."""
    name = extract.sanitize("a" + LONG_R + ".pdf")
    assert len(name.encode()) == MAX_NAME_BYTES
    atomic_write(tmp_path / name, b"data")
    assert [p.name for p in tmp_path.iterdir()] == [name]


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = run(list(argv), out=out, err=err)
    return rc, out.getvalue(), err.getvalue()


def test_export_with_hostile_names_writes_every_attachment(
        tmp_path: Path, pki: TestPki, make_zfo: Callable[..., bytes],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`dso message export` (and the service behind the GUI's export and save) writes
    every attachment, whatever its name, inside the export folder."""
    files = [(n, f"příloha {i}".encode()) for i, n in enumerate(IN_XML)]
    zfo = tmp_path / "m.zfo"
    zfo.write_bytes(make_zfo(files=files, dm_id="7007"))
    data = tmp_path / "data"
    with App.open(AppPaths.default(data), demo=True, trust_anchors=[pki.ca_file]) as app:
        summary = app.zfo.import_files([zfo])
        assert [i.status for i in summary.items] == ["imported"], summary
        [mid] = app.messages.find("7007")
        sandbox = tmp_path / "gui-save"
        written = app.messages.save_attachments(mid, sandbox / "out")
        names = [a.name for a in parse_zfo(zfo.read_bytes()).attachments]
        check_saved(names, [d for _, d in files], written, sandbox / "out", sandbox)
    monkeypatch.setenv("DSO_DATA_DIR", str(data))
    out = tmp_path / "export"
    rc, stdout, err = _cli("--json", "message", "export", "7007", "--out", str(out))
    assert rc == 0, err
    paths = [Path(p) for p in json.loads(stdout)["files"]]
    assert paths[0].name == "DDZ_7007.zfo" and paths[0].read_bytes() == zfo.read_bytes()
    atts = [p for p in paths if p.parent.name == "DDZ_7007_prilohy"]
    check_saved(names, [d for _, d in files], atts, out / "DDZ_7007_prilohy",
                out / "DDZ_7007_prilohy")
