"""Per-ZFO time of verify_zfo and parse_zfo on the real ISDS samples, fast path vs reference.

Says for each sample whether the C fast path answered (``_cder.signed_data`` for
verification, ``parse._cms_fast`` for the parse) and times both paths in the same run (the
machine may be loaded: compare the two columns, not absolute numbers).

    PYTHONPATH=src python scripts/real_zfo_paths.py [samples dir] [repeats]
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from dso_desktop.zfo import fastcms, parse
from dso_desktop.zfo.parse import parse_zfo
from dso_desktop.zfo.trust import TrustStore
from dso_desktop.zfo.verify import verify_zfo

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "isds-spec"


def _best(fn: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def main() -> int:
    samples = Path(sys.argv[1]) if len(sys.argv) > 1 else SHARED / "zfo-samples"
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    if not samples.is_dir():
        print(f"no samples at {samples}")
        return 1
    trust_dir = samples.parent / "trust"
    store = TrustStore.from_paths([trust_dir] if trust_dir.is_dir() else [])
    now = datetime(2026, 11, 2, tzinfo=UTC)
    cder = fastcms.fast_module()
    print(f"load average {os.getloadavg()}, C fast path built: {cder is not None}")
    print(f"{'sample':42} {'bytes':>8} {'vfast':>5} {'verify fast':>11} {'verify ref':>10} "
          f"{'pfast':>5} {'parse fast':>10} {'parse ref':>9}  (ms, best of {repeats})")
    for path in sorted(samples.glob("*.zfo")):
        data = path.read_bytes()
        v_fast = cder is not None and cder.signed_data(data, True) is not None
        p_fast = parse._cms_fast(data) is not None
        vf = _best(lambda d=data: verify_zfo(d, store, now=now), repeats)
        pf = _best(lambda d=data: parse_zfo(d), repeats)
        with fastcms.reference_only():
            vr = _best(lambda d=data: verify_zfo(d, store, now=now), repeats)
            pr = _best(lambda d=data: parse_zfo(d), repeats)
        print(f"{path.name:42} {len(data):8} {v_fast!s:>5} {vf:11.2f} {vr:10.2f} "
              f"{p_fast!s:>5} {pf:10.2f} {pr:9.2f}")
    print(f"load average {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
