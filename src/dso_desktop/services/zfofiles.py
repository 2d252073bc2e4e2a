"""ZFO files: open one (verified in its scope), import files and folders."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from dso_desktop.domain import ImportStatus, ZfoKind
from dso_desktop.services.types import (
    AttachmentInfo,
    ImportItem,
    ImportSummary,
    ZfoView,
)
from dso_desktop.store.db import Database
from dso_desktop.store.messages import MessageRepo, sha256_hex
from dso_desktop.store.repos import AccountRepo
from dso_desktop.sync.ingest import IngestError, import_zfo

MAX_ZFO_BYTES = 2_000_000_000


def iter_zfo_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The .zfo files among ``paths``; folders are walked (symlinks not followed)."""
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if child.is_file() and not child.is_symlink() and \
                        child.suffix.lower() == ".zfo":
                    yield child
        else:
            yield p


def _zfo_kind(data: bytes) -> Any:
    """The kind of a ZFO (None when it does not parse: the import then says why)."""
    from dso_desktop.zfo import ZfoError, parse_zfo

    try:
        return parse_zfo(data).kind
    except ZfoError:
        return None


def scope_store(trust: Callable[..., Any], parsed: Any, by_box: dict[str, int],
                account_id: int | None = None, account_box_id: str | None = None,
                attaches_to: Iterable[int | None] = ()) -> Any:
    """The trust store for a ZFO that did not come from an account's own sync.

    An account's CA (test environment, simulator) may vouch only for that account's
    messages. So a ZFO is verified in an account's scope only when it will be that
    account's: a message is filed under ``account_id`` (the account the user chose; its
    box, when known, must be named in the ZFO) or else under the account of its own box
    (the sender's for a sent message, the recipient's otherwise, as `import_zfo` files it);
    a delivery info, or a message whose dmID is already stored (its evidence is what the
    import may replace), joins the stored messages of its dmID (``attaches_to``: their
    accounts, None = unassigned). Every known account the ZFO names, and every message it
    joins, must share that scope. Otherwise (a ZFO that would be unassigned, that also names a
    production account, or joins one's message) only the global anchors count.
    """
    env = parsed.envelope
    kind = ZfoKind(parsed.kind)
    boxes = {b for b in (env.sender_box_id, env.recipient_box_id) if b}
    scopes: set[int | None] = {by_box[b] for b in boxes if b in by_box}
    scopes.update(attaches_to)
    if account_id is not None:
        if account_box_id and account_box_id not in boxes:
            return trust(None)
        scopes.add(account_id)
    elif kind is not ZfoKind.DELIVERY_INFO:
        own = env.sender_box_id if kind is ZfoKind.SENT else env.recipient_box_id
        owner = by_box.get(own or "")
        if owner is not None:
            scopes.add(owner)
        elif not any(a is not None for a in attaches_to):
            return trust(None)  # filed unassigned: no account vouches for it
    if not scopes:
        return trust(None)
    stores = {id(st): st for st in (trust(a) for a in scopes)}
    if len(stores) == 1:
        return next(iter(stores.values()))
    return trust(None)


class ZfoService:
    """Open, verify and import ZFO files. ``db`` None: no archive (``dso zfo`` on a machine
    without one); files are then verified in the global scope and nothing can be imported."""

    def __init__(self, db: Database | None, trust: Callable[..., Any]) -> None:
        self._db = db
        self._trust = trust

    def _by_box(self) -> dict[str, int]:
        if self._db is None:
            return {}
        with self._db.read() as s:
            return AccountRepo(s).by_box()

    def open_file(self, path: Path, now: datetime | None = None, *,
                  expiry_warning_days: int = 60) -> ZfoView:
        return self.view(Path(path).read_bytes(), Path(path), now=now,
                         expiry_warning_days=expiry_warning_days)

    def view(self, data: bytes, path: Path, *, now: datetime | None = None,
             expiry_warning_days: int = 60) -> ZfoView:
        """Parse (``ZfoError`` if it is no ZFO) and verify in the viewer's scope."""
        from dso_desktop.zfo import parse_zfo, verify_zfo

        parsed = parse_zfo(data)
        in_archive, trust = self._view_scope(data, parsed)
        verdict = verify_zfo(parsed, trust, now=now, expiry_warning_days=expiry_warning_days)
        atts = tuple(
            AttachmentInfo(i, a.name, a.mime_type or "", str(a.role),
                           int(a.size))
            for i, a in enumerate(parsed.attachments)
        )
        return ZfoView(Path(path), parsed, verdict, atts, in_archive)

    def verify(self, data: bytes, *, now: datetime | None = None,
               expiry_warning_days: int = 60) -> Any:
        """The verdict on ``data`` in the viewer's scope; bytes that are no ZFO get an
        ``invalid`` verdict with the reason (not an exception), checked in the global scope."""
        from dso_desktop.zfo import ZfoError, parse_zfo, verify_zfo

        try:
            parsed = parse_zfo(data)
        except ZfoError:
            return verify_zfo(data, self._trust(None), now=now,
                              expiry_warning_days=expiry_warning_days)
        _, trust = self._view_scope(data, parsed)
        return verify_zfo(parsed, trust, now=now, expiry_warning_days=expiry_warning_days)

    def _view_scope(self, data: bytes, parsed: Any) -> tuple[int | None, Any]:
        """(stored message with these exact bytes, the trust store to verify them with)."""
        if self._db is None:
            return None, self._trust(None)
        from dso_desktop.services.messages import message_accounts

        with self._db.read() as s:
            in_archive = MessageRepo(s).id_by_zfo_sha(sha256_hex(data))
        if in_archive is not None:  # the same bytes are evidence of one of our messages
            return in_archive, self._trust(
                message_accounts(self._db, [in_archive]).get(in_archive))
        return None, self._scope_for(parsed, self._by_box(), None, None)

    def import_files(self, paths: Iterable[Path], account: str | None = None,
                     now: datetime | None = None) -> ImportSummary:
        """Import ZFO files and folders: verified first, duplicates recognised, none lost."""

        def files() -> Iterator[tuple[str, Callable[[], bytes]]]:
            for path in iter_zfo_files(paths):
                def read(path: Path = path) -> bytes:
                    if path.stat().st_size > MAX_ZFO_BYTES:
                        raise IngestError("file too large for a ZFO")
                    return path.read_bytes()
                yield str(path), read

        return self.import_sources(files(), account=account, now=now)

    def import_sources(self, sources: Iterable[tuple[str, Callable[[], bytes]]],
                       account: str | None = None,
                       now: datetime | None = None) -> ImportSummary:
        """Import signed messages and delivery infos given as (name, read bytes) pairs (files,
        or the raw messages another client kept in its database): the one import path, so
        every source is verified, deduplicated and held to the same evidence rules."""
        if self._db is None:
            raise ValueError("no archive to import into")
        account_id = box_id = None
        by_box: dict[str, int] = {}
        with self._db.read() as s:
            if account is not None:
                rec = AccountRepo(s).get(account)
                # Filed where the box's messages are (one copy per data box).
                account_id, box_id = AccountRepo(s).archive_id(account), rec.box_id
            else:
                by_box = AccountRepo(s).by_box()
            all_boxes = AccountRepo(s).by_box()  # a box's first account: one copy per box
        # Order-independent: delivery infos wait until every message of the batch is in,
        # so DOD_x.zfo finds ODZ_x.zfo whatever the names and the folder order. The summary
        # keeps the sources' own order. A deferred delivery info is small; its bytes wait.
        results: list[ImportItem | None] = []
        deferred: list[tuple[int, str, bytes]] = []
        for index, (name, read) in enumerate(sources):
            results.append(None)
            try:
                data = read()
            except IngestError as exc:
                results[index] = ImportItem(name, ImportStatus.INVALID, reason=str(exc),
                                            failure=exc)
                continue
            except OSError as exc:
                results[index] = ImportItem(
                    name, ImportStatus.ERROR,
                    reason=f"{type(exc).__name__}: {exc.strerror or exc}", failure=exc)
                continue
            if _zfo_kind(data) is ZfoKind.DELIVERY_INFO:
                deferred.append((index, name, data))
                continue
            results[index] = self._import_one(name, data, account_id, box_id, by_box,
                                              all_boxes, now)
        for index, name, data in deferred:
            results[index] = self._import_one(name, data, account_id, box_id, by_box,
                                              all_boxes, now)
        return ImportSummary(tuple(item for item in results if item is not None))

    def _import_one(self, name: str, data: bytes, account_id: int | None,
                    box_id: str | None, by_box: dict[str, int], all_boxes: dict[str, int],
                    now: datetime | None) -> ImportItem:
        assert self._db is not None  # import_sources checked it
        try:
            trust = self._import_scope(data, all_boxes, account_id, box_id)
            r = import_zfo(self._db, trust, data, account_id=account_id,
                           account_box_id=box_id, now=now, accounts_by_box=by_box,
                           source_name=Path(name).name)
            return ImportItem(name, ImportStatus.of(r.status), r.message_id, r.dm_id,
                              r.verdict, r.reason, r.reason_cs)
        except IngestError as exc:
            return ImportItem(name, ImportStatus.INVALID, reason=str(exc), failure=exc)
        except OSError as exc:
            return ImportItem(name, ImportStatus.ERROR,
                              reason=f"{type(exc).__name__}: {exc.strerror or exc}",
                              failure=exc)

    def _import_scope(self, data: bytes, by_box: dict[str, int], account_id: int | None,
                      box_id: str | None) -> Any:
        """The scope to verify an imported file in (see `scope_store`); a file that does
        not parse gets the global one (the import refuses it anyway)."""
        from dso_desktop.zfo import ZfoError, parse_zfo

        try:
            parsed = parse_zfo(data)
        except ZfoError:
            return self._trust(None)
        return self._scope_for(parsed, by_box, account_id, box_id)

    def _scope_for(self, parsed: Any, by_box: dict[str, int], account_id: int | None,
                   box_id: str | None) -> Any:
        from dso_desktop.services.messages import message_accounts

        if self._db is None:
            return self._trust(None)
        with self._db.read() as s:
            targets = MessageRepo(s).ids_by_dm_id(parsed.envelope.message_id)
        owners = message_accounts(self._db, targets)
        attaches_to: list[int | None] = [owners.get(t) for t in targets]
        return scope_store(self._trust, parsed, by_box, account_id, box_id, attaches_to)
