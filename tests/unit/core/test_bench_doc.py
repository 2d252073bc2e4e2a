"""docs/performance.md's table: a figure per row, long per-pass records left to results.json."""

from __future__ import annotations

from benchmarks import run


def test_the_table_shows_figures_and_refers_records_to_the_json() -> None:
    text = run.table({
        "sync_ratio_median3": 1.234,
        "sync_ratios": [1.07, 1.234, 1.247],
        "sync_runs": [{"ratio": 1.07, "app": {"wall_s": 111.8, "cpu_simulator_s": 68.6,
                                              "load_at_start": 1.1875}}] * 3,
        "sync_warm_pass": {"wall_s": 112.05, "cpu_simulator_s": 83.4, "load_at_start": 1.11,
                           "dirty_mb_at_start": 0, "machine_idle_pct": 48.2,
                           "cpu_this_process_s": 30.86, "load_at_end": 1.09,
                           "speed_probe": {"ms": 5.0, "samples": 113, "same_cpu_share": 0.014}},
        "sync_s7_cpu_ms_per_message": {"app_sync_process": 7.06, "floor_client": 3.53},
        "_machine": {"cpus": 2},
    })
    rows = {line.split("|")[1].strip(): line for line in text.splitlines()[2:]}
    assert set(rows) == {"`sync_ratio_median3`", "`sync_ratios`", "`sync_runs`",
                         "`sync_warm_pass`", "`sync_s7_cpu_ms_per_message`"}
    assert "| 1.234 | ≤ 1.25 | yes |" in rows["`sync_ratio_median3`"]
    assert "[1.07, 1.234, 1.247]" in rows["`sync_ratios`"]
    for key in ("`sync_runs`", "`sync_warm_pass`"):
        assert "wall_s" not in rows[key]
        assert "a record per pass, in `benchmarks/results.json`" in rows[key]
    # A short record stays readable in its cell.
    assert "'floor_client': 3.53" in rows["`sync_s7_cpu_ms_per_message`"]
