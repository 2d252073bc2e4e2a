"""Small updates: a release as a signed list of content-addressed files.

The portal publishes, beside each full archive, ``…-<ver>-<plat>.files.json`` (a TUF target)
listing every entry of ``versions/<ver>/`` with its mode and SHA-256, and every file as a
TUF target ``files/<aa>/<sha256>``. A client that has the previous version installed copies
the files it already has from that folder and downloads only the others, each verified by
TUF. The new folder is assembled in a temporary folder beside ``versions/`` with the same
rules as an archive (no ``..``, no absolute names, links resolve inside the folder, only the
modes 0755/0644, size limits), checked, and only then renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tarfile
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dso_desktop.update.archive import (
    Limits,
    UnsafeArchiveError,
    _check_link,
    _check_trees,
    _Entry,
    _safe_mkdir,
    _split,
)
from dso_desktop.update.release import (
    MANIFEST_NAME,
    TOP_DIR,
    Manifest,
    ReleaseFormatError,
    Version,
    blob_target,
)

MAX_FILES_JSON_BYTES = 16 * 1024 * 1024
DEFAULT_LIMITS = Limits()
KINDS = ("file", "dir", "symlink")


@dataclass(frozen=True)
class FileEntry:
    """One entry of a version folder; ``path`` is relative to ``versions/<ver>/``."""

    path: str
    kind: str  # file | dir | symlink
    size: int = 0
    sha256: str = ""
    executable: bool = False
    target: str = ""  # symlink target

    def to_json(self) -> dict[str, Any]:
        if self.kind == "file":
            return {"path": self.path, "kind": "file", "size": self.size,
                    "sha256": self.sha256, "exec": self.executable}
        if self.kind == "symlink":
            return {"path": self.path, "kind": "symlink", "target": self.target}
        return {"path": self.path, "kind": "dir"}


@dataclass(frozen=True)
class FilesManifest:
    """The file list of one release (``format`` 1)."""

    version: Version
    entries: tuple[FileEntry, ...]

    @property
    def total_size(self) -> int:
        return sum(e.size for e in self.entries if e.kind == "file")

    def blobs(self) -> dict[str, int]:
        """SHA-256 -> size of every distinct file content."""
        return {e.sha256: e.size for e in self.entries if e.kind == "file"}

    def to_bytes(self) -> bytes:
        obj = {"format": 1, "version": str(self.version),
               "entries": [e.to_json() for e in self.entries]}
        return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode("utf-8") + b"\n"

    @classmethod
    def from_bytes(cls, data: bytes) -> FilesManifest:
        try:
            obj = json.loads(data)
            if obj.get("format") != 1:
                raise ReleaseFormatError("unknown files.json format")
            raw = obj["entries"]
            if not isinstance(raw, list):
                raise ReleaseFormatError("files.json: entries must be a list")
            entries = []
            for item in raw:
                kind = item["kind"]
                path = item["path"]
                if kind not in KINDS or not isinstance(path, str):
                    raise ReleaseFormatError(f"files.json: bad entry {item!r:.200}")
                if kind == "file":
                    size, digest = item["size"], item["sha256"]
                    if not isinstance(size, int) or size < 0 or not isinstance(digest, str):
                        raise ReleaseFormatError(f"files.json: bad file entry {path!r}")
                    blob_target(digest)  # validates the digest's form
                    entries.append(FileEntry(path, kind, size, digest,
                                             bool(item.get("exec", False))))
                elif kind == "symlink":
                    if not isinstance(item["target"], str):
                        raise ReleaseFormatError(f"files.json: bad link {path!r}")
                    entries.append(FileEntry(path, kind, target=item["target"]))
                else:
                    entries.append(FileEntry(path, kind))
            return cls(Version.parse(obj["version"]), tuple(entries))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ReleaseFormatError(f"bad files.json: {exc}") from exc


def check_manifest(files: FilesManifest, limits: Limits = DEFAULT_LIMITS) -> list[_Entry]:
    """The archive rules applied to a file list; returns the entries as archive entries.

    The same code judges an archive and a file list: paths, duplicates, entries below links
    or files, links resolved hop by hop through the other links, sizes and counts.
    """
    if len(files.entries) > limits.max_members:
        raise UnsafeArchiveError(f"more than {limits.max_members} entries")
    ver = str(files.version)
    seen: set[tuple[str, ...]] = set()
    out: list[_Entry] = []
    total = 0
    for e in files.entries:
        rel = _split(e.path)
        parts = ("versions", ver, *rel)
        if parts in seen:
            raise UnsafeArchiveError(f"duplicate entry {e.path!r}")
        seen.add(parts)
        info = tarfile.TarInfo("/".join((TOP_DIR, *parts)))
        if e.kind == "file":
            if e.size > limits.max_file_bytes:
                raise UnsafeArchiveError(f"{e.path!r} is too big ({e.size} B)")
            total += e.size
            if total > limits.max_total_bytes:
                raise UnsafeArchiveError(f"unpacked size exceeds {limits.max_total_bytes} bytes")
            info.size = e.size
            info.mode = 0o755 if e.executable else 0o644
        elif e.kind == "symlink":
            info.type = tarfile.SYMTYPE
            info.linkname = e.target
            _check_link((TOP_DIR, *parts), e.target)
        else:
            info.type = tarfile.DIRTYPE
        out.append(_Entry(info, parts))
    _check_trees(out)
    if not any(e.path == MANIFEST_NAME and e.kind == "file" for e in files.entries):
        raise UnsafeArchiveError(f"file list has no {MANIFEST_NAME}")
    return out


def sha256_path(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            h.update(chunk)
    return h.hexdigest()


def local_files(folder: Path, wanted: dict[str, int]) -> dict[str, Path]:
    """Files below ``folder`` (links not followed) whose content is one of ``wanted``.

    Only files of a wanted size are hashed, so indexing an installed version costs little.
    The content is hashed again while it is copied: a file changed meanwhile is not used.
    """
    sizes = set(wanted.values())
    found: dict[str, Path] = {}
    if not folder.is_dir() or folder.is_symlink():
        return found
    for dirpath, _dirs, filenames in os.walk(folder, followlinks=False):
        for name in filenames:
            p = Path(dirpath) / name
            try:
                st = os.lstat(p)
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode) or st.st_size not in sizes:
                continue
            try:
                digest = sha256_path(p)
            except OSError:
                continue
            if digest in wanted and wanted[digest] == st.st_size:
                found.setdefault(digest, p)
    return found


@dataclass(frozen=True)
class DeltaPlan:
    """What a small update needs: the file list and where each content comes from."""

    files: FilesManifest
    local: dict[str, Path]  # sha256 -> a file of the installed version
    missing: dict[str, int]  # sha256 -> size, to be downloaded

    @property
    def download_bytes(self) -> int:
        return sum(self.missing.values())


def plan(files: FilesManifest, installed: Iterable[Path], cache: Path | None) -> DeltaPlan:
    """Which contents the installed versions (and the blob cache) already have."""
    wanted = files.blobs()
    local: dict[str, Path] = {}
    for folder in installed:
        for digest, p in local_files(folder, {d: s for d, s in wanted.items()
                                              if d not in local}).items():
            local.setdefault(digest, p)
    if cache is not None:
        for digest, size in wanted.items():
            c = cache / digest
            if digest not in local and c.is_file() and c.stat().st_size == size:
                local[digest] = c  # an earlier, interrupted small update left it
    missing = {d: s for d, s in wanted.items() if d not in local}
    return DeltaPlan(files, local, missing)


def assemble(plan_: DeltaPlan, sources: Callable[[str], Path], versions_dir: Path,
             limits: Limits = DEFAULT_LIMITS) -> Path:
    """Build ``versions_dir/<ver>`` from the file list; every file's hash is checked.

    ``sources(sha256)`` returns a local file with that content (installed version or a
    verified download). Everything is written to a fresh temporary folder beside the target
    and renamed into place only when complete; on any failure the folder is removed.
    """
    files = plan_.files
    entries = check_manifest(files, limits)
    versions_dir.mkdir(parents=True, exist_ok=True)
    final = versions_dir / str(files.version)
    if os.path.lexists(final):
        raise UnsafeArchiveError(f"{final} already exists")
    work = Path(tempfile.mkdtemp(prefix=f".incoming-{files.version}-", dir=versions_dir))
    try:
        # not mkdtemp's 0o700: every user of the install enters it
        os.chmod(work, 0o755)  # noqa: S103 - a program folder, as installed
        links: list[tuple[Path, str, str]] = []
        for e, entry in zip(files.entries, entries, strict=True):
            dest = work.joinpath(*entry.parts[2:])
            if e.kind == "dir":
                _safe_mkdir(work, dest)
            elif e.kind == "symlink":
                links.append((dest, e.target, e.path))
            else:
                _safe_mkdir(work, dest.parent)
                _copy_verified(sources(e.sha256), dest, e)
        # Links last: while files are written no link exists that a path could pass through.
        real_root = work.resolve()
        for dest, target, _ in links:
            _safe_mkdir(work, dest.parent)
            os.symlink(target, dest)
        for dest, _, label in links:
            resolved = Path(os.path.realpath(dest))
            if resolved != real_root and real_root not in resolved.parents:
                raise UnsafeArchiveError(f"link {label!r} resolves outside its folder")
        manifest = Manifest.from_bytes((work / MANIFEST_NAME).read_bytes())
        if manifest.version != files.version:
            raise UnsafeArchiveError(
                f"{MANIFEST_NAME} says version {manifest.version}, expected {files.version}")
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


def _copy_verified(src: Path, dest: Path, e: FileEntry) -> None:
    mode = 0o755 if e.executable else 0o644
    h = hashlib.sha256()
    copied = 0
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
        | getattr(os, "O_BINARY", 0)
    with src.open("rb") as fh, os.fdopen(os.open(dest, flags, mode), "wb") as out:
        while copied <= e.size:
            chunk = fh.read(min(1024 * 1024, e.size + 1 - copied))
            if not chunk:
                break
            h.update(chunk)
            out.write(chunk)
            copied += len(chunk)
    if copied != e.size or h.hexdigest() != e.sha256:
        raise UnsafeArchiveError(f"{e.path!r}: content does not match the signed file list")
    os.chmod(dest, mode)  # the umask must not change the signed mode
