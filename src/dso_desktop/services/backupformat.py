"""The backup file: a header and a stream of authenticated chunks, read and written in O(chunk)
memory whatever the archive's size.

Layout (all integers big-endian)::

    MAGIC (8 bytes) | header length (4) | header (UTF-8 JSON) | record*
    record = flags (1: bit 0 = final) | payload length (4) | payload

The plaintext the records carry is a zlib stream of a tar stream (the members are written
and read one block at a time). Every record is bound to the header (its SHA-256, ``H``), to
its position (a counter) and to whether it is the last one, so a changed, removed, reordered
or appended record, a changed header, or a file cut anywhere is refused:

- encrypted (a passphrase): AES-256-GCM per record, nonce = 8 random bytes from the header
  + the 4-byte counter, associated data = ``H | counter | flags`` (the STREAM construction);
  the key comes from scrypt (see docs/backup.md for why scrypt). The header holds a key
  check value so that a wrong passphrase is told apart from a damaged file.
- not encrypted: the payload is the plaintext followed by SHA-256(``H | counter | flags |
  plaintext``). That catches damage and truncation; someone who rewrites the whole file can
  recompute it, which is why the catalog of made backups keeps each file's SHA-256 too and
  `verify` compares with it (docs/backup.md says what each mode promises).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import io
import json
import os
import queue
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from dso_desktop.errors import DsoError, ErrorKind

MAGIC = b"DSOBAK\x00\x01"
FORMAT = 1
CHUNK_SIZE = 1 << 20  # plaintext bytes per record
MAX_HEADER = 64 * 1024
MAX_RECORD = CHUNK_SIZE + 64
FINAL = 0x01
TAG_LEN_GCM = 16
TAG_LEN_SHA = 32
KEY_CHECK_LABEL = b"dso-desktop backup key check v1"
# scrypt cost: 2**17 * 8 * 128 bytes = 128 MiB and about half a second per derivation on an
# office PC, once per backup or restore (RFC 7914 / OWASP's interactive-use minimum is 2**17).
SCRYPT_N = 1 << 17
SCRYPT_R = 8
SCRYPT_P = 1
MIN_SCRYPT_N = 1 << 14
MAX_SCRYPT_N = 1 << 22
MAX_SCRYPT_MEMORY = 1 << 30  # 8x what we use ourselves
MAX_SCRYPT_P = 4


class BackupError(DsoError):
    """A backup cannot be made, checked or restored as asked."""

    kind = ErrorKind.BACKUP


class BackupDamaged(BackupError):
    """The backup file is damaged, cut short or was changed: refused as a whole."""

    kind = ErrorKind.BACKUP_DAMAGED


class BackupPassphraseError(BackupError):
    """An encrypted backup needs its passphrase, and the one given is wrong or missing."""

    kind = ErrorKind.BACKUP_PASSPHRASE


@dataclass(frozen=True)
class KdfParams:
    salt: bytes
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P

    def derive(self, passphrase: str) -> bytes:
        from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

        # The parameters come from the file: bound the memory (128 * n * r bytes) and the
        # time (p), or a hostile backup makes verify/restore take gigabytes.
        if not (MIN_SCRYPT_N <= self.n <= MAX_SCRYPT_N) or self.n & (self.n - 1) \
                or not 1 <= self.r <= 32 or not 1 <= self.p <= MAX_SCRYPT_P \
                or 128 * self.n * self.r > MAX_SCRYPT_MEMORY:
            raise BackupDamaged("backup header: key derivation parameters out of range")
        return Scrypt(salt=self.salt, length=32, n=self.n, r=self.r, p=self.p).derive(
            passphrase.encode("utf-8"))

    def to_json(self) -> dict[str, Any]:
        return {"name": "scrypt", "salt": base64.b64encode(self.salt).decode(), "n": self.n,
                "r": self.r, "p": self.p}


@dataclass(frozen=True)
class Header:
    """What a backup says about itself before any secret is needed (never secret itself)."""

    created_at: str
    app_version: str
    encrypted: bool
    with_secrets: bool
    backend: str
    kdf: KdfParams | None = None
    nonce_prefix: bytes = b""
    key_check: bytes = b""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        obj: dict[str, Any] = {
            "format": FORMAT, "created_at": self.created_at, "app_version": self.app_version,
            "encrypted": self.encrypted, "with_secrets": self.with_secrets,
            "backend": self.backend, **self.extra,
        }
        if self.encrypted:
            assert self.kdf is not None
            obj["kdf"] = self.kdf.to_json()
            obj["cipher"] = "AES-256-GCM"
            obj["nonce_prefix"] = base64.b64encode(self.nonce_prefix).decode()
            obj["key_check"] = base64.b64encode(self.key_check).decode()
        else:
            obj["integrity"] = "SHA-256"
        return json.dumps(obj, sort_keys=True).encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> Header:
        try:
            obj = json.loads(raw.decode("utf-8"))
            if not isinstance(obj, dict) or obj.get("format") != FORMAT:
                raise BackupError(f"unsupported backup format {obj.get('format')!r}")
            encrypted = bool(obj["encrypted"])
            kdf = None
            nonce_prefix = key_check = b""
            if encrypted:
                k = obj["kdf"]
                if k.get("name") != "scrypt" or obj.get("cipher") != "AES-256-GCM":
                    raise BackupError("unsupported backup encryption")
                kdf = KdfParams(base64.b64decode(k["salt"]), int(k["n"]), int(k["r"]),
                                int(k["p"]))
                nonce_prefix = base64.b64decode(obj["nonce_prefix"])
                key_check = base64.b64decode(obj["key_check"])
                if len(nonce_prefix) != 8 or len(key_check) != 32:
                    raise BackupDamaged("backup header is damaged")
            known = {"format", "created_at", "app_version", "encrypted", "with_secrets",
                     "backend", "kdf", "cipher", "nonce_prefix", "key_check", "integrity"}
            return cls(str(obj["created_at"]), str(obj["app_version"]), encrypted,
                       bool(obj["with_secrets"]), str(obj["backend"]), kdf, nonce_prefix,
                       key_check, {k: v for k, v in obj.items() if k not in known})
        except BackupError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupDamaged(f"backup header is damaged ({type(exc).__name__})") from None


def new_header(*, created_at: str, app_version: str, passphrase: str | None,
               with_secrets: bool, backend: str, scrypt_n: int = SCRYPT_N,
               extra: dict[str, Any] | None = None) -> tuple[Header, bytes | None]:
    """A header for a new backup and the key (None: not encrypted)."""
    if passphrase is None:
        if with_secrets:
            raise BackupError("secrets go into a backup only encrypted: give a passphrase")
        return Header(created_at, app_version, False, False, backend,
                      extra=dict(extra or {})), None
    if not passphrase:
        raise BackupPassphraseError("the backup passphrase is empty")
    kdf = KdfParams(os.urandom(16), n=scrypt_n)
    key = kdf.derive(passphrase)
    header = Header(created_at, app_version, True, with_secrets, backend, kdf,
                    os.urandom(8), _key_check(key), dict(extra or {}))
    return header, key


def _key_check(key: bytes) -> bytes:
    return hmac.new(key, KEY_CHECK_LABEL, hashlib.sha256).digest()


def _ad(h: bytes, counter: int, flags: int) -> bytes:
    return h + struct.pack(">QB", counter, flags)


# The zlib stream is made pigz-style: each 1 MiB piece is deflated on its own (primed with
# the 32 KiB before it, so the ratio is that of one stream) and ends on a byte boundary (a
# sync flush); the pieces joined, an empty final block and the Adler-32 of all of it make one
# ordinary zlib stream that any inflater reads (`BackupReader` uses `zlib.decompressobj`).
ZLIB_HEADER = b"\x78\x01"  # deflate, 32 KiB window, fastest level
WINDOW = 1 << 15


ADLER_BASE = 65521


def _deflate(piece: bytes, primer: bytes) -> tuple[bytes, int]:
    """The piece deflated (ending on a byte boundary) and its own Adler-32."""
    c = (zlib.compressobj(1, zlib.DEFLATED, -15, zdict=primer) if primer
         else zlib.compressobj(1, zlib.DEFLATED, -15))
    return c.compress(piece) + c.flush(zlib.Z_SYNC_FLUSH), zlib.adler32(piece)


def adler32_combine(a1: int, a2: int, len2: int) -> int:
    """The Adler-32 of A+B from those of A and B and B's length (zlib's adler32_combine,
    which Python's zlib does not expose): the pieces are checksummed on the pool too."""
    rem = len2 % ADLER_BASE
    sum1 = a1 & 0xFFFF
    sum2 = (rem * sum1) % ADLER_BASE
    sum1 += (a2 & 0xFFFF) + ADLER_BASE - 1
    sum2 += (a1 >> 16) + (a2 >> 16) + ADLER_BASE - rem
    return (sum1 % ADLER_BASE) | ((sum2 % ADLER_BASE) << 16)


def _final_block() -> bytes:
    return zlib.compressobj(1, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)


class BackupWriter(io.RawIOBase):
    """A write-only binary stream: compresses, cuts into records, seals each one.

    The 1 MiB pieces are deflated side by side on a small thread pool, one per core (zlib
    releases the GIL), and sealed in order on a thread of their own (AES-GCM and SHA-256
    release it too), so reading and hashing the archive overlap with compressing it and
    compressing uses every core: zlib was the bottleneck of a large backup. Memory stays
    bounded by the queue of pieces in flight (a few MiB per core). `finish()` writes the
    final record and reports a failure of those threads; `abort()` ends them without one.
    """

    def __init__(self, out: IO[bytes], header: Header, key: bytes | None,
                 workers: int | None = None) -> None:
        super().__init__()
        from concurrent.futures import ThreadPoolExecutor

        self._out = out
        raw = header.to_bytes()
        if len(raw) > MAX_HEADER:
            raise BackupError("backup header too large")
        prefix = MAGIC + struct.pack(">I", len(raw)) + raw
        self._h = hashlib.sha256(prefix).digest()
        out.write(prefix)
        self._header = header
        self._aead: Any = None
        if key is not None:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            self._aead = AESGCM(key)
        self._workers = max(1, workers if workers is not None else min(4, os.cpu_count() or 1))
        self._pool = ThreadPoolExecutor(max_workers=self._workers,
                                        thread_name_prefix="backup-deflate")
        self._primer = b""  # the last 32 KiB of plaintext before the next piece
        self._adler = zlib.adler32(b"")
        self._buf = bytearray(ZLIB_HEADER)
        self._pending = bytearray()  # what the producer collected for the next piece
        self._counter = 0
        self.bytes_written = len(prefix)
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=2 * self._workers + 2)
        self._error: BaseException | None = None
        self._finished = False
        self._thread = threading.Thread(target=self._pump, name="backup-writer", daemon=True)
        self._thread.start()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        n = len(data) if isinstance(data, bytes | bytearray) else memoryview(data).nbytes
        self._pending += data
        if len(self._pending) >= CHUNK_SIZE:
            self._submit(bytes(self._pending))
            self._pending.clear()
        return n

    def _submit(self, piece: bytes) -> None:
        fut = self._pool.submit(_deflate, piece, self._primer)
        self._primer = piece[-WINDOW:]
        self._put((fut, len(piece)))

    def _put(self, item: Any) -> None:
        while True:
            if self._error is not None:
                raise BackupError(f"writing the backup failed: {self._error}") \
                    from self._error
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def _pump(self) -> None:
        try:
            while (item := self._queue.get()) is not None:
                fut, size = item
                deflated, adler = fut.result()
                self._adler = adler32_combine(self._adler, adler, size)
                self._buf += deflated
                self._seal_full()
            if self._finished:
                self._buf += _final_block() + struct.pack(">I", self._adler)
                self._seal_full()
                self._record(bytes(self._buf), FINAL)
                self._buf.clear()
        except BaseException as exc:  # handed to the producer by _put / finish
            self._error = exc
            with contextlib.suppress(queue.Empty):
                while True:  # unblock a producer waiting on a full queue
                    self._queue.get_nowait()

    def _seal_full(self) -> None:
        """Seal every whole record in the buffer (the last one waits for `finish`)."""
        while len(self._buf) > CHUNK_SIZE:
            chunk = bytes(self._buf[:CHUNK_SIZE])
            del self._buf[:CHUNK_SIZE]
            self._record(chunk, 0)

    def _record(self, chunk: bytes, flags: int) -> None:
        ad = _ad(self._h, self._counter, flags)
        if self._aead is not None:
            nonce = self._header.nonce_prefix + struct.pack(">I", self._counter)
            payload = self._aead.encrypt(nonce, chunk, ad)
        else:
            payload = chunk + hashlib.sha256(ad + chunk).digest()
        self._out.write(struct.pack(">BI", flags, len(payload)))
        self._out.write(payload)
        self.bytes_written += 5 + len(payload)
        self._counter += 1
        if self._counter >= 1 << 32:
            raise BackupError("backup too large")

    def finish(self) -> None:
        """Write the rest and the final record (without it a reader refuses the file)."""
        try:
            if self._pending:
                self._submit(bytes(self._pending))
                self._pending.clear()
            self._finished = True  # set before the sentinel: the pump reads it after
            self._put(None)
            self._thread.join()
        finally:
            self._pool.shutdown(wait=True)
        if self._error is not None:
            raise BackupError(f"writing the backup failed: {self._error}") from self._error

    def abort(self) -> None:
        """Stop the writing threads without a final record (the file is discarded)."""
        if self._thread.is_alive():
            with contextlib.suppress(BackupError):
                self._put(None)
            self._thread.join()
        self._pool.shutdown(wait=True, cancel_futures=True)


def read_header(f: IO[bytes]) -> tuple[Header, bytes]:
    """The header and ``H`` (its digest) from the start of ``f``."""
    magic = f.read(len(MAGIC))
    if magic != MAGIC:
        if magic[:6] == MAGIC[:6]:
            raise BackupError("this backup was made by a newer version of DSO Desktop")
        raise BackupDamaged("not a DSO Desktop backup file")
    size_raw = f.read(4)
    if len(size_raw) != 4:
        raise BackupDamaged("backup file is cut short")
    (size,) = struct.unpack(">I", size_raw)
    if size > MAX_HEADER:
        raise BackupDamaged("backup header is damaged")
    raw = f.read(size)
    if len(raw) != size:
        raise BackupDamaged("backup file is cut short")
    return Header.from_bytes(raw), hashlib.sha256(magic + size_raw + raw).digest()


class BackupReader(io.RawIOBase):
    """A read-only binary stream of the plaintext; raises `BackupDamaged` at the first record
    that does not authenticate, and at the end when the final record is missing or followed
    by anything."""

    def __init__(self, f: IO[bytes], passphrase: str | None, *,
                 prefetch: bool = False) -> None:
        super().__init__()
        self._f = f
        self.header, self._h = read_header(f)
        self._aead: Any = None
        if self.header.encrypted:
            if passphrase is None:
                raise BackupPassphraseError("this backup is encrypted: give its passphrase")
            assert self.header.kdf is not None
            key = self.header.kdf.derive(passphrase)
            if not hmac.compare_digest(_key_check(key), self.header.key_check):
                raise BackupPassphraseError("wrong passphrase for this backup")
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            self._aead = AESGCM(key)
        self._z = zlib.decompressobj()
        self._counter = 0
        self._done = False
        self._final_seen = False
        self._pending = b""
        self._buf = bytearray()
        self._iter = self._blocks()
        # prefetch: authenticating and inflating run on a thread of their own, a few blocks
        # ahead of the caller (who unpacks and hashes the plaintext): two cores, not one.
        self._ahead: queue.Queue[Any] | None = queue.Queue(maxsize=8) if prefetch else None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def readable(self) -> bool:
        return True

    def _next(self) -> None:
        head = self._f.read(5)
        if len(head) != 5:
            raise BackupDamaged("backup file is cut short (its last part is missing)")
        flags, size = struct.unpack(">BI", head)
        if flags & ~FINAL or size > MAX_RECORD:
            raise BackupDamaged(f"backup file is damaged (record {self._counter})")
        payload = self._f.read(size)
        if len(payload) != size:
            raise BackupDamaged("backup file is cut short (its last part is missing)")
        ad = _ad(self._h, self._counter, flags)
        if self._aead is not None:
            from cryptography.exceptions import InvalidTag

            nonce = self.header.nonce_prefix + struct.pack(">I", self._counter)
            try:
                chunk = self._aead.decrypt(nonce, payload, ad)
            except InvalidTag:
                raise BackupDamaged(
                    f"backup file was changed or is damaged (record {self._counter})") from None
        else:
            if size < TAG_LEN_SHA:
                raise BackupDamaged(f"backup file is damaged (record {self._counter})")
            chunk, tag = payload[:-TAG_LEN_SHA], payload[-TAG_LEN_SHA:]
            if not hmac.compare_digest(hashlib.sha256(ad + chunk).digest(), tag):
                raise BackupDamaged(
                    f"backup file was changed or is damaged (record {self._counter})")
        self._counter += 1
        self._pending = chunk
        self._final_seen = bool(flags & FINAL)

    def _blocks(self) -> Iterator[bytes]:
        """The plaintext in blocks of at most 4 MiB, every record authenticated on the way;
        ends only at the verified end (raises `BackupDamaged` otherwise)."""
        while True:
            if self._pending:
                try:  # bounded output: a record of zeros must not become gigabytes at once
                    out = self._z.decompress(self._pending, 1 << 22)
                except zlib.error:
                    raise BackupDamaged("backup content is damaged") from None
                self._pending = self._z.unconsumed_tail
                if out:
                    yield out
            elif self._final_seen:
                if self._f.read(1):
                    raise BackupDamaged("backup file has data after its end")
                if not self._z.eof or self._z.unused_data:
                    raise BackupDamaged("backup content is cut short")
                return
            else:
                self._next()

    def _prefetch(self) -> None:
        """The reading thread: blocks (or the error that ended them) into the queue."""
        try:
            for block in self._blocks():
                if not self._offer(block):
                    return
            self._offer(None)
        except BaseException as exc:
            self._offer(exc)

    def _offer(self, item: Any) -> bool:
        assert self._ahead is not None
        while not self._stop.is_set():
            try:
                self._ahead.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def _fill(self) -> bool:
        """Put more plaintext in the buffer; False at the (verified) end."""
        while not self._buf:
            if self._done:
                return False
            if self._ahead is None:
                block = next(self._iter, None)
            else:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._prefetch, daemon=True,
                                                    name="backup-reader")
                    self._thread.start()
                block = self._ahead.get()
                if isinstance(block, BaseException):
                    self._done = True
                    raise block
            if block is None:
                self._done = True
                return False
            self._buf += block
        return True

    def close(self) -> None:
        self._stop.set()  # a reading thread waiting to hand over a block gives up
        super().close()

    def readinto(self, b: Any) -> int:
        if not self._fill():
            return 0
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        del self._buf[:n]
        return n

    def drain(self) -> int:
        """Read and authenticate everything left (the tar reader stops at its end-of-archive
        blocks, before the final record); returns how many plaintext bytes were left."""
        left = 0
        while self._fill():
            left += len(self._buf)
            self._buf.clear()
        return left
