"""Safe extraction of a release archive into versions/<ver>/: no escapes, no links out, limits."""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dso_desktop.update.release import (
    MANIFEST_NAME,
    TOP_DIR,
    Manifest,
    ReleaseFormatError,
    Version,
)


class UnsafeArchiveError(Exception):
    """The archive would write outside its folder, uses forbidden entries or is too big."""


@dataclass(frozen=True)
class Limits:
    max_total_bytes: int = 1536 * 1024 * 1024  # unpacked size of the whole archive
    max_file_bytes: int = 512 * 1024 * 1024
    max_members: int = 40_000


@dataclass(frozen=True)
class _Entry:
    member: tarfile.TarInfo
    parts: tuple[str, ...]  # normalised path components below TOP_DIR


def _open(archive: Path) -> tarfile.TarFile:
    """A gzip- or xz-compressed tar (nothing else: no guessing on unknown data)."""
    with archive.open("rb") as fh:
        magic = fh.read(6)
    if magic.startswith(b"\x1f\x8b"):
        return tarfile.open(archive, mode="r:gz")
    if magic == b"\xfd7zXZ\x00":
        return tarfile.open(archive, mode="r:xz")
    raise UnsafeArchiveError("not a .tar.gz or .tar.xz archive")


def _split(name: str) -> tuple[str, ...]:
    if "\x00" in name or "\\" in name:
        raise UnsafeArchiveError(f"forbidden character in archive path {name!r}")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchiveError(f"absolute path in archive: {name!r}")
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if any(p == ".." for p in parts):
        raise UnsafeArchiveError(f"path escapes the archive folder: {name!r}")
    if not parts:
        raise UnsafeArchiveError(f"empty path in archive: {name!r}")
    return parts


def scan(archive: Path, limits: Limits = Limits()) -> list[_Entry]:
    """Read every member header and reject the archive on the first unsafe one."""
    entries: list[_Entry] = []
    seen: set[tuple[str, ...]] = set()
    total = 0
    try:
        with _open(archive) as tar:
            for member in tar:
                if len(entries) >= limits.max_members:
                    raise UnsafeArchiveError(f"more than {limits.max_members} entries")
                parts = _split(member.name)
                if parts[0] != TOP_DIR:
                    raise UnsafeArchiveError(f"entry outside '{TOP_DIR}/': {member.name!r}")
                if parts in seen:
                    raise UnsafeArchiveError(f"duplicate entry {member.name!r}")
                seen.add(parts)
                if member.isreg():
                    if member.size > limits.max_file_bytes:
                        raise UnsafeArchiveError(f"{member.name!r} is too big ({member.size} B)")
                    total += member.size
                    if total > limits.max_total_bytes:
                        raise UnsafeArchiveError(
                            f"unpacked size exceeds {limits.max_total_bytes} bytes"
                        )
                elif member.issym():
                    _check_link(parts, member.linkname)
                elif not member.isdir():
                    kind = "hard link" if member.islnk() else "device or special file"
                    raise UnsafeArchiveError(f"{kind} not allowed: {member.name!r}")
                entries.append(_Entry(member, parts[1:]))
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise UnsafeArchiveError(f"damaged archive: {exc}") from exc
    _check_trees(entries)
    return entries


# Linux follows at most 40 links in one lookup; a longer chain in a release is a loop or a trick.
MAX_LINK_HOPS = 40


def _check_link(parts: tuple[str, ...], target: str) -> None:
    """What one link entry can be judged by alone: a relative target, inside a version folder."""
    _link_target(target, "/".join(parts))
    if len(parts) < 4 or parts[1] != "versions":
        raise UnsafeArchiveError(f"link outside a version folder: {'/'.join(parts)!r}")


def _link_target(target: str, label: str) -> list[str]:
    if not target or target.startswith("/") or "\\" in target or "\x00" in target \
            or (len(target) > 1 and target[1] == ":"):
        raise UnsafeArchiveError(f"link {label!r} points to an absolute path ({target!r})")
    return target.split("/")


def _check_trees(entries: list[_Entry]) -> None:
    """Resolve every link the way the OS will, through the other links of its version folder.

    A per-link look at the target is not enough: ``lib/up -> ..`` stays inside, but
    ``lib/x -> up/../..`` then leaves the folder, and links can loop. No entry may lie below
    a link or a file either: unpacking would fail half-way or write through the link.
    """
    trees: dict[tuple[str, ...], dict[tuple[str, ...], tarfile.TarInfo]] = {}
    for e in entries:
        if len(e.parts) >= 3 and e.parts[0] == "versions":
            trees.setdefault(e.parts[:2], {})[e.parts[2:]] = e.member
    for root, tree in trees.items():
        for rel, member in tree.items():
            label = "/".join((TOP_DIR, *root, *rel))
            for i in range(1, len(rel)):
                above = tree.get(rel[:i])
                if above is not None and not above.isdir():
                    kind = "a link" if above.issym() else "a file"
                    raise UnsafeArchiveError(
                        f"{label!r} lies below {kind} ({'/'.join((TOP_DIR, *root, *rel[:i]))})")
            if member.issym() and rel:
                _resolve_inside(tree, rel, label)


def _resolve_inside(tree: dict[tuple[str, ...], tarfile.TarInfo], rel: tuple[str, ...],
                    label: str) -> None:
    """Follow the link at ``rel`` hop by hop; refuse if any hop leaves the folder or loops."""
    stack = list(rel[:-1])  # the folder the link is in: relative targets start there
    pending = _link_target(tree[rel].linkname, label)
    hops = 1
    while pending:
        comp = pending.pop(0)
        if comp in ("", "."):
            continue
        if comp == "..":
            if not stack:
                raise UnsafeArchiveError(f"link {label!r} points outside its folder")
            stack.pop()
            continue
        member = tree.get((*stack, comp))
        if member is not None and member.issym():
            hops += 1
            if hops > MAX_LINK_HOPS:
                raise UnsafeArchiveError(
                    f"link {label!r} never resolves (a loop of links or a chain of more "
                    f"than {MAX_LINK_HOPS})")
            # The rest of the path continues from where this link points, as in the kernel.
            pending = _link_target(member.linkname, label) + pending
            continue
        stack.append(comp)  # a folder, a file or nothing yet: lexically one level down


def version_entries(entries: list[_Entry], version: Version) -> list[_Entry]:
    """Members of ``versions/<version>/``, with paths relative to that folder."""
    prefix = ("versions", str(version))
    picked = [
        _Entry(e.member, e.parts[2:]) for e in entries
        if e.parts[:2] == prefix and len(e.parts) > 2
    ]
    if not any(e.parts == (MANIFEST_NAME,) and e.member.isreg() for e in picked):
        raise UnsafeArchiveError(
            f"archive has no {TOP_DIR}/versions/{version}/{MANIFEST_NAME}"
        )
    return picked


def read_manifest(archive: Path, version: Version, limits: Limits = Limits()) -> Manifest:
    """Validate the archive and return the manifest of ``version`` inside it."""
    entries = version_entries(scan(archive, limits), version)
    member = next(e.member for e in entries if e.parts == (MANIFEST_NAME,))
    with _open(archive) as tar:
        fh = tar.extractfile(member)
        assert fh is not None
        data = fh.read(64 * 1024)
    try:
        manifest = Manifest.from_bytes(data)
    except ReleaseFormatError as exc:
        raise UnsafeArchiveError(str(exc)) from exc
    if manifest.version != version:
        raise UnsafeArchiveError(
            f"archive says version {manifest.version}, expected {version}"
        )
    return manifest


def extract_version(archive: Path, version: Version, versions_dir: Path,
                    limits: Limits = Limits()) -> Path:
    """Unpack ``versions/<version>/`` of the archive to ``versions_dir/<version>`` atomically.

    Everything is written into a fresh temporary folder beside the target first; only a
    complete, checked tree is renamed into place, so a failure leaves no half version.
    """
    manifest = read_manifest(archive, version, limits)
    entries = version_entries(scan(archive, limits), version)
    versions_dir.mkdir(parents=True, exist_ok=True)
    final = versions_dir / str(manifest.version)
    if final.exists():
        raise UnsafeArchiveError(f"{final} already exists")
    work = Path(tempfile.mkdtemp(prefix=f".incoming-{version}-", dir=versions_dir))
    try:
        # mkdtemp makes the folder 0o700; a version folder is a program folder that every
        # user of a machine-wide install must enter, like the folders unpacked into it.
        os.chmod(work, 0o755)  # noqa: S103 - a program folder, as installed
        _write_tree(archive, entries, work)
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


def _write_tree(archive: Path, entries: list[_Entry], root: Path) -> None:
    links: list[_Entry] = []
    with _open(archive) as tar:
        for e in entries:
            dest = root.joinpath(*e.parts)
            if e.member.isdir():
                _safe_mkdir(root, dest)
            elif e.member.issym():
                links.append(e)
            else:
                _safe_mkdir(root, dest.parent)
                src = tar.extractfile(e.member)
                assert src is not None
                mode = 0o755 if e.member.mode & 0o111 else 0o644
                fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                             | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0), mode)
                with os.fdopen(fd, "wb") as out:
                    copied = _copy_limited(src, out, e.member.size)
                if copied != e.member.size:
                    raise UnsafeArchiveError(f"{e.member.name!r} is truncated")
    # Links last: while files are written no link exists that a path could pass through.
    real_root = root.resolve()
    for e in links:
        dest = root.joinpath(*e.parts)
        _safe_mkdir(root, dest.parent)
        os.symlink(e.member.linkname, dest)
    for e in links:
        resolved = Path(os.path.realpath(root.joinpath(*e.parts)))
        if resolved != real_root and real_root not in resolved.parents:
            raise UnsafeArchiveError(f"link {e.member.name!r} resolves outside its folder")


def _safe_mkdir(root: Path, path: Path) -> None:
    current = root
    for part in path.relative_to(root).parts:
        current = current / part
        st = os.lstat(current) if os.path.lexists(current) else None
        if st is None:
            current.mkdir(mode=0o755)
        elif not stat.S_ISDIR(st.st_mode):
            raise UnsafeArchiveError(f"{current} is not a plain folder")


def _copy_limited(src: object, out: object, size: int) -> int:
    copied = 0
    while copied < size:
        chunk = src.read(min(1024 * 1024, size - copied))  # type: ignore[attr-defined]
        if not chunk:
            break
        out.write(chunk)  # type: ignore[attr-defined]
        copied += len(chunk)
    return copied
