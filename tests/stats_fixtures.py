"""Small canonical loan tables and metrics tables for the statistics tests (built by hand or simulated)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from microcredit_risk.ledger.contract import GRADE_DTYPE

TRUE = {  # the coefficients the simulated panel is drawn from
    "Intercept": -2.5,
    "guarantee_type[credit]": 1.0,
    "guarantee_type[guarantee]": 0.5,
    "log(amount)": 0.4,
    "period[2022]": 0.3,
}
SNAPS = [pd.Timestamp("2020-12-31"), pd.Timestamp("2021-12-31"), pd.Timestamp("2022-12-31")]


def simulated_panel(per_period: int = 30_000, seed: int = 20240601) -> pd.DataFrame:
    """Loans performing at t0 (2020, 2021) seen again at t1 with grade drawn from the TRUE logit.

    log(amount) is centred at 0 (amount = exp(N(0, 1))) so the intercept is the reference log-odds.
    """
    rng = np.random.default_rng(seed)
    parts = []
    for k in range(2):
        n = per_period
        ids = np.char.add(f"P{k}-", np.arange(n).astype(str))
        g = rng.choice(["mortgage", "credit", "guarantee"], n, p=[0.5, 0.3, 0.2])
        log_amt = rng.normal(0.0, 1.0, n)
        eta = (TRUE["Intercept"] + TRUE["guarantee_type[credit]"] * (g == "credit")
               + TRUE["guarantee_type[guarantee]"] * (g == "guarantee") + TRUE["log(amount)"] * log_amt
               + (TRUE["period[2022]"] if k == 1 else 0.0))
        npl = rng.random(n) < 1.0 / (1.0 + np.exp(-eta))
        t1_grade = np.where(npl, "substandard", "normal")
        base = {"loan_id": ids, "customer_id": ids, "guarantee_type": g, "amount": np.exp(log_amt),
                "balance": 100.0}
        parts.append(pd.DataFrame({**base, "as_of": SNAPS[k], "five_category": "normal"}))
        parts.append(pd.DataFrame({**base, "as_of": SNAPS[k + 1], "five_category": t1_grade}))
    return canonical(pd.concat(parts, ignore_index=True))


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Coerce a hand-built frame to the canonical dtypes used by the statistics stage."""
    out = frame.copy()
    out["as_of"] = pd.to_datetime(out["as_of"]).astype("datetime64[ns]")
    out["five_category"] = out["five_category"].astype(GRADE_DTYPE)
    for col in ("loan_id", "customer_id", "guarantee_type", "industry", "loan_officer"):
        if col in out:
            out[col] = out[col].astype("str")
    for col in ("amount", "balance", "interest_rate"):
        if col in out:
            out[col] = out[col].astype("float64")
    return out


def single_snapshot(grades: list[str], guarantee: list[str] | None = None, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = len(grades)
    return canonical(pd.DataFrame({
        "as_of": pd.Timestamp("2023-12-31"), "loan_id": [f"L{i}" for i in range(n)],
        "customer_id": [f"C{i}" for i in range(n)],
        "guarantee_type": guarantee if guarantee is not None else rng.choice(["mortgage", "credit"], n),
        "amount": np.exp(rng.normal(12.0, 1.0, n)), "balance": 1000.0, "five_category": grades,
    }))


def rows(metric: str, as_of: str, value: float, dimension: str | None = None,
         segment: str | None = None, unit: str = "ratio") -> dict[str, object]:
    return {"metric": metric, "as_of": as_of, "dimension": dimension, "segment": segment,
            "value": value, "unit": unit}
