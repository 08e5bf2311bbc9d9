"""Benchmark: what `mcr analyze --baseline PREV_RUN_DIR` adds to `mcr analyze` (not a timed test).

    PYTHONPATH=src python benchmarks/baseline.py [--loans N] [--repeat K]

Target (issue 13): ≤ 20% more than the same analyze without a baseline, on the ≈1M-row ledger.
The baseline is a run of the same ledger without its last year end (written once, untimed); then
analyze of the whole ledger is timed without and with ``--baseline``, each in a fresh interpreter,
alternating, best of K. ``--loans 2000`` checks in a minute that the script runs.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _ledgers import CACHE, LOANS, ledger_files, measure

RUN = """
from pathlib import Path
from microcredit_risk.pipeline import Session
t = time.perf_counter()
s = Session([{csv!r}], lang="zh", baseline={baseline!r}).run()
s.write_run(Path({out!r}))
elapsed = time.perf_counter() - t
note = "" if s.changes is None else f"{{len(s.changes.of('new'))}}-new"
"""


def previous(csv: Path) -> Path:
    """The ledger without its last snapshot: last year's run of the same bank."""
    import pandas as pd

    prev = CACHE / f"{csv.stem}_prev.csv"
    if not prev.exists():
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
        frame[frame["as_of"] != max(frame["as_of"])].to_csv(prev, index=False)
    return prev


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loans", type=int, default=LOANS)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    csv = ledger_files(loans=args.loans, formats=("csv",))["csv"]
    prev = previous(csv)
    with tempfile.TemporaryDirectory() as tmp:
        base = str(Path(tmp) / "prev")
        measure(RUN.format(csv=str(prev), baseline=None, out=base))
        times: dict[str, list[float]] = {"without": [], "with": []}
        for _ in range(args.repeat):
            for label, baseline in (("without", None), ("with", base)):
                secs, peak, note = measure(RUN.format(csv=str(csv), baseline=baseline, out=str(Path(tmp) / label)))
                times[label].append(secs)
                print(f"{label:8} --baseline {secs:8.2f} s   peak RSS {peak:.2f} GB {note}")
    best = {k: min(v) for k, v in times.items()}
    print(f"best without {best['without']:.2f} s, with {best['with']:.2f} s: "
          f"+{(best['with'] / best['without'] - 1) * 100:.1f}% (target ≤ 20%)")


if __name__ == "__main__":
    main()
