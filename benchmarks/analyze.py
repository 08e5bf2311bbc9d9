"""Benchmark: `mcr analyze` on a ≈1M-row CSV ledger, all stages and all outputs (not a timed test).

    PYTHONPATH=src python benchmarks/analyze.py

Target (issue 6): ≤ 30 s. Prints the time of each stage from one run in a fresh interpreter. The
figures are saved by a worker process while the watchlist, tables and workbook are written
(figures/aside.py): "writing tables" then includes any wait for the PNGs, "rendering report" the
wait for the SVGs; the peak RSS is this process's, not the worker's (≈ 0.3 GB more).
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

from _ledgers import ledger_files


def main() -> None:
    csv = ledger_files(formats=("csv",))["csv"]
    from microcredit_risk.pipeline import Session

    stages: list[tuple[str, float]] = []
    last = [time.perf_counter()]

    def mark(next_stage: str) -> None:
        now = time.perf_counter()
        stages.append((next_stage, now - last[0]))
        last[0] = now

    t0 = time.perf_counter()
    session = Session([csv], lang="zh", progress=mark)
    with tempfile.TemporaryDirectory() as tmp:
        session.write_run(Path(tmp) / "run")   # as `mcr analyze` does: the figure worker starts first
        mark("end")
    total = time.perf_counter() - t0
    # each mark names the stage that starts; the time measured is of the stage before it
    names = ["(start)"] + [s for s, _ in stages[:-1]]
    print(f"{'stage':22} {'seconds':>8}")
    for name, (_, secs) in zip(names, stages, strict=True):
        if name != "(start)":
            print(f"{name:22} {secs:8.2f}")
    print(f"{'total':22} {total:8.2f}   rows {len(session.ledger.frame):,}   "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024:.2f} GB")


if __name__ == "__main__":
    main()
