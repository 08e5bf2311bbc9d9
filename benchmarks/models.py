"""Benchmark: the default-driver model on ~1M loan-periods with ~40 parameters.

Run: PYTHONPATH=src python benchmarks/models.py [loans_per_period]

The synthetic canonical frame is generated here, vectorised, so the benchmark stands alone; the
sample simulator (``mcr sample``) may replace it once it exists. Four annual periods of 250,000
loans each: every loan is performing at t0 and seen again at t1 (2M ledger rows, 1M modelled).
Parameters: intercept + guarantee_type (5 levels) + industry (21) + product (6) + customer_type (3)
+ log(amount) + term + interest_rate + renewal_flag + period (4) = 39.
"""

from __future__ import annotations

import os
import sys
import time

# One BLAS thread unless told otherwise: on a small machine shared with other work, OpenBLAS's
# threads oversubscribe the cores and a Newton step can take ten times longer (measured here).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from microcredit_risk.ledger.contract import GRADE_DTYPE  # noqa: E402
from microcredit_risk.stats.drivers import fit_driver_model  # noqa: E402


def synthetic_frame(per_period: int, seed: int = 42) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    snaps = pd.to_datetime(["2019-12-31", "2020-12-31", "2021-12-31", "2022-12-31", "2023-12-31"])
    n = per_period * (len(snaps) - 1)
    k = np.repeat(np.arange(len(snaps) - 1), per_period)
    guarantee = rng.choice(["mortgage", "guarantee", "credit", "pledge", "mixed"], n, p=[.35, .3, .2, .1, .05])
    industry = rng.integers(0, 21, n)
    product = rng.integers(0, 6, n)
    customer = rng.choice(["micro", "small", "individual"], n, p=[.5, .3, .2])
    log_amount = rng.normal(13.0, 1.0, n)
    term = rng.choice([6.0, 12.0, 24.0, 36.0, 60.0], n)
    rate = rng.uniform(0.04, 0.09, n)
    renewal = rng.random(n) < 0.1
    eta = (-3.2 + 0.8 * (guarantee == "credit") + 0.4 * (guarantee == "guarantee") + 0.05 * (industry - 10) / 10
           + 0.1 * (product % 3) + 0.2 * (log_amount - 13) + 0.01 * (term - 24) + 15 * (rate - 0.06)
           + 0.6 * renewal + 0.15 * k)
    npl = rng.random(n) < 1 / (1 + np.exp(-eta))
    origination = snaps[k] - pd.to_timedelta(rng.integers(30, 700, n), unit="D")
    base = pd.DataFrame({
        "loan_id": np.char.add("L", np.arange(n).astype(str)),
        "customer_id": np.char.add("C", (np.arange(n) // 2).astype(str)),
        "customer_type": customer,
        "industry": np.char.add("I", industry.astype(str)),
        "product": np.char.add("P", product.astype(str)),
        "guarantee_type": guarantee,
        "origination_date": origination,
        "maturity_date": origination + pd.to_timedelta(term * 30.4375, unit="D"),
        "amount": np.exp(log_amount),
        "balance": np.exp(log_amount) * 0.8,
        "interest_rate": rate,
        "renewal_flag": pd.array(renewal, dtype="boolean"),
    })
    for col in ("loan_id", "customer_id", "customer_type", "industry", "product", "guarantee_type"):
        base[col] = base[col].astype("str")
    t0 = base.assign(as_of=snaps[k], five_category="normal")
    t1 = base.assign(as_of=snaps[k + 1], five_category=np.where(npl, "substandard", "normal"))
    frame = pd.concat([t0, t1], ignore_index=True)
    frame["five_category"] = frame["five_category"].astype(GRADE_DTYPE)
    frame["as_of"] = frame["as_of"].astype("datetime64[ns]")
    return frame


def main() -> None:
    per_period = int(sys.argv[1]) if len(sys.argv) > 1 else 250_000
    t = time.perf_counter()
    frame = synthetic_frame(per_period)
    print(f"generated {len(frame):,} ledger rows in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    model = fit_driver_model(frame)
    took = time.perf_counter() - t
    print(f"driver model: n = {model.n:,} loan-periods, events = {model.events:,}, "
          f"parameters = {len(model.terms)}, method = {model.method}, fitted = {model.fitted}")
    print(f"AUC = {model.auc:.4f}, KS = {model.ks:.4f}, pseudo-R² = {model.pseudo_r2:.4f}")
    print(f"fit_driver_model: {took:.1f} s (OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']})")


if __name__ == "__main__":
    main()
