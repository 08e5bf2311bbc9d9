"""Benchmark: the engine path against another source tree (e.g. the pandas-only code), back to back.

Run: ``PYTHONPATH=src python benchmarks/engine.py [--against /path/to/old/src] [--runs 3]``. Each run
is a fresh interpreter that loads the ~889k-row benchmark CSV (benchmarks/_ledgers.py) and times
``compute_metrics`` on it (and, for a tree with the engine, the aggregate step alone); old and new
alternate so that a change in the machine's load hits both. ``--cli`` also times ``mcr metrics -f json``.
Prints one line per run (wall and CPU time: CPU time is steadier on a shared machine; the
steps: making ledger_rows, in SQL or in pandas + registering, and the stock aggregates) and the
medians, with the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

TIMED = """
import sys, time
sys.path.insert(0, {src!r})
from microcredit_risk.ledger.load import load_ledger
from microcredit_risk.metrics import compute_metrics
ledger = load_ledger([{csv!r}])
t, c = time.perf_counter(), time.process_time()
m = compute_metrics(ledger)
total, cpu = time.perf_counter() - t, time.process_time() - c
step = rows = float("nan")
try:
    import inspect
    from microcredit_risk.engine import DuckDBBackend
    from microcredit_risk.metrics.prepare import prepare
    from microcredit_risk.metrics.stock import stock_aggregates
    from microcredit_risk.profile import BankProfile
    c = time.process_time()
    if "backend" in inspect.signature(prepare).parameters:   # ledger_rows made in SQL
        base = prepare(ledger, BankProfile().thresholds, DuckDBBackend()); engine = base.backend
    else:                                                     # made in pandas, then registered
        from microcredit_risk.metrics.rows import register_rows
        base = prepare(ledger, BankProfile().thresholds); engine = DuckDBBackend(); register_rows(base, engine)
    rows = time.process_time() - c
    c = time.process_time(); stock_aggregates(base, engine); step = time.process_time() - c
except ImportError:
    pass
print(total, cpu, step, len(m.frame), rows)
"""


def _one(src: str, csv: Path) -> tuple[float, float, float, int, float]:
    out = subprocess.run([sys.executable, "-c", TIMED.format(src=src, csv=str(csv))], check=True,
                         capture_output=True, text=True).stdout.splitlines()[-1].split()
    return float(out[0]), float(out[1]), float(out[2]), int(out[3]), float(out[4])


def _cli(src: str, csv: Path) -> float:
    env = {**os.environ, "PYTHONPATH": src}
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "microcredit_risk", "metrics", str(csv), "-f", "json", "-q",
                    "-o", os.devnull], check=True, env=env, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    from _ledgers import CACHE, LOANS, ledger_files

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--against", help="another source tree to time alternately (e.g. a checkout of main's src)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--cli", action="store_true", help="also time `mcr metrics -f json` end to end")
    args = p.parse_args()
    csv = CACHE / f"sme_bank_{LOANS}.csv"
    csv = csv if csv.exists() else ledger_files(formats=("csv",))["csv"]
    trees = {"new": str(HERE.parent / "src"), **({"old": args.against} if args.against else {})}
    got: dict[str, list[tuple[float, float, float, float, float]]] = {k: [] for k in trees}
    for run in range(args.runs):
        for label, src in trees.items():
            total, cpu, step, n, rows = _one(src, csv)
            cli = _cli(src, csv) if args.cli else float("nan")
            got[label].append((total, cpu, step, cli, rows))
            print(f"run {run + 1} {label}: compute_metrics {total:.2f} s wall, {cpu:.2f} s CPU (ledger_rows "
                  f"{rows:.2f} s CPU, stock aggregates {step:.2f} s CPU), mcr metrics {cli:.1f} s, {n:,} rows; "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
    for label, runs in got.items():
        med = [statistics.median(r[i] for r in runs) for i in range(5)]
        print(f"median {label}: compute_metrics {med[0]:.2f} s wall, {med[1]:.2f} s CPU, ledger_rows {med[4]:.2f} s, "
              f"stock aggregates {med[2]:.2f} s, mcr metrics {med[3]:.1f} s")


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"({time.perf_counter() - t0:.0f} s in all)", file=sys.stderr)
