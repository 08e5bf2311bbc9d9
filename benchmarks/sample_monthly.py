"""Benchmark: `mcr sample --monthly` writing N loans × 60 month-ends as Parquet partitions (not a
timed test), and reading the partition folder back through today's reader.

    PYTHONPATH=src python benchmarks/sample_monthly.py [LOANS] [KIND]     (default 200,000 sme_bank)

Target (issue 14, item 4): 1M loans × 60 months in a few minutes on 2 cores, memory bounded by the
loan lives (not by the rows). Each measurement runs in a fresh interpreter so peak RSS is its own.
"""

from __future__ import annotations

import shutil
import sys

from _ledgers import CACHE, measure


def main(loans: int, kind: str) -> None:
    out = CACHE / f"monthly_{kind}_{loans}"
    shutil.rmtree(out, ignore_errors=True)
    write = ("from microcredit_risk.sample.monthly import plan_monthly, write_monthly\n"
             f"t = time.perf_counter(); w = write_monthly(plan_monthly({kind!r}, seed=7, loans={loans}), {str(out)!r})\n"
             "elapsed = time.perf_counter() - t; note = f'{w.rows}rows {w.loans}loans'\n")
    secs, gb, note = measure(write)
    rows = int(note.split("rows")[0])
    size = sum(p.stat().st_size for p in out.rglob("*.parquet")) / 1e9
    print(f"write {loans:,} loans × 60 months: {secs:.1f} s, {rows / secs:,.0f} rows/s, peak {gb:.2f} GB, "
          f"{size:.2f} GB on disk ({note})")
    if rows <= 20_000_000:  # today's reader holds the ledger in memory
        read = ("from microcredit_risk.ledger.load import load_ledger\n"
                f"t = time.perf_counter(); led = load_ledger({str(out)!r}); elapsed = time.perf_counter() - t\n"
                "note = f'{len(led.frame)}rows'\n")
        secs, gb, note = measure(read)
        print(f"read the folder back (load_ledger): {secs:.1f} s, peak {gb:.2f} GB ({note})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000, sys.argv[2] if len(sys.argv) > 2 else "sme_bank")
