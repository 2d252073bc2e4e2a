"""The small launcher beside versions/: switches to a staged update, self-checks, rolls back."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from dso_desktop.update.layout import ENV_INSTALL_ROOT, InstallLayout, InstallState
from dso_desktop.update.release import ReleaseFormatError

SELF_CHECK_TIMEOUT = 180  # seconds; a first start of a big bundle on a slow office PC
ENV_SELF_CHECK = "DSO_SELF_CHECK"


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _env(layout: InstallLayout) -> dict[str, str]:
    env = dict(os.environ)
    env[ENV_INSTALL_ROOT] = str(layout.root)
    return env


def self_check(layout: InstallLayout, version: str) -> tuple[bool, str]:
    """Run the version's own start-up self-check; (passed, detail)."""
    try:
        manifest = layout.manifest(version)
    except (OSError, ReleaseFormatError) as exc:
        return False, f"unreadable manifest: {exc}"
    folder = layout.version_dir(version)
    program = folder / manifest.self_check[0]
    env = _env(layout)
    env[ENV_SELF_CHECK] = "1"
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        proc = subprocess.run([str(program), *manifest.self_check[1:]], cwd=folder, env=env,
                              capture_output=True, timeout=SELF_CHECK_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"self-check could not run: {exc}"
    tail = (proc.stdout + proc.stderr).decode("utf-8", "replace").strip()[-2000:]
    if proc.returncode != 0:
        return False, f"self-check exited with {proc.returncode}: {tail}"
    return True, tail


def apply_pending(layout: InstallLayout) -> InstallState:
    """Switch to a staged version if it passes its self-check; otherwise keep the current one.

    The switch is one atomic replace of state.json, so a crash leaves either the old or the
    new state. A failed version is remembered (not offered again) and its folder removed.
    """
    with layout.lock() as locked:
        state = layout.load_state()
        if not locked or state.pending is None:
            return state
        new = state.pending
        if new == state.current:
            state = replace(state, pending=None)
            layout.save_state(state)
            return state
        ok, detail = self_check(layout, new)
        if ok:
            keep = {new, state.current}
            state = InstallState(current=new, previous=state.current, pending=None,
                                 failed=state.failed)
            layout.save_state(state)
            layout.write_notice({
                "kind": "updated", "version": new, "previous": state.previous, "at": _now(),
                "message_cs": f"DSO Desktop byl aktualizován na verzi {new}.",
                "message_en": f"DSO Desktop was updated to version {new}.",
            })
            for v in layout.installed_versions():
                if v not in keep:
                    layout.remove_version(v)
        else:
            state = replace(state, pending=None, failed=(*state.failed, new)[-20:])
            layout.save_state(state)
            layout.remove_version(new)
            layout.write_notice({
                "kind": "rolled-back", "version": new, "kept": state.current, "at": _now(),
                "detail": detail,
                "message_cs": f"Nová verze {new} neprošla kontrolou při spuštění; "
                              f"DSO Desktop zůstává ve verzi {state.current}.",
                "message_en": f"The new version {new} failed its start-up self-check; "
                              f"DSO Desktop stays at version {state.current}.",
            })
            sys.stderr.write(
                f"dso-launcher: verze {new} neprošla kontrolou, zůstává {state.current} / "
                f"version {new} failed its self-check, staying at {state.current}\n")
        return state


def rollback(layout: InstallLayout) -> InstallState:
    """Go back to the previous version by hand (administrator's escape hatch)."""
    with layout.lock():
        state = layout.load_state()
        if state.previous is None:
            raise SystemExit("dso-launcher: no previous version to go back to")
        state = InstallState(current=state.previous, previous=state.current, pending=None,
                             failed=state.failed)
        layout.save_state(state)
        return state


def default_root() -> Path:
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    env = os.environ.get(ENV_INSTALL_ROOT)
    return Path(env) if env else Path.cwd()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="dso-launcher",
        description="Start DSO Desktop; install a staged update first (self-check, rollback).")
    parser.add_argument("--root", type=Path, help="install folder (default: beside the launcher)")
    parser.add_argument("--cli", action="store_true", help="run the `dso` command line instead")
    parser.add_argument("--no-start", action="store_true", help="only apply a staged update")
    parser.add_argument("--rollback", action="store_true", help="go back to the previous version")
    parser.add_argument("--status", action="store_true", help="print the install state")
    args, rest = parser.parse_known_args(argv)
    if rest[:1] == ["--"]:
        rest = rest[1:]
    layout = InstallLayout(args.root or default_root())
    state = rollback(layout) if args.rollback else apply_pending(layout)
    if args.status:
        import json

        print(json.dumps(state.to_json(), indent=2))
        return 0
    if args.no_start or args.rollback:
        return 0
    if state.current is None:
        sys.stderr.write(f"dso-launcher: no installed version in {layout.versions_dir}\n")
        return 1
    manifest = layout.manifest(state.current)
    command = manifest.cli if args.cli else manifest.gui
    folder = layout.version_dir(state.current)
    return subprocess.call([str(folder / command[0]), *command[1:], *rest],
                           env=_env(layout))


if __name__ == "__main__":
    sys.exit(main())
