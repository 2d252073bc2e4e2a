"""A real SMTP server for tests (aiosmtpd on 127.0.0.1) with TLS from the test PKI.

``start_smtp(tmp, mode)`` starts one: ``mode`` is ``starttls`` (plain greeting, STARTTLS
required before AUTH or mail), ``tls`` (implicit TLS, SMTPS) or ``plain`` (no TLS offered at
all: the client must refuse it). The server certificate is issued by the simulator's test CA
for 127.0.0.1 (`ca_file`); AUTH PLAIN/LOGIN accepts ``USER``/``PASSWORD`` only.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path
from typing import Any

USER = "notifier@obec.example"
PASSWORD = "smtp-heslo-Tajne-42"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SmtpServer:
    port: int
    ca_file: Path
    controller: Any
    received: list[Message] = field(default_factory=list)
    envelopes: list[Any] = field(default_factory=list)
    auth_attempts: list[tuple[str, bool]] = field(default_factory=list)

    def stop(self) -> None:
        self.controller.stop()


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.server.envelopes.append(envelope)
        self.server.received.append(message_from_bytes(envelope.original_content,
                                                       policy=policy.default))
        return "250 OK"


def start_smtp(tmp: Path, mode: str = "starttls") -> SmtpServer:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    from dso_desktop.simulator.pki import load_or_create

    pki = load_or_create(tmp / "smtp-pki", persistent=False)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(pki.server_cert_file, pki.server_key_file)
    server = SmtpServer(port=free_port(), ca_file=pki.ca_file, controller=None)

    def authenticator(_srv: Any, _session: Any, _env: Any, _mech: str, data: Any) -> Any:
        ok = (isinstance(data, LoginPassword) and data.login.decode() == USER
              and data.password.decode() == PASSWORD)
        server.auth_attempts.append((data.login.decode() if isinstance(data, LoginPassword)
                                     else "?", ok))
        return AuthResult(success=ok, handled=False)  # failure: aiosmtpd answers 535

    kwargs: dict[str, Any] = {"authenticator": authenticator, "auth_required": True}
    if mode == "starttls":
        kwargs.update(tls_context=tls, require_starttls=True)
    elif mode == "tls":
        # The whole connection is TLS; aiosmtpd only tracks STARTTLS for its AUTH rule.
        # (aiosmtpd warns about auth_required without its STARTTLS rule: not required here,
        # the client logs in whenever it has a user name.)
        kwargs.update(ssl_context=tls, auth_require_tls=False, auth_required=False)
    elif mode == "plain":
        # Without TLS aiosmtpd refuses AUTH by default anyway; a client that tried would
        # still have sent the password in clear. The client must stop before that.
        kwargs.update(auth_require_tls=False, auth_required=False)
    else:
        raise ValueError(mode)
    controller = Controller(_Handler(server), hostname="127.0.0.1", port=server.port,
                            server_hostname="mail.obec.example", **kwargs)
    controller.start()
    server.controller = controller
    return server
