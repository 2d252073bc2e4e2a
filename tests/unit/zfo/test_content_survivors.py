"""Survivors of the mutation run of branch ``mutsurv`` in `zfo.xmlcontent` and
`zfo.extract`: the name of an external (VoDZ) attachment, and which file name extensions
are kept when attachments are saved; and of seed 20261208 (branch ``survzfo``): how a
name and the folder a save writes into are treated."""
# ruff: noqa: F811 - pytest fixtures imported from zfo_factory are parameters here

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from tests.unit.zfo.zfo_factory import message_xml, pki  # noqa: F401

from dso_desktop.zfo.errors import UnsafePathError
from dso_desktop.zfo.extract import sane_extension, sanitize, save_files
from dso_desktop.zfo.testpki import TestPki
from dso_desktop.zfo.xmlcontent import read_content


def _with_external(pki: TestPki, attrs: str) -> bytes:
    xml = message_xml(pki)
    ext = f'<p:dmExtFile dmMimeType="application/pdf" dmFileMetaType="enclosure" {attrs}/>'
    return xml.replace(b"</p:dmFiles>", ext.encode() + b"</p:dmFiles>", 1)


def test_an_external_attachment_is_named_by_its_description_else_its_id(
        pki: TestPki) -> None:
    named = read_content(_with_external(
        pki, 'dmAttID="att-7" dmFileDescr="smlouva.pdf" dmFileGuid="g1"'))["attachments"]
    assert [(a.name, a.external_id, a.mime_type, a.size) for a in named] == [
        ("dopis.pdf", None, "application/pdf", len(b"%PDF-1.4 test")),
        ("smlouva.pdf", "att-7", "application/pdf", 0)]
    unnamed = read_content(_with_external(pki, 'dmAttID="att-8"'))["attachments"]
    assert unnamed[1].name == "att-8"


def test_only_short_plain_extensions_are_kept() -> None:
    assert sane_extension("pdf") and sane_extension("tar-gz") and sane_extension("p" * 16)
    assert not sane_extension("")
    assert not sane_extension("p" * 17)  # plain, but too long
    assert not sane_extension("p$f")  # short, but not plain
    assert not sane_extension("pdf exe")


def test_every_envelope_field_is_read_from_its_own_element(pki: TestPki) -> None:
    from dso_desktop.domain import LegalTitle

    xml = message_xml(pki).replace(b'<p:dmRecipientIdent xsi:nil="true" />',
                                   b"<p:dmRecipientIdent>VS-9</p:dmRecipientIdent>", 1)
    env = read_content(xml)["envelope"]
    assert env.legal_title == LegalTitle(law="300", year="2008", section="17",
                                         paragraph=None, point=None)
    assert (env.our_file_mark, env.your_file_mark) == ("SZ-7", "VS-9")


def test_a_flag_that_is_not_a_boolean_is_named(pki: TestPki) -> None:
    import pytest

    from dso_desktop.zfo.errors import MalformedXmlError

    xml = message_xml(pki).replace(b"<p:dmPersonalDelivery>true</p:dmPersonalDelivery>",
                                   b"<p:dmPersonalDelivery>yes</p:dmPersonalDelivery>", 1)
    with pytest.raises(MalformedXmlError) as bad:
        read_content(xml)
    assert str(bad.value) == "dmPersonalDelivery is not a boolean: 'yes'"


def test_an_event_without_its_time_is_refused_by_name(pki: TestPki) -> None:
    import pytest

    from dso_desktop.zfo.errors import MalformedXmlError

    di = message_xml(pki, kind="delivery-info")
    timeless = di.replace(b"<q:dmEventTime>2026-03-01T13:00:00.1+01:00</q:dmEventTime>", b"")
    assert timeless != di
    with pytest.raises(MalformedXmlError) as bad:
        read_content(timeless)
    assert str(bad.value) == "dmEvent without dmEventTime"


# Survivors of seed 20261208 (branch ``survzfo``).


def test_unassigned_code_points_are_dropped_from_a_name() -> None:
    """U+0378 has no character yet: a later Unicode (another machine's) may make it
    anything, so a saved name never holds one."""
    assert unicodedata.category("\u0378") == "Cn"
    assert sanitize("zpr\u0378áva\u0378.pdf") == "zpráva.pdf"


def test_a_symlink_planted_at_the_chosen_name_stops_the_save(tmp_path: Path) -> None:
    """A link that appears where the next file is to be written (after the folder was
    listed) is an attack on the folder: the save stops, nothing is written through it."""
    if not hasattr(os, "symlink"):  # pragma: no cover - POSIX in CI
        pytest.skip("no symlinks here")
    out = tmp_path / "out"
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep")

    def plant() -> bytes:
        (out / "dopis.pdf").symlink_to(victim)
        return b"%PDF attack"

    with pytest.raises(UnsafePathError, match=r"^refusing to write 'dopis\.pdf' outside "):
        save_files(out, [("dopis.pdf", plant)])
    assert victim.read_bytes() == b"keep"
    assert sorted(p.name for p in out.iterdir()) == ["dopis.pdf"]  # only the link


def test_files_are_saved_where_the_platform_has_no_o_nofollow(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows has no O_NOFOLLOW: the save still works there (owner-only files)."""
    monkeypatch.delattr(os, "O_NOFOLLOW", raising=False)
    (path,) = save_files(tmp_path / "out", [("a.txt", b"abc")])
    assert path.read_bytes() == b"abc"
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600


def test_an_existing_folder_keeps_its_permissions(tmp_path: Path) -> None:
    """The folder a user exports into is theirs: saving into it does not change its
    mode; a folder the save creates is private (0700)."""
    if os.name != "posix":  # pragma: no cover - POSIX in CI
        pytest.skip("POSIX permissions")
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    save_files(shared, [("a.txt", b"abc")])
    assert shared.stat().st_mode & 0o777 == 0o755
    save_files(tmp_path / "new", [("a.txt", b"abc")])
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700
