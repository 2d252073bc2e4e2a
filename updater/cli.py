"""`dso-release`: the portal operator's commands (init, config, add, timestamp, status, resign,
rotate, withdraw, prune, pack, serve)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from updater.keys import ENV_PREFIX, KeyError_, default_passphrase, env_name, role_env_name


def _notes(path: Path | None, version: str) -> object:
    from dso_desktop.update.release import Notes, ReleaseFormatError

    if path is None:
        return Notes(f"Verze {version}.", f"Version {version}.")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        return Notes.from_json(json.loads(text))
    # Plain text: a "[cs]" section and an "[en]" section.
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        tag = line.strip().lower()
        if tag in ("[cs]", "[en]"):
            current = tag[1:-1]
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    if "cs" not in sections or "en" not in sections:
        raise ReleaseFormatError(
            f"{path}: release notes need a [cs] and an [en] section (or JSON with cs/en)")
    return Notes("\n".join(sections["cs"]).strip(), "\n".join(sections["en"]).strip())


def _repo(args: argparse.Namespace) -> object:
    from updater.keys import KeyRing
    from updater.repository import ReleaseRepository

    dirs = [Path(args.repo) / "keys", *(Path(d) for d in args.keys_dir or [])]
    return ReleaseRepository(Path(args.repo), KeyRing(dirs))


def _print_warnings(repo: object) -> None:
    for w in repo.warnings():  # type: ignore[attr-defined]
        print(f"WARNING: {w}", file=sys.stderr)


def cmd_init(args: argparse.Namespace) -> int:
    from updater.repository import ReleaseRepository

    repo, result = ReleaseRepository.init(Path(args.repo), default_passphrase)
    print(f"Created the release repository in {repo.path}")
    print(f"Publish (copy to the portal): {repo.public_dir}/ (metadata/, targets/, index.html)")
    print("Move these keys to OFFLINE storage (separate media, separate people for root):")
    for p in result.offline:
        print(f"  {p}")
    print("Keep this key ONLINE for the scheduled `dso-release timestamp` job:")
    for p in result.online:
        print(f"  {p}   (passphrase via {env_name(p.stem)})")
    print("The daily job finds the online keys by role, also after a key rotation: give it "
          f"{role_env_name('timestamp')} and {role_env_name('snapshot')} (both the "
          "online key's passphrase for now); see docs/updates.md.")
    print(f"Root needs 2 of the 3 root keys to sign; ship {repo.metadata_dir / '1.root.json'} "
          "as resources/update/root.json in the app.")
    return 0


BUMP_PROCEDURE = """\
A release must be newer than every version published on its channel and platform
(withdrawn ones included: clients may run them). To publish this build:
  1. set __version__ in src/dso_desktop/__init__.py to a version newer than {newest}
     (e.g. {suggest}); pyproject.toml and the bundle's dso-version.json take it from there;
  2. rebuild: make bundle
  3. dso-release add {repo} dist/dso-desktop-{suggest}-<platform>.tar.xz
To take a bad release back instead, use: dso-release withdraw {repo} VERSION"""


def _suggest(newest: object) -> str:
    from dso_desktop.update.release import Version

    assert isinstance(newest, Version)
    major, minor, patch = newest.key[:3]
    return f"{major}.{minor}.{patch + 1}"


def cmd_add(args: argparse.Namespace) -> int:
    from dso_desktop.update.release import Version, platform_tag
    from updater.preflight import BundleRefused, inspect, platform_from_name, preflight
    from updater.repository import VersionNotNewerError

    repo = _repo(args)
    archive = Path(args.archive)
    info = inspect(archive)  # read once, used by every check
    version = Version.parse(args.version) if args.version else info.own_version
    named = platform_from_name(archive)
    if args.platform and named and args.platform != named:
        raise BundleRefused(f"the file name {archive.name} says platform {named}, not "
                            f"{args.platform}")
    # A Windows build added on the Linux portal PC is published for Windows without a flag.
    platform = args.platform or named or platform_tag()
    notes = _notes(args.notes, str(version))  # a typo in the notes fails before the checks
    try:
        # Cheap refusals first: no minutes of self-check for a version that cannot go out.
        repo.check_newer(version, channel=args.channel,  # type: ignore[attr-defined]
                         platform=platform)
        report = preflight(archive, version, repo.metadata_dir,  # type: ignore[attr-defined]
                           platform=platform, self_check=not args.no_self_check,
                           info=info)
        print(f"Checked: version {version}, root of this portal (v{report.root_version}), "
              f"self-check {report.self_check}")
        for note in report.notes:
            print(f"NOTE: {note}", file=sys.stderr)
        res = repo.add_release(  # type: ignore[attr-defined]
            archive, version, notes, channel=args.channel, platform=platform)
    except VersionNotNewerError as exc:
        print(f"dso-release: error: {exc}", file=sys.stderr)
        print(BUMP_PROCEDURE.format(newest=exc.newest, suggest=_suggest(exc.newest),
                                    repo=args.repo), file=sys.stderr)
        return 1
    print(f"Published {res.version}: {res.archive_path} ({res.archive_size} B, "
          f"sha256 {res.archive_sha256})")
    print(f"File list for small updates: {res.files_path} ({res.unpacked_size} B unpacked)")
    if res.small_update:
        frm, size = res.small_update
        print(f"A client on {frm} downloads {size / 2**20:.2f} MB of changed files "
              f"(the archive is {res.archive_size / 2**20:.1f} MB).")
    _print_warnings(repo)
    return 0


def cmd_withdraw(args: argparse.Namespace) -> int:
    from dso_desktop.update.release import Version, platform_tag

    repo = _repo(args)
    offered = repo.withdraw(  # type: ignore[attr-defined]
        Version.parse(args.version), channel=args.channel,
        platform=args.platform or platform_tag(), reason=args.reason or "")
    print(f"Withdrew {args.version}. Clients on it are offered {offered} (a rollback); "
          f"clients below it are offered {offered}. Publish public/ now.")
    _print_warnings(repo)
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    repo = _repo(args)
    removed = repo.prune(keep=args.keep)  # type: ignore[attr-defined]
    blobs = sum(1 for p in removed if p.startswith("files/"))
    for p in removed:
        if not p.startswith("files/"):
            print(f"removed {p}")
    print(f"Removed {len(removed)} targets ({blobs} content files). "
          "Publish with rsync --delete-after.")
    _print_warnings(repo)
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    from dataclasses import replace

    repo = _repo(args)
    cfg = repo.config()  # type: ignore[attr-defined]
    changes = {k: v for k, v in {
        "region": args.region, "helpdesk_name": args.helpdesk_name,
        "helpdesk_email": args.helpdesk_email, "helpdesk_phone": args.helpdesk_phone,
        "helpdesk_url": args.helpdesk_url, "helpdesk_hours": args.helpdesk_hours,
    }.items() if v is not None}
    if args.platforms is not None:
        changes["platforms"] = tuple(t.strip() for t in args.platforms.split(",") if t.strip())
    from updater.page import PortalConfig

    cfg = PortalConfig.from_json(replace(cfg, **changes).to_json())  # validates
    repo.set_config(cfg)  # type: ignore[attr-defined]
    print(json.dumps(cfg.to_json(), indent=2, ensure_ascii=False))
    print(f"Wrote {repo.config_path} and public/index.html")  # type: ignore[attr-defined]
    return 0


def cmd_timestamp(args: argparse.Namespace) -> int:
    done = _repo(args).refresh_timestamp()  # type: ignore[attr-defined]
    print("Re-signed: " + ", ".join(done))
    _print_warnings(_repo(args))
    return 0


def cmd_resign(args: argparse.Namespace) -> int:
    repo = _repo(args)
    repo.resign(args.role)  # type: ignore[attr-defined]
    print(f"Re-signed {args.role} with a new expiry.")
    _print_warnings(repo)
    return 0


def cmd_rotate(args: argparse.Namespace) -> int:
    repo = _repo(args)
    keys = repo.rotate(args.role,  # type: ignore[attr-defined]
                       repo.keyring.source_for(args.role))  # type: ignore[attr-defined]
    root = repo.root().signed  # type: ignore[attr-defined]
    print(f"New {args.role} key(s): " + ", ".join(str(k.path) for k in keys))
    print(f"Root version {root.version} is signed by the old and the new root threshold.")
    print("Publish public/ now; clients follow the chain of root versions.")
    _print_warnings(repo)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from datetime import timedelta

    repo = _repo(args)
    margin = timedelta(hours=args.margin)
    roles = repo.status(margin)  # type: ignore[attr-defined]
    keys = repo.key_status()  # type: ignore[attr-defined]
    jobs = repo.jobs()  # type: ignore[attr-defined]
    releases = repo.releases()  # type: ignore[attr-defined]
    alarm = [s["role"] for s in roles if s["within_margin"]]
    if args.json:
        print(json.dumps({"roles": roles, "keys": keys, "jobs": jobs, "releases": [
            {k: r.get(k) for k in ("version", "channel", "platform", "length", "released",
                                   "withdrawn")} for r in releases],
            "margin_hours": args.margin, "expiring": alarm}, indent=2, ensure_ascii=False))
        return 1 if alarm else 0
    print("Metadata:")
    for s in roles:
        flag = " EXPIRED" if s["expired"] else (
            f" EXPIRES WITHIN {args.margin:g} h" if s["within_margin"] else
            (" (expires soon)" if s["warning"] else ""))
        print(f"  {s['role']:<10} v{s['version']:<5} expires {s['expires']} "
              f"(in {s['expires_in_hours']:g} h){flag}")
    print("Keys (key files found here; passphrase available without a terminal):")
    for k in keys:
        files = ", ".join(
            f"{Path(f['file']).name} [{f['passphrase'] or 'terminal only'}]" for f in k["files"]
        ) or "none here (offline? give --keys-dir)"
        print(f"  {k['role']:<10} needs {k['threshold']} of {len(k['keyids'])}: {files}")
    print("Jobs:")
    for j in jobs:
        state = ("ready, unattended" if j["unattended"] else
                 "ready (asks for passphrases)" if j["available"] else "keys not here")
        print(f"  {j['job']:<42} {'+'.join(j['roles']):<28} {state}")
    print("Releases:")
    for r in releases:
        gone = "  WITHDRAWN" if r.get("withdrawn") else ""
        print(f"  {r['version']:<12} {r['channel']:<7} {r['platform']:<16} {r['length']} B{gone}")
    _print_warnings(repo)
    if alarm:
        print(f"ALERT: {', '.join(alarm)} metadata expires within {args.margin:g} h",
              file=sys.stderr)
        return 1
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from updater.server import StaticServer

    public = Path(args.repo) / "public"
    if not (public / "metadata" / "root.json").is_file():
        print(f"dso-release: {public} has no metadata (run init)", file=sys.stderr)
        return 1
    tls_dir = None if args.http else Path(args.repo) / "serve-tls"
    server = StaticServer(public, args.port, tls_dir=tls_dir).start()
    info = {"url": server.url, "ca_file": str(server.ca_file) if server.ca_file else None}
    print(json.dumps(info), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def cmd_pack(args: argparse.Namespace) -> int:
    from dso_desktop.update.release import Version
    from updater.pack import pack

    out = pack(Path(args.version_dir), Version.parse(args.version), Path(args.output),
               launcher=Path(args.launcher) if args.launcher else None)
    print(f"Wrote {out} ({out.stat().st_size} B)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dso-release",
        description="Release tooling of the DSO Desktop update portal (a static TUF repository).",
        epilog=f"Key passphrases: {ENV_PREFIX}_<ROLE> (e.g. {ENV_PREFIX}_TIMESTAMP, "
               f"{ENV_PREFIX}_SNAPSHOT; they survive key rotations), {ENV_PREFIX}_<KEYFILE> "
               f"(e.g. {ENV_PREFIX}_ONLINE_1), {ENV_PREFIX}, the OS keyring (service "
               "dso-release, user = role), or the terminal.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def repo_cmd(name: str, helptext: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=helptext, description=helptext)
        sp.add_argument("repo", metavar="REPO_DIR")
        sp.add_argument("--keys-dir", action="append", metavar="DIR",
                        help="another folder with key files (e.g. offline media); repeatable")
        return sp

    sp = sub.add_parser("init", help="create a repository and its keys")
    sp.add_argument("repo", metavar="REPO_DIR")
    sp.set_defaults(func=cmd_init)

    sp = sub.add_parser("pack", help="pack a built version folder into a release archive")
    sp.add_argument("version_dir", metavar="VERSION_DIR",
                    help="folder with the built app and dso-version.json")
    sp.add_argument("--version", required=True)
    sp.add_argument("--launcher", metavar="FILE", help="the launcher executable to include")
    sp.add_argument("-o", "--output", required=True, metavar="ARCHIVE")
    sp.set_defaults(func=cmd_pack)

    sp = repo_cmd("add", "check and publish a release archive (and its files for small updates)")
    sp.add_argument("archive", metavar="ARCHIVE")
    sp.add_argument("--version", help="the version to publish (default: the bundle's own)")
    sp.add_argument("--no-self-check", action="store_true",
                    help="do not run the bundle's self-check (a bundle for another platform; "
                         "run it on a PC of that platform first)")
    sp.add_argument("--notes", type=Path, metavar="FILE",
                    help="release notes: JSON {cs, en} or text with [cs] and [en] sections")
    sp.add_argument("--channel", choices=("stable", "beta"), default="stable")
    sp.add_argument("--platform", help="platform tag (default: the one in the archive's file "
                                       "name, else this machine's, e.g. linux-x86_64)")
    sp.set_defaults(func=cmd_add)

    repo_cmd("timestamp", "refresh the timestamp (and a near-expiry snapshot); run daily"
             ).set_defaults(func=cmd_timestamp)
    sp = repo_cmd("resign", "extend the expiry of a role with its current keys")
    sp.add_argument("--role", required=True, choices=("root", "targets", "snapshot", "timestamp"))
    sp.set_defaults(func=cmd_resign)
    sp = repo_cmd("rotate", "replace the keys of a role (new root signed by old and new keys)")
    sp.add_argument("--role", required=True, choices=("root", "targets", "snapshot", "timestamp"))
    sp.set_defaults(func=cmd_rotate)
    sp = repo_cmd("status", "versions and expiry of the metadata, keys per job, releases; "
                            "exit 1 when a role expires within --margin")
    sp.add_argument("--margin", type=float, default=24.0, metavar="HOURS",
                    help="exit 1 when any role expires within this many hours (default 24)")
    sp.add_argument("--json", action="store_true", help="machine-readable output")
    sp.set_defaults(func=cmd_status)
    sp = repo_cmd("withdraw", "take a bad release back: clients on it are offered the "
                              "newest good release as a rollback")
    sp.add_argument("version", metavar="VERSION")
    sp.add_argument("--channel", choices=("stable", "beta"), default="stable")
    sp.add_argument("--platform", help="platform tag (default: this machine)")
    sp.add_argument("--reason", help="why (kept in the signed metadata)")
    sp.set_defaults(func=cmd_withdraw)
    sp = repo_cmd("prune", "remove targets clients no longer need (keeps the newest good "
                           "releases of each channel/platform and the files they list)")
    sp.add_argument("--keep", type=int, default=2, metavar="N",
                    help="good releases kept per channel and platform (default 2, at least 2)")
    sp.set_defaults(func=cmd_prune)
    sp = repo_cmd("config", "the region's name, helpdesk and platforms on the download page")
    sp.add_argument("--region", help='e.g. "Kraj Vysočina"')
    sp.add_argument("--helpdesk-name")
    sp.add_argument("--helpdesk-email")
    sp.add_argument("--helpdesk-phone")
    sp.add_argument("--helpdesk-url")
    sp.add_argument("--helpdesk-hours", help='e.g. "po–pá 7:30–15:30"')
    sp.add_argument("--platforms", metavar="TAGS",
                    help="comma-separated platform tags on offer, e.g. "
                         "windows-x86_64,linux-x86_64")
    sp.set_defaults(func=cmd_config)

    sp = sub.add_parser("serve", help="serve REPO_DIR/public on 127.0.0.1 for testing")
    sp.add_argument("repo", metavar="REPO_DIR")
    sp.add_argument("--port", type=int, default=8443)
    sp.add_argument("--http", action="store_true",
                    help="plain HTTP (loopback only; the client accepts it only for loopback)")
    sp.set_defaults(func=cmd_serve)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from dso_desktop.update.release import ReleaseFormatError
    from updater.preflight import BundleRefused
    from updater.repository import RepositoryError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BundleRefused as exc:
        print(f"dso-release: refused bundle: {exc}", file=sys.stderr)
        return 1
    except (KeyError_, RepositoryError, ReleaseFormatError, OSError, ValueError) as exc:
        print(f"dso-release: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # archive problems and TUF errors: one line, exit 1
        from dso_desktop.update.archive import UnsafeArchiveError

        if isinstance(exc, UnsafeArchiveError):
            print(f"dso-release: refused archive: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
