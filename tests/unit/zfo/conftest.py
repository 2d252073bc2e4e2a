"""Shared fixtures of the ZFO tests: one test PKI per session (key generation is slow)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dso_desktop.zfo.testpki import TestPki, create_pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return create_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def pki_dir(pki: TestPki) -> Path:
    assert pki.directory is not None
    return pki.directory
