"""`dso sim serve` from the outside: one JSON line, a working server, clean SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

# Run the dispatcher as the `dso` script does (not `-m`, which would make it __main__).
DSO = [sys.executable, "-c", "from dso_desktop.cli.main import main; main()"]


def test_dso_sim_serve_prints_json_and_serves(tmp_path: Path) -> None:
    with subprocess.Popen(
        [*DSO, "sim", "serve", "--messages", "5",
         "--seed", "3", "--state-dir", str(tmp_path / "state")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}) as proc:
        _serve_and_check(proc)
    assert (tmp_path / "state" / "world.json").is_file()


def _serve_and_check(proc: subprocess.Popen) -> None:
    try:
        line = proc.stdout.readline()
        info = json.loads(line)
        assert info["url"].startswith("https://127.0.0.1:")
        assert Path(info["ca_file"]).is_file()
        acc = next(a for a in info["accounts"] if a["login_method"] == "password")
        assert {"username", "password", "box_id", "box_type", "login_method"} <= set(acc)
        assert any(a["box_type"] == "OVM" for a in info["accounts"])
        s = requests.Session()
        s.trust_env = False
        r = s.post(info["url"] + "/DS/dz", verify=info["ca_file"],
                   auth=(acc["username"], acc["password"]),
                   data=b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
                        b'<s:Body><DummyOperation xmlns="http://isds.czechpoint.cz/v20"/>'
                        b"</s:Body></s:Envelope>")
        assert r.status_code == 200 and b"0000" in r.content
        assert s.post(info["url"] + "/_sim/advance", json={"days": 2},
                      verify=info["ca_file"]).status_code == 403
        assert s.post(info["url"] + "/_sim/advance", json={"days": 2}, verify=info["ca_file"],
                      headers={"X-Sim-Token": info["control_token"]}).status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        proc.stdout.close()
        proc.stderr.close()


def test_non_loopback_host_is_refused() -> None:
    r = subprocess.run([*DSO, "sim", "serve",
                        "--host", "0.0.0.0"],  # noqa: S104 (it must be refused)
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert "loopback" in r.stderr


def test_dso_sim_records_serve_speaks_the_records_rest_interface(tmp_path: Path) -> None:
    """The training records service (issue 17) from the outside: one JSON line, HTTPS with
    its CA, the token required, clean SIGTERM; a non-loopback host is refused."""
    with subprocess.Popen(
        [*DSO, "sim", "records-serve", "--state-dir", str(tmp_path / "rec")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}) as proc:
        try:
            info = json.loads(proc.stdout.readline())
            assert info["url"].startswith("https://127.0.0.1:") and info["token"]
            s = requests.Session()
            s.trust_env = False
            url = info["url"] + "/service_info"
            assert s.get(url, verify=info["ca_file"]).status_code == 401
            r = s.get(url, verify=info["ca_file"], headers={"Authentication": info["token"]})
            assert r.status_code == 200 and r.json()["name"]
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=20) == 0
            proc.stdout.close()
            proc.stderr.close()
    r = subprocess.run([*DSO, "sim", "records-serve",
                        "--host", "0.0.0.0"],  # noqa: S104 (it must be refused)
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
