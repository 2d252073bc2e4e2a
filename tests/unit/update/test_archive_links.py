"""Symbolic links in release archives: resolved like the OS would, refused when they leave.

Each hostile tree below passes a look at every link on its own (the check before this one),
and is refused only when links are followed through each other. `dso-release add` refuses
the same archives with exit 1 and leaves the repository as it was.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from updater.cli import main as release_main
from updater.testkit import PASSPHRASE, PLATFORM, Entry, Portal, write_archive

from dso_desktop.update.archive import UnsafeArchiveError, extract_version, scan
from dso_desktop.update.release import Version

FORMATS = (".tar.gz", ".tar.xz")

# name -> (entries, expected message part)
HOSTILE: dict[str, tuple[list[Entry], str]] = {
    "absolute": ([("symlink", "lib/passwd", "/etc/passwd")], "absolute"),
    "dotdot": ([("symlink", "lib/up", "../../../outside")], "outside its folder"),
    "sibling-version": ([("symlink", "lib/old", "../../1.0.0/app")], "outside its folder"),
    # lib/sub/d -> .. is lib (inside); through it, three `..` leave the version folder
    # although the text lib/sub/d/../../.. alone looks like the version folder itself.
    "intermediate-hop": ([("dir", "lib/sub", ""), ("symlink", "lib/sub/d", ".."),
                          ("symlink", "x", "lib/sub/d/../../..")], "outside its folder"),
    # The first link looks harmless; the link it points to is the one that leaves.
    "final-hop": ([("dir", "lib/sub", ""), ("symlink", "lib/sub/d", ".."),
                   ("symlink", "y", "lib/sub/d/../../../escape"), ("symlink", "a", "y")],
                  "outside its folder"),
    "hop-to-absolute": ([("symlink", "a", "b/etc"), ("symlink", "b", "/")], "absolute"),
    "loop": ([("symlink", "a", "b"), ("symlink", "b", "a")], "loop"),
    "self-loop": ([("symlink", "lib/self", "self")], "loop"),
    "growing-loop": ([("symlink", "g", "g/x")], "loop"),
    "entry-below-link": ([("dir", "lib/real", ""), ("symlink", "lib/d", "real"),
                          ("file", "lib/d/evil", b"x")], "below a link"),
    "entry-below-file": ([("file", "lib/data.bin/evil", b"x")], "below a file"),
}

INSIDE: list[Entry] = [
    ("symlink", "lib/alias.bin", "data.bin"),
    ("symlink", "lib/root", ".."),                 # the version folder itself
    ("symlink", "lib/app-again", "root/app"),      # a chain that stays inside
    ("symlink", "lib/alias-of-alias", "alias.bin"),
    ("symlink", "lib/later", "not-there-yet.txt"),  # dangling, but inside
]


def _fingerprint(folder: Path) -> dict[str, str]:
    """Every path below ``folder`` with the hash of its content (links by their target)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_symlink():
            out[rel] = "link:" + str(p.readlink())
        elif p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[rel] = "dir"
    return out


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_links_leaving_the_tree_are_refused_before_anything_is_written(
        tmp_path: Path, case: str, fmt: str) -> None:
    entries, why = HOSTILE[case]
    archive = write_archive(tmp_path / f"evil{fmt}", "2.0.0", entries)
    with pytest.raises(UnsafeArchiveError, match=why):
        scan(archive)
    versions = tmp_path / "install" / "versions"
    versions.mkdir(parents=True)
    with pytest.raises(UnsafeArchiveError, match=why):
        extract_version(archive, Version.parse("2.0.0"), versions)
    assert list(versions.iterdir()) == []  # not even the temporary staging folder is left


@pytest.mark.parametrize("fmt", FORMATS)
def test_links_that_stay_inside_are_unpacked(tmp_path: Path, fmt: str) -> None:
    archive = write_archive(tmp_path / f"ok{fmt}", "2.0.0", INSIDE)
    folder = extract_version(archive, Version.parse("2.0.0"), tmp_path / "versions")
    assert (folder / "lib" / "alias-of-alias").read_bytes() == b"data"
    assert (folder / "lib" / "app-again").read_bytes() == (folder / "app").read_bytes()
    assert (folder / "lib" / "later").is_symlink()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", ["intermediate-hop", "final-hop", "loop", "absolute",
                                  "entry-below-link"])
def test_dso_release_add_refuses_and_leaves_the_repository_unchanged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        case: str, fmt: str) -> None:
    portal = Portal(tmp_path / "portal")
    portal.publish("1.0.0")
    repo = portal.repo.path
    before = _fingerprint(repo)
    entries, why = HOSTILE[case]
    archive = write_archive(tmp_path / f"dso-desktop-2.0.0{fmt}", "2.0.0", entries)
    monkeypatch.setenv("DSO_RELEASE_PASSPHRASE", PASSPHRASE)
    capsys.readouterr()
    code = release_main(["add", str(repo), str(archive), "--version", "2.0.0",
                         "--platform", PLATFORM])
    captured = capsys.readouterr()
    assert code == 1
    assert "refused archive" in captured.err and why in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert _fingerprint(repo) == before
    # The same archive without the hostile entries is published (the refusal is specific).
    fine = write_archive(tmp_path / f"fine{fmt}", "2.0.0", INSIDE,
                          root_json=portal.root_json)
    assert release_main(["add", str(repo), str(fine), "--version", "2.0.0",
                         "--platform", PLATFORM]) == 0
    assert _fingerprint(repo) != before


def test_pack_refuses_a_build_folder_with_a_link_chain_out(tmp_path: Path) -> None:
    from updater.pack import pack
    from updater.testkit import make_version_dir

    built = make_version_dir(tmp_path, "2.0.0")
    (built / "lib" / "sub").mkdir()
    (built / "lib" / "sub" / "d").symlink_to("..")
    (built / "x").symlink_to("lib/sub/d/../../..")
    out = tmp_path / "r.tar.gz"
    with pytest.raises(UnsafeArchiveError, match="outside its folder"):
        pack(built, Version.parse("2.0.0"), out)
    assert not out.exists()
    (built / "x").unlink()
    assert pack(built, Version.parse("2.0.0"), out).is_file()  # inner links are fine


# -- property: whatever scan accepts is safe on the real file system ----------------------

def _tree_strategy() -> object:
    from hypothesis import strategies as st

    comps = st.sampled_from(["..", ".", "a", "b", "l1", "l2", "l3", "app", "x"])
    target = st.lists(comps, min_size=1, max_size=5).map("/".join)
    where = st.sampled_from(["", "a/", "a/b/"])
    links = st.lists(st.tuples(where, st.sampled_from(["l1", "l2", "l3"]), target),
                     min_size=1, max_size=4, unique_by=lambda t: t[0] + t[1])
    return links


def test_accepted_links_resolve_inside_on_disk_and_refused_ones_really_leave_or_loop(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """Random link trees: scan's verdict against the kernel's own path resolution.

    Accepted: after unpacking, every link resolves inside the version folder without ELOOP.
    The virtual resolver and the post-unpack realpath check never disagree (extraction of an
    accepted archive never fails).
    """
    import errno
    import os

    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(_tree_strategy())
    def check(links: list[tuple[str, str, str]]) -> None:
        work = tmp_path_factory.mktemp("prop")
        entries: list[Entry] = [("dir", "a", ""), ("dir", "a/b", "")]
        entries += [("symlink", f"{where}{name}", target) for where, name, target in links]
        archive = write_archive(work / "p.tar.gz", "2.0.0", entries)
        try:
            scan(archive)
        except UnsafeArchiveError:
            return  # refusing is allowed to be conservative (e.g. through a missing name)
        folder = extract_version(archive, Version.parse("2.0.0"), work / "versions")
        real_root = folder.resolve()
        for where, name, _target in links:
            link = folder / f"{where}{name}"
            try:
                os.stat(link)
            except OSError as exc:
                assert exc.errno != errno.ELOOP, f"accepted a loop: {links}"
            resolved = Path(os.path.realpath(link))
            assert resolved == real_root or real_root in resolved.parents, links

    check()
