"""Safe attachment names (Windows and POSIX rules) and extraction that stays in its folder."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.zfo.zfo_factory import make_zfo, pki  # noqa: F401 - pytest fixtures

from dso_desktop.zfo.extract import MAX_NAME_BYTES, extract_attachments, safe_filename, sanitize
from dso_desktop.zfo.parse import parse_zfo

WINDOWS_RESERVED = ["CON", "con", "PRN", "AUX", "NUL", "nul.txt", "COM1", "com9.pdf", "LPT1",
                    "LPT9.doc", "COM¹", "CONIN$", "CONOUT$", "NUL .txt", "aux.tar.gz"]


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "_._etc_passwd"),
    ("..\\..\\Windows\\System32\\cmd.exe", "_.._Windows_System32_cmd.exe"),
    ("C:\\Users\\x.pdf", "C__Users_x.pdf"),
    ("/absolute/path.txt", "_absolute_path.txt"),
    ("report.pdf", "report.pdf"),
    ("Rozhodnutí č. 5.pdf", "Rozhodnutí č. 5.pdf"),
    ('a<b>c:d"e|f?g*h.txt', "a_b_c_d_e_f_g_h.txt"),
    ("name.   ", "name"),
    ("...", "priloha"),
    ("", "priloha"),
    (".bashrc", "priloha.bashrc"),  # no hidden files; the extension stays
    (".pdf", "priloha.pdf"),
    ("\x00.pdf", "priloha.pdf"),
    ("a. .pdf", "a.pdf"),
    ("dopis.PDF . .", "dopis.PDF"),
    ("x.tar.gz", "x.tar.gz"),
    ("zpráva.verylongextension123", "zpráva.verylongextension123"),
    ("bad\x00name\x1f.txt", "badname.txt"),
    ("evil\u202efdp.exe", "evilfdp.exe"),
])
def test_sanitize(name: str, expected: str) -> None:
    assert sanitize(name) == expected


@pytest.mark.parametrize("name", WINDOWS_RESERVED)
def test_reserved_windows_names_are_defused(name: str) -> None:
    out = sanitize(name)
    stem = out.split(".")[0].rstrip()
    assert stem.upper() not in {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    assert not (stem[:3].upper() in ("COM", "LPT") and len(stem) == 4)
    assert out.startswith("_")


def test_long_names_keep_the_extension() -> None:
    out = sanitize("ž" * 300 + ".pdf")
    assert out.endswith(".pdf") and len(out.encode()) <= MAX_NAME_BYTES
    out.encode().decode("utf-8")  # cut on a character boundary
    assert len(sanitize("x" * 1000).encode()) <= MAX_NAME_BYTES


def test_collisions_are_case_insensitive_and_numbered() -> None:
    taken: set[str] = {"Dopis.pdf"}
    assert safe_filename("dopis.pdf", taken) == "dopis (2).pdf"
    assert safe_filename("DOPIS.PDF", taken) == "DOPIS (3).PDF"
    assert safe_filename("a" * 300 + ".pdf", taken).endswith(".pdf")
    long2 = safe_filename("a" * 300 + ".pdf", taken)
    assert long2.endswith(" (2).pdf") and len(long2.encode()) <= MAX_NAME_BYTES


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_name_becomes_one_harmless_component(name: str) -> None:
    out = safe_filename(name, set())
    assert out and out not in (".", "..")
    assert "/" not in out and "\\" not in out and ":" not in out
    assert not any(ord(c) < 32 for c in out)
    assert len(out.encode("utf-8")) <= MAX_NAME_BYTES
    assert not out.endswith((" ", "."))
    assert Path(out).name == out


def test_extract_writes_inside_folder_only(tmp_path: Path,
                                           make_zfo: Callable[..., bytes]) -> None:
    files = [("../../escape.txt", b"1"), ("CON", b"2"), ("a/b/c.pdf", b"3"),
             ("same.txt", b"4"), ("SAME.txt", b"5"), ("", b"6")]
    z = parse_zfo(make_zfo(files=files))
    out = tmp_path / "out"
    written = extract_attachments(z, out)
    assert len(written) == len(files)
    assert all(p.parent == out.resolve() for p in written)
    assert [p.read_bytes() for p in written] == [d for _, d in files]
    assert not (tmp_path / "escape.txt").exists()
    assert sorted(os.listdir(tmp_path)) == ["out"]


def test_extract_never_overwrites_or_follows_symlinks(tmp_path: Path,
                                                      make_zfo: Callable[..., bytes]) -> None:
    z = parse_zfo(make_zfo(files=[("dopis.pdf", b"new"), ("odkaz.txt", b"x")]))
    out = tmp_path / "out"
    out.mkdir()
    (out / "dopis.pdf").write_bytes(b"old")
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep")
    (out / "odkaz.txt").symlink_to(victim)
    written = extract_attachments(z, out)
    assert (out / "dopis.pdf").read_bytes() == b"old"
    assert victim.read_bytes() == b"keep"
    assert {p.name for p in written} == {"dopis (2).pdf", "odkaz (2).txt"}
