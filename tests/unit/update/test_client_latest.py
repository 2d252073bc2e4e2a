"""`TufClient.latest`: which signed targets make an offer, and which are refused or dropped.

python-tuf checks signatures, lengths and hashes; what the signed metadata *means* (the
archive named by latest.json is signed, of the same version, within the size limit; a patch
or a file list counts only when signed for exactly this release) is checked by our client.
The metadata side is stood in for here by a fake ``Updater`` holding signed-looking
``TargetFile`` objects, so that every rule can be broken one at a time. Written against
survivors of a mutmut run over ``update/client.py`` (docs/testing.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tuf.api import exceptions as tuf_exc
from tuf.api.metadata import TargetFile

from dso_desktop.update import client as client_mod
from dso_desktop.update.client import (
    MAX_ARCHIVE_BYTES,
    MAX_INDEX_BYTES,
    TufClient,
    _rejected,
    _root_version,
    hashed_url,
    verify_file,
)
from dso_desktop.update.errors import UpdatePortalOutdated, UpdateVerificationError
from dso_desktop.update.release import CUSTOM_KEY, Version, index_target

PLAT = "linux-x86_64"
INDEX = index_target("stable", PLAT)
ARCHIVE = f"releases/stable/{PLAT}/dso-desktop-1.2.0-{PLAT}.tar.gz"
FILES = f"releases/stable/{PLAT}/dso-desktop-1.2.0-{PLAT}.files.json"
NOTES = {"cs": "Opravy", "en": "Fixes"}
SHA = "ab" * 32


def _target(path: str, length: int = 100, **custom: Any) -> TargetFile:
    fields = {"custom": {CUSTOM_KEY: custom}} if custom else {}
    return TargetFile(length, {"sha256": SHA}, path, fields)


class FakeUpdater:
    """What TufClient asks of python-tuf's Updater, answering from a dict of targets."""

    def __init__(self, targets: dict[str, TargetFile], index: bytes,
                 fail: type[tuf_exc.RepositoryError] | None = None,
                 fail_download: bool = False) -> None:
        self.targets = targets
        self.index = index
        self.fail = fail
        self.fail_download = fail_download
        self.asked: list[str] = []

    def refresh(self) -> None:
        if self.fail is not None:
            raise self.fail("refused by the fake")

    def get_targetinfo(self, path: str) -> TargetFile | None:
        self.asked.append(path)
        if self.fail is not None:
            raise self.fail("refused by the fake")
        return self.targets.get(path)

    def download_target(self, info: TargetFile, dest: str) -> str:
        if self.fail_download:
            raise tuf_exc.LengthOrHashMismatchError("hash of latest.json differs")
        Path(dest).write_bytes(self.index)
        return dest


def _index(**over: Any) -> bytes:
    obj: dict[str, Any] = {"format": 1, "version": "1.2.0", "archive": ARCHIVE,
                           "patches": {}, **over}
    return json.dumps(obj).encode()


def _client(tmp_path: Path, targets: dict[str, TargetFile], index: bytes,
            **kw: Any) -> tuple[TufClient, FakeUpdater]:
    c = TufClient.__new__(TufClient)  # the real constructor needs a real TUF repository
    fake = FakeUpdater(targets, index, **kw)
    c.updater = fake  # type: ignore[assignment]
    c.work_dir = tmp_path / "work"
    c.targets_url = "https://portal.example/targets/"
    return c, fake


def _good(**extra: TargetFile) -> dict[str, TargetFile]:
    return {INDEX: _target(INDEX, 200),
            ARCHIVE: _target(ARCHIVE, 5000, kind="full", version="1.2.0", notes=NOTES,
                             released="2026-12-01"),
            **extra}


def test_an_offer_carries_what_the_signed_metadata_says(tmp_path: Path) -> None:
    c, fake = _client(tmp_path, _good(), _index(withdrawn=["1.3.0"]))
    offer = c.latest("stable", PLAT)
    assert offer is not None
    assert offer.version == Version.parse("1.2.0") and str(offer.version) == "1.2.0"
    assert (offer.notes.cs, offer.notes.en) == ("Opravy", "Fixes")
    assert offer.released == "2026-12-01"
    assert offer.archive.path == ARCHIVE
    assert offer.size == 5000 and offer.sha256 == SHA
    assert offer.patches == {} and offer.files is None
    assert offer.withdrawn == ("1.3.0",)
    assert fake.asked == [INDEX, ARCHIVE]
    assert json.loads((tmp_path / "work" / "latest.json").read_bytes())["version"] == "1.2.0"


def test_no_index_for_the_channel_is_no_offer(tmp_path: Path) -> None:
    c, _ = _client(tmp_path, {}, b"")
    assert c.latest("stable", PLAT) is None


def test_an_archive_without_a_release_date_has_an_empty_one(tmp_path: Path) -> None:
    targets = _good()
    targets[ARCHIVE] = _target(ARCHIVE, 5000, kind="full", version="1.2.0", notes=NOTES)
    offer = _client(tmp_path, targets, _index())[0].latest("stable", PLAT)
    assert offer is not None and offer.released == ""


@pytest.mark.parametrize(("length", "refused"), [(MAX_INDEX_BYTES, False),
                                                  (MAX_INDEX_BYTES + 1, True)])
def test_an_oversized_index_is_refused_before_download(tmp_path: Path, length: int,
                                                       refused: bool) -> None:
    targets = _good()
    targets[INDEX] = _target(INDEX, length)
    c, _ = _client(tmp_path, targets, _index())
    if refused:
        with pytest.raises(UpdateVerificationError, match=r"latest.json is unreasonably large"):
            c.latest("stable", PLAT)
        assert not (tmp_path / "work" / "latest.json").exists()
    else:
        assert c.latest("stable", PLAT) is not None


def test_the_index_limit_is_64_kib_and_the_archive_limit_1_gib() -> None:
    # The bounds the boundary tests above are written around: a stolen targets key cannot
    # make the client read a huge index or fill the disk with a "release".
    assert MAX_INDEX_BYTES == 64 * 1024
    assert MAX_ARCHIVE_BYTES == 1024 ** 3


def test_an_index_failing_verification_is_refused(tmp_path: Path) -> None:
    c, _ = _client(tmp_path, _good(), _index(), fail_download=True)
    with pytest.raises(UpdateVerificationError,
                       match=r"^latest.json failed verification: hash of latest.json differs"):
        c.latest("stable", PLAT)


@pytest.mark.parametrize("index", [b"{not json", _index(format=2), _index(version="1.2")])
def test_a_malformed_index_is_a_verification_error(tmp_path: Path, index: bytes) -> None:
    c, _ = _client(tmp_path, _good(), index)
    with pytest.raises(UpdateVerificationError, match=r"latest.json"):
        c.latest("stable", PLAT)


def test_an_archive_not_in_the_signed_targets_is_refused(tmp_path: Path) -> None:
    targets = _good()
    del targets[ARCHIVE]
    c, _ = _client(tmp_path, targets, _index())
    with pytest.raises(UpdateVerificationError,
                       match=f"^latest.json names an unsigned file {ARCHIVE}$"):
        c.latest("stable", PLAT)


@pytest.mark.parametrize(("length", "refused"), [(MAX_ARCHIVE_BYTES, False),
                                                  (MAX_ARCHIVE_BYTES + 1, True)])
def test_an_archive_over_the_limit_is_refused(tmp_path: Path, length: int,
                                              refused: bool) -> None:
    targets = _good()
    targets[ARCHIVE] = _target(ARCHIVE, length, kind="full", version="1.2.0", notes=NOTES)
    c, _ = _client(tmp_path, targets, _index())
    if refused:
        with pytest.raises(UpdateVerificationError,
                           match=f"^release archive of {length} bytes exceeds the limit$"):
            c.latest("stable", PLAT)
    else:
        offer = c.latest("stable", PLAT)
        assert offer is not None and offer.size == MAX_ARCHIVE_BYTES


@pytest.mark.parametrize("custom", [
    {"kind": "patch", "version": "1.2.0", "notes": NOTES},  # not a full archive
    {"version": "1.2.0", "notes": NOTES},  # no kind at all
    {"kind": "full", "version": "1.1.0", "notes": NOTES},  # signed as another version
    {"kind": "full", "notes": NOTES},  # no version
    None,  # no custom data of ours
])
def test_signed_archive_data_must_agree_with_the_index(tmp_path: Path,
                                                       custom: dict[str, Any] | None) -> None:
    targets = _good()
    targets[ARCHIVE] = _target(ARCHIVE, 5000, **(custom or {}))
    c, _ = _client(tmp_path, targets, _index())
    with pytest.raises(UpdateVerificationError,
                       match=r"^signed archive data disagrees with latest.json$"):
        c.latest("stable", PLAT)


def test_custom_data_that_is_not_ours_counts_as_none(tmp_path: Path) -> None:
    targets = _good()
    targets[ARCHIVE] = TargetFile(5000, {"sha256": SHA}, ARCHIVE,
                                  {"custom": {CUSTOM_KEY: ["full", "1.2.0"]}})
    c, _ = _client(tmp_path, targets, _index())
    with pytest.raises(UpdateVerificationError, match=r"disagrees"):
        c.latest("stable", PLAT)


def test_release_notes_in_both_languages_are_required(tmp_path: Path) -> None:
    targets = _good()
    targets[ARCHIVE] = _target(ARCHIVE, 5000, kind="full", version="1.2.0",
                               notes={"cs": "Jen česky"})
    c, _ = _client(tmp_path, targets, _index())
    with pytest.raises(UpdateVerificationError, match=r"^release notes need text"):
        c.latest("stable", PLAT)


def test_only_patches_signed_for_this_very_step_are_offered(tmp_path: Path) -> None:
    def patch(name: str, frm: str, *, to: str = "1.2.0", kind: str = "patch",
              length: int = 300) -> tuple[str, TargetFile]:
        path = f"releases/stable/{PLAT}/{name}.patch"
        return path, _target(path, length, kind=kind, to=to, **{"from": frm})

    good = patch("good", "1.1.0")
    at_limit = patch("limit", "1.0.5", length=MAX_ARCHIVE_BYTES)
    bad: dict[str, tuple[str, TargetFile | None]] = {
        "1.0.0": patch("wrong-from", "1.0.1"),
        "1.0.1": patch("wrong-to", "1.0.1", to="1.3.0"),
        "1.0.2": patch("wrong-kind", "1.0.2", kind="full"),
        "1.0.3": patch("too-big", "1.0.3", length=MAX_ARCHIVE_BYTES + 1),
        "1.0.4": (f"releases/stable/{PLAT}/unsigned.patch", None),
    }
    targets = _good(**{good[0]: good[1], at_limit[0]: at_limit[1]})
    for path, info in bad.values():
        if info is not None:
            targets[path] = info
    patches = {"1.1.0": good[0], "1.0.5": at_limit[0], **{k: v[0] for k, v in bad.items()}}
    offer = _client(tmp_path, targets, _index(patches=patches))[0].latest("stable", PLAT)
    assert offer is not None
    assert offer.patches == {"1.1.0": good[1], "1.0.5": at_limit[1]}


@pytest.mark.parametrize(("custom", "used"), [
    ({"kind": "files", "version": "1.2.0"}, True),
    ({"kind": "files", "version": "1.1.0"}, False),  # the list of another release
    ({"kind": "full", "version": "1.2.0"}, False),
    ({"version": "1.2.0"}, False),
    (None, False),  # not signed at all
])
def test_a_file_list_is_used_only_when_signed_for_this_release(
        tmp_path: Path, custom: dict[str, Any] | None, used: bool) -> None:
    targets = _good()
    if custom is not None:
        targets[FILES] = _target(FILES, 900, **custom)
    offer = _client(tmp_path, targets, _index(files=FILES))[0].latest("stable", PLAT)
    assert offer is not None
    assert offer.files == (targets[FILES] if used else None)


def test_refused_metadata_becomes_an_update_error(tmp_path: Path) -> None:
    c, _ = _client(tmp_path, _good(), _index(), fail=tuf_exc.BadVersionNumberError)
    with pytest.raises(UpdateVerificationError,
                       match=r"^update metadata rejected: refused by the fake$"):
        c.refresh()
    with pytest.raises(UpdateVerificationError, match=r"^update metadata rejected"):
        c.latest("stable", PLAT)
    with pytest.raises(UpdateVerificationError, match=r"^update metadata rejected"):
        c.targetinfo(ARCHIVE)


def test_expired_metadata_reads_as_an_outdated_portal(tmp_path: Path) -> None:
    c, _ = _client(tmp_path, _good(), _index(), fail=tuf_exc.ExpiredMetadataError)
    with pytest.raises(UpdatePortalOutdated) as info:
        c.refresh()
    assert not isinstance(info.value, UpdateVerificationError)
    assert str(info.value) == ("update metadata rejected: refused by the fake (the portal's "
                               "operator must renew it)")
    other = _rejected(tuf_exc.UnsignedMetadataError("bad signature"))
    assert type(other) is UpdateVerificationError
    assert str(other) == "update metadata rejected: bad signature"


def test_the_target_url_has_the_hash_prefix() -> None:
    info = TargetFile(3, {"sha256": SHA}, "releases/stable/x/a.tar.gz")
    assert hashed_url("https://p/targets/", info) == \
        f"https://p/targets/releases/stable/x/{SHA}.a.tar.gz"
    top = TargetFile(3, {"sha256": SHA}, "a.json")
    assert hashed_url("https://p/targets/", top) == f"https://p/targets/{SHA}.a.json"


@pytest.mark.parametrize(("data", "version"), [
    (b'{"signed": {"version": 7}}', 7),
    (b'{"signed": {"version": "7"}}', -1),
    (b'{"signed": {}}', -1),
    (b'{"signed": 3}', -1),
    (b"not json", -1),
])
def test_the_version_of_a_root_document(data: bytes, version: int) -> None:
    assert _root_version(data) == version


def test_verify_file_keeps_a_matching_file_and_removes_another(tmp_path: Path) -> None:
    import hashlib

    data = b"release bytes"
    info = TargetFile(len(data), {"sha256": hashlib.sha256(data).hexdigest()}, "r/a.tar.gz")
    good = tmp_path / "good"
    good.write_bytes(data)
    verify_file(info, good)
    assert good.read_bytes() == data
    bad = tmp_path / "bad"
    bad.write_bytes(b"release bytez")  # same length, other content
    with pytest.raises(UpdateVerificationError, match=r"^r/a.tar.gz does not match its signature"):
        verify_file(info, bad)
    assert not bad.exists()


def test_download_fetches_the_hashed_url_and_verifies(tmp_path: Path) -> None:
    import hashlib

    data = b"the archive"
    info = TargetFile(len(data), {"sha256": hashlib.sha256(data).hexdigest()}, "r/a.tar.gz")
    calls: list[tuple[str, Path, int, object]] = []

    class Fetch:
        def download_resumable(self, url: str, part: Path, length: int,
                               progress: object) -> None:
            calls.append((url, part, length, progress))
            part.write_bytes(payload)

    c = TufClient.__new__(TufClient)
    c.transport = Fetch()  # type: ignore[assignment]
    c.targets_url = "https://p/targets/"
    part = tmp_path / "a.part"
    payload = data
    assert c.download(info, part, None) == part
    assert calls == [(f"https://p/targets/r/{info.hashes['sha256']}.a.tar.gz", part,
                      len(data), None)]
    payload = b"the archivE"
    with pytest.raises(UpdateVerificationError):
        c.download(info, part, None)
    assert not part.exists()


def test_client_limits_are_tight() -> None:
    # Our metadata is small: python-tuf's defaults (512 KiB root, 32 MiB targets) are
    # lowered so that endless data stops early.
    cfg = client_mod.CONFIG
    assert (cfg.max_root_rotations, cfg.root_max_length, cfg.timestamp_max_length,
            cfg.snapshot_max_length, cfg.targets_max_length) == \
        (64, 64 * 1024, 16 * 1024, 256 * 1024, 4 * 1024 * 1024)
    from dso_desktop import USER_AGENT

    assert cfg.app_user_agent == USER_AGENT


@pytest.mark.parametrize(("system", "machine", "tag"), [
    ("linux", "x86_64", "linux-x86_64"), ("win32", "AMD64", "windows-x86_64"),
    ("darwin", "arm64", "macos-aarch64"), ("freebsd14", "", "linux-unknown"),
])
def test_the_platform_tag_names_system_and_machine(monkeypatch: pytest.MonkeyPatch,
                                                   system: str, machine: str,
                                                   tag: str) -> None:
    import platform
    import sys

    from dso_desktop.update.release import platform_tag

    monkeypatch.setattr(sys, "platform", system)
    monkeypatch.setattr(platform, "machine", lambda: machine)
    assert platform_tag() == tag
