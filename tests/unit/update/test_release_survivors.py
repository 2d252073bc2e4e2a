"""Survivors of the mutation run (branch ``mutants2``) in `update.release`.

- ``Notes.from_json`` with ``or`` turned into ``and``: a value that is not an object (or an
  object without Czech text) then slipped past the check and failed later with another
  error than `ReleaseFormatError` (which the update check reports as a broken release);
- ``LatestIndex.from_bytes`` losing the reason "unknown latest.json format".
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dso_desktop.update.release import (
    CHANNELS,
    MANIFEST_NAME,
    LatestIndex,
    Manifest,
    Notes,
    ReleaseFormatError,
    Version,
    release_dir,
)


@pytest.mark.parametrize("obj", [
    [], "Oprava chyb", None, 7,
    {"en": "Bug fixes"}, {"cs": "Oprava chyb"}, {"cs": 1, "en": "Bug fixes"},
    {"cs": "Oprava chyb", "en": ["Bug fixes"]},
])
def test_release_notes_without_both_texts_are_a_format_error(obj: object) -> None:
    with pytest.raises(ReleaseFormatError, match="release notes need text in 'cs' and 'en'"):
        Notes.from_json(obj)


def test_release_notes_with_both_texts_are_read() -> None:
    notes = Notes.from_json({"cs": "Oprava chyb", "en": "Bug fixes", "extra": 1})
    assert (notes.cs, notes.en) == ("Oprava chyb", "Bug fixes")


@pytest.mark.parametrize("fmt", [None, 0, 2, "1"])
def test_an_index_of_another_format_says_so(fmt: object) -> None:
    obj = {"version": "1.2.3", "archive": "a.tar.gz"}
    if fmt is not None:
        obj["format"] = fmt
    with pytest.raises(ReleaseFormatError, match=r"^bad latest\.json: unknown latest\.json "
                                                 r"format$"):
        LatestIndex.from_bytes(json.dumps(obj).encode())


@pytest.mark.parametrize("files", [7, ["a"], {"path": "x"}])
def test_an_index_with_a_bad_file_list_path_says_so(files: object) -> None:
    obj = {"format": 1, "version": "1.2.3", "archive": "a.tar.gz", "files": files}
    with pytest.raises(ReleaseFormatError,
                       match=r"^bad latest\.json: bad files in latest\.json$"):
        LatestIndex.from_bytes(json.dumps(obj).encode())


def test_a_blob_lives_under_the_first_two_hex_digits_of_its_digest() -> None:
    """The repository layout the publisher writes and the client asks for (a published
    repository's paths cannot change under released clients)."""
    from dso_desktop.update.release import blob_target

    digest = "ab" + "0123456789abcdef" * 3 + "0123456789abcd"
    assert blob_target(digest) == f"files/ab/{digest}"


def test_the_file_list_is_fetched_into_a_cache_folder_not_made_yet(tmp_path: Path) -> None:
    """``fetch_file_list`` makes the whole path of its work folder (a first small update:
    neither the cache nor its parent exists yet)."""
    from tests.unit.update.test_files_list import FakeClient, _listing
    from tuf.api.metadata import TargetFile

    from dso_desktop.update.smallupdate import fetch_file_list

    client = FakeClient(tmp_path, {}, _listing().to_bytes())
    info = TargetFile(1000, {"sha256": "0" * 64}, "r/x.files.json")
    work = tmp_path / "not" / "made" / "yet"
    assert fetch_file_list(client, info, work) == _listing()  # type: ignore[arg-type]
    assert work.is_dir() and not (work / "files.json.part").exists()


# Survivors of seed 20261208 (branch ``survrest``).

def test_withdrawn_versions_survive_latest_json() -> None:
    # The operator's withdrawal is what offers a rollback to clients on a bad version.
    index = LatestIndex(Version.parse("1.0.0"), "r/dso-desktop-1.0.0.tar.gz", {},
                        withdrawn=("1.2.0", "1.1.0"))
    back = LatestIndex.from_bytes(index.to_bytes())
    assert back.withdrawn == ("1.1.0", "1.2.0")
    assert json.loads(index.to_bytes())["withdrawn"] == ["1.1.0", "1.2.0"]


def test_format_refusals_say_what_is_wrong() -> None:
    with pytest.raises(ReleaseFormatError) as manifest:
        Manifest.from_bytes(b'{"format": 2}')
    assert str(manifest.value) == f"bad {MANIFEST_NAME}: unknown {MANIFEST_NAME} format"
    with pytest.raises(ReleaseFormatError) as channel:
        release_dir("nightly", "linux-x86_64")
    assert str(channel.value) == f"unknown channel 'nightly' (use {', '.join(CHANNELS)})"
    assert release_dir("stable", "linux-x86_64") == "releases/stable/linux-x86_64"


# Survivors of seed 20261210 (branch ``survrest3``).

def test_withdrawn_versions_are_written_in_version_order() -> None:
    index = LatestIndex(Version.parse("1.0.0"), "r/dso-desktop-1.0.0.tar.gz", {},
                        withdrawn=("1.10.0", "1.9.0"))
    assert json.loads(index.to_bytes())["withdrawn"] == ["1.9.0", "1.10.0"]


@pytest.mark.parametrize("withdrawn", [["1.1.0", 5], "1.1.0"])
def test_a_withdrawn_list_of_other_things_is_refused_as_such(withdrawn: object) -> None:
    raw = json.dumps({"format": 1, "version": "1.2.0", "archive": "r/a.tar.gz",
                      "withdrawn": withdrawn}).encode()
    with pytest.raises(ReleaseFormatError) as refused:
        LatestIndex.from_bytes(raw)
    assert str(refused.value) == "bad latest.json: bad withdrawn list in latest.json"


# Survivors of seed 20261211 (branch ``survrest4``).

@pytest.mark.parametrize("patches", [["1.0.0"], {"1.0.0": 7}, {"1.0.0": ["r/p"]}])
def test_bad_patches_are_refused_as_such(patches: object) -> None:
    raw = json.dumps({"format": 1, "version": "1.2.0", "archive": "r/a.tar.gz",
                      "patches": patches}).encode()
    with pytest.raises(ReleaseFormatError) as refused:
        LatestIndex.from_bytes(raw)
    assert str(refused.value) == "bad latest.json: bad patches in latest.json"


def test_a_version_is_not_older_than_itself() -> None:
    one, same, later = Version.parse("1.4.2"), Version.parse(" 1.4.2 "), Version.parse("1.4.3")
    assert not one < same and not same < one
    assert one >= same and one <= same and not one > same
    assert one < later and not later < one
    assert sorted([later, one, Version.parse("1.4.2rc1")]) == [
        Version.parse("1.4.2rc1"), one, later]


# Survivors of session 14's whole run (branch ``survupd15``).

def test_a_pre_release_comes_before_its_release_and_after_the_one_before() -> None:
    # The beta channel's 1.5.0rc1 must be updated to 1.5.0: a pre-release is older than
    # its release, not equal to it (Version's == compares the order key, so the order
    # is checked on the texts).
    ordered = ["1.4.9", "1.5.0a1", "1.5.0a2", "1.5.0b1", "1.5.0rc1", "1.5.0rc2", "1.5.0"]
    assert [str(v) for v in sorted(Version.parse(t) for t in reversed(ordered))] == ordered
    assert Version.parse("1.5.0rc1") < Version.parse("1.5.0")
    assert Version.parse("1.5.0rc1") != Version.parse("1.5.0")
    assert Version.parse("1.5.0a1") != Version.parse("1.5.0a2")


def test_an_archive_of_another_kind_says_which_are_allowed() -> None:
    from dso_desktop.update.release import archive_target

    with pytest.raises(ReleaseFormatError) as refused:
        archive_target("stable", "linux-x86_64", Version.parse("1.0.0"), ".zip")
    assert str(refused.value) == "release archives are .tar.xz or .tar.gz"


@pytest.mark.parametrize(("change", "reason"), [
    ({"gui": "dso-desktop"}, "'gui' must be a command list"),
    ({"cli": []}, "'cli' must be a command list"),
    ({"self_check": ["dso", 1]}, "'self_check' must be a command list"),
    ({"gui": ["../dso-desktop"]}, "program outside the folder"),
    ({"cli": ["C:dso.exe"]}, "program outside the folder"),
])
def test_a_manifest_refusal_says_which_command_is_wrong(change: dict[str, object],
                                                        reason: str) -> None:
    base = {"format": 1, "version": "1.0.0", "gui": ["dso-desktop"], "cli": ["dso"],
            "self_check": ["dso", "update", "self-check"]}
    with pytest.raises(ReleaseFormatError) as refused:
        Manifest.from_bytes(json.dumps({**base, **change}).encode())
    assert str(refused.value) == f"bad {MANIFEST_NAME}: {MANIFEST_NAME}: {reason}"
