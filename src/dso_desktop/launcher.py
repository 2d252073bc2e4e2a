"""The small launcher beside versions/: switches to a staged update, self-checks, rolls back.

A version the launcher has just switched to is on trial: each GUI start is recorded before it
runs, and it ends either healthy (exit code 0, or the version's own "healthy" mark once its
main window has been up for a while) or abnormally (a non-zero exit, a signal, a launcher
that vanished meanwhile). Two abnormal ends while on trial switch back to the previous
version, remember the bad one as failed (never installed again) and tell the user why.

Why a version failed its self-check or was rolled back also goes into ``launcher.log`` (in
the install folder, or the user's log folder when the install folder is not writable): the
helpdesk reads it there after the GUI's one-time notice is gone. A managed install (one the
user cannot write, or ``"managed": true`` in update-policy.json) is started as it is.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from dso_desktop.update.layout import (
    ENV_INSTALL_ROOT,
    ENV_TRIAL_VERSION,
    Attempt,
    InstallLayout,
    InstallState,
    Trial,
    log_path,
    pid_alive,
    write_log,
)
from dso_desktop.update.release import ReleaseFormatError, Version

SELF_CHECK_TIMEOUT = 180  # seconds; a first start of a big bundle on a slow office PC
ENV_SELF_CHECK = "DSO_SELF_CHECK"
TRIAL_FAILURES = 2  # abnormal ends in a row that send a new version back
LOCK_WAIT = 30.0  # seconds a start waits for an update being staged by a running copy


class RollbackRefused(Exception):
    """A rollback that would not go back: no previous version, or it is not older."""

    message_cs = ("Není k dispozici starší verze, ke které by se dalo vrátit; "
                  "nainstalovaná verze zůstává.")


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
            # A version marked failed here (the withdrawn release a rollback leaves, or one
            # rolled back before) is never kept to go back to: a failed trial of `new` would
            # otherwise switch "back" into it. Its folder goes; no trial without a way back.
            back = state.current if state.current not in state.failed else None
            keep = {new, back}
            state = InstallState(current=new, previous=back, pending=None,
                                 failed=state.failed,
                                 trial=Trial(new) if back else None,
                                 last_rollback=state.last_rollback)
            layout.save_state(state)
            layout.clear_trial_files()  # marks of an earlier trial say nothing about this one
            write_log(layout, "updated", f"version {new} passed its self-check; switched "
                                         f"from {state.previous or '-'} (on trial)")
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
            write_log(layout, "self-check-failed",
                      f"version {new} failed its start-up self-check; staying at "
                      f"{state.current}; {new} is not installed again\n{detail}")
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


def rollback(layout: InstallLayout, *, by: str = "by hand") -> InstallState:
    """Go back to the previous, older version (the administrator's escape hatch).

    Only ever backwards: the version left is marked failed (never offered or installed
    again), and no "previous" remains, so a second rollback cannot bounce forward to it.
    Raises ``RollbackRefused`` when there is nothing older to go back to.
    """
    with layout.lock(wait=LOCK_WAIT) as locked:
        if not locked:
            raise RollbackRefused("another update or start holds the update lock; "
                                  "try again in a minute")
        state = layout.load_state()
        current, back = state.current, state.previous
        if current is None or back is None:
            raise RollbackRefused("no previous version to go back to")
        if Version.parse(back) >= Version.parse(current):
            raise RollbackRefused(f"the kept version {back} is not older than {current}; "
                                  "a rollback never goes forward")
        at = _now()
        reason = f"version {current} was rolled back {by} to {back}"
        reason_cs = f"verze {current} byla ručně vrácena na {back}"
        state = InstallState(current=back, previous=None, pending=None,
                             failed=(*[v for v in state.failed if v != current][-19:],
                                     current),
                             trial=None,
                             last_rollback={"version": current, "to": back, "reason": reason,
                                            "reason_cs": reason_cs, "at": at})
        layout.save_state(state)
        layout.clear_trial_files()
        layout.remove_version(current)
        layout.write_notice({
            "kind": "rolled-back", "version": current, "kept": back, "at": at,
            "detail": reason,
            "message_cs": f"DSO Desktop byl vrácen z verze {current} na verzi {back}; verze "
                          f"{current} se znovu nenainstaluje.",
            "message_en": f"DSO Desktop was rolled back from version {current} to {back}; "
                          f"version {current} will not be installed again.",
        })
        write_log(layout, "rolled-back", reason)
        return state


def describe_exit(returncode: int) -> tuple[str, str]:
    """How a run ended, in English and Czech (signals by name; Windows crash codes in hex)."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return (f"was ended by {name}", f"byla ukončena signálem {name}")
    if returncode > 0xFFFF:  # e.g. 0xC0000005, an access violation on Windows
        return (f"crashed (exit code {returncode:#x})", f"spadla (kód {returncode:#x})")
    return (f"exited with code {returncode}", f"skončila s kódem {returncode}")


def _settle(layout: InstallLayout, state: InstallState) -> InstallState:
    """Fold the ends of finished attempts into the trial (the caller holds the lock)."""
    trial = state.trial
    if trial is None:
        return state
    healthy = layout.healthy_marker(trial.version).exists()
    failures, last_end, last_end_cs = trial.failures, trial.last_end, trial.last_end_cs
    still: list[Attempt] = []
    for attempt in trial.running:
        rc = layout.read_outcome(attempt.id)
        if rc is not None:
            layout.outcome_file(attempt.id).unlink(missing_ok=True)
            if rc == 0:
                healthy = True
            else:
                failures += 1
                last_end, last_end_cs = describe_exit(rc)
        elif pid_alive(attempt.pid) and attempt.pid != os.getpid():
            still.append(attempt)  # another launcher still runs it (a second window)
        else:
            # Its launcher ended without recording how the run ended (killed together with
            # the app, power cut): an abnormal end as far as anyone can tell.
            failures += 1
            last_end = "ended without its launcher seeing a normal exit"
            last_end_cs = "skončila, aniž spouštěč zaznamenal řádné ukončení"
    if healthy:
        layout.clear_trial_files()
        return replace(state, trial=None)
    return replace(state, trial=Trial(trial.version, failures, tuple(still), last_end,
                                      last_end_cs))


def _roll_back_failed_trial(layout: InstallLayout, state: InstallState) -> InstallState:
    """Go back to the previous version after a new one failed its first starts."""
    assert state.trial is not None and state.previous is not None
    bad, back = state.trial.version, state.previous
    how = state.trial.last_end or "ended abnormally"
    how_cs = state.trial.last_end_cs or "skončila chybou"
    reason = (f"version {bad} ended abnormally {state.trial.failures} times in a row at its "
              f"first starts (last run {how})")
    reason_cs = (f"verze {bad} se při prvních spuštěních {state.trial.failures}× po sobě "
                 f"neukončila správně (poslední spuštění {how_cs})")
    at = _now()
    state = InstallState(current=back, previous=None, pending=None,
                         failed=(*state.failed, bad)[-20:], trial=None,
                         last_rollback={"version": bad, "to": back, "reason": reason,
                                        "reason_cs": reason_cs, "at": at})
    layout.save_state(state)
    layout.clear_trial_files()
    layout.remove_version(bad)
    write_log(layout, "rolled-back", reason)
    layout.write_notice({
        "kind": "rolled-back", "version": bad, "kept": back, "at": at, "detail": reason,
        "message_cs": f"Nová verze {bad} se nespustila správně ({reason_cs}). DSO Desktop se "
                      f"vrátil k verzi {back}; verze {bad} se znovu nenainstaluje. "
                      "Vaše zprávy ani nastavení nebyly změněny.",
        "message_en": f"The new version {bad} did not start properly ({reason}). DSO Desktop "
                      f"went back to version {back}; version {bad} will not be installed "
                      "again. Your messages and settings were not changed.",
    })
    sys.stderr.write(
        f"dso-launcher: verze {bad} se nespustila správně, vráceno na {back} / "
        f"version {bad} failed its first starts, back to {back}: {reason}\n")
    return state


def _due_for_rollback(state: InstallState) -> bool:
    return (state.trial is not None and state.trial.failures >= TRIAL_FAILURES
            and state.previous is not None)


def begin_attempt(layout: InstallLayout) -> tuple[InstallState, str | None]:
    """Before a GUI start: settle earlier attempts, roll back if due, record this attempt.

    Returns the state to run and the attempt id (None when the version is not on trial or
    the state could not be locked: then the run is simply not counted).
    """
    state = layout.load_state()
    if state.trial is None:  # the usual start: no need to wait for the lock
        return state, None
    with layout.lock(wait=LOCK_WAIT) as locked:
        state = layout.load_state()
        if not locked or state.trial is None:
            return state, None
        state = _settle(layout, state)
        if _due_for_rollback(state):
            return _roll_back_failed_trial(layout, state), None
        if state.trial is None:
            layout.save_state(state)
            return state, None
        attempt = Attempt(uuid.uuid4().hex, os.getpid(), _now())
        state = replace(state, trial=replace(state.trial,
                                             running=(*state.trial.running, attempt)))
        layout.save_state(state)
        return state, attempt.id


def end_attempt(layout: InstallLayout, attempt_id: str, version: str,
                returncode: int) -> tuple[InstallState, bool]:
    """After a GUI run on trial: record how it ended; (state, rolled back now)."""
    # Written first and without the lock, so the outcome survives a busy or vanished lock;
    # whoever settles the trial next (this launcher or the next one) reads it.
    try:
        layout.write_outcome(attempt_id, version, returncode)
    except OSError as exc:
        sys.stderr.write(f"dso-launcher: cannot record how the run ended: {exc}\n")
    with layout.lock(wait=LOCK_WAIT) as locked:
        state = layout.load_state()
        if not locked:
            return state, False
        state = _settle(layout, state)
        if _due_for_rollback(state):
            return _roll_back_failed_trial(layout, state), True
        layout.save_state(state)
        return state, False


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
    parser.add_argument("--rollback", action="store_true",
                        help="go back to the previous, older version (never forward)")
    parser.add_argument("--status", action="store_true",
                        help="print the install state (changes nothing)")
    args, rest = parser.parse_known_args(argv)
    if rest[:1] == ["--"]:
        rest = rest[1:]
    if args.status and (args.rollback or args.no_start):
        parser.error("--status only prints; use it alone")
    layout = InstallLayout(args.root or default_root())
    if args.status:
        # Only reads: no staged update is applied, no notice consumed, no lock taken.
        import json

        info = layout.load_state().to_json()
        info["managed"] = layout.managed() if layout.root.is_dir() else False
        info["log"] = str(log_path(layout))
        print(json.dumps(info, indent=2))
        return 0
    if args.rollback:
        try:
            state = rollback(layout)
        except (RollbackRefused, OSError) as exc:
            sys.stderr.write(f"dso-launcher: rollback refused: {exc}\n")
            return 1
        sys.stderr.write(f"dso-launcher: back at version {state.current}\n")
        return 0
    state = _prepare(layout)
    if args.no_start:
        return 0
    if state.current is None:
        sys.stderr.write(f"dso-launcher: no installed version in {layout.versions_dir}\n")
        return 1
    if args.cli:  # exit codes 1 and 2 are answers of the command line, not failures
        return _exit_status(_run(layout, state.current, cli=True, rest=rest))
    state, attempt = _begin(layout, state)
    if state.current is None:
        return 1
    version = state.current
    code = _run(layout, version, cli=False, rest=rest, trial=attempt is not None)
    if attempt is None:
        return _exit_status(code)
    state, rolled_back = end_attempt(layout, attempt, version, code)
    if rolled_back and state.current is not None:
        # The user wanted the program: start the version that worked; it shows why.
        return _exit_status(_run(layout, state.current, cli=False, rest=rest))
    return _exit_status(code)


def _prepare(layout: InstallLayout) -> InstallState:
    """Apply a staged update, unless the install is managed; never fails the start.

    A managed install (read-only for this user, or ``"managed"`` in the policy) is run as
    IT deployed it: no lock, no state written. Any file-system error while switching
    (a full disk, a folder made read-only meanwhile) is logged and the start goes on.
    """
    try:
        if layout.managed():
            state = layout.load_state()
            if state.pending:
                write_log(layout, "managed", f"version {state.pending} is staged, but this "
                                             "install is managed by IT: not switched")
            return state
        return apply_pending(layout)
    except OSError as exc:
        write_log(layout, "state-error", f"cannot apply a staged update: {exc}")
        return layout.load_state()


def _begin(layout: InstallLayout, state: InstallState) -> tuple[InstallState, str | None]:
    if state.trial is None:
        return state, None  # the usual start (and every managed one): nothing to record
    try:
        return begin_attempt(layout)
    except OSError as exc:
        write_log(layout, "state-error", f"cannot record the start on trial: {exc}")
        return layout.load_state(), None


def _exit_status(returncode: int) -> int:
    """The child's end as the launcher's own exit status (a signal N as 128 + N)."""
    return 128 - returncode if returncode < 0 else returncode


def _run(layout: InstallLayout, version: str, *, cli: bool, rest: Sequence[str],
         trial: bool = False) -> int:
    env = _env(layout)
    env.pop(ENV_TRIAL_VERSION, None)
    if trial:
        env[ENV_TRIAL_VERSION] = version
    try:
        manifest = layout.manifest(version)
        command = manifest.cli if cli else manifest.gui
        folder = layout.version_dir(version)
        return subprocess.call([str(folder / command[0]), *command[1:], *rest], env=env)
    except (OSError, ReleaseFormatError) as exc:  # counts as a failed start of a trial
        sys.stderr.write(f"dso-launcher: cannot start version {version}: {exc}\n")
        write_log(layout, "start-failed", f"cannot start version {version}: {exc}")
        return 127


if __name__ == "__main__":
    sys.exit(main())
