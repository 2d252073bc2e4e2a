"""Survivors of session 14's whole run (branch ``survupd15``) in `update.client`: the
portal's address with or without its last slash, a newer cached root kept as the start of
trust, a damaged cached root replaced in the client's own metadata folder and the portal
then asked through the app's transport, and the reason an oversized latest.json is
refused (docs/testing.md).

No server: the portal's public folder is read by a transport standing in for HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.unit.update.test_client_latest import INDEX, PLAT, _client, _good, _index, _target
from tuf.api import exceptions as tuf_exc
from updater.testkit import Portal, passphrase

from dso_desktop.update.client import MAX_INDEX_BYTES, TufClient
from dso_desktop.update.errors import UpdateVerificationError
from dso_desktop.update.transport import Transport

# Nothing listens there: a fetch that bypassed the given transport fails at once.
URL = "https://127.0.0.1:9/"


class FolderTransport(Transport):
    """Answers the portal's URLs from its public folder and notes what was asked."""

    def __init__(self, public: Path) -> None:
        super().__init__()
        self.public = public
        self.asked: list[str] = []

    def _fetch(self, url: str) -> Iterator[bytes]:
        rel = url.removeprefix(URL)
        self.asked.append(rel)
        path = self.public / rel
        if not path.is_file():
            raise tuf_exc.DownloadHTTPError(f"HTTP 404 for {url}", 404)
        return iter([path.read_bytes()])


def _root_version(metadata: Path) -> int:
    version = json.loads((metadata / "root.json").read_bytes())["signed"]["version"]
    assert isinstance(version, int)
    return version


@pytest.fixture
def portal(tmp_path: Path) -> Portal:
    p = Portal(tmp_path / "portal")
    p.publish("1.0.0")
    return p


@pytest.mark.parametrize("url", ["https://portal.example/updates/",
                                 "https://portal.example/updates"])
def test_the_portals_address_with_or_without_its_last_slash_gives_the_same_urls(
        portal: Portal, tmp_path: Path, url: str) -> None:
    client = TufClient(url, tmp_path / "md", portal.root_json, Transport(), tmp_path / "w")
    assert client.metadata_url == "https://portal.example/updates/metadata/"
    assert client.targets_url == "https://portal.example/updates/targets/"


def test_a_newer_cached_root_stays_the_start_of_trust(portal: Portal, tmp_path: Path) -> None:
    # After a key rotation the client cached root 2; the shipped root 1 must not take its
    # place again (the chain of trust moves forward, never back).
    portal.repo.rotate("timestamp", passphrase)
    md = tmp_path / "md"
    md.mkdir()
    (md / "root.json").write_bytes((portal.repo.metadata_dir / "2.root.json").read_bytes())
    TufClient(URL, md, portal.root_json, Transport(), tmp_path / "w")
    assert _root_version(md) == 2


def test_a_damaged_cached_root_is_replaced_in_the_metadata_folder_and_the_portal_asked_through_the_transport(  # noqa: E501
        portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # nothing may land in the working folder
    md = tmp_path / "md"
    md.mkdir()
    (md / "root.json").write_bytes(b'{"signed": {"version": 99}, "signatures": []}')
    transport = FolderTransport(portal.public)
    client = TufClient(URL, md, portal.root_json, transport, tmp_path / "w")
    assert _root_version(md) == 1  # the shipped root, cached where the client keeps it
    client.refresh()
    assert "metadata/timestamp.json" in transport.asked
    assert (md / "timestamp.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["md", "portal"]


def test_an_oversized_index_says_so(tmp_path: Path) -> None:
    targets = _good()
    targets[INDEX] = _target(INDEX, MAX_INDEX_BYTES + 1)
    c, _ = _client(tmp_path, targets, _index())
    with pytest.raises(UpdateVerificationError) as refused:
        c.latest("stable", PLAT)
    assert str(refused.value) == "latest.json is unreasonably large"
