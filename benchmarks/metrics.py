"""Benchmark: compute_metrics on a ~1M-row canonical frame (200k loans × 5 year-ends, all dimensions).

Run: ``PYTHONPATH=src python benchmarks/metrics.py [--loans 200000]``. Prints wall time and peak
memory (tracemalloc peak of Python allocations, and the process's max RSS).

The frame comes from a simple vectorised generator below; once the sample simulator exists this
should use ``microcredit_risk.sample.simulate(kind, seed, loans=200_000).frame`` instead.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np
import pandas as pd

from microcredit_risk.ledger.contract import GRADE_DTYPE
from microcredit_risk.metrics import compute_metrics
from microcredit_risk.profile import BankProfile


def synthetic_frame(loans: int = 200_000, years: int = 5, seed: int = 7) -> pd.DataFrame:
    """Canonical rows: each loan appears at the year-ends between its origination and repayment."""
    rng = np.random.default_rng(seed)
    first_year = 2019
    ids = np.arange(loans)
    cust = rng.integers(0, loans * 3 // 4, loans)
    # most loans are on the book at all five year-ends (≈ 1M rows for 200k loans); some start
    # later or exit early so that growth, migration and exits have something to measure
    start = np.where(rng.random(loans) < 0.95, 0, rng.integers(0, years, loans))
    life = np.where(rng.random(loans) < 0.9, years, rng.integers(1, years + 1, loans))
    amount = np.round(rng.lognormal(13.0, 1.2, loans), 2)
    orig_year = (first_year + start - rng.integers(0, 2, loans) - 1970).astype("datetime64[Y]")
    orig = pd.DatetimeIndex(orig_year.astype("datetime64[ns]")) + pd.to_timedelta(rng.integers(0, 360, loans), unit="D")
    term_months = rng.choice([6, 12, 24, 36, 60, 84], loans)
    attrs = {
        "industry": np.array(list("ACEFGHIKM"))[rng.integers(0, 9, loans)],
        "region": np.array([f"county{i:02d}" for i in range(30)])[rng.integers(0, 30, loans)],
        "branch": np.array([f"branch{i:03d}" for i in range(120)])[rng.integers(0, 120, loans)],
        "product": np.array(["operating", "farm", "startup", "invoice", "equipment"])[rng.integers(0, 5, loans)],
        "guarantee_type": np.array(["credit", "guarantee", "mortgage", "pledge", "joint_guarantee"])[
            rng.integers(0, 5, loans)],
        "customer_type": np.array(["small_enterprise", "micro_enterprise", "individual_business", "farmer"])[
            rng.integers(0, 4, loans)],
        "loan_officer": np.array([f"officer{i:03d}" for i in range(400)])[rng.integers(0, 400, loans)],
    }
    renewed = rng.random(loans) < 0.3
    shared = np.where(rng.random(loans) < 0.2, rng.choice([0.3, 0.5], loans), np.nan)
    rows = []
    for y in range(years):  # one block per year-end (5 iterations, each vectorised)
        on = (start <= y) & (start + life > y)
        n = int(on.sum())
        grade = np.minimum(rng.geometric(0.93, n) - 1, 4)
        dpd = np.where(grade == 0, 0, rng.integers(1, 400, n)).astype("float64")
        bal = amount[on] * rng.uniform(0.2, 1.0, n)
        block = pd.DataFrame({
            "as_of": pd.Timestamp(f"{first_year + y}-12-31"),
            "loan_id": pd.array([f"L{i:07d}" for i in ids[on]], dtype="str"),
            "customer_id": pd.array([f"C{c:07d}" for c in cust[on]], dtype="str"),
            **{k: pd.array(v[on], dtype="str") for k, v in attrs.items()},
            "origination_date": orig[on],
            "maturity_date": orig[on] + pd.to_timedelta(term_months[on] * 30, unit="D"),
            "amount": amount[on],
            "balance": bal,
            "interest_rate": rng.uniform(0.04, 0.12, n),
            "five_category": pd.Categorical.from_codes(grade, dtype=GRADE_DTYPE),
            "days_past_due": dpd,
            "provision": bal * np.array([0.015, 0.03, 0.25, 0.5, 1.0])[grade],
            "write_off": np.where(grade == 4, bal * 0.1, 0.0),
            "renewal_flag": pd.array(renewed[on], dtype="boolean"),
            "risk_share_ratio": shared[on],
            "group_id": pd.array(np.where(cust[on] % 50 == 0, (cust[on] // 500).astype(str), None), dtype="str"),
        })
        rows.append(block)
    return pd.concat(rows, ignore_index=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loans", type=int, default=200_000)
    ap.add_argument("--sample", metavar="KIND", help="use microcredit_risk.sample.simulate(KIND, …) instead")
    args = ap.parse_args()
    t = time.perf_counter()
    if args.sample:
        from microcredit_risk.sample import simulate  # type: ignore[attr-defined]

        frame = simulate(args.sample, 7, loans=args.loans).frame
    else:
        frame = synthetic_frame(args.loans)
    print(f"frame: {len(frame):,} rows, {frame.memory_usage(deep=True).sum() / 2**20:,.0f} MiB, "
          f"built in {time.perf_counter() - t:.1f} s")
    profile = BankProfile(net_capital={y: 2e9 for y in range(2019, 2024)},
                          total_npl_ratio={y: 0.02 for y in range(2019, 2024)})
    compute_metrics(frame.head(1000), profile)  # warm imports
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    metrics = compute_metrics(frame, profile)
    elapsed = time.perf_counter() - t
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    compute_metrics(frame, profile)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"compute_metrics: {elapsed:.2f} s, {len(metrics.frame):,} metric rows, "
          f"{len(metrics.skipped)} skipped")
    print(f"peak traced allocations during compute: {peak / 2**20:,.0f} MiB; "
          f"process max RSS {rss1 / 1024:,.0f} MiB (before compute {rss0 / 1024:,.0f} MiB)")


if __name__ == "__main__":
    main()
