"""The portal's download page (index.html, Czech and English) written on every publish."""

from __future__ import annotations

from html import escape
from typing import Any

from dso_desktop.update.release import Version


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


def render(releases: list[dict[str, Any]], portal_name: str = "DSO Desktop") -> str:
    """HTML of the download page; everything taken from the signed targets is escaped."""
    blocks = []
    for r in _latest(releases):
        notes = r.get("notes", {})
        href = escape(_download_href(r), quote=True)
        archive = escape(r["path"].rpartition("/")[2])
        channel = "stabilní / stable" if r.get("channel") == "stable" else "beta"
        blocks.append(f"""
<section class="release">
  <h2>DSO Desktop {escape(r["version"])} <small>({escape(r["platform"])}, {channel})</small></h2>
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
<p>Klient datových schránek pro úřady. / Data-box (ISDS) client for offices.</p>
{"".join(blocks)}
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
