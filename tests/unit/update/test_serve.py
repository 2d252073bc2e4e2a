"""`dso-release serve`: a loopback static server (HTTP for tests, HTTPS with its own cert)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from updater.server import StaticServer
from updater.testkit import PASSPHRASE, Portal


def test_serve_command_prints_its_url_and_serves_public(tmp_path: Path) -> None:
    portal = Portal(tmp_path)
    env = dict(os.environ, DSO_RELEASE_PASSPHRASE=PASSPHRASE)
    proc = subprocess.Popen([sys.executable, "-m", "updater.cli", "serve", str(portal.repo.path),
                             "--port", "0"], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        assert info["url"].startswith("https://127.0.0.1:")
        page = requests.get(info["url"] + "index.html", verify=info["ca_file"], timeout=10)
        assert page.status_code == 200 and "DSO Desktop" in page.text
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(info["url"] + "index.html", timeout=10)  # unknown CA: refused
        keys = requests.get(info["url"] + "../keys/root-1.key", verify=info["ca_file"],
                            timeout=10)
        assert keys.status_code == 404  # only public/ is served
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_range_requests(tmp_path: Path) -> None:
    (tmp_path / "f.bin").write_bytes(bytes(range(100)))
    with StaticServer(tmp_path) as server:
        r = requests.get(server.url + "f.bin", headers={"Range": "bytes=90-"}, timeout=10)
        assert (r.status_code, r.content) == (206, bytes(range(90, 100)))
        assert r.headers["Content-Range"] == "bytes 90-99/100"
        r = requests.get(server.url + "f.bin", headers={"Range": "bytes=200-"}, timeout=10)
        assert r.status_code == 416
        assert requests.get(server.url + "f.bin", timeout=10).content == bytes(range(100))
    with pytest.raises(ValueError, match="loopback"):
        StaticServer(tmp_path, host="0.0.0.0")  # noqa: S104 - the refusal is the test


def test_serve_log_says_how_many_bytes_each_request_sent(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """With DSO_RELEASE_SERVE_LOG the log counts body bytes (whole files and ranges), so an
    operator (and the real-bundle test) sees what an update really downloaded."""
    (tmp_path / "f.bin").write_bytes(bytes(range(100)) * 1000)
    monkeypatch.setenv("DSO_RELEASE_SERVE_LOG", "1")
    with StaticServer(tmp_path) as server:
        assert len(requests.get(server.url + "f.bin", timeout=10).content) == 100_000
        r = requests.get(server.url + "f.bin", headers={"Range": "bytes=99990-"}, timeout=10)
        assert r.status_code == 206 and len(r.content) == 10
        assert requests.get(server.url + "missing", timeout=10).status_code == 404
    err = capsys.readouterr().err
    assert "sent 100000 bytes: GET /f.bin" in err
    assert "sent 10 bytes: GET /f.bin" in err
    assert "sent 0 bytes: GET /missing" in err  # no file served (the error page is not one)
