"""Test-wide guards: loopback-only sockets, an in-memory keyring, offscreen Qt, ../shared."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dso_desktop import net

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# A real PostgreSQL server and the `store_url` fixture (SQLite and PostgreSQL variants).
pytest_plugins = ["tests.pgserver"]

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("DSO_SHARED_DIR", REPO_ROOT.parent / "shared"))
ISDS_SPEC = SHARED / "isds-spec"
WSDL_DIR = ISDS_SPEC / "wsdl"
ZFO_SAMPLES = ISDS_SPEC / "zfo-samples"
TRUST_DIR = ISDS_SPEC / "trust"


def require_shared(path: Path = ISDS_SPEC) -> Path:
    """Skip the calling test, with the reason, when the official material is not beside us."""
    if not path.exists():
        pytest.skip(f"official ISDS material not found at {path} (../shared is absent)")
    return path


def shared_trust_anchors() -> tuple[Path, ...]:
    """The PostSignum CA certificates beside us as extra trust anchors (so that the real
    samples verify offline, and an untrusted import is not what a test is about)."""
    return (TRUST_DIR,) if TRUST_DIR.is_dir() else ()


if os.environ.get("DSO_MUTANTS"):
    # `make mutants`: a mutant only needs a failing example, not the smallest one (shrinking
    # a broken property can take minutes per mutant). The examples are derived from each
    # test's own code (`derandomize`, which also means no example database): every mutant's
    # child, and the stats run that chose its tests by the lines they ran, see the same
    # examples, so a verdict does not change from one run to the next.
    from hypothesis import Phase, settings

    settings.register_profile("mutants", deadline=None, derandomize=True,
                              phases=[Phase.explicit, Phase.generate])
    settings.load_profile("mutants")
    # In the mutated tree every call of a mutated function passes through mutmut's
    # trampoline (two more frames a call), so a reader that recurses once a nesting level
    # reaches Python's limit at a third of the depth it reads in the product (the
    # 600-deep test of the lean BER reference failed only there): the limit is raised by
    # that factor for the mutation run.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 3_000))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", help="run slow tests too")


# `make mutants`: a property test runs at most this many examples per mutant, the same ones
# in every run (derandomized, whatever the test's own settings say). A broken rule fails
# within the first few examples almost always; the full counts (up to 400) made the property
# tests most of what a surviving mutant costs. `make test` runs them in full, at random.
MUTANT_EXAMPLES = 10


def _cap_examples(items: list[pytest.Item]) -> None:
    from hypothesis import settings

    for item in items:
        fn = getattr(getattr(item, "obj", None), "__func__", getattr(item, "obj", None))
        current = getattr(fn, "_hypothesis_internal_use_settings", None)
        if getattr(fn, "hypothesis", None) is None or current is None:
            continue
        fn._hypothesis_internal_use_settings = settings(  # type: ignore[union-attr]
            current, max_examples=min(current.max_examples, MUTANT_EXAMPLES),
            derandomize=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("DSO_MUTANTS"):
        _cap_examples(items)
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow test: run with --runslow (make test-long)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def _is_loopback(address: Any) -> bool:
    if isinstance(address, tuple) and address:
        host = address[0]
    else:
        return True  # AF_UNIX paths and socketpairs are local by nature
    # connect() to "" is a connection to this host; otherwise the product's one rule.
    return host == "" or net.is_loopback(host)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse any connection that is not to loopback: tests never reach the real ISDS."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if not _is_loopback(address):
            raise OSError(f"test tried to reach a non-loopback address: {address!r}")
        return real_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> Any:
        if not _is_loopback(address):
            raise OSError(f"test tried to reach a non-loopback address: {address!r}")
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)


@pytest.fixture(autouse=True)
def _memory_keyring() -> Iterator[Any]:
    """Every test gets a fresh in-memory keyring; secrets never reach a real one."""
    import keyring

    from dso_desktop.secretstore import use_memory_keyring

    previous = keyring.get_keyring()
    backend = use_memory_keyring()
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private data folder; DSO_DATA_DIR points the app (and child processes) at it."""
    d = tmp_path / "data"
    d.mkdir()
    monkeypatch.setenv("DSO_DATA_DIR", str(d))
    return d
