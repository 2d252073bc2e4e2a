"""Save attachments safely: portable file names from hostile ones, never outside the folder."""

from __future__ import annotations

import errno
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from dso_desktop.paths import private_dir
from dso_desktop.zfo.errors import UnsafePathError
from dso_desktop.zfo.model import Zfo

MAX_NAME_BYTES = 255  # one path component on ext4, XFS, Btrfs, APFS; NTFS counts 255 UTF-16 units
MIN_NAME_BYTES = 32  # below this a file system is not one we can save attachments to
FALLBACK_NAME = "priloha"
FILE_MODE = 0o600  # attachments are personal data: readable by their owner only
# Characters Windows forbids in names, plus both path separators.
_FORBIDDEN = set('<>:"/\\|?*')
# Reserved device names on Windows, with or without an extension, in any case; the
# superscript digits count too (COM¹ is a device on Windows).
_RESERVED = re.compile(
    r"^(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|CLOCK\$|COM[0-9¹²³]|LPT[0-9¹²³])$", re.IGNORECASE
)
# An extension is kept when it is sane: 1-16 letters, digits, "-", "_", "+" or "~" after
# the last dot (so at most 64 bytes of UTF-8). Anything else after a dot is part of the
# name and may be shortened away.
_MAX_EXT_CHARS = 16
_EXT_CHARS = re.compile(r"[^\W_]|[-_+~]")
# Errors a file system gives for a name it cannot store (too long for it, characters it
# does not allow; Windows reports a path over MAX_PATH as ENOENT, WinError 206). Such a name
# is replaced by a plain short one; nothing else is retried.
_NAME_ERRNOS = {errno.ENAMETOOLONG, errno.EINVAL, errno.EILSEQ, errno.ENOENT}


def _clean_char(ch: str) -> str:
    if ch in _FORBIDDEN:
        return "_"
    cat = unicodedata.category(ch)
    if cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
        return ""  # control, format (bidi overrides!), surrogates, unassigned
    if cat == "Zs":
        return " "
    return ch


def sane_extension(ext: str) -> bool:
    """True for an extension worth keeping (without its dot): short, letters and digits."""
    return 0 < len(ext) <= _MAX_EXT_CHARS and all(_EXT_CHARS.fullmatch(c) for c in ext)


def _split_ext(name: str) -> tuple[str, str]:
    dot = name.rfind(".")
    if dot < 0 or not sane_extension(name[dot + 1:]):
        return name, ""
    return name[:dot], name[dot:]


def _truncate_utf8(text: str, max_bytes: int) -> str:
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    return raw[:max_bytes].decode("utf-8", errors="ignore")


def _fit(stem: str, suffix: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """stem + suffix within ``max_bytes``, shortening the stem (the extension is kept)."""
    budget = max_bytes - len(suffix.encode("utf-8"))
    if budget < 1:  # a file system with very short names: shorten the suffix too
        return _truncate_utf8(stem + suffix, max_bytes).rstrip(" .") or FALLBACK_NAME
    stem = _truncate_utf8(stem, budget).rstrip(" .") or FALLBACK_NAME[:budget]
    return stem + suffix


def name_limit(folder: Path) -> int:
    """The longest name (UTF-8 bytes) files in ``folder`` may have: 255, or less where
    the file system says so (eCryptfs: 143)."""
    try:
        n = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # Windows has no pathconf
        return MAX_NAME_BYTES
    return max(MIN_NAME_BYTES, min(MAX_NAME_BYTES, n)) if n and n > 0 else MAX_NAME_BYTES


def sanitize(name: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """A portable, harmless file name for ``name`` (no collision handling)."""
    text = unicodedata.normalize("NFC", name or "")
    # Separators become "_" (a name is never a path); controls and bidi overrides go.
    text = "".join(_clean_char(c) for c in text)
    # Trailing dots and spaces go (Windows drops them); the extension is taken before
    # leading dots are, so ".pdf" or "\x00.pdf" still ends in ".pdf".
    text = re.sub(r" {2,}", " ", text).rstrip(" .")
    stem, ext = _split_ext(text)
    stem = stem.strip(" .")  # no hidden files, no "name .pdf"
    if not stem:
        stem = FALLBACK_NAME
    if _RESERVED.match(stem.split(".")[0].rstrip(" ")):
        stem = "_" + stem
    return _fit(stem, ext, max_bytes)


def safe_filename(name: str, taken: set[str], *, max_bytes: int = MAX_NAME_BYTES) -> str:
    """A safe name for ``name`` not in ``taken`` (compared case-insensitively, as on
    Windows and macOS), at most ``max_bytes`` of UTF-8; the result is added to ``taken``.

    Two names that shorten to the same result get " (2)", " (3)", ... before the
    extension (the stem is shortened further to make room)."""
    base = sanitize(name, max_bytes)
    folded = {t.casefold() for t in taken}
    candidate = base
    stem, ext = _split_ext(base)
    n = 1
    while candidate.casefold() in folded:
        n += 1
        candidate = _fit(stem, f" ({n}){ext}", max_bytes)
    taken.add(candidate)
    return candidate


@dataclass(frozen=True)
class Chunks:
    """Content written piece by piece (`ZfoAttachment.chunks`): a big attachment is never
    whole in memory. ``make`` is called once per file written."""

    make: Callable[[], Iterable[bytes]]


def _write_new(path: Path, data: bytes | Chunks) -> None:
    """Create ``path`` (never an existing file, never through a symlink) with ``data``.

    There is no temporary name: the final name itself is created exclusively, so no
    longer name than the one checked ever reaches the file system. A failed write removes
    the partial file.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | \
        getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, Chunks):
                for part in data.make():
                    fh.write(part)
            else:
                fh.write(data)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


Content = bytes | Chunks | Callable[[], bytes]


def save_files(out_dir: Path, items: Iterable[tuple[str, Content]]) -> list[Path]:
    """Write each ``(name, content)`` into ``out_dir`` under a safe, unique name.

    Existing files are never overwritten (a new name is chosen), symlinks are never
    followed, and every target lies directly inside ``out_dir``. Names fit the folder's
    file system; if it still refuses a name (too long for it, a character it does not
    take), the file is saved as ``priloha-<n><.ext>`` instead, so one name never stops
    the rest. Other errors (disk full, no permission) propagate: they would stop every
    later file too. Content may be a callable, read only when the file is written.
    """
    # A folder made here holds private files, so it is private too; an existing one is
    # the user's choice and stays as it is.
    private_dir(out_dir, tighten_existing=False)
    root = out_dir.resolve(strict=True)
    if not root.is_dir():
        raise UnsafePathError(f"{out_dir} is not a folder")
    limit = name_limit(root)
    taken = {p.name for p in root.iterdir()}
    written: list[Path] = []
    for number, (name, content) in enumerate(items, 1):
        data = content() if callable(content) else content
        written.append(_save_one(root, name, data, taken, number, limit))
    return written


def _save_one(root: Path, name: str, data: bytes | Chunks, taken: set[str], number: int,
              limit: int) -> Path:
    wanted = name
    for _attempt in range(1000):
        candidate = safe_filename(wanted, taken, max_bytes=limit)
        target = root / candidate
        if target.parent != root or os.path.islink(target):
            raise UnsafePathError(f"refusing to write {candidate!r} outside {root}")
        try:
            _write_new(target, data)
        except FileExistsError:
            continue  # created meanwhile, a case/normalisation twin, a dangling symlink
        except OSError as exc:
            plain = f"{FALLBACK_NAME}-{number}{_split_ext(sanitize(name))[1]}"
            if exc.errno not in _NAME_ERRNOS or wanted == FALLBACK_NAME:
                raise
            # The file system refused this name: an ASCII one, then a bare one.
            wanted = plain if plain.isascii() and wanted != plain else FALLBACK_NAME
            continue
        return target
    raise UnsafePathError(f"no free file name for {name!r} in {root}")  # pragma: no cover


def extract_attachments(zfo: Zfo, out_dir: Path, *, include_external: bool = False
                        ) -> list[Path]:
    """Write every attachment with a safe, unique name into ``out_dir``; return the paths.

    See ``save_files``. VoDZ attachments stored outside the ZFO (dmExtFile) are skipped
    unless ``include_external`` is set, in which case their absence raises.
    """
    return save_files(out_dir, [
        (att.name, Chunks(att.chunks)) for att in zfo.attachments
        if att.external_id is None or include_external
    ])
