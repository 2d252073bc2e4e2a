"""Backups of the running archive: create, verify, list, restore (docs/backup.md).

A backup holds a consistent snapshot of the archive (`store.snapshot`), the files the
accounts and settings point at (CA files, trust anchors; client certificates and keys only
with secrets), the saved passwords only when asked (``with_secrets``) and then only
encrypted, and a manifest with the row counts and a SHA-256 of every member. The file format
is `services.backupformat`. Nothing here imports Qt; the GUI and the CLI call it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import random
import re
import shutil
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select

from dso_desktop import __version__, secretstore
from dso_desktop.errors import DsoError, ErrorKind
from dso_desktop.paths import AppPaths, atomic_write, atomic_writer, private_dir
from dso_desktop.services import backupformat
from dso_desktop.services.backupformat import (
    BackupDamaged,
    BackupError,
    BackupReader,
    BackupWriter,
    Header,
    new_header,
    read_header,
)
from dso_desktop.store.db import Database
from dso_desktop.store.snapshot import (
    archive_in_use,
    close_quietly,
    open_snapshot,
    snapshotter,
    table_counts,
)

log = logging.getLogger(__name__)

SUFFIX = ".dsobackup"
MANIFEST = "manifest.json"
ARCHIVE = "archive.sqlite3"
SECRETS = "secrets.json"
FILES_PREFIX = "files/"
MAX_MANIFEST = 16 * 1024 * 1024
MAX_SECRETS = 4 * 1024 * 1024
MAX_ACCOUNT_FILE = 16 * 1024 * 1024
SAMPLE_ZFOS = 20
SECRET_KINDS = ("password", "cert-password")  # services.accounts.PASSWORD, CERT_PASSWORD
ACCOUNT_FILES_DIR = "account-files"
REPLACED_DIR = "replaced-archives"
CATALOG = "backups.json"
# Scheduled backups: their state lives in the settings table under this key (not a user
# setting: `Settings` ignores it), so the warnings see it wherever the archive is opened.
STATUS_KEY = "backup_status"
SCHEDULED_PREFIX = "dso-zaloha-"
INTERVALS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
RETRY_AFTER = timedelta(hours=1)  # a failed scheduled backup is tried again after this


class BackupArchiveOpen(BackupError):
    """Another process (the GUI, `dso sync`) has the archive open: a restore would move it
    away under that process, which would go on writing into the moved-aside copy."""

    kind = ErrorKind.BACKUP_ARCHIVE_OPEN


class BackupArchiveExists(BackupError):
    """The restore target already holds an archive and ``replace`` was not asked."""

    kind = ErrorKind.BACKUP_ARCHIVE_EXISTS


@dataclass(frozen=True)
class BackupInfo:
    """What `verify` found in a backup (also the result of `create`)."""

    path: Path
    header: Header
    manifest: dict[str, Any]
    size: int
    sha256: str
    sampled: int = 0
    sample_trusted: int = 0
    sample_problems: int = 0  # sampled ZFOs that do not parse or verify (so in the archive)
    catalog_match: bool | None = None  # None: not in this installation's catalog

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.manifest.get("counts", {}))

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path), "size": self.size, "sha256": self.sha256,
            "created_at": self.header.created_at, "app_version": self.header.app_version,
            "encrypted": self.header.encrypted, "with_secrets": self.header.with_secrets,
            "backend": self.header.backend, "counts": self.counts,
            "schema_revision": self.manifest.get("schema_revision"),
            "accounts": self.manifest.get("accounts", []),
            "sampled_zfos": self.sampled, "sampled_trusted": self.sample_trusted,
            "sampled_problems": self.sample_problems,
            "catalog_match": self.catalog_match,
        }


@dataclass(frozen=True)
class RestoreResult:
    database: Path | str  # the SQLite file, or the PostgreSQL database's URL
    info: BackupInfo
    replaced: Path | None  # where the archive that was there went
    secrets_restored: int
    files_restored: int


@dataclass(frozen=True)
class RestoreCheck:
    """The end of a restore: `dso check` of the new archive and its counts vs the backup's."""

    clean: bool
    counts_match: bool
    expected: dict[str, int]
    actual: dict[str, int]
    report: Any

    @property
    def ok(self) -> bool:
        return self.clean and self.counts_match

    def to_json(self) -> dict[str, Any]:
        return {"clean": self.clean, "counts_match": self.counts_match,
                "expected": self.expected, "actual": self.actual,
                "check": self.report.to_json() if hasattr(self.report, "to_json") else None}


@dataclass(frozen=True)
class BackupStatus:
    """The last scheduled backup: when it last worked, and the last failure if later."""

    last_ok_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_error: str | None = None
    last_error_cs: str | None = None
    last_path: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"last_ok_at": _iso(self.last_ok_at),
                "last_attempt_at": _iso(self.last_attempt_at), "last_error": self.last_error,
                "last_error_cs": self.last_error_cs, "last_path": self.last_path}

    @classmethod
    def from_json(cls, raw: Any) -> BackupStatus:
        if not isinstance(raw, dict):
            return cls()

        def when(v: Any) -> datetime | None:
            try:
                return datetime.fromisoformat(str(v)) if v else None
            except ValueError:
                return None

        return cls(when(raw.get("last_ok_at")), when(raw.get("last_attempt_at")),
                   raw.get("last_error"), raw.get("last_error_cs"), raw.get("last_path"))


def _iso(v: datetime | None) -> str | None:
    return v.astimezone(UTC).isoformat() if v else None


@dataclass
class _Read:
    header: Header
    manifest: dict[str, Any]
    secrets: dict[str, Any] | None
    members: dict[str, Path] = field(default_factory=dict)
    sha256: str = ""  # of the whole file


def _now_iso(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _safe_member_name(name: str) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name)[:80].strip("._") or "file"
    return base


# tarfile's stream mode moves 10 KiB (copies 16 KiB) per call by default: for an archive of
# gigabytes that is hundreds of thousands of Python-level calls through the sealing stream.
TAR_BUFSIZE = 1 << 20


class _HashingReader:
    """Hashes what is read through it."""

    def __init__(self, f: IO[bytes]) -> None:
        self.f = f
        self.h = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.f.read(n)
        self.h.update(data)
        self.size += len(data)
        return data


class _HashingWriter:
    """Hashes what passes through to ``f`` (None: hash only)."""

    def __init__(self, f: IO[bytes] | None) -> None:
        self.f = f
        self.h = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.h.update(data)
        self.size += len(data)
        return self.f.write(data) if self.f is not None else len(data)


class BackupService:
    """Backups of one installation (``paths``, the live archive ``db``)."""

    def __init__(self, paths: AppPaths, db: Database | None,
                 trust: Callable[..., Any] | None = None, *, scrypt_n: int | None = None) -> None:
        self._paths = paths
        self._db = db
        self._trust = trust
        self.scrypt_n = scrypt_n

    # -- create ---------------------------------------------------------------------------
    def create(self, out: Path, *, passphrase: str | None = None, with_secrets: bool = False,
               verify: bool = True, now: datetime | None = None) -> BackupInfo:
        """Write a backup to the new file ``out`` (never overwritten) and check it."""
        out = Path(out)
        if with_secrets and passphrase is None:
            raise BackupError("secrets go into a backup only encrypted: give a passphrase")
        if out.exists():
            raise BackupError(f"{out} already exists; choose a new file name")
        if out.is_dir() or not out.parent.is_dir():
            raise BackupError(f"no folder to write {out} into")
        if self._db is None:
            raise BackupError("no archive to back up")
        snap = snapshotter(self._db)
        work = Path(tempfile.mkdtemp(prefix="backup-", dir=private_dir(self._paths.cache)))
        try:
            db_file = work / ARCHIVE
            snap.take(db_file)
            problems = snap.check(db_file)
            if problems:
                raise BackupError("the archive's snapshot fails its integrity check: "
                                  + "; ".join(problems[:5]))
            if snap.backend == "sqlite":
                sdb = open_snapshot(db_file)
                try:
                    counts = table_counts(sdb)
                    revision = sdb.current_revision()
                    accounts, files = self._account_files(sdb, with_secrets)
                finally:
                    close_quietly(sdb)
            else:  # the dump's counts were read under the dump's own snapshot
                counts = dict(getattr(snap, "counts", {}))
                revision = getattr(snap, "revision", None)
                accounts, files = self._account_files(self._db, with_secrets)
            secrets = self._secrets(accounts) if with_secrets else None
            members: dict[str, dict[str, Any]] = {}
            blobs = {f["member"]: f.pop("data") for f in files}
            for f in files:
                members[f["member"]] = {"sha256": hashlib.sha256(blobs[f["member"]]).hexdigest(),
                                        "size": f["size"]}
            secrets_raw = None
            if secrets is not None:
                secrets_raw = json.dumps(secrets, sort_keys=True).encode("utf-8")
                members[SECRETS] = {"sha256": hashlib.sha256(secrets_raw).hexdigest(),
                                    "size": len(secrets_raw)}
            created = _now_iso(now)
            manifest = {
                "format": 1, "created_at": created, "app_version": __version__,
                "backend": snap.backend, "schema_revision": revision, "counts": counts,
                "members": members, "accounts": accounts, "files": files,
                "with_secrets": secrets is not None,
            }
            header, key = new_header(created_at=created, app_version=__version__,
                                     passphrase=passphrase, with_secrets=secrets is not None,
                                     backend=snap.backend,
                                     scrypt_n=self.scrypt_n or backupformat.SCRYPT_N)
            # The file appears under its name only complete (atomic_writer): a crash or a
            # failure leaves no half backup that looks like one. The manifest goes last, so
            # the archive's SHA-256 is taken while it streams (one pass over it, not two).
            with atomic_writer(out) as fh:
                hashed = _HashingWriter(fh)  # the file's SHA-256 for the catalog, in passing
                writer = BackupWriter(hashed, header, key)  # type: ignore[arg-type]
                try:
                    with tarfile.open(fileobj=writer, mode="w|", bufsize=TAR_BUFSIZE,
                                      format=tarfile.PAX_FORMAT) as tar:
                        tar.copybufsize = TAR_BUFSIZE  # type: ignore[attr-defined]
                        info_db = tar.gettarinfo(str(db_file), arcname=ARCHIVE)
                        with open(db_file, "rb") as src:
                            reading = _HashingReader(src)
                            tar.addfile(_plain_member(info_db), reading)
                        members[ARCHIVE] = {"sha256": reading.h.hexdigest(), "size": reading.size}
                        for f in files:
                            _add_bytes(tar, f["member"], blobs[f["member"]])
                        if secrets_raw is not None:
                            _add_bytes(tar, SECRETS, secrets_raw)
                        _add_bytes(tar, MANIFEST, json.dumps(manifest, sort_keys=True).encode())
                    writer.finish()
                except BaseException:
                    writer.abort()
                    raise
            try:
                info = self._check_written(out, passphrase, manifest, db_file, verify,
                                           hashed.h.hexdigest())
            except BaseException:
                # A backup that does not read back is worse than none: it would be trusted.
                with contextlib.suppress(OSError):
                    out.unlink()
                raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
        self._catalog_add(info)
        log.info("backup written: %s (%d bytes, encrypted=%s, secrets=%s)", out, info.size,
                 info.header.encrypted, info.header.with_secrets)
        return info

    def _check_written(self, out: Path, passphrase: str | None, manifest: dict[str, Any],
                       db_file: Path, verify: bool, sha: str) -> BackupInfo:
        """Read the new file back: every record authenticated and every member's SHA-256 as
        in the manifest (so the archive in it is byte for byte the snapshot checked before
        writing); then a sample of ZFOs re-verified from that same snapshot. Reading back
        without unpacking to disk halves the time of a large backup."""
        with open(out, "rb") as f:
            header, _ = read_header(f)
        sampled = trusted = problems = 0
        if verify:
            read = _read_backup(out, passphrase, None)
            if read.manifest != manifest:
                raise BackupDamaged("the written backup does not read back as written")
            if header.backend == "sqlite":
                sdb = open_snapshot(db_file)
                try:
                    sampled, trusted, problems = self._sample_zfos(sdb, SAMPLE_ZFOS)
                finally:
                    close_quietly(sdb)
            elif self._db is not None:
                # A dump is not a database to query: the sample is re-checked in the live
                # archive it was taken from (the dump's rows are those bytes, checked by
                # their SHA-256 again when a restore reads them back).
                sampled, trusted, problems = self._sample_zfos(self._db, SAMPLE_ZFOS)
        return BackupInfo(out, header, manifest, out.stat().st_size, sha, sampled, trusted,
                          problems, catalog_match=True)

    def _account_files(self, sdb: Database, with_secrets: bool
                       ) -> tuple[list[str], list[dict[str, Any]]]:
        """Account names and the files the accounts and settings point at."""
        from dso_desktop.settings import Settings
        from dso_desktop.store.models import Account
        from dso_desktop.store.repos import SettingsRepo

        files: list[dict[str, Any]] = []
        with sdb.read() as s:
            rows = s.execute(select(Account.name, Account.ca_file, Account.cert_file,
                                    Account.key_file)).all()
            settings = Settings.from_mapping(SettingsRepo(s).all())
        names = [r[0] for r in rows]
        wanted: list[tuple[str | None, str, str]] = []
        for name, ca, cert, key in rows:
            wanted.append((name, "ca_file", ca))
            if with_secrets:  # a client certificate and its key are credentials
                wanted += [(name, "cert_file", cert), (name, "key_file", key)]
        for anchor in settings.trust_anchors:
            wanted.append((None, "trust_anchor", anchor))
        for account, fld, source in wanted:
            if not source:
                continue
            p = Path(source)
            if not p.is_file():
                log.warning("backup: %s of %s not found, left out: %s", fld, account, p)
                continue
            data = p.read_bytes()
            if len(data) > MAX_ACCOUNT_FILE:
                log.warning("backup: %s of %s too large, left out", fld, account)
                continue
            member = f"{FILES_PREFIX}{len(files):03d}-{_safe_member_name(p.name)}"
            files.append({"member": member, "account": account, "field": fld,
                          "source": str(p), "name": p.name, "size": len(data), "data": data})
        return names, files

    def _secrets(self, accounts: list[str]) -> dict[str, Any]:
        out: dict[str, dict[str, str]] = {}
        for name in accounts:
            for kind in SECRET_KINDS:
                value = secretstore.get_secret(name, kind)
                if value:
                    out.setdefault(name, {})[kind] = value
        return {"keyring": out}

    # -- read and verify --------------------------------------------------------------------
    def describe(self, path: Path) -> BackupInfo:
        """The header only (no passphrase needed): for `list`."""
        with open(path, "rb") as f:
            header, _ = read_header(f)
        return BackupInfo(Path(path), header, {}, Path(path).stat().st_size, "")

    def verify(self, path: Path, *, passphrase: str | None = None,
               sample: int = SAMPLE_ZFOS) -> BackupInfo:
        """Read the whole backup back: every record authenticated, every member's SHA-256,
        the snapshot's integrity check and counts, a sample of ZFOs re-verified."""
        work = Path(tempfile.mkdtemp(prefix="verify-", dir=private_dir(self._paths.cache)))
        try:
            read = _read_backup(Path(path), passphrase, work)
            sampled, trusted, problems = self._check_snapshot(read, work / ARCHIVE, sample)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        sha = read.sha256
        return BackupInfo(Path(path), read.header, read.manifest, Path(path).stat().st_size,
                          sha, sampled, trusted, problems,
                          self._catalog_match(Path(path), sha))

    def _check_snapshot(self, read: _Read, db_file: Path, sample: int
                        ) -> tuple[int, int, int]:
        snap_problems = _check_file(read.header.backend, db_file)
        if snap_problems:
            raise BackupDamaged("the archive in the backup fails its integrity check: "
                                + "; ".join(snap_problems[:5]))
        if read.header.backend != "sqlite":
            # A dump holds no queryable rows: its counts are compared where it is restored
            # (`restore_url`, then `check_restored`).
            return 0, 0, 0
        sdb = open_snapshot(db_file)
        try:
            counts = table_counts(sdb)
            expected = {k: int(v) for k, v in read.manifest.get("counts", {}).items()}
            if {k: counts.get(k) for k in expected} != expected:
                raise BackupDamaged("the archive in the backup does not have the rows its "
                                    "manifest lists")
            return self._sample_zfos(sdb, sample)
        finally:
            close_quietly(sdb)

    def _sample_zfos(self, sdb: Database, sample: int) -> tuple[int, int, int]:
        """Re-check a random sample of the stored ZFOs: (sampled, trusted, problems).

        Bytes that differ from the SHA-256 the archive stored with them mean the copy is
        damaged: refused. A ZFO that does not parse or whose seal is broken was so in the
        archive too (the bytes are the ones it stored): the backup keeps it faithfully and
        counts it, for `dso check` to show; refusing the backup would leave no copy at all.
        An ``untrusted`` verdict is neither: another PC may trust other anchors."""
        from dso_desktop.domain import VerdictKind
        from dso_desktop.store.models import Message, MessageZfo
        from dso_desktop.zfo import ZfoError, parse_zfo, verify_zfo

        with sdb.read() as s:
            ids = list(s.scalars(select(MessageZfo.message_id)))
        picked = random.sample(ids, min(sample, len(ids)))
        trusted = problems = 0
        for mid in picked:
            with sdb.read() as s:
                data, sha, account_id = s.execute(
                    select(MessageZfo.data, MessageZfo.sha256, Message.account_id)
                    .join(Message, Message.id == MessageZfo.message_id)
                    .where(MessageZfo.message_id == mid)).one()
            if hashlib.sha256(data).hexdigest() != sha:
                raise BackupDamaged(f"a signed message in the backup is damaged (id {mid})")
            try:
                parsed = parse_zfo(data)
            except ZfoError:
                problems += 1
                continue
            if self._trust is None:
                continue
            verdict = verify_zfo(parsed, self._trust(account_id))
            if verdict.kind is VerdictKind.INVALID:
                problems += 1
            trusted += verdict.kind.trusted
        if problems:
            log.warning("backup: %d of %d sampled signed messages do not verify (as in the "
                        "archive; see dso check)", problems, len(picked))
        return len(picked), trusted, problems

    # -- restore ----------------------------------------------------------------------------
    def restore(self, path: Path, *, passphrase: str | None = None, replace: bool = False,
                now: datetime | None = None) -> RestoreResult:
        """Restore into this service's ``paths`` (which must not have an open archive).

        Everything is read and checked into a private folder beside the archive first; the
        archive already there is moved aside (only with ``replace``) just before the checked
        one takes its place, so a refused backup changes nothing."""
        from dso_desktop.sync.lock import ArchiveUseLock, LockBusy

        try:
            with ArchiveUseLock(self._paths.data / "locks", exclusive=True):
                return self._restore(path, passphrase=passphrase, replace=replace, now=now)
        except LockBusy:
            err = BackupArchiveOpen(
                f"the archive in {self._paths.data} is open in DSO Desktop or a running dso "
                "command; close it and restore again")
            err.message_cs = ("Archiv je otevřený v DSO Desktop nebo v běžícím příkazu dso; "
                              "zavřete ho a obnovení spusťte znovu.")
            raise err from None

    def _restore(self, path: Path, *, passphrase: str | None, replace: bool,
                 now: datetime | None) -> RestoreResult:
        paths = self._paths
        target = paths.database
        _same_backend(Path(path), "sqlite")
        if archive_in_use(target) and not replace:
            raise BackupArchiveExists(
                f"an archive already exists at {target}; restore with --replace to move it "
                "aside and put the backup in its place")
        paths.ensure()
        staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=paths.data))
        try:
            read = _read_backup(Path(path), passphrase, staging)
            db_file = staging / ARCHIVE
            self._check_snapshot(read, db_file, sample=0)
            sha = read.sha256
            info = BackupInfo(Path(path), read.header, read.manifest,
                              Path(path).stat().st_size, sha,
                              catalog_match=self._catalog_match(Path(path), sha))
            replaced = None
            if _archive_exists(target):
                stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
                replaced = private_dir(paths.data / REPLACED_DIR) / stamp
                n = 1
                while replaced.exists():
                    replaced = replaced.with_name(f"{stamp}-{n}")
                    n += 1
                private_dir(replaced)
                for suffix in ("", "-wal", "-shm", "-journal"):
                    p = Path(f"{target}{suffix}")
                    if p.exists():
                        os.replace(p, replaced / p.name)
            os.replace(db_file, target)
            files_restored = self._place_files(read, staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        secrets_restored = self._restore_secrets(read)
        log.info("backup restored into %s (replaced: %s, %d secrets, %d files)", target,
                 replaced, secrets_restored, files_restored)
        return RestoreResult(target, info, replaced, secrets_restored, files_restored)

    def restore_url(self, path: Path, url: str, *, passphrase: str | None = None
                    ) -> RestoreResult:
        """Restore a backup of a PostgreSQL archive into the empty database at ``url``
        (made by the administrator; never one that has tables: an office archive is not
        replaced by a restore, the administrator drops it first). The dump is authenticated
        and its table of contents checked before ``pg_restore`` runs, in one transaction;
        an older schema is then migrated. Account files go under this PC's data folder."""
        from dso_desktop.store.snapshot import PostgresSnapshotter, database_is_empty

        _same_backend(Path(path), "postgresql")
        if not database_is_empty(url):
            raise BackupArchiveExists(
                "the target database already has tables; restore into a new, empty "
                "database (CREATE DATABASE ... OWNER ...) and point the PCs at it")
        paths = self._paths
        paths.ensure()
        staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=private_dir(paths.cache)))
        try:
            read = _read_backup(Path(path), passphrase, staging)
            self._check_snapshot(read, staging / ARCHIVE, sample=0)
            sha = read.sha256
            info = BackupInfo(Path(path), read.header, read.manifest,
                              Path(path).stat().st_size, sha,
                              catalog_match=self._catalog_match(Path(path), sha))
            PostgresSnapshotter.place(staging / ARCHIVE, url)
            db = Database.open_url(url, migrate=True)  # an older backup's schema, brought up
            try:
                files_restored = self._place_files(read, staging, db)
            finally:
                db.close()
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        secrets_restored = self._restore_secrets(read)
        log.info("backup restored into a PostgreSQL database (%d secrets, %d files)",
                 secrets_restored, files_restored)
        from sqlalchemy.engine import make_url

        shown = make_url(url).render_as_string(hide_password=True)  # keyring's, not for logs
        return RestoreResult(shown, info, None, secrets_restored, files_restored)

    @staticmethod
    def _restore_secrets(read: _Read) -> int:
        n = 0
        if read.secrets:
            for account, kinds in dict(read.secrets.get("keyring", {})).items():
                for kind, value in dict(kinds).items():
                    if kind in SECRET_KINDS and isinstance(value, str):
                        secretstore.set_secret(str(account), kind, value)
                        n += 1
        return n

    def _place_files(self, read: _Read, staging: Path, db: Database | None = None) -> int:
        """Put the account and anchor files under the data folder and point the restored
        archive at them (the old PC's paths mean nothing here)."""
        from dso_desktop.store.models import Account
        from dso_desktop.store.repos import SettingsRepo

        files = [f for f in read.manifest.get("files", []) if f.get("member") in read.members]
        if not files:
            return 0
        root = private_dir(self._paths.data / ACCOUNT_FILES_DIR)
        own = db is None
        if db is None:
            db = Database.open(self._paths.database, migrate=False)
        try:
            anchors: list[tuple[str, str]] = []
            with db.write() as s:
                for f in files:
                    folder = private_dir(root / _safe_member_name(f.get("account") or "anchors"))
                    # The member's name (``NNN-name``) is unique in the backup: two files
                    # of one basename (trust anchors from two folders, a certificate and
                    # its key) must not overwrite each other here.
                    dest = folder / _safe_member_name(str(f["member"]))
                    atomic_write(dest, read.members[f["member"]].read_bytes())
                    fld = f.get("field")
                    if fld in ("ca_file", "cert_file", "key_file") and f.get("account"):
                        acc = s.scalar(select(Account).where(Account.name == f["account"]))
                        if acc is not None:
                            setattr(acc, fld, str(dest))
                    elif fld == "trust_anchor":
                        anchors.append((str(f.get("source") or ""), str(dest)))
                if anchors:
                    repo = SettingsRepo(s)
                    current = list(repo.all().get("trust_anchors") or [])
                    moved = dict(anchors)
                    repo.put("trust_anchors", [moved.get(a, a) for a in current])
        finally:
            if own:
                db.close()
        return len(files)

    @staticmethod
    def check_restored(app: Any, result: RestoreResult) -> RestoreCheck:
        """`dso check` on the restored archive (opened as ``app``) and its row counts
        against the backup's manifest."""
        report = app.integrity.check()
        expected = result.info.counts
        actual = table_counts(app.db)
        match = {k: actual.get(k) for k in expected} == expected
        return RestoreCheck(bool(report.clean), match, expected, actual, report)

    # -- scheduled backups ------------------------------------------------------------------
    def status(self) -> BackupStatus:
        from dso_desktop.store.repos import SettingsRepo

        if self._db is None:
            return BackupStatus()
        with self._db.read() as s:
            raw = SettingsRepo(s).all().get(STATUS_KEY)
        return BackupStatus.from_json(raw)

    def _record(self, status: BackupStatus) -> None:
        from dso_desktop.store.repos import SettingsRepo

        assert self._db is not None
        with self._db.write() as s:
            SettingsRepo(s).put(STATUS_KEY, status.to_json())

    def scheduled_due(self, settings: Any, now: datetime | None = None) -> bool:
        """Whether the schedule in ``settings`` asks for a backup now."""
        period = INTERVALS.get(settings.backup_interval)
        if period is None or not settings.backup_folder:
            return False
        now = now or datetime.now(UTC)
        st = self.status()
        if st.last_attempt_at is not None and st.last_error and \
                now - st.last_attempt_at < RETRY_AFTER:
            return False
        return st.last_ok_at is None or now - st.last_ok_at >= period

    def run_scheduled(self, settings: Any, now: datetime | None = None) -> BackupInfo:
        """Make the scheduled backup into the settings' folder, keep the newest
        ``backup_keep`` of them, and record the result (a failure too, then re-raised)."""
        now = now or datetime.now(UTC)
        previous = self.status()
        try:
            folder = Path(str(settings.backup_folder or ""))
            if not settings.backup_folder or not folder.is_dir():
                raise BackupError(f"the backup folder {folder} is not available")
            out = folder / f"{SCHEDULED_PREFIX}{now.astimezone(UTC):%Y%m%d-%H%M%S}{SUFFIX}"
            info = self.create(out, now=now)
            removed = self._prune(folder, max(1, int(settings.backup_keep)))
        except Exception as exc:
            text = exc.message if isinstance(exc, DsoError) else \
                f"{type(exc).__name__}: {exc}"
            text_cs = exc.message_cs if isinstance(exc, DsoError) else text
            self._record(BackupStatus(previous.last_ok_at, now, text, text_cs,
                                      previous.last_path))
            log.warning("scheduled backup failed: %s", text)
            raise
        self._record(BackupStatus(now, now, None, None, str(out)))
        if removed:
            log.info("scheduled backup: %d older backups removed", removed)
        return info

    @staticmethod
    def _prune(folder: Path, keep: int) -> int:
        """Remove the oldest scheduled backups beyond ``keep`` (only the schedule's own
        files, recognised by name; anything else in the folder is the user's)."""
        ours = sorted(p for p in folder.glob(f"{SCHEDULED_PREFIX}*{SUFFIX}") if p.is_file())
        old = ours[:-keep] if len(ours) > keep else []
        for p in old:
            with contextlib.suppress(OSError):
                p.unlink()
        return len(old)

    # -- catalog ----------------------------------------------------------------------------
    def _catalog_path(self) -> Path:
        return self._paths.config / CATALOG

    def catalog(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self._catalog_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [e for e in data if isinstance(e, dict)] if isinstance(data, list) else []

    def _catalog_add(self, info: BackupInfo) -> None:
        entries = [e for e in self.catalog() if e.get("path") != str(info.path.resolve())]
        entries.append({
            "path": str(info.path.resolve()), "created_at": info.header.created_at,
            "size": info.size, "sha256": info.sha256, "encrypted": info.header.encrypted,
            "with_secrets": info.header.with_secrets,
            "messages": info.counts.get("messages", 0),
        })
        private_dir(self._paths.config)
        atomic_write(self._catalog_path(),
                     json.dumps(entries, indent=1, ensure_ascii=False).encode("utf-8"))

    def _catalog_match(self, path: Path, sha: str) -> bool | None:
        for e in self.catalog():
            if e.get("path") == str(path.resolve()):
                return e.get("sha256") == sha
        return None

    def list(self, folders: tuple[Path, ...] = ()) -> list[dict[str, Any]]:
        """Backups this installation made (the catalog) and any found in ``folders``."""
        seen: dict[str, dict[str, Any]] = {}
        for e in self.catalog():
            p = Path(str(e.get("path")))
            seen[str(p)] = {**e, "exists": p.is_file()}
        for folder in folders:
            for p in sorted(Path(folder).glob(f"*{SUFFIX}")) if Path(folder).is_dir() else []:
                key = str(p.resolve())
                if key in seen:
                    continue
                try:
                    info = self.describe(p)
                except (BackupError, OSError):
                    continue
                seen[key] = {"path": key, "created_at": info.header.created_at,
                             "size": info.size, "encrypted": info.header.encrypted,
                             "with_secrets": info.header.with_secrets, "exists": True}
        return sorted(seen.values(), key=lambda e: str(e.get("created_at")))


def _archive_exists(target: Path) -> bool:
    return target.is_file() and target.stat().st_size > 0


def _plain_member(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    tar.addfile(_plain_member(info), io.BytesIO(data))


def _check_file(backend: str, db_file: Path) -> list[str]:
    from dso_desktop.store.snapshot import SqliteSnapshotter, UnsupportedSnapshotter, check_dump

    if backend == "sqlite":
        return SqliteSnapshotter(db_file).check(db_file)
    if backend == "postgresql":
        return check_dump(db_file)
    return UnsupportedSnapshotter(backend).check(db_file)


def _same_backend(path: Path, backend: str) -> None:
    """A backup restores into an archive of its own backend: a SQLite file is no dump for
    pg_restore, and a dump no SQLite file (move between them with `dso store migrate`)."""
    try:
        with open(path, "rb") as f:
            header, _ = read_header(f)
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc}") from None
    if header.backend != backend:
        how = ("restore it into a new PostgreSQL database with --store URL"
               if header.backend == "postgresql" else
               "restore it into a data folder, then move it with `dso store migrate --to URL`")
        raise BackupError(f"this backup holds a {header.backend} archive, not a {backend} "
                          f"one: {how}")


def _iter_members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    while True:
        try:
            member = tar.next()
        except tarfile.TarError as exc:
            raise BackupDamaged(f"backup content is damaged ({exc})") from None
        if member is None:
            return
        yield member


def _read_backup(path: Path, passphrase: str | None, dest: Path | None) -> _Read:
    """Authenticate and unpack a backup into ``dest`` (archive and files; the secrets stay
    in memory; ``None``: only check, write nothing). Raises `BackupDamaged` unless every
    member is exactly as the manifest says and nothing is missing or added."""
    with open(path, "rb") as raw, contextlib.ExitStack() as closing:
        f = _HashingReader(raw)  # the whole file's SHA-256 (for the catalog), in passing
        reader = BackupReader(f, passphrase, prefetch=True)  # type: ignore[arg-type]
        closing.callback(reader.close)  # stops its reading thread whatever happens here
        tar = tarfile.open(fileobj=reader, mode="r|",  # noqa: SIM115 - closed with ``raw``
                           bufsize=TAR_BUFSIZE)
        seen: dict[str, tuple[str, int]] = {}
        secrets_raw: bytes | None = None
        members: dict[str, Path] = {}
        manifest: dict[str, Any] | None = None
        for m in _iter_members(tar):
            if manifest is not None:
                raise BackupDamaged(f"backup holds an entry after its manifest ({m.name!r})")
            if not m.isfile() or m.name in seen or not _member_name_ok(m, reader.header):
                raise BackupDamaged(f"backup holds an unexpected entry {m.name!r}")
            src = tar.extractfile(m)
            assert src is not None
            if m.name == MANIFEST:
                try:
                    manifest = json.loads(src.read().decode("utf-8"))
                    dict(manifest["members"])
                except (ValueError, KeyError, TypeError) as exc:
                    raise BackupDamaged(
                        f"backup manifest is damaged ({type(exc).__name__})") from None
                continue
            if m.name == SECRETS:
                secrets_raw = src.read()
                seen[m.name] = (hashlib.sha256(secrets_raw).hexdigest(), len(secrets_raw))
                members[m.name] = Path()
                continue
            out = Path() if dest is None else dest / (
                ARCHIVE if m.name == ARCHIVE else
                "f-" + hashlib.sha256(m.name.encode()).hexdigest()[:16])
            with contextlib.ExitStack() as stack:
                fh = None if dest is None else stack.enter_context(open(out, "xb"))
                hw = _HashingWriter(fh)
                for block in iter(lambda s=src: s.read(1 << 20), b""):  # type: ignore[misc]
                    hw.write(block)
            seen[m.name] = (hw.h.hexdigest(), hw.size)
            members[m.name] = out
        reader.drain()  # the rest authenticated, the final record there, nothing after it
    if manifest is None:
        raise BackupDamaged("backup content is damaged (no manifest)")
    expected = {str(k): v for k, v in dict(manifest["members"]).items()}
    if set(expected) != set(seen):
        raise BackupDamaged("backup entries do not match its manifest")
    for name, (sha, size) in seen.items():
        want = expected[name]
        if not isinstance(want, dict) or want.get("sha256") != sha or want.get("size") != size:
            raise BackupDamaged(f"backup entry {name!r} does not match its manifest")
    read = _Read(reader.header, manifest, None, members, f.h.hexdigest())
    if secrets_raw is not None:
        read.secrets = json.loads(secrets_raw.decode("utf-8"))
    return read


_FILE_MEMBER = re.compile(r"^files/\d{3,}-[A-Za-z0-9._-]{1,80}$")


def _member_name_ok(m: tarfile.TarInfo, header: Header) -> bool:
    """Only the entries a backup can have, with sane sizes, before the manifest says more."""
    if m.name == ARCHIVE:
        return True
    if m.name == MANIFEST:
        return m.size <= MAX_MANIFEST
    if m.name == SECRETS:  # secrets only ever in an encrypted file
        return header.encrypted and m.size <= MAX_SECRETS
    return bool(_FILE_MEMBER.match(m.name)) and m.size <= MAX_ACCOUNT_FILE
