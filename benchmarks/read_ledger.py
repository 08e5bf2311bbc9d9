"""Benchmark: read + validate + canonicalise a ≈1M-row ledger (not a timed test).

    PYTHONPATH=src python benchmarks/read_ledger.py

Targets (issue 2): CSV ≤ 5 s; .xlsx within 1.5× of the fastest raw reader on PyPI (fastexcel's own
load of every sheet, types inferred from a sample, no canonicalisation); peak memory ≤ 3 GB.
Each measurement runs in a fresh interpreter so peak RSS is its own.
"""

from __future__ import annotations

from _ledgers import ledger_files, measure


def main() -> None:
    paths = ledger_files()
    csv, xlsx = paths["csv"], paths["xlsx"]
    load = ("from microcredit_risk.ledger.load import load_ledger\n"
            "t = time.perf_counter(); led = load_ledger({p!r}); elapsed = time.perf_counter() - t\n"
            "note = f'{{len(led.frame)}}rows'\n")
    raw = ("import fastexcel\nt = time.perf_counter(); r = fastexcel.read_excel({p!r})\n"
           "n = sum(r.load_sheet(s).to_pandas().shape[0] for s in r.sheet_names)\n"
           "elapsed = time.perf_counter() - t; note = f'{{n}}rows'\n")
    rows = [
        ("csv: load_ledger", *measure(load.format(p=str(csv)))),
        ("xlsx: fastexcel raw read (all sheets)", *measure(raw.format(p=str(xlsx)))),
        ("xlsx: load_ledger", *measure(load.format(p=str(xlsx)))),
    ]
    print(f"{'what':40} {'seconds':>8} {'peak GB':>8}  rows")
    for name, secs, gb, note in rows:
        print(f"{name:40} {secs:8.2f} {gb:8.2f}  {note}")
    print(f"xlsx load_ledger / raw read = {rows[2][1] / rows[1][1]:.2f}×")


if __name__ == "__main__":
    main()
