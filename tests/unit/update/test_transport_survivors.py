"""Survivors of seed 20261208 (branch ``survrest``) in `update.transport`: a resumed
download into a folder not made yet, and what a broken download says (the URL, the
cause) to the log and the helpdesk (`describe_problem`'s ``message_en``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from tuf.api import exceptions as tuf_exc

from dso_desktop.update.transport import Transport

URL = "https://updates.example/targets/dso-2.0.0.tar.gz"


class _Response:
    def __init__(self, status: int, body: list[bytes], headers: dict[str, str] | None = None,
                 fail_after: int | None = None) -> None:
        self.status_code, self.headers = status, headers or {}
        self._body, self._fail_after = body, fail_after
        self.closed = False

    def iter_content(self, _size: int) -> Iterator[bytes]:
        for i, chunk in enumerate(self._body):
            if self._fail_after is not None and i >= self._fail_after:
                raise requests.ConnectionError("connection reset by peer")
            yield chunk

    def close(self) -> None:
        self.closed = True


class _Session:
    def __init__(self, response: _Response) -> None:
        self.response = response
        self.headers: list[dict[str, str]] = []

    def get(self, url: str, *, headers: dict[str, str], **_kw: object) -> _Response:
        self.headers.append(headers)
        return self.response


def _transport(response: _Response) -> tuple[Transport, _Session]:
    session = _Session(response)
    return Transport(session=session), session  # type: ignore[arg-type]


def test_a_download_creates_the_folders_of_its_part_file(tmp_path: Path) -> None:
    t, session = _transport(_Response(200, [b"abc", b"def"]))
    part = tmp_path / "cache" / "updates" / "partial" / "dso.part"
    assert t.download_resumable(URL, part, 6) == part
    assert part.read_bytes() == b"abcdef" and session.headers == [{}]


def test_an_interrupted_download_says_so_and_keeps_what_came(tmp_path: Path) -> None:
    t, _ = _transport(_Response(200, [b"abc", b"def"], fail_after=1))
    part = tmp_path / "dso.part"
    with pytest.raises(tuf_exc.DownloadError) as broken:
        t.download_resumable(URL, part, 6)
    assert str(broken.value) == "download interrupted: connection reset by peer"
    assert part.read_bytes() == b"abc"  # resumed from here next time


def test_a_resume_answered_with_another_range_is_refused_by_url(tmp_path: Path) -> None:
    part = tmp_path / "dso.part"
    part.write_bytes(b"abc")
    response = _Response(206, [b"zzz"], {"Content-Range": "bytes 0-2/6"})
    t, session = _transport(response)
    with pytest.raises(tuf_exc.DownloadError) as refused:
        t.download_resumable(URL, part, 6)
    assert str(refused.value) == f"unexpected Content-Range from {URL}"
    assert session.headers == [{"Range": "bytes=3-"}] and response.closed
    assert part.read_bytes() == b"abc"  # nothing of the wrong range appended


# Survivors of seed 20261210 (branch ``survrest3``).

def test_a_redirect_is_no_download(tmp_path: Path) -> None:
    # Redirects are not followed (allow_redirects=False): a 300 is refused like a 404.
    response = _Response(300, [b"elsewhere"])
    t, _ = _transport(response)
    with pytest.raises(tuf_exc.DownloadHTTPError) as refused:
        t.download_resumable(URL, tmp_path / "dso.part", 9)
    assert str(refused.value) == f"HTTP 300 for {URL}" and response.closed
    assert not (tmp_path / "dso.part").exists()


def test_a_cancelled_download_says_so_to_the_log(tmp_path: Path) -> None:
    import threading

    from dso_desktop.update.errors import UpdateCancelled, describe_problem
    from dso_desktop.update.service import _translate_errors
    from dso_desktop.update.transport import DownloadCancelled

    cancel = threading.Event()
    cancel.set()
    t = Transport(session=_Session(_Response(200, [b"abc"])), cancel=cancel)  # type: ignore[arg-type]
    with pytest.raises(UpdateCancelled) as stopped, _translate_errors():
        t.download_resumable(URL, tmp_path / "dso.part", 3)
    assert isinstance(stopped.value.__cause__, DownloadCancelled)
    assert str(stopped.value) == "download cancelled"
    assert describe_problem(stopped.value)["message_en"] == "download cancelled"


def test_an_untrusted_tls_certificate_keeps_its_reason() -> None:
    from dso_desktop.update.errors import UpdateTlsError
    from dso_desktop.update.service import _translate_errors
    from dso_desktop.update.transport import TlsError

    text = f"TLS certificate of {URL} not trusted: self-signed certificate"
    with pytest.raises(UpdateTlsError) as refused, _translate_errors():
        raise TlsError(text)
    assert str(refused.value) == text


# Survivors of seed 20261211 (branch ``survrest4``).

class _BigBody(requests.adapters.BaseAdapter):
    """A server answering every request with ``size`` bytes, counting what was read."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size, self.read = size, 0

    def send(self, request: requests.PreparedRequest, *args: object,
             **kwargs: object) -> requests.Response:
        adapter = self

        class Raw:
            def read(self, amt: int | None = None, **_kw: object) -> bytes:
                n = min(amt or adapter.size, adapter.size - adapter.read)
                adapter.read += n
                return b"\0" * n

            def close(self) -> None:
                pass

        resp = requests.Response()
        resp.status_code, resp.url, resp.request = 200, str(request.url), request
        resp.headers = requests.structures.CaseInsensitiveDict(
            {"Content-Length": str(self.size)})
        resp.raw = Raw()
        return resp

    def close(self) -> None:
        pass


def test_a_download_reads_no_more_than_its_signed_length(tmp_path: Path) -> None:
    """The body is streamed: a server that sends more than the signed length is cut off
    after it, not read whole into memory first (issue 18: a download's memory stays
    within twice the file's size; endless data would otherwise take all of it)."""
    from dso_desktop.update.transport import CHUNK

    server = _BigBody(16 * 1024 * 1024)
    session = requests.Session()
    session.mount("https://", server)
    length = 1024 * 1024
    with pytest.raises(tuf_exc.DownloadLengthMismatchError):
        Transport(session=session).download_resumable(URL, tmp_path / "dso.part", length)
    assert server.read <= length + CHUNK
    assert not (tmp_path / "dso.part").exists()


# Survivors of seed 20261212 (branch ``survupd5``).

def test_a_part_file_longer_than_the_signed_length_is_started_again(tmp_path: Path) -> None:
    # Not a beginning of the signed file: it is removed and the whole file asked for.
    part = tmp_path / "dso.part"
    part.write_bytes(b"0123456789")
    t, session = _transport(_Response(200, [b"abc", b"def"]))
    assert t.download_resumable(URL, part, 6) == part
    assert session.headers == [{}]  # no range: from the first byte
    assert part.read_bytes() == b"abcdef"


def test_a_resume_the_server_ignores_overwrites_the_part_file(tmp_path: Path) -> None:
    # Asked for bytes=3-, the server sends the whole file (200): it replaces what was there.
    part = tmp_path / "dso.part"
    part.write_bytes(b"abc")
    t, session = _transport(_Response(200, [b"abc", b"def"]))
    assert t.download_resumable(URL, part, 6) == part
    assert session.headers == [{"Range": "bytes=3-"}]
    assert part.read_bytes() == b"abcdef"


class _Redirecting(requests.adapters.BaseAdapter):
    """A portal that redirects its archive to a mirror, which would serve it."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def send(self, request: requests.PreparedRequest, *args: object,
             **kwargs: object) -> requests.Response:
        import io

        self.asked.append(str(request.url))
        resp = requests.Response()
        resp.url, resp.request = str(request.url), request
        if str(request.url) == URL:
            resp.status_code, body = 302, b""
            resp.headers = requests.structures.CaseInsensitiveDict(
                {"Location": "https://mirror.example/dso-2.0.0.tar.gz", "Content-Length": "0"})
        else:
            resp.status_code, body = 200, b"abcdef"
            resp.headers = requests.structures.CaseInsensitiveDict({"Content-Length": "6"})
        resp.raw = io.BytesIO(body)
        return resp

    def close(self) -> None:
        pass


def test_a_redirect_by_the_portal_is_not_followed(tmp_path: Path) -> None:
    # The portal's URL is the one checked (HTTPS, its CA): a redirect elsewhere is an HTTP
    # error, never a download from the place it names.
    portal = _Redirecting()
    session = requests.Session()
    session.mount("https://", portal)
    part = tmp_path / "dso.part"
    with pytest.raises(tuf_exc.DownloadHTTPError) as refused:
        Transport(session=session).download_resumable(URL, part, 6)
    assert str(refused.value) == f"HTTP 302 for {URL}"
    assert portal.asked == [URL] and not part.exists()


# Survivors of seed 20261213 (branch ``survrest6``).

def test_a_part_file_already_complete_is_not_downloaded_again(tmp_path: Path) -> None:
    # An earlier attempt got every byte (the hashes are checked by the caller): no request.
    part = tmp_path / "dso.part"
    part.write_bytes(b"abcdef")
    t, session = _transport(_Response(200, [b"xyzxyz"]))
    seen: list[tuple[int, int]] = []
    assert t.download_resumable(URL, part, 6, lambda done, total: seen.append((done, total))
                                ) == part
    assert session.headers == []
    assert part.read_bytes() == b"abcdef" and seen == [(6, 6)]


def test_an_untrusted_tls_certificate_is_reported_with_its_url_and_reason(
        tmp_path: Path) -> None:
    from dso_desktop.update.transport import TlsError

    class Untrusted:
        def get(self, url: str, **_kw: object) -> object:
            raise requests.exceptions.SSLError("self-signed certificate")

    t = Transport(session=Untrusted())  # type: ignore[arg-type]
    with pytest.raises(TlsError) as refused:
        t.download_resumable(URL, tmp_path / "dso.part", 6)
    assert str(refused.value) == f"TLS certificate of {URL} not trusted: self-signed certificate"
