"""Pack a built version folder (e.g. PyInstaller's dist/) into a release archive."""

from __future__ import annotations

import gzip
import io
import lzma
import os
import tarfile
from pathlib import Path
from typing import BinaryIO

from dso_desktop.update.release import MANIFEST_NAME, TOP_DIR, Manifest, Version

# Fixed metadata make archives of similar builds similar byte for byte: smaller patches.
_MTIME = 1_700_000_000


def _info(name: str, *, mode: int, size: int = 0, kind: bytes = tarfile.REGTYPE) -> tarfile.TarInfo:
    ti = tarfile.TarInfo(name)
    ti.mode, ti.size, ti.type, ti.mtime = mode, size, kind, _MTIME
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    return ti


def _compressor(out: Path, raw: BinaryIO) -> BinaryIO:
    if out.name.endswith(".tar.xz"):
        return lzma.LZMAFile(raw, "wb", format=lzma.FORMAT_XZ, preset=6)  # type: ignore[return-value]
    return gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,  # type: ignore[return-value]
                         compresslevel=9)


def pack(version_dir: Path, version: Version, out: Path, *, launcher: Path | None = None) -> Path:
    """Write ``dso-desktop/[dso-launcher] + dso-desktop/versions/<version>/...`` as a tar.

    ``out`` ending in ``.tar.xz`` is xz-compressed (about a quarter smaller for a bundle),
    otherwise gzip. ``version_dir`` must contain ``dso-version.json`` naming ``version``.
    """
    manifest = Manifest.from_bytes((version_dir / MANIFEST_NAME).read_bytes())
    if manifest.version != version:
        raise ValueError(f"{MANIFEST_NAME} says {manifest.version}, expected {version}")
    prefix = f"{TOP_DIR}/versions/{version}"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as raw, _compressor(out, raw) as stream, \
            tarfile.open(fileobj=stream, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(_info(TOP_DIR, mode=0o755, kind=tarfile.DIRTYPE))
        if launcher is not None:
            data = launcher.read_bytes()
            tar.addfile(_info(f"{TOP_DIR}/{launcher.name}", mode=0o755, size=len(data)),
                        io.BytesIO(data))
        tar.addfile(_info(f"{TOP_DIR}/versions", mode=0o755, kind=tarfile.DIRTYPE))
        tar.addfile(_info(prefix, mode=0o755, kind=tarfile.DIRTYPE))
        for dirpath, dirnames, filenames in os.walk(version_dir):
            dirnames.sort()
            rel = Path(dirpath).relative_to(version_dir)
            for name in sorted(dirnames):
                p = Path(dirpath) / name
                arc = f"{prefix}/{(rel / name).as_posix()}"
                if p.is_symlink():
                    ti = _info(arc, mode=0o777, kind=tarfile.SYMTYPE)
                    ti.linkname = os.readlink(p)
                    tar.addfile(ti)
                    dirnames.remove(name)
                else:
                    tar.addfile(_info(arc, mode=0o755, kind=tarfile.DIRTYPE))
            for name in sorted(filenames):
                p = Path(dirpath) / name
                arc = f"{prefix}/{(rel / name).as_posix()}"
                if p.is_symlink():
                    ti = _info(arc, mode=0o777, kind=tarfile.SYMTYPE)
                    ti.linkname = os.readlink(p)
                    tar.addfile(ti)
                    continue
                mode = 0o755 if os.access(p, os.X_OK) else 0o644
                with p.open("rb") as fh:
                    tar.addfile(_info(arc, mode=mode, size=p.stat().st_size), fh)
    # The same checks `dso-release add` and every client make (links out of the folder, ...):
    # a build that would be refused later is refused now, and no such archive is left behind.
    from dso_desktop.update.archive import UnsafeArchiveError, scan

    try:
        scan(out)
    except UnsafeArchiveError:
        out.unlink(missing_ok=True)
        raise
    return out
