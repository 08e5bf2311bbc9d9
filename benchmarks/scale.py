"""Benchmark: `mcr analyze` end to end on a big monthly Parquet ledger (issue 14), not a timed test.

    PYTHONPATH=src python benchmarks/scale.py LOANS [KIND] [-- extra mcr analyze options]

Writes the ledger once with ``mcr sample --monthly`` (``LOANS`` on the book at a year-end gives about
47 × LOANS loan-month rows: 211,000 → 10M, 2,110,000 → 100M) under benchmarks/.cache/, then runs
``mcr analyze`` on it as a user would (a fresh process) and prints the wall time, the stage times
from the progress lines, and the peak memory of the whole process tree (the analysis and its ingest
workers, sampled from /proc every 0.2 s: ``ru_maxrss`` alone would miss the workers' share).

Targets (issue 14): 10M rows ≤ 2 min and ≤ 4 GB; 100M loan-month rows ≤ 15 min and ≤ 12 GB.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from _ledgers import CACHE

ROOT = Path(__file__).resolve().parents[1]
MEMORY: list[tuple[float, int]] = []


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total


def run(cmd: list[str]) -> tuple[float, float, list[tuple[float, str]]]:
    """(seconds, peak GB of the process tree, timestamped stderr lines) of one command; ``MEMORY``
    gets the (seconds, bytes) samples, for the peak of each stage."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src"), "MPLBACKEND": "Agg",
                                 "MCR_PROGRESS": "lines"})
    peak = [0]
    lines: list[tuple[float, str]] = []

    def sample() -> None:
        while proc.poll() is None:
            now = _tree_rss(proc.pid)
            MEMORY.append((time.perf_counter() - t0, now))
            peak[0] = max(peak[0], now)
            time.sleep(0.2)

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append((time.perf_counter() - t0, line.rstrip()))

    threads = [threading.Thread(target=sample, daemon=True), threading.Thread(target=read, daemon=True)]
    for t in threads:
        t.start()
    # not communicate(): it would read stderr too, racing the reader thread for the progress lines
    # (seen: lines lost or run together once the figure worker's process shared the pipe)
    assert proc.stdout is not None
    proc.stdout.read()
    proc.wait()
    for t in threads:
        t.join()
    if proc.returncode not in (0, 3):
        print("\n".join(text for _, text in lines[-20:]), file=sys.stderr)
        raise SystemExit(f"{cmd[:3]} exited {proc.returncode}")
    return time.perf_counter() - t0, peak[0] / 1e9, lines


def main(loans: int, kind: str, extra: list[str]) -> None:
    ledger = CACHE / f"monthly_{kind}_{loans}"
    mcr = [sys.executable, "-m", "microcredit_risk"]
    if not (ledger / f"{kind}.toml").exists():
        shutil.rmtree(ledger, ignore_errors=True)
        secs, gb, _ = run([*mcr, "sample", "--kind", kind, "--loans", str(loans), "--monthly", "-o", str(ledger)])
        print(f"sample --monthly: {secs:.0f} s, peak {gb:.2f} GB")
    import pyarrow.parquet as pq

    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in ledger.rglob("*.parquet"))
    out = CACHE / f"scale_run_{kind}_{loans}"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [*mcr, "analyze", str(ledger), "--profile", str(ledger / f"{kind}.toml"), "-o", str(out), *extra]
    secs, gb, lines = run(cmd)
    print(f"analyze {rows:,} rows ({loans:,} loans × 60 month-ends, {' '.join(extra) or 'defaults'}): "
          f"{secs:.0f} s, peak {gb:.2f} GB (process tree)")
    # each progress line starts a stage: its seconds and the tree's peak while it ran
    starts = [(at, text) for at, text in lines if text.endswith("…") and not text.startswith("warning")]
    ends = [at for at, _ in starts[1:]] + [secs]
    for (at, text), end in zip(starts, ends, strict=True):
        top = max((b for t, b in MEMORY if at <= t <= end), default=0)
        print(f"  {end - at:7.1f} s  peak {top / 1e9:5.2f} GB  {text[:90]}")


if __name__ == "__main__":
    args = sys.argv[1:]
    extra = args[args.index("--") + 1:] if "--" in args else []
    args = args[: args.index("--")] if "--" in args else args
    main(int(args[0]) if args else 211_000, args[1] if len(args) > 1 else "sme_bank", extra)
