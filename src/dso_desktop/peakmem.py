"""A process's peak resident memory (its high-water mark), for the benchmarks' hooks.

On Linux this is ``VmHWM`` from ``/proc/<pid>/status``. ``getrusage``'s ``ru_maxrss`` is
not: exec keeps the high-water mark of the memory it replaced (and a ``vfork`` child's old
memory is its parent's), so a process started from a 300 MB one reads at least 300 MB
whatever it used itself (the GUI's start-up hook and the sync bench's checking process
both read their starter's peak until session 14). Stdlib only: the GUI's hook, the
benchmarks and their child processes read it without loading anything else.
"""

from __future__ import annotations

import sys


def peak_rss_mb(pid: int | None = None) -> float | None:
    """The peak resident memory in MB of ``pid`` (this process when None), or None when
    another process's cannot be read (it ended, or no ``/proc``). For this process without
    ``/proc``, ``ru_maxrss`` (macOS; None on Windows, which has neither)."""
    where = f"/proc/{'self' if pid is None else pid}/status"
    try:
        with open(where, encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    if pid is not None:
        return None
    try:
        import resource
    except ImportError:  # Windows
        return None
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 / (1024 if sys.platform == "darwin" else 1)
