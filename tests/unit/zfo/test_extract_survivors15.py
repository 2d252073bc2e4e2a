"""Saving attachments: the cases session 15's whole mutation run showed untested
(names cut to a very short limit, odd separators, failed writes, external VoDZ files)."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.unit.zfo.zfo_factory import make_zfo, pki  # noqa: F401 - pytest fixtures

import dso_desktop.zfo
from dso_desktop.zfo.extract import (
    MIN_NAME_BYTES,
    Chunks,
    _write_new,
    extract_attachments,
    name_limit,
    sanitize,
)
from dso_desktop.zfo.model import ZfoAttachment
from dso_desktop.zfo.parse import parse_zfo

CJK_EXT = "一" * 11  # a sane extension of 33 bytes: with its dot longer than 32 bytes


def test_paragraph_separator_is_removed_like_a_line_separator() -> None:
    assert sanitize("a\u2029b\u2028c.pdf") == "abc.pdf"


def test_extension_longer_than_the_limit_cuts_the_whole_name() -> None:
    # The suffix alone exceeds the limit: the name is cut as a whole, and a cut ending in
    # the dot loses the dot (not the stem's last characters, not for a fallback name).
    assert sanitize("X" * 31 + "." + CJK_EXT, MIN_NAME_BYTES) == "X" * 31


def test_one_byte_left_for_the_stem_keeps_the_extension() -> None:
    ext = "." + "一" * 10  # 31 bytes: one byte left of 32
    assert sanitize("abcdef" + ext, MIN_NAME_BYTES) == "a" + ext


def test_shortened_stem_keeps_its_own_characters() -> None:
    assert sanitize("X" * 300 + ".pdf") == "X" * 251 + ".pdf"


def test_trailing_dot_goes_before_the_extension_is_taken() -> None:
    assert sanitize("a" * 300 + ".pdf.") == "a" * 251 + ".pdf"


def test_reserved_name_followed_by_a_space_and_inner_dot_is_defused() -> None:
    assert sanitize("CON .tar.gz") == "_CON .tar.gz"


def test_name_limit_of_one_byte_is_raised_to_the_minimum(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "pathconf", lambda _folder, _name: 1)
    assert name_limit(tmp_path) == MIN_NAME_BYTES


def test_failed_write_whose_partial_file_is_gone_raises_the_write_error(
        tmp_path: Path) -> None:
    target = tmp_path / "a.txt"

    def pieces() -> Iterator[bytes]:
        yield b"x"
        target.unlink()  # removed meanwhile (by the user, another program)
        raise RuntimeError("source failed")

    with pytest.raises(RuntimeError, match="source failed"):
        _write_new(target, Chunks(pieces))
    assert not target.exists()


def test_external_attachments_are_skipped_by_default(
        tmp_path: Path, make_zfo: Callable[..., bytes]) -> None:
    z = parse_zfo(make_zfo(files=[("dopis.pdf", b"1")]))
    external = ZfoAttachment(name="velky.pdf", mime_type="application/pdf", role=None,
                             size=0, external_id="77")
    z = dataclasses.replace(z, attachments=(*z.attachments, external))
    written = extract_attachments(z, tmp_path / "out")
    assert [p.name for p in written] == ["dopis.pdf"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["dopis.pdf"]


def test_unknown_package_attribute_error_names_it() -> None:
    with pytest.raises(AttributeError, match="'no_such_thing'"):
        dso_desktop.zfo.no_such_thing  # noqa: B018
