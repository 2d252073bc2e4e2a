"""Release format shared by portal and client: versions, manifests, index documents."""

from __future__ import annotations

import json

import pytest

from dso_desktop.update.release import (
    LatestIndex,
    Manifest,
    Notes,
    ReleaseFormatError,
    Version,
    archive_target,
    index_target,
    platform_tag,
)


def test_version_order_and_rejects() -> None:
    ordered = ["0.9.9", "1.0.0a1", "1.0.0b2", "1.0.0rc1", "1.0.0", "1.0.1", "1.10.0"]
    assert sorted(Version.parse(v) for v in reversed(ordered)) == [
        Version.parse(v) for v in ordered]
    for bad in ("1.0", "v1.0.0", "1.0.0-beta", "1.0.0/../x", "", "1.0.0 1"):
        with pytest.raises(ReleaseFormatError):
            Version.parse(bad)


def test_manifest_refuses_programs_outside_the_folder() -> None:
    base = {"format": 1, "version": "1.0.0", "gui": ["dso-desktop"], "cli": ["dso"],
            "self_check": ["dso", "update", "self-check"]}
    assert Manifest.from_bytes(json.dumps(base).encode()).cli == ("dso",)
    for prog in ("/bin/sh", "../dso", "sub/../../dso", "C:evil.exe", "\\\\server\\x"):
        with pytest.raises(ReleaseFormatError):
            Manifest.from_bytes(json.dumps({**base, "gui": [prog]}).encode())
    with pytest.raises(ReleaseFormatError):
        Manifest.from_bytes(json.dumps({**base, "self_check": []}).encode())


def test_index_round_trip_and_paths() -> None:
    v = Version.parse("2.1.0")
    idx = LatestIndex(v, archive_target("stable", "linux-x86_64", v), {"2.0.0": "p"})
    assert LatestIndex.from_bytes(idx.to_bytes()) == idx
    assert index_target("beta", "windows-x86_64") == "releases/beta/windows-x86_64/latest.json"
    with pytest.raises(ReleaseFormatError):
        index_target("nightly", "linux-x86_64")
    with pytest.raises(ReleaseFormatError):
        archive_target("stable", "../x", v)
    with pytest.raises(ReleaseFormatError):
        LatestIndex.from_bytes(b'{"format": 2}')
    with pytest.raises(ReleaseFormatError):
        Notes.from_json({"cs": "jen česky"})
    assert "-" in platform_tag()
