"""Application settings: typed defaults, stored as JSON values in the archive database."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Settings:
    """What the user can change; unknown stored keys are ignored, missing ones default."""

    sync_on_start: bool = False  # desktop apps log in only on a user's action by default
    sync_interval_minutes: int = 0  # 0 = no background sync
    sync_lookback_days: int = 3 * 366  # first sync: how far back to list messages
    sync_window_days: int = 366  # list requests cover at most this many days each
    list_page_size: int = 1000
    mark_downloaded: bool = False
    download_delivery_infos: bool = True
    timestamp_warning_days: int = 60
    deletion_warning_days: int = 10  # warn this many days before ISDS deletes a message
    password_warning_days: int = 14
    # The watch and its remedies (docs/watch.md): restamp evidence that stops being
    # verifiable within this many days; warn about sent messages not delivered after N
    # days; the RFC 3161 TSA for archive timestamps where ISDS cannot re-seal (its URL
    # and the CA file its certificate must chain to).
    restamp_within_days: int = 90
    undelivered_warning_days: int = 3
    tsa_url: str | None = None
    tsa_ca_file: str | None = None
    trust_download: bool = True  # may fetch the official CA certificates and CRLs
    # CA files/folders the user trusts for every account's ZFOs (besides PostSignum).
    trust_anchors: tuple[str, ...] = ()
    language: str = "cs"
    proxy: str | None = None
    request_timeout: int = 120
    # Scheduled backups (issue 21): "off", "daily" or "weekly", into ``backup_folder``,
    # keeping the newest ``backup_keep`` files the schedule made.
    backup_interval: str = "off"
    backup_folder: str | None = None
    backup_keep: int = 7
    # Notifications (docs/notifications.md). Closing the window with background sync on
    # keeps the app in the system tray (where there is one).
    close_to_tray: bool = True
    # E-mail digest after each sync; the SMTP password lives in the OS keyring only.
    notify_email: bool = False
    notify_email_to: str = ""
    notify_email_from: str = ""
    notify_smtp_host: str = ""
    notify_smtp_port: int = 587
    notify_smtp_security: str = "starttls"  # "starttls" or "tls" (implicit, SMTPS)
    notify_smtp_username: str = ""
    notify_smtp_ca_file: str | None = None  # a CA to verify the server with (else system)
    # Accounts whose new messages go into the digest with their content (ZFO attached).
    notify_content_accounts: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> Settings:
        known = {f.name: f for f in dataclasses.fields(cls)}
        clean: dict[str, Any] = {}
        for key, value in values.items():
            if key in known:
                clean[key] = value
        for key in ("trust_anchors", "notify_content_accounts"):
            if isinstance(clean.get(key), list):  # stored as a JSON list
                clean[key] = tuple(str(p) for p in clean[key])
        return cls(**clean)

    def changed(self, **changes: Any) -> Settings:
        known = {f.name for f in dataclasses.fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise KeyError(f"unknown settings: {', '.join(sorted(unknown))}")
        for key, value in changes.items():
            default = getattr(self, key)
            if default is not None and value is not None and not isinstance(value, type(default)):
                raise TypeError(f"setting {key} must be {type(default).__name__}")
        return dataclasses.replace(self, **changes)
