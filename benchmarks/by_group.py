"""Benchmark: `mcr analyze --by branch` against one whole-ledger run (issue 13: ≤ 2× a single run).

    PYTHONPATH=src python benchmarks/by_group.py            # the ≈1M-row ledger (sme_bank, 6 branches)
    PYTHONPATH=src python benchmarks/by_group.py --loans 2000   # a small ledger: checks the script runs

Each measurement runs in a fresh interpreter; prints both times, their ratio and the groups.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from _ledgers import LOANS, measure


def small_ledger(loans: int, folder: Path) -> Path:
    from microcredit_risk.sample.export import export_canonical_csv
    from microcredit_risk.sample.simulate import simulate

    return export_canonical_csv(simulate("sme_bank", 7, loans=loans).frame, folder / f"sme_bank_{loans}.csv")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loans", type=int, default=LOANS)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.loans == LOANS:
            from _ledgers import ledger_files

            csv = ledger_files(formats=("csv",))["csv"]
        else:
            csv = small_ledger(args.loans, Path(tmp))
        src = str(Path(__file__).resolve().parents[1] / "src")
        head = f"sys.path.insert(0, {src!r})\nfrom pathlib import Path\n"
        single = head + (
            "from microcredit_risk.pipeline import Session\n"
            "t = time.perf_counter()\n"
            f"Session([{str(csv)!r}], lang='zh').write_run(Path({tmp!r}) / 'single')\n"
            "elapsed = time.perf_counter() - t\nnote = ''\n")
        grouped = head + (
            "from microcredit_risk.grouped import analyze_by\n"
            "t = time.perf_counter()\n"
            f"done = analyze_by([{str(csv)!r}], 'branch', Path({tmp!r}) / 'by', lang='zh', jobs={args.jobs!r})\n"
            "elapsed = time.perf_counter() - t\nnote = str(len(done.groups))\n")
        one, one_gb, _ = measure(single)
        by, by_gb, groups = measure(grouped)
    print(f"single run        {one:8.2f} s   peak {one_gb:.2f} GB")
    print(f"--by branch ({groups}) {by:8.2f} s   peak {by_gb:.2f} GB   ratio {by / one:.2f} (target ≤ 2)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
