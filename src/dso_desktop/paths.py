"""One place that says where the app keeps its data, config, cache and logs."""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from dso_desktop import APP_ID

log = logging.getLogger(__name__)
ENV_DATA_DIR = "DSO_DATA_DIR"
# On POSIX everything the app keeps is its user's alone, whatever the umask: folders 0700,
# files 0600. (On Windows the folders live in the user profile, whose ACL already admits
# only the user, SYSTEM and Administrators; chmod cannot express more there.)
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_GROUP_OTHER = 0o077
# A temporary file's name: short whatever the final name is (a 255-byte final name plus a
# prefix and random letters would be longer than a file system takes).
_TMP_STEM_BYTES = 32


@dataclass(frozen=True)
class AppPaths:
    """Directories of one installation; everything the app writes lives under these."""

    data: Path
    config: Path
    cache: Path
    logs: Path

    @classmethod
    def default(cls, data_dir: Path | str | None = None) -> AppPaths:
        """Platform directories, or all four under one folder when the user chose one.

        A chosen data folder (``--data-dir`` or ``DSO_DATA_DIR``) keeps config, cache and
        logs beside the data, so nothing is written outside the folder the user chose.
        """
        chosen = data_dir or os.environ.get(ENV_DATA_DIR)
        if chosen:
            root = Path(chosen).expanduser().resolve()
            return cls(
                data=root, config=root / "config", cache=root / "cache", logs=root / "logs"
            )
        # Imported here: the launcher uses this module (atomic_write) and ships stdlib only.
        import platformdirs

        return cls(
            data=Path(platformdirs.user_data_dir(APP_ID, appauthor=False)),
            config=Path(platformdirs.user_config_dir(APP_ID, appauthor=False)),
            cache=Path(platformdirs.user_cache_dir(APP_ID, appauthor=False)),
            logs=Path(platformdirs.user_log_dir(APP_ID, appauthor=False)),
        )

    def ensure(self) -> AppPaths:
        """Create the four folders private (0700 on POSIX) and tighten what the app keeps in
        them.

        Only the app's own entries are walked: a folder the user chose (``--data-dir ~``)
        may hold other files of theirs, which are not ours to change, and walking all of
        it at every start would cost time too.
        """
        for p in (self.data, self.config, self.cache, self.logs):
            private_dir(p)
        for p in (self.config, self.cache, self.logs):  # the app's own, wherever they are
            secure_tree(p)
        for name in APP_OWNED_DATA_ENTRIES:
            entry = self.data / name
            if entry.is_dir() and not entry.is_symlink():
                secure_tree(entry)
            else:
                tighten(entry)
        return self

    @property
    def database(self) -> Path:
        return self.data / "archive.sqlite3"


# What the app itself keeps directly in the data folder: the archive with SQLite's side
# files, and its own sub-folders. Anything else there belongs to the user.
APP_OWNED_DATA_ENTRIES = (
    "archive.sqlite3", "archive.sqlite3-wal", "archive.sqlite3-shm", "archive.sqlite3-journal",
    "locks", "update", "training", "simulator",
    "account-files", "replaced-archives",  # restored account files; archives a restore replaced
)


def _posix() -> bool:
    return os.name == "posix"


def tighten(path: Path | str) -> None:
    """Take group and other permissions off ``path`` (POSIX); never adds any, never
    follows a symbolic link, and a file that vanished meanwhile is fine.

    A file the user cannot change (another owner, a read-only medium) is logged, not
    fatal: the archive must still open, e.g. for `dso check` on a read-only copy.
    """
    if not _posix():
        return
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            return
        mode = stat.S_IMODE(st.st_mode)
        if mode & _GROUP_OTHER:
            os.chmod(path, mode & ~_GROUP_OTHER)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("cannot make %s private: %s", path, exc.strerror or exc)


def private_dir(path: Path, *, tighten_existing: bool = True) -> Path:
    """``path`` as a folder only its owner can use (POSIX).

    Each missing level is created 0700 whatever the umask: mkdir's mode is masked by the
    umask, so the folder is never looser than 0700, and a chmod then restores owner bits a
    strict umask took away. An existing ``path`` is tightened (never loosened) unless
    ``tighten_existing`` is False: a folder the user chose to export into is theirs.
    Existing folders above ``path`` are never changed.
    """
    if path.is_dir():
        if tighten_existing:
            tighten(path)
        return path
    missing = [path, *(p for p in path.parents if not p.is_dir())]
    for p in reversed(missing):
        try:
            p.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            if not p.is_dir():
                raise
            continue  # made meanwhile by another thread or process
        if _posix():
            os.chmod(p, PRIVATE_DIR_MODE)
    return path


def secure_tree(root: Path) -> None:
    """Tighten every folder and file under ``root`` (symbolic links are not followed):
    what an older version or another umask left readable to others becomes private."""
    if not _posix() or not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        tighten(dirpath)
        for name in filenames + dirnames:
            tighten(os.path.join(dirpath, name))


def private_opener(path: str, flags: int) -> int:
    """An ``open(..., opener=)`` that creates files 0600 and tightens existing ones."""
    fd = os.open(path, flags, PRIVATE_FILE_MODE)
    if _posix():
        try:
            mode = stat.S_IMODE(os.fstat(fd).st_mode)
            if mode & _GROUP_OTHER:  # an existing file made under another umask
                os.fchmod(fd, mode & ~_GROUP_OTHER)
        except OSError:
            os.close(fd)
            raise
    return fd


def create_private_file(path: Path) -> None:
    """Make sure ``path`` exists as a private file before another library opens it (SQLite
    gives its -wal, -shm and -journal files the mode of the database file). An existing
    file is only tightened (it may be read-only on purpose)."""
    if path.exists():
        tighten(path)
        return
    os.close(private_opener(str(path), os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0)))


def _short_tmp_prefix(name: str) -> str:
    stem = name.encode("utf-8")[:_TMP_STEM_BYTES].decode("utf-8", errors="ignore")
    return f".{stem}.tmp-"


def atomic_write(path: Path, data: bytes, *, mode: int = PRIVATE_FILE_MODE) -> None:
    """Write a file so that a crash leaves either the old or the new content, never half.

    The product's one atomic write (the archive's caches, the launcher's state, the simulator's
    world, the release tool's repository). See `atomic_writer`.
    """
    with atomic_writer(path, mode=mode) as fh:
        fh.write(data)


@contextmanager
def atomic_writer(path: Path, *, mode: int = PRIVATE_FILE_MODE) -> Iterator[IO[bytes]]:
    """A binary file to write ``path`` through: it replaces ``path`` (flushed and fsynced)
    when the block ends without an exception; otherwise ``path`` is untouched.

    The file is 0600 (mkstemp creates it so, whatever the umask) unless ``mode`` says
    otherwise (the release tool publishes 0644 files); the temporary name is
    ``.<first 32 bytes of the name>.tmp-XXXXXXXX``, short enough for any file system.
    A missing folder is created private.
    """
    if not path.parent.is_dir():
        private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=_short_tmp_prefix(path.name), dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if mode != PRIVATE_FILE_MODE:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
