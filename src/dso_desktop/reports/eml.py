"""An e-mail (.eml, RFC 5322/MIME) carrying a data message, as Datovka's "send by e-mail".

The file is a draft for the user's mail client: no sender or recipient (the user picks
them), ``X-Unsent: 1`` (Outlook and others open it as a new message to send). Attached:
the signed ZFO, and when asked the message's attachments and its PDF envelope. File
names are MIME-encoded (RFC 2231), so Czech names survive.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

ZFO_MIME = "application/vnd.software602.filler.form-xml-zip"


@dataclass(frozen=True)
class EmlFile:
    name: str
    data: bytes
    mime_type: str | None = None


# type "/" subtype, each an RFC 2045 token; nothing else (no parameters, no CR/LF).
_MIME_TYPE = re.compile(r"^[A-Za-z0-9!#$&^_.+-]{1,64}/[A-Za-z0-9!#$&^_.+-]{1,128}$")


def _split_mime(name: str, mime_type: str | None) -> tuple[str, str]:
    """The attachment's type as the sender declared it when it is a plain ``type/subtype``;
    anything else (a CR/LF, parameters, quotes: the sender chose it) is not put into a
    header: the type guessed from the name, or ``application/octet-stream``."""
    mt = (mime_type or "").strip()
    if not _MIME_TYPE.match(mt):
        mt = mimetypes.guess_type(name)[0] or "application/octet-stream"
    main, sub = mt.split("/", 1)
    return main, sub


def build_eml(subject: str, body: str, files: Sequence[EmlFile], *,
              date: datetime | None = None) -> bytes:
    """The .eml bytes (CRLF line ends, base64 parts)."""
    msg = EmailMessage(policy=policy.SMTP)
    # Header injection: no CR/LF of a subject chosen by a sender reaches the header block.
    msg["Subject"] = " ".join(subject.split())
    msg["Date"] = format_datetime((date or datetime.now(UTC)).astimezone(UTC))
    msg["X-Unsent"] = "1"
    msg["MIME-Version"] = "1.0"
    msg.set_content(body, charset="utf-8")
    for f in files:
        main, sub = _split_mime(f.name, f.mime_type)
        msg.add_attachment(f.data, maintype=main, subtype=sub,
                           filename=f.name.replace("\r", " ").replace("\n", " "))
    return msg.as_bytes()
