"""The portal's download page (index.html, Czech and English) written on every publish."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from dso_desktop.update.release import Version, release_dir

# How the platform tags of release archives read for a clerk (Czech first).
PLATFORM_NAMES = {
    "windows-x86_64": ("Windows 10 a 11 (64bitový)", "Windows 10 and 11 (64-bit)"),
    "windows-aarch64": ("Windows na ARM", "Windows on ARM"),
    "linux-x86_64": ("Linux (x86-64)", "Linux (x86-64)"),
    "linux-aarch64": ("Linux (ARM64)", "Linux (ARM64)"),
    "macos-aarch64": ("macOS (Apple Silicon)", "macOS (Apple Silicon)"),
    "macos-x86_64": ("macOS (Intel)", "macOS (Intel)"),
}


@dataclass(frozen=True)
class PortalConfig:
    """The region's own data for the download page (``REPO/portal.json``)."""

    region: str = ""  # e.g. "Kraj Vysočina"
    helpdesk_name: str = ""  # e.g. "Krajský helpdesk IT"
    helpdesk_email: str = ""
    helpdesk_phone: str = ""
    helpdesk_url: str = ""
    helpdesk_hours: str = ""  # free text, Czech, e.g. "po–pá 7:30–15:30"
    platforms: tuple[str, ...] = ()  # platforms on offer; empty: whatever is published

    def to_json(self) -> dict[str, Any]:
        return {"format": 1, "region": self.region,
                "helpdesk": {"name": self.helpdesk_name, "email": self.helpdesk_email,
                             "phone": self.helpdesk_phone, "url": self.helpdesk_url,
                             "hours": self.helpdesk_hours},
                "platforms": list(self.platforms)}

    @classmethod
    def from_json(cls, obj: Any) -> PortalConfig:
        if not isinstance(obj, dict):
            raise ValueError("portal.json must be a JSON object")
        desk = obj.get("helpdesk", {})
        if not isinstance(desk, dict):
            raise ValueError("portal.json: 'helpdesk' must be an object")
        platforms = obj.get("platforms", [])
        if not isinstance(platforms, list) or not all(isinstance(x, str) for x in platforms):
            raise ValueError("portal.json: 'platforms' must be a list of platform tags")
        for tag in platforms:
            release_dir("stable", tag)  # the same rule as for published archives

        def text(d: dict[str, Any], key: str) -> str:
            value = d.get(key, "")
            if not isinstance(value, str):
                raise ValueError(f"portal.json: {key!r} must be text")
            return value.strip()

        return cls(text(obj, "region"), text(desk, "name"), text(desk, "email"),
                   text(desk, "phone"), text(desk, "url"), text(desk, "hours"),
                   tuple(platforms))

    @property
    def title(self) -> str:
        return f"DSO Desktop – {self.region}" if self.region else "DSO Desktop"


def platform_label(tag: str) -> tuple[str, str]:
    return PLATFORM_NAMES.get(tag, (tag, tag))


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} kB"


def _download_href(release: dict[str, Any]) -> str:
    dirname, _, base = release["path"].rpartition("/")
    return f"targets/{dirname}/{release['sha256']}.{base}"


def _latest(releases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for r in releases:
        key = (r.get("channel", "stable"), r.get("platform", ""))
        if key not in best or Version.parse(r["version"]) > Version.parse(best[key]["version"]):
            best[key] = r
    return sorted(best.values(), key=lambda r: (r.get("channel") != "stable", r["platform"]))


def _notes_html(text: str) -> str:
    return "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())


def _helpdesk_html(cfg: PortalConfig) -> str:
    rows = []
    if cfg.helpdesk_name:
        rows.append(f"<li>{escape(cfg.helpdesk_name)}</li>")
    if cfg.helpdesk_phone:
        tel = escape("".join(ch for ch in cfg.helpdesk_phone if ch.isdigit() or ch == "+"),
                     quote=True)
        rows.append(f'<li>Telefon / Phone: <a href="tel:{tel}">'
                    f"{escape(cfg.helpdesk_phone)}</a></li>")
    if cfg.helpdesk_email:
        mail = escape(cfg.helpdesk_email, quote=True)
        rows.append(f'<li>E-mail: <a href="mailto:{mail}">{escape(cfg.helpdesk_email)}</a></li>')
    if cfg.helpdesk_url and cfg.helpdesk_url.startswith(("https://", "http://")):
        url = escape(cfg.helpdesk_url, quote=True)
        rows.append(f'<li>Web: <a href="{url}">{escape(cfg.helpdesk_url)}</a></li>')
    if cfg.helpdesk_hours:
        rows.append(f"<li>Provozní doba / Hours: {escape(cfg.helpdesk_hours)}</li>")
    if not rows:
        return ""
    return ('<section class="helpdesk" lang="cs">\n<h2>Podpora / Helpdesk</h2>\n'
            "<p>S instalací a aktualizacemi vám pomůže / Help with installing and updating:</p>"
            f"\n<ul>{''.join(rows)}</ul>\n</section>")


def _platforms_html(cfg: PortalConfig, offered: list[dict[str, Any]]) -> str:
    tags = list(cfg.platforms) or sorted({r["platform"] for r in offered})
    if not tags:
        return ""
    items = []
    for tag in tags:
        cs, en = platform_label(tag)
        have = [r for r in offered if r["platform"] == tag and r.get("channel") == "stable"]
        state = (f"verze {escape(have[0]['version'])} / version {escape(have[0]['version'])}"
                 if have else "zatím nevydáno / not yet published")
        items.append(f"<li>{escape(cs)} / {escape(en)}: {state}</li>")
    return ('<section class="platforms" lang="cs">\n<h2>Nabízené systémy / Platforms</h2>'
            f"\n<ul>{''.join(items)}</ul>\n</section>")


def render(releases: list[dict[str, Any]], config: PortalConfig | None = None) -> str:
    """HTML of the download page; everything taken from the signed targets or the portal's
    configuration is escaped. Withdrawn releases are left out by the caller."""
    cfg = config or PortalConfig()
    portal_name = cfg.title
    offered = _latest(releases)
    if cfg.platforms:
        offered = [r for r in offered if r["platform"] in cfg.platforms]
    blocks = []
    for r in offered:
        notes = r.get("notes", {})
        href = escape(_download_href(r), quote=True)
        archive = escape(r["path"].rpartition("/")[2])
        channel = "stabilní / stable" if r.get("channel") == "stable" else "beta"
        blocks.append(f"""
<section class="release">
  <h2>DSO Desktop {escape(r["version"])} <small>({escape(platform_label(r["platform"])[0])},
  {channel})</small></h2>
  <p><a class="download" href="{href}" download="{archive}">Stáhnout / Download {archive}</a></p>
  <table>
    <tr><th>Verze / Version</th><td>{escape(r["version"])}</td></tr>
    <tr><th>Vydáno / Released</th><td>{escape(str(r.get("released", "")))}</td></tr>
    <tr><th>Velikost / Size</th><td>{_size(int(r["length"]))} ({int(r["length"])} B)</td></tr>
    <tr><th>SHA-256</th><td><code>{escape(r["sha256"])}</code></td></tr>
  </table>
  <div lang="cs"><h3>Co je nového</h3>{_notes_html(notes.get("cs", ""))}</div>
  <div lang="en"><h3>What's new</h3>{_notes_html(notes.get("en", ""))}</div>
</section>""")
    if not blocks:
        blocks.append(
            "<p>Zatím nebyla vydána žádná verze. / No release has been published yet.</p>"
        )
    region_cs = f" – {escape(cfg.region)}" if cfg.region else ""
    region_en = f" ({escape(cfg.region)})" if cfg.region else ""
    return f"""<!DOCTYPE html>
<html lang="cs">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(portal_name)} – stažení / download</title>
<style>
body {{ font-family: sans-serif; max-width: 52em; margin: 2em auto; padding: 0 1em; }}
table {{ border-collapse: collapse; }} th, td {{ text-align: left; padding: .2em .8em .2em 0; }}
code {{ word-break: break-all; }} .download {{ font-size: 1.2em; font-weight: bold; }}
section {{ border-top: 1px solid #ccc; margin-top: 1.5em; }}
</style>
</head>
<body>
<h1>{escape(portal_name)}</h1>
<p>Klient datových schránek pro úřady{region_cs}. /
Data-box (ISDS) client for offices{region_en}.</p>
{_platforms_html(cfg, offered)}
{"".join(blocks)}
{_helpdesk_html(cfg)}
<section lang="cs">
<h2>Jak nainstalovat</h2>
<ol>
<li>Stáhněte archiv výše a ověřte jeho otisk SHA-256
(Windows: <code>certutil -hashfile SOUBOR SHA256</code>, Linux: <code>sha256sum SOUBOR</code>).</li>
<li>Rozbalte archiv do složky, kam smíte zapisovat (např. <code>C:\\Programy\\DSO Desktop</code>
nebo <code>~/Aplikace</code>); archiv <code>.tar.xz</code> otevře Průzkumník ve Windows 11,
7-Zip, nebo příkaz <code>tar -xf SOUBOR</code>.</li>
<li>Spouštějte program souborem <code>dso-desktop/dso-launcher</code> (na Windows
<code>dso-launcher.exe</code>); vytvořte si na něj zástupce. Spouštěč instaluje podepsané
aktualizace a při potížích se vrátí k předchozí verzi.</li>
<li>Vaše data (datové zprávy, nastavení) zůstávají v uživatelské složce a aktualizace se jich
nedotkne.</li>
</ol>
</section>
<section lang="en">
<h2>How to install</h2>
<ol>
<li>Download the archive above and check its SHA-256 fingerprint
(Windows: <code>certutil -hashfile FILE SHA256</code>, Linux: <code>sha256sum FILE</code>).</li>
<li>Unpack it into a folder you may write to (a <code>.tar.xz</code> opens in Windows 11
Explorer, 7-Zip, or with <code>tar -xf FILE</code>).</li>
<li>Start the program with <code>dso-desktop/dso-launcher</code> (<code>dso-launcher.exe</code> on
Windows) and make a shortcut to it. The launcher installs signed updates and goes back to the
previous version if a new one fails to start.</li>
<li>Your data (messages, settings) stays in your user folder; updates never touch it.</li>
</ol>
</section>
</body>
</html>
"""
