"""Benchmark: the early-warning list on the ≈1M-row ledger (not a timed test).

    PYTHONPATH=src python benchmarks/watchlist.py [--loans N] [--long N]

Times building the list (after the findings it reads, untimed), watchlist.csv and watchlist.xlsx, in
one fresh interpreter; wall and CPU time of each (on a shared machine the CPU time is the steadier). ``--long N`` also times the two files for a list of N loans (the ledger's
latest snapshot, every loan listed as a floor breach): the one output whose time grows with the
length of the list, the workbook, must stay a small part of `mcr analyze`'s 30 s.
"""

from __future__ import annotations

import argparse

from _ledgers import LOANS, ledger_files, measure

RUN = """
import tempfile
from pathlib import Path
import numpy as np
from microcredit_risk.monitor.watchlist import Watchlist, build_watchlist
from microcredit_risk.monitor.watchlist_files import watchlist_csv, watchlist_xlsx_bytes
from microcredit_risk.pipeline import Session
s = Session([{csv!r}], lang="zh")
findings, th = s.findings, s.profile.thresholds
t, c = time.perf_counter(), time.process_time()
wl = build_watchlist(s.ledger.frame, findings, th)
built, c_built = time.perf_counter() - t, time.process_time() - c
if {long}:
    f = wl.frame
    big = f.sample(n={long}, replace=len(f) < {long}, random_state=0).reset_index(drop=True)
    big["loan_id"] = [f"W{{i:07d}}" for i in range(len(big))]
    big["rank"] = np.arange(1, len(big) + 1)
    wl = Watchlist(frame=big, as_of=wl.as_of, previous=wl.previous, not_run=wl.not_run)
t, c = time.perf_counter(), time.process_time()
csv = watchlist_csv(wl, "zh", s.ledger.currency, th)
t_csv, c_csv = time.perf_counter() - t, time.process_time() - c
t, c = time.perf_counter(), time.process_time()
xlsx = watchlist_xlsx_bytes(wl, "zh", s.ledger.currency, th)
t_xlsx, c_xlsx = time.perf_counter() - t, time.process_time() - c
elapsed = built + t_csv + t_xlsx
note = (f"rows={{len(s.ledger.frame):,}} listed={{len(wl.frame):,}} wall/cpu: build={{built:.2f}}/{{c_built:.2f}}s "
        f"csv={{t_csv:.2f}}/{{c_csv:.2f}}s xlsx={{t_xlsx:.2f}}/{{c_xlsx:.2f}}s xlsx_MB={{len(xlsx) / 1e6:.1f}}")
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loans", type=int, default=LOANS)
    ap.add_argument("--long", type=int, default=0, help="also time the files for a list of this many loans")
    args = ap.parse_args()
    csv = ledger_files(loans=args.loans, formats=("csv",))["csv"]
    for long in sorted({0, args.long}):
        secs, peak, note = measure(RUN.format(csv=str(csv), long=long))
        print(f"{secs:6.2f} s  peak {peak:.2f} GB  {note}")


if __name__ == "__main__":
    main()
