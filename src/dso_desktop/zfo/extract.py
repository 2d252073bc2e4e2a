"""Save attachments safely: portable file names from hostile ones, never outside the folder."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from dso_desktop.zfo.errors import UnsafePathError
from dso_desktop.zfo.model import Zfo

MAX_NAME_BYTES = 255
FALLBACK_NAME = "priloha"
# Characters Windows forbids in names, plus both path separators.
_FORBIDDEN = set('<>:"/\\|?*')
# Reserved device names on Windows, with or without an extension, in any case; the
# superscript digits count too (COM¹ is a device on Windows).
_RESERVED = re.compile(
    r"^(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|CLOCK\$|COM[0-9¹²³]|LPT[0-9¹²³])$", re.IGNORECASE
)
_MAX_EXT_CHARS = 16


def _clean_char(ch: str) -> str:
    if ch in _FORBIDDEN:
        return "_"
    cat = unicodedata.category(ch)
    if cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
        return ""  # control, format (bidi overrides!), surrogates, unassigned
    if cat == "Zs":
        return " "
    return ch


def _split_ext(name: str) -> tuple[str, str]:
    dot = name.rfind(".")
    if dot <= 0 or len(name) - dot - 1 > _MAX_EXT_CHARS or dot == len(name) - 1:
        return name, ""
    return name[:dot], name[dot:]


def _truncate_utf8(text: str, max_bytes: int) -> str:
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    return raw[:max_bytes].decode("utf-8", errors="ignore")


def _fit(stem: str, suffix: str) -> str:
    """stem + suffix within MAX_NAME_BYTES, shortening the stem (the extension is kept)."""
    budget = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    if budget < 1:  # an absurd "extension": shorten it too
        return _truncate_utf8(stem + suffix, MAX_NAME_BYTES)
    stem = _truncate_utf8(stem, budget).rstrip(" .") or FALLBACK_NAME
    return stem + suffix


def sanitize(name: str) -> str:
    """A portable, harmless file name for ``name`` (no collision handling)."""
    text = unicodedata.normalize("NFC", name or "")
    # Separators become "_" (a name is never a path); controls and bidi overrides go.
    text = "".join(_clean_char(c) for c in text)
    text = re.sub(r" {2,}", " ", text).strip(" .")
    stem, ext = _split_ext(text)
    stem = stem.strip(" .")
    if not stem:
        stem = FALLBACK_NAME
    if _RESERVED.match(stem.split(".")[0].rstrip(" ")):
        stem = "_" + stem
    ext = ext.rstrip(" .")
    return _fit(stem, ext)


def safe_filename(name: str, taken: set[str]) -> str:
    """A safe name for ``name`` not in ``taken`` (compared case-insensitively, as on
    Windows and macOS); the result is added to ``taken``."""
    base = sanitize(name)
    folded = {t.casefold() for t in taken}
    candidate = base
    stem, ext = _split_ext(base)
    n = 1
    while candidate.casefold() in folded:
        n += 1
        candidate = _fit(stem, f" ({n}){ext}")
    taken.add(candidate)
    return candidate


def _write_new(path: Path, data: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | \
        getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o644)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def extract_attachments(zfo: Zfo, out_dir: Path, *, include_external: bool = False
                        ) -> list[Path]:
    """Write every attachment with a safe, unique name into ``out_dir``; return the paths.

    Existing files are never overwritten (a new name is chosen), symlinks are never
    followed, and every target is checked to lie directly inside ``out_dir``. VoDZ
    attachments stored outside the ZFO (dmExtFile) are skipped unless
    ``include_external`` is set, in which case their absence raises.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    root = out_dir.resolve(strict=True)
    if not root.is_dir():
        raise UnsafePathError(f"{out_dir} is not a folder")
    taken = {p.name for p in root.iterdir()}
    written: list[Path] = []
    for att in zfo.attachments:
        if att.external_id is not None and not include_external:
            continue
        data = att.content()
        for _attempt in range(1000):
            name = safe_filename(att.name, taken)
            target = root / name
            if target.parent != root or os.path.islink(target):
                raise UnsafePathError(f"refusing to write {name!r} outside {root}")
            try:
                _write_new(target, data)
            except FileExistsError:
                continue  # created meanwhile (or a dangling symlink): pick another name
            written.append(target)
            break
        else:  # pragma: no cover - 1000 collisions in a row
            raise UnsafePathError(f"no free file name for {att.name!r} in {root}")
    return written
