"""Descriptive statistics of the book at each annual snapshot: loan size, term and rate.

Over the loans with balance > 0: the mean and the quartiles (linear interpolation, pandas'
default) of the loan's size (its ``amount``, else its balance, as the size buckets read it), its
contractual term in months (origination to maturity, a started month counting as one) and its
interest rate. One row per statistic: segment = mean | p25 | median | p75.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .prepare import Base, months_between
from .table import Skipped
from .tidy import rows

STATS = ("mean", "p25", "median", "p75")
QUANTILES = {"p25": 0.25, "median": 0.5, "p75": 0.75}


def _values(base: Base) -> tuple[dict[str, tuple[np.ndarray, str]], list[Skipped]]:
    f = base.frame
    out: dict[str, tuple[np.ndarray, str]] = {}
    skipped: list[Skipped] = []
    size = base.balance
    if "amount" in f.columns:
        amount = pd.to_numeric(f["amount"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        size = np.where(np.isnan(amount), base.balance, amount)
    out["loan_size_stat"] = (size, "yuan")
    if base.has("origination_date") and base.has("maturity_date"):
        out["loan_term_stat"] = (months_between(f["origination_date"], f["maturity_date"]), "months")
    else:
        skipped.append(Skipped("loan_term_stat", "columns origination_date, maturity_date",
                               "the ledger has no contractual term"))
    if base.has("interest_rate"):
        rate = pd.to_numeric(f["interest_rate"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        out["loan_rate_stat"] = (rate, "ratio")
    else:
        skipped.append(Skipped("loan_rate_stat", "column interest_rate", "the ledger has no interest rates"))
    return out, skipped


def book_rows(base: Base) -> tuple[list[pd.DataFrame], list[Skipped]]:
    values, skipped = _values(base)
    annual = np.isin(base.date_code, base.annual_codes) & base.stock
    dates = np.asarray(base.dates, dtype="datetime64[ns]")
    out: list[pd.DataFrame] = []
    for name, (v, unit) in values.items():
        keep = annual & ~np.isnan(v)
        if not keep.any():
            continue
        grouped = pd.Series(v[keep]).groupby(base.date_code[keep])
        table = pd.DataFrame({"mean": grouped.mean(),
                              **{s: grouped.quantile(q) for s, q in QUANTILES.items()}})
        when = dates[table.index.to_numpy()]
        out.extend(rows({name: (table[s].to_numpy(), unit)}, when, None, np.full(len(table), s, dtype=object))
                   for s in STATS)
    return out, skipped
