"""dso-release: repository creation, keys, publishing, patches, page, expiry, rotation."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tuf.api.metadata import Metadata, Root
from updater.cli import main as release_main
from updater.keys import KeyError_, KeyRing, load_key
from updater.repository import ReleaseRepository, RepositoryError
from updater.testkit import PASSPHRASE, PLATFORM, Portal, build_release, passphrase

from dso_desktop.update.release import Notes, Version


def test_init_creates_threshold_root_and_encrypted_keys(tmp_path: Path) -> None:
    portal = Portal(tmp_path)
    root = portal.repo.root().signed
    assert root.consistent_snapshot
    assert (root.roles["root"].threshold, len(root.roles["root"].keyids)) == (2, 3)
    assert root.roles["snapshot"].keyids == root.roles["timestamp"].keyids  # online key
    assert root.roles["targets"].keyids != root.roles["timestamp"].keyids
    key_file = portal.repo.keys_dir / "root-1.key"
    assert b"ENCRYPTED PRIVATE KEY" in key_file.read_bytes()
    assert key_file.stat().st_mode & 0o077 == 0
    with pytest.raises(KeyError_, match="wrong passphrase"):
        load_key(key_file, lambda stem, new: "not the passphrase")
    assert [p.name for p in portal.init_result.online] == ["online-1.key"]
    # Nothing secret is published.
    assert not list(portal.public.rglob("*.key"))
    with pytest.raises(RepositoryError, match="already"):
        ReleaseRepository.init(tmp_path / "repo", passphrase)


def test_add_publishes_notes_file_list_and_page(tmp_path: Path) -> None:
    import hashlib

    from dso_desktop.update.files import FilesManifest
    from dso_desktop.update.release import blob_target

    portal = Portal(tmp_path)
    bulk = random.Random(3).randbytes(200_000)
    first = portal.publish("1.0.0", payload=bulk)
    notes = Notes("Oprava <b>odesílání</b>.", "Fixed sending & more.")
    second = portal.publish("1.1.0", payload=bulk, notes=notes)
    targets = portal.repo.targets().signed.targets
    info = targets[second.archive_path]
    assert info.custom["dso"]["notes"] == {"cs": notes.cs, "en": notes.en}
    assert info.custom["dso"]["files"] == second.files_path
    # Every file of the tree is a content-addressed target; unchanged content is shared.
    files = FilesManifest.from_bytes(portal.repo.target_file_path(
        targets[second.files_path]).read_bytes())
    assert files.version == Version.parse("1.1.0")
    digest = hashlib.sha256(bulk).hexdigest()
    assert any(e.path == "lib/payload.bin" and e.sha256 == digest for e in files.entries)
    assert targets[blob_target(digest)].length == len(bulk)
    assert len(list(portal.public.glob(f"targets/files/*/*{digest}"))) == 1
    assert not list(portal.public.rglob("*.bsdiff"))  # no patch is computed any more
    page = (portal.public / "index.html").read_text(encoding="utf-8")
    assert "DSO Desktop 1.1.0" in page and second.archive_sha256 in page
    assert "Oprava &lt;b&gt;odesílání&lt;/b&gt;." in page and "<b>" not in page
    assert "Fixed sending &amp; more." in page and "How to install" in page
    href = f"targets/releases/stable/{PLATFORM}/{second.archive_sha256}."
    assert href in page
    assert (portal.public / f"{href}dso-desktop-1.1.0-{PLATFORM}.tar.gz").is_file()
    with pytest.raises(RepositoryError, match="not newer"):
        portal.publish("1.0.5")
    assert first.files_path != second.files_path


def test_mislabelled_archive_is_refused(tmp_path: Path) -> None:
    portal = Portal(tmp_path)
    archive = build_release(tmp_path / "b", "1.0.0")
    from dso_desktop.update.archive import UnsafeArchiveError

    with pytest.raises(UnsafeArchiveError):
        portal.repo.add_release(archive, Version.parse("1.2.0"), Notes("a", "b"),
                                platform=PLATFORM)


def test_expiry_defaults_warnings_and_timestamp_job(tmp_path: Path) -> None:
    clock = [datetime(2026, 1, 1, tzinfo=UTC)]
    portal = Portal(tmp_path, now=lambda: clock[0])
    status = {s["role"]: s for s in portal.repo.status()}
    assert status["root"]["expires"].startswith("2027-01-01")
    assert status["targets"]["expires"].startswith("2026-04-01")
    assert status["timestamp"]["expires"].startswith("2026-01-03")
    assert portal.repo.warnings() == []
    clock[0] += timedelta(days=1, hours=13)
    assert [w.split()[0] for w in portal.repo.warnings()] == ["timestamp"]
    v = portal.repo.timestamp().signed.version
    assert portal.repo.refresh_timestamp() == ["timestamp"]
    assert portal.repo.timestamp().signed.version == v + 1 and portal.repo.warnings() == []
    clock[0] += timedelta(days=5)  # the snapshot is close to its 7 days: renewed as well
    assert portal.repo.refresh_timestamp() == ["snapshot", "timestamp"]
    clock[0] += timedelta(days=80)
    assert any(w.startswith("targets") for w in portal.repo.warnings())
    portal.repo.resign("targets")
    assert not any(w.startswith("targets") for w in portal.repo.warnings())


def test_root_rotation_is_signed_by_old_and_new_keys(tmp_path: Path) -> None:
    portal = Portal(tmp_path)
    old = portal.repo.root()
    new_keys = portal.repo.rotate("root", passphrase)
    assert [k.path.name for k in new_keys] == ["root-4.key", "root-5.key", "root-6.key"]
    new = Metadata[Root].from_file(str(portal.repo.metadata_dir / "2.root.json"))
    old.signed.verify_delegate("root", new.signed_bytes, new.signatures)
    new.signed.verify_delegate("root", new.signed_bytes, new.signatures)
    assert set(new.signed.roles["root"].keyids) == {k.keyid for k in new_keys}
    # The old keys can no longer sign a root on their own.
    only_old = KeyRing([portal.repo.keys_dir], passphrase)
    only_old.dirs = [tmp_path / "old"]
    (tmp_path / "old").mkdir()
    for i in (1, 2, 3):
        (portal.repo.keys_dir / f"root-{i}.key").rename(tmp_path / "old" / f"root-{i}.key")
    repo = ReleaseRepository(portal.repo.path, only_old)
    with pytest.raises(KeyError_, match="needs 2"):
        repo.resign("root")


def test_cli_flow_with_environment_passphrases(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DSO_RELEASE_PASSPHRASE", PASSPHRASE)
    repo = tmp_path / "repo"
    assert release_main(["init", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "OFFLINE" in out and "root-1.key" in out and "DSO_RELEASE_PASSPHRASE_ONLINE_1" in out
    build = build_release(tmp_path / "b", "1.0.0",
                          root_json=(repo / "public" / "metadata" / "1.root.json").read_bytes())
    notes = tmp_path / "notes.json"
    notes.write_text(json.dumps({"cs": "Česky", "en": "English"}), encoding="utf-8")
    assert release_main(["add", str(repo), str(build), "--version", "1.0.0",
                         "--notes", str(notes), "--platform", PLATFORM]) == 0
    assert release_main(["timestamp", str(repo)]) == 0
    assert release_main(["status", str(repo)]) == 0
    assert "  1.0.0        stable" in capsys.readouterr().out
    bad_notes = tmp_path / "notes.txt"
    bad_notes.write_text("only czech", encoding="utf-8")
    assert release_main(["add", str(repo), str(build), "--version", "1.0.1",
                         "--notes", str(bad_notes)]) == 1
    assert "[cs]" in capsys.readouterr().err
    monkeypatch.setenv("DSO_RELEASE_PASSPHRASE", "wrong passphrase")
    assert release_main(["timestamp", str(repo)]) == 1
    assert "wrong passphrase" in capsys.readouterr().err
