"""Where the client's trust starts: the shipped root, a newer cached one, a damaged cache.

Written against survivors of a mutmut run over ``update/client.py`` (docs/testing.md): the
fall-back from a damaged cached root must build a working client (with our tight bounds),
not one that only fails at its first refresh.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from updater.server import StaticServer
from updater.testkit import PLATFORM, Portal

from dso_desktop.update.client import CONFIG, TufClient
from dso_desktop.update.errors import UpdateVerificationError
from dso_desktop.update.transport import Transport


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Portal, str]]:
    portal = Portal(tmp_path / "portal")
    portal.publish("1.0.0")
    server = StaticServer(portal.public).start()
    yield portal, server.url
    server.stop()


def _client(portal: Portal, url: str, metadata: Path, work: Path) -> TufClient:
    return TufClient(url, metadata, portal.root_json, Transport(), work)


def test_a_fresh_client_starts_from_the_shipped_root(served: tuple[Portal, str],
                                                     tmp_path: Path) -> None:
    portal, url = served
    client = _client(portal, url.rstrip("/"), tmp_path / "md", tmp_path / "work")
    assert client.metadata_url == url.rstrip("/") + "/metadata/"
    assert client.targets_url == url.rstrip("/") + "/targets/"
    assert client.updater.config is CONFIG
    client.refresh()
    offer = client.latest("stable", PLATFORM)
    assert offer is not None and str(offer.version) == "1.0.0"
    assert (tmp_path / "md" / "root.json").is_file()  # cached for the next start


def test_a_damaged_cached_root_falls_back_to_the_shipped_one(served: tuple[Portal, str],
                                                             tmp_path: Path) -> None:
    portal, url = served
    md = tmp_path / "md"
    md.mkdir()
    # Claims a newer version than the shipped root, so it would be preferred, but it is not
    # a valid root: the client must start again from the shipped one and still work.
    (md / "root.json").write_bytes(b'{"signed": {"version": 99}, "signatures": []}')
    client = _client(portal, url, md, tmp_path / "work")
    assert client.updater.config is CONFIG
    client.refresh()
    offer = client.latest("stable", PLATFORM)
    assert offer is not None and str(offer.version) == "1.0.0"


def test_a_damaged_shipped_root_is_a_verification_error(served: tuple[Portal, str],
                                                        tmp_path: Path) -> None:
    _portal, url = served
    with pytest.raises(UpdateVerificationError, match=r"^the trusted root is invalid"):
        TufClient(url, tmp_path / "md", b'{"signed": {"version": 1}}', Transport(),
                  tmp_path / "work")
