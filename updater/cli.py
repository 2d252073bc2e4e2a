"""`dso-release`: the portal operator's commands (init, add, timestamp, resign, rotate, serve)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from updater.keys import ENV_PREFIX, KeyError_, default_passphrase, env_name


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
    print(f"Root needs 2 of the 3 root keys to sign; ship {repo.metadata_dir / '1.root.json'} "
          "as resources/update/root.json in the app.")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from dso_desktop.update.release import Version, platform_tag

    repo = _repo(args)
    version = Version.parse(args.version)
    res = repo.add_release(  # type: ignore[attr-defined]
        Path(args.archive), version, _notes(args.notes, str(version)),
        channel=args.channel, platform=args.platform or platform_tag())
    print(f"Published {res.version}: {res.archive_path} ({res.archive_size} B, "
          f"sha256 {res.archive_sha256})")
    if res.patch_path:
        print(f"Patch: {res.patch_path} ({res.patch_size} B)")
    else:
        print("No patch (none smaller than the archive, or no previous release).")
    _print_warnings(repo)
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
    keys = repo.rotate(args.role, default_passphrase)  # type: ignore[attr-defined]
    root = repo.root().signed  # type: ignore[attr-defined]
    print(f"New {args.role} key(s): " + ", ".join(str(k.path) for k in keys))
    print(f"Root version {root.version} is signed by the old and the new root threshold.")
    print("Publish public/ now; clients follow the chain of root versions.")
    _print_warnings(repo)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    repo = _repo(args)
    for s in repo.status():  # type: ignore[attr-defined]
        flag = " EXPIRED" if s["expired"] else (" (expires soon)" if s["warning"] else "")
        print(f"{s['role']:<10} v{s['version']:<5} expires {s['expires']}{flag}")
    for r in repo.releases():  # type: ignore[attr-defined]
        print(f"release {r['version']:<12} {r['channel']:<7} {r['platform']:<16} {r['length']} B")
    _print_warnings(repo)
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
        epilog=f"Key passphrases: the terminal, or {ENV_PREFIX}_<KEYFILE> (e.g. "
               f"{ENV_PREFIX}_ONLINE_1) / {ENV_PREFIX} for automation.",
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

    sp = repo_cmd("add", "publish a release archive (and a patch from the previous one)")
    sp.add_argument("archive", metavar="ARCHIVE")
    sp.add_argument("--version", required=True)
    sp.add_argument("--notes", type=Path, metavar="FILE",
                    help="release notes: JSON {cs, en} or text with [cs] and [en] sections")
    sp.add_argument("--channel", choices=("stable", "beta"), default="stable")
    sp.add_argument("--platform", help="platform tag (default: this machine, e.g. linux-x86_64)")
    sp.set_defaults(func=cmd_add)

    repo_cmd("timestamp", "refresh the timestamp (and a near-expiry snapshot); run daily"
             ).set_defaults(func=cmd_timestamp)
    sp = repo_cmd("resign", "extend the expiry of a role with its current keys")
    sp.add_argument("--role", required=True, choices=("root", "targets", "snapshot", "timestamp"))
    sp.set_defaults(func=cmd_resign)
    sp = repo_cmd("rotate", "replace the keys of a role (new root signed by old and new keys)")
    sp.add_argument("--role", required=True, choices=("root", "targets", "snapshot", "timestamp"))
    sp.set_defaults(func=cmd_rotate)
    repo_cmd("status", "versions and expiry of the metadata, published releases"
             ).set_defaults(func=cmd_status)

    sp = sub.add_parser("serve", help="serve REPO_DIR/public on 127.0.0.1 for testing")
    sp.add_argument("repo", metavar="REPO_DIR")
    sp.add_argument("--port", type=int, default=8443)
    sp.add_argument("--http", action="store_true",
                    help="plain HTTP (loopback only; the client accepts it only for loopback)")
    sp.set_defaults(func=cmd_serve)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from dso_desktop.update.release import ReleaseFormatError
    from updater.repository import RepositoryError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
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
