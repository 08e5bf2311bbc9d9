"""Generated benchmark ledgers (≈200k loans × 5 year-ends ≈ 1M rows), cached under benchmarks/.cache/."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

CACHE = Path(__file__).parent / ".cache"
LOANS = 200_000


def ledger_files(kind: str = "sme_bank", seed: int = 7, loans: int = LOANS,
                 formats: tuple[str, ...] = ("csv", "xlsx")) -> dict[str, Path]:
    """The same simulated ledger as a canonical CSV and as a bank's Chinese .xlsx (one sheet a year);
    ``loans``: a smaller book, to check that a benchmark runs; ``formats``: the ones needed."""
    from microcredit_risk.sample.export import export_bank_ledger, export_canonical_csv
    from microcredit_risk.sample.simulate import simulate

    CACHE.mkdir(exist_ok=True)
    paths = {"csv": CACHE / f"{kind}_{loans}.csv", "xlsx": CACHE / f"{kind}_{loans}.xlsx"}
    if all(paths[f].exists() for f in formats):
        return paths
    t = time.perf_counter()
    sample = simulate(kind, seed, loans=loans)
    print(f"simulated {len(sample.frame):,} rows in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    if not paths["csv"].exists():
        export_canonical_csv(sample.frame, paths["csv"])
    if "xlsx" in formats and not paths["xlsx"].exists():
        t = time.perf_counter()
        export_bank_ledger(sample, paths["xlsx"])
        print(f"wrote the xlsx in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return paths


def measure(code: str) -> tuple[float, float, str]:
    """Run ``code`` (which sets ``elapsed`` and may set ``note``) in a fresh interpreter: (s, peak GB, note)."""
    script = (
        "import time, resource, sys\n" + code +
        "\nprint(f'{elapsed} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} {note}')\n"
    )
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout
    elapsed, rss_kb, *note = out.strip().splitlines()[-1].split(" ")
    return float(elapsed), int(rss_kb) / 1024 / 1024, " ".join(note)
