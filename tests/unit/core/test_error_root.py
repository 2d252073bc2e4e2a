"""One error root: every known error of the product is a `DsoError` with a stable kind and a
text in English and Czech; the GUI and the CLI tell errors apart by type, not by name."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import dso_desktop
from dso_desktop.errors import ERROR_TEXTS, DsoError, ErrorKind, error_text

# Modules that run on import (scripts, Alembic environments and migrations: no errors).
_SKIP = re.compile(r"(^dso_desktop\.__main__$|\.migrations\.(env$|versions\.))")
# Exception classes that are not product errors on purpose: internal signals that never
# reach the user, wrappers that are turned into a `DsoError` at the layer's edge, the
# simulator's own (server side), and the separate launcher process.
_NOT_PRODUCT_ERRORS = {
    "dso_desktop.services.outbox._Unconfirmed",
    "dso_desktop.update.transport.InsecureUrlError",
    "dso_desktop.update.transport.DownloadCancelled",
    "dso_desktop.update.transport.TlsError",
    "dso_desktop.update.transport.TlsConfigError",
    "dso_desktop.update.release.ReleaseFormatError",
    "dso_desktop.update.archive.UnsafeArchiveError",
    "dso_desktop.launcher.RollbackRefused",
    "dso_desktop.gui.demo.TrainingFolderError",
}


def _modules() -> list[object]:
    out = []
    for info in pkgutil.walk_packages(dso_desktop.__path__, "dso_desktop."):
        if _SKIP.search(info.name):
            continue
        out.append(importlib.import_module(info.name))
    return out


@pytest.fixture(scope="module")
def modules() -> list[object]:
    return _modules()


def _all_subclasses(cls: type) -> set[type]:
    out: set[type] = set()
    todo = [cls]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in out and sub.__module__.startswith("dso_desktop."):
                out.add(sub)
                todo.append(sub)
    return out


def test_every_dso_error_has_its_own_stable_kind_and_czech_text(modules: list[object]) -> None:
    classes = _all_subclasses(DsoError)
    assert len(classes) >= 60  # the walk found the layers' hierarchies
    seen: dict[ErrorKind, type] = {}
    for cls in sorted(classes, key=lambda c: c.__qualname__):
        # Declared in the class itself: a subclass that forgets it would silently pass as
        # its parent's kind.
        assert "kind" in vars(cls), f"{cls.__module__}.{cls.__qualname__} has no kind"
        kind = vars(cls)["kind"]
        assert isinstance(kind, ErrorKind)
        assert kind not in seen, f"{cls.__qualname__} and {seen[kind].__qualname__} share {kind}"
        seen[kind] = cls
        cs = error_text(kind, "cs")
        en = error_text(kind, "en")
        assert cs.strip() and en.strip() and cs != en
        # Czech text really is Czech: diacritics or a Czech word (not the English sentence).
        assert re.search(r"[áčďéěíňóřšťúůýž]", cs, re.I), (kind, cs)
    # Every kind belongs to one class, apart from the root's own.
    assert set(ErrorKind) - set(seen) <= {ErrorKind.ERROR}


def test_every_error_kind_has_english_and_czech() -> None:
    assert set(ERROR_TEXTS) == set(ErrorKind)
    for kind, (en, cs) in ERROR_TEXTS.items():
        assert en.strip() and cs.strip(), kind
    assert len({str(k) for k in ErrorKind}) == len(ErrorKind)


def test_no_second_error_root_in_the_product(modules: list[object]) -> None:
    """An exception class in the product that is not a `DsoError` is either on the short
    list above (with its reason) or a new root the GUI and the CLI would miss."""
    stray = []
    for cls in _all_subclasses(Exception):
        name = f"{cls.__module__}.{cls.__qualname__}"
        if cls.__module__.startswith("dso_desktop.simulator") or name in _NOT_PRODUCT_ERRORS:
            continue
        if not issubclass(cls, DsoError):
            stray.append(name)
    assert stray == []


def test_the_layer_roots_derive_from_the_one_root() -> None:
    from dso_desktop.cli.main import CliError, UsageError
    from dso_desktop.isds.errors import IsdsError
    from dso_desktop.net import FetchError, ProxyConfigError
    from dso_desktop.secretstore import SecretStoreError
    from dso_desktop.services.accounts import AccountError
    from dso_desktop.services.outbox import OutboxError
    from dso_desktop.services.send import SendError
    from dso_desktop.services.trust import TrustAnchorError
    from dso_desktop.store.errors import StoreError
    from dso_desktop.sync.events import SyncError
    from dso_desktop.sync.ingest import IngestError
    from dso_desktop.sync.lock import LockBusy
    from dso_desktop.update.errors import UpdateError
    from dso_desktop.zfo.errors import ZfoError

    for root in (CliError, UsageError, IsdsError, FetchError, ProxyConfigError,
                 SecretStoreError, AccountError, OutboxError, SendError, TrustAnchorError,
                 StoreError, SyncError, IngestError, LockBusy, UpdateError, ZfoError):
        assert issubclass(root, DsoError), root
    # The builtin each root was before stays a base: old `except` clauses still catch.
    assert issubclass(SecretStoreError, RuntimeError)
    assert issubclass(TrustAnchorError, ValueError)
    assert issubclass(ProxyConfigError, ValueError)
    assert issubclass(FetchError, OSError)
    assert FetchError("x").errno is None  # the OSError side works


def test_message_and_czech_message() -> None:
    from dso_desktop.isds.errors import WrongCredentials
    from dso_desktop.services.send import SendError
    from dso_desktop.store.errors import StoreWriteError
    from dso_desktop.zfo.errors import NotCmsError

    exc = WrongCredentials("login refused", code="401")
    assert exc.kind == "isds.wrong-credentials"
    assert exc.message.startswith("login refused")
    assert exc.message_cs == "Uživatelské jméno nebo heslo není správné."
    assert exc.text("en") == "The user name or password is wrong."
    assert exc.to_json() == {"kind": "isds.wrong-credentials", "error": exc.message}
    # A more specific Czech text of the instance wins over the kind's.
    assert NotCmsError("x").message_cs == error_text(ErrorKind.ZFO_NOT_CMS, "cs")
    assert NotCmsError("x", "Jiný důvod.").message_cs == "Jiný důvod."
    # Services that word their errors in Czech already keep their words.
    assert SendError("Zadejte alespoň jednoho adresáta.").message_cs.startswith("Zadejte")
    # A read-only archive is not "a disk error" in Czech either.
    assert "jen pro čtení" in StoreWriteError(reason="read-only").message_cs
    assert "chyba disku" in StoreWriteError().message_cs.lower()
    # No English text: the kind's sentence.
    assert DsoError().message == "The operation failed."


def test_the_stable_kind_strings_are_what_json_output_shows() -> None:
    # Released values: changing one breaks scripts that read `dso --json`.
    assert ErrorKind.SYNC_DELIVERY_CONFIRMATION == "sync.delivery-confirmation-required"
    assert ErrorKind.STORE_NOT_FOUND == "store.not-found"
    assert ErrorKind.ISDS_THROTTLED == "isds.throttled"


def test_the_product_code_never_matches_error_class_names() -> None:
    """`type(exc).__name__ == "..."` breaks silently on a rename; match types or kinds."""
    src = Path(dso_desktop.__file__).parent
    bad = []
    for path in src.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"__name__\s*(==|in)\s*[(\"']", text):
            line = text[: m.start()].count("\n") + 1
            if '"__main__"' not in text.splitlines()[line - 1]:
                bad.append(f"{path.relative_to(src)}:{line}")
        if "_names(exc)" in text:
            bad.append(f"{path.relative_to(src)}: _names(exc)")
    assert bad == []
