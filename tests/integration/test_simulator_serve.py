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

def test_evidence_days_option_and_control(tmp_path: Path) -> None:
    """`--evidence-days N`: the evidence issued stops being verifiable N days from now;
    `POST /_sim/evidence` changes it; re-signing and the loopback TSA give fresh evidence."""
    from datetime import UTC, datetime, timedelta

    from dso_desktop.domain import EvidenceCause, LoginMethod
    from dso_desktop.isds.client import IsdsClient
    from dso_desktop.isds.endpoints import Environment
    from dso_desktop.isds.models import Credentials
    from dso_desktop.zfo import TrustStore, verify_zfo
    from dso_desktop.zfo.archivets import build_request, token_from_response

    with subprocess.Popen(
        [*DSO, "sim", "serve", "--messages", "3", "--seed", "5", "--evidence-days", "15"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}) as proc:
        try:
            info = json.loads(proc.stdout.readline())
            acc = next(a for a in info["accounts"] if a["login_method"] == "password")
            trust = TrustStore.from_paths([info["ca_file"]])
            client = IsdsClient(Environment.custom(info["url"]), LoginMethod.PASSWORD,
                                Credentials(acc["username"], acc["password"]),
                                ca_file=Path(info["ca_file"]))
            client.login()
            now = datetime.now(UTC)
            recs = client.get_list_of_received_messages(now - timedelta(days=3000), now)
            dm_id = recs[0].envelope.message_id
            short = client.signed_message_download(dm_id).data
            v = verify_zfo(short, trust)
            assert v.evidence_cause is EvidenceCause.TIMESTAMP_CERTIFICATE
            assert now + timedelta(days=13) < v.evidence_expires < now + timedelta(days=16)
            fresh = client.re_sign_isds_document(short)
            assert fresh.data is not None
            assert verify_zfo(fresh.data, trust).evidence_expires > now + timedelta(days=365)

            s = requests.Session()
            s.trust_env = False
            token = {"X-Sim-Token": info["control_token"]}
            r = s.post(info["url"] + "/_sim/evidence", json={"days": None},
                       verify=info["ca_file"], headers=token)
            assert r.status_code == 200 and r.json() == {"evidence_days": None}
            other = client.signed_message_download(recs[-1].envelope.message_id).data
            assert verify_zfo(other, trust).evidence_cause is not \
                EvidenceCause.TIMESTAMP_CERTIFICATE
            req = build_request(short)
            reply = s.post(info["url"] + "/_tsa", data=req.der, verify=info["ca_file"],
                           headers={"Content-Type": "application/timestamp-query"})
            assert reply.status_code == 200
            assert token_from_response(reply.content, req)
            client.close()
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=20) == 0
            proc.stdout.close()
            proc.stderr.close()
