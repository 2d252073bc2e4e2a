"""CZ.NIC's libdatovka, an independent ISDS client in C, against `dso sim serve`.

Slow and optional: it needs a libdatovka built outside this repository (see
docs/isds-coverage.md, "Independent client").  The prefix is DSO_LIBDATOVKA_PREFIX, by default
``../ext/libdatovka/install`` beside the repository.  The driver (libdatovka_driver.c, our
own code) is compiled here into a temporary folder; nothing of libdatovka is in the repository.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
PREFIX = Path(os.environ.get("DSO_LIBDATOVKA_PREFIX",
                             REPO_ROOT.parent / "ext" / "libdatovka" / "install"))
DSO = [sys.executable, "-c", "from dso_desktop.cli.main import main; main()"]

# Every ISDS operation libdatovka reaches must be among the passed lines, so a driver that
# silently skipped a section (no message id, no attachment) cannot pass.
REQUIRED = {
    "login (password)", "DummyOperation (isds_ping)", "GetOwnerInfoFromLogin",
    "GetOwnerInfoFromLogin2", "GetUserInfoFromLogin", "GetUserInfoFromLogin2",
    "GetPasswordInfo", "FindDataBox", "FindDataBox2", "ISDSSearch2 (isds_find_box_by_fulltext)",
    "CheckDataBox", "GetDataBoxActivityStatus (isds_get_box_state_history)",
    "PDZInfo (isds_get_commercial_permissions)", "PDZSendInfo",
    "DataBoxCreditInfo (isds_get_commercial_credit)", "DTInfo",
    "GetDataBoxList (isds_get_box_list_archive)", "CreateMessage (isds_send_message)",
    "CreateMultipleMessage", "UploadAttachment", "UploadAttachment (MTOM/XOP)",
    "CreateBigMessage", "GetListOfSentMessages", "GetMessageStateChanges",
    "SignedSentMessageDownload", "GetDeliveryInfo", "GetSignedDeliveryInfo",
    "GetMessageAuthor (isds_get_message_sender)", "GetMessageAuthor2",
    "SignedSentBigMessageDownload", "SignedSentBigMessageDownload (MTOM/XOP)",
    "GetListOfReceivedMessages", "MessageEnvelopeDownload", "MessageDownload",
    "VerifyMessage (isds_verify_message_hash)", "VerifyMessage (isds_download_message_hash)",
    "SignedMessageDownload", "MarkMessageAsDownloaded (isds_mark_message_read)",
    "BigMessageDownload", "SignedBigMessageDownload", "SignedBigMessageDownload (MTOM/XOP)",
    "DownloadAttachment", "DownloadAttachment (MTOM/XOP)", "AuthenticateBigMessage",
    "AuthenticateBigMessage (MTOM/XOP)", "AuthenticateMessage",
    "AuthenticateMessage rejects a tampered ZFO", "ArchiveISDSDocument",
    "ArchiveISDSDocument (MTOM/XOP)", "AuthenticateMessage (sent ZFO)",
    "AuthenticateMessage (delivery info ZFO)", "Re-signISDSDocument answers",
    "EraseMessage (isds_delete_message_from_storage)", "GetListOfErasedMessages",
    "PickUpAsyncResponse", "unknown operation is refused (isds_bogus_request)",
    "ChangeISDSPassword", "login with the new password", "logout",
    "login (hosted records service, certificate + box ID)",
}


def _build_driver(tmp_path: Path) -> Path:
    pc_dir = PREFIX / "lib" / "pkgconfig"
    if not (pc_dir / "libdatovka.pc").is_file():
        pytest.skip(f"libdatovka is not built at {PREFIX} (set DSO_LIBDATOVKA_PREFIX; "
                    "docs/isds-coverage.md tells how to build it)")
    cc = shutil.which("cc") or shutil.which("gcc")
    pkg_config = shutil.which("pkg-config")
    if cc is None or pkg_config is None:
        pytest.skip("no C compiler or pkg-config on this machine")
    env = {**os.environ, "PKG_CONFIG_PATH": str(pc_dir)}
    flags = subprocess.run([pkg_config, "--cflags", "--libs", "libdatovka"], env=env,
                           capture_output=True, text=True, check=True).stdout.split()
    out = tmp_path / "libdatovka_driver"
    build = subprocess.run(
        [cc, "-Wall", "-Wextra", "-Werror", "-o", str(out), str(HERE / "libdatovka_driver.c"),
         *flags, "-lcurl", "-ldl", f"-Wl,-rpath,{PREFIX / 'lib'}"],
        capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stderr
    return out


def _results(stdout: str) -> tuple[set[str], list[str]]:
    passed = {m.group(1) for m in re.finditer(r"^PASS (.+)$", stdout, re.M)}
    failed = re.findall(r"^FAIL .+$", stdout, re.M)
    return passed, failed


@pytest.mark.slow
def test_libdatovka_runs_every_operation_against_the_simulator(tmp_path: Path) -> None:
    driver = _build_driver(tmp_path)
    with subprocess.Popen(
            [*DSO, "sim", "serve", "--messages", "3", "--seed", "5"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"}) as proc:
        try:
            info = json.loads(proc.stdout.readline())
            accounts = info["accounts"]
            main = next(a for a in accounts if a["login_method"] == "password")
            firm = next(a for a in accounts if a["box_type"] == "PO")
            hosted = next(a for a in accounts if a["login_method"] == "hosted")
            erased_zip = tmp_path / "erased.zip"
            run = subprocess.run(
                [str(driver), info["url"].rstrip("/") + "/", info["ca_file"],
                 main["username"], main["password"], firm["username"], firm["password"],
                 hosted["cert_file"], hosted["key_file"], hosted["username"], str(erased_zip)],
                capture_output=True, text=True, timeout=600)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
            proc.stdout.close()
            proc.stderr.close()
    passed, failed = _results(run.stdout)
    assert failed == [], run.stdout + run.stderr[-2000:]
    assert passed >= REQUIRED, sorted(REQUIRED - passed)
    total = re.search(r"^RESULT (\d+)/(\d+)$", run.stdout, re.M)
    assert total and total.group(1) == total.group(2), run.stdout
    assert run.returncode == 0
    # The erased list handed over by PickUpAsyncResponse, parsed by libdatovka itself.
    sent_id = re.search(r"^SENT_ID (\S+)$", run.stdout, re.M)
    assert sent_id
    xml = tmp_path / "erased.xml"
    with zipfile.ZipFile(io.BytesIO(erased_zip.read_bytes())) as archive:
        xml.write_bytes(archive.read("erased.xml"))
    load = subprocess.run([str(driver), "--load-erased", str(xml), sent_id.group(1)],
                          capture_output=True, text=True, timeout=60)
    assert load.returncode == 0, load.stdout + load.stderr
    assert _results(load.stdout)[1] == []
