"""Download side of a small update: the signed file list, then only the missing files.

Everything fetched is a TUF target (the file list and each ``files/<aa>/<sha256>``), so
python-tuf's signed length and hash decide what is accepted, exactly as for a full archive.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tuf.api.metadata import TargetFile

from dso_desktop.update.client import Offer, TufClient
from dso_desktop.update.errors import UpdateVerificationError
from dso_desktop.update.files import MAX_FILES_JSON_BYTES, DeltaPlan, FilesManifest, plan
from dso_desktop.update.release import ReleaseFormatError, blob_target
from dso_desktop.update.transport import Progress

# A small update is used only when it saves real data; otherwise the full archive (one
# compressed download) is cheaper than many uncompressed files.
MAX_SHARE_OF_ARCHIVE = 0.6


def fetch_file_list(client: TufClient, info: TargetFile, work: Path) -> FilesManifest:
    if info.length > MAX_FILES_JSON_BYTES:
        raise UpdateVerificationError("the release's file list is unreasonably large")
    work.mkdir(parents=True, exist_ok=True)
    part = work / "files.json.part"
    client.download(info, part, None)
    try:
        return FilesManifest.from_bytes(part.read_bytes())
    except ReleaseFormatError as exc:
        raise UpdateVerificationError(str(exc)) from exc
    finally:
        part.unlink(missing_ok=True)


def prepare(client: TufClient, offer: Offer, installed: Iterable[Path], cache: Path,
            progress: Progress | None = None) -> DeltaPlan | None:
    """Download what a small update needs into ``cache`` (``<sha256>`` files).

    Returns None when the release has no file list or a small update would not save
    much (then the caller downloads the full archive). Blobs already in ``cache`` from an
    interrupted attempt are reused; partial ones are resumed.
    """
    if offer.files is None:
        return None
    files = fetch_file_list(client, offer.files, cache)
    if files.version != offer.version:
        raise UpdateVerificationError("the file list is for another version")
    p = plan(files, installed, cache)
    if p.download_bytes > MAX_SHARE_OF_ARCHIVE * offer.archive.length:
        return None
    total, done = p.download_bytes, 0
    for digest, size in sorted(p.missing.items()):
        info = client.targetinfo(blob_target(digest))
        if info is None or info.length != size or info.hashes.get("sha256") != digest:
            raise UpdateVerificationError(f"file {digest[:12]}… of the release is not signed")
        part = cache / f"{digest}.part"

        def step(n: int, _t: int, base: int = done) -> None:
            if progress is not None:
                progress(base + n, total)

        client.download(info, part, step)
        part.replace(cache / digest)
        done += size
    if progress is not None:
        progress(total, total)
    return DeltaPlan(files, {**p.local, **{d: cache / d for d in p.missing}}, {})
