"""Descriptive statistics of the book at each annual snapshot: loan size, term and rate.

Over the loans with balance > 0: the mean and the quartiles (linear interpolation, pandas'
default) of the loan's size (its ``amount``, else its balance, as the size buckets read it), its
contractual term in months (origination to maturity, a started month counting as one) and its
interest rate. One row per statistic: segment = mean | p25 | median | p75.

The engine sorts (``engine/book_sql.py``: the mean and the two order statistics around each
quartile's position); the interpolation, pandas' own formula, runs here on those few values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine import Backend
from ..engine.book_sql import book_means, book_order_statistics
from .prepare import Base
from .table import Skipped, lacks_column
from .tidy import rows

STATS = ("mean", "p25", "median", "p75")
QUANTILES = {"p25": 0.25, "median": 0.5, "p75": 0.75}


def _variables(base: Base) -> tuple[list[tuple[str, str, str]], list[Skipped]]:
    """(metric, ledger_rows column, unit) of each statistic the ledger allows; the others, skipped."""
    out = [("loan_size_stat", "size", "yuan")]
    skipped: list[Skipped] = []
    if base.has("origination_date") and base.has("maturity_date"):
        out.append(("loan_term_stat", "term_months", "months"))
    else:
        gone = next(c for c in ("origination_date", "maturity_date") if not base.has(c))
        skipped.append(lacks_column("loan_term_stat", gone, "the ledger has no contractual term",
                                    "columns origination_date, maturity_date"))
    if base.has("interest_rate"):
        out.append(("loan_rate_stat", "interest_rate", "ratio"))
    else:
        skipped.append(lacks_column("loan_rate_stat", "interest_rate", "the ledger has no interest rates"))
    return out, skipped


def interpolate(n: np.ndarray, q: float, at: pd.Series, dates: np.ndarray) -> np.ndarray:
    """pandas' linear quantile (groupby ``group_quantile``) from the order statistics ``at[(date, k)]``:
    h = q·(n − 1), x₍⌊h⌋₎ where h is whole, else x₍⌊h⌋₎ + (x₍⌊h⌋+1₎ − x₍⌊h⌋₎)·(h mod 1)."""
    h = q * (n - 1).astype("float64")
    lo = h.astype(np.int64)
    frac = h % 1
    val = at.reindex(pd.MultiIndex.from_arrays([dates, lo])).to_numpy(dtype="float64")
    nxt = at.reindex(pd.MultiIndex.from_arrays([dates, lo + 1])).to_numpy(dtype="float64")
    return np.where(frac == 0.0, val, val + (nxt - val) * frac)


def book_queries(base: Base) -> list[str]:
    """The SQL :func:`book_rows` runs: the means, then the order statistics (``Backend.prefetch``)."""
    columns = [c for _, c, _ in _variables(base)[0]]
    annual = [int(c) for c in base.annual_codes]
    return [book_means(columns, annual), book_order_statistics(columns, annual, list(QUANTILES.values()))]


def book_rows(base: Base, backend: Backend) -> tuple[list[pd.DataFrame], list[Skipped]]:
    variables, skipped = _variables(base)
    sql = book_queries(base)
    means = backend.query(sql[0])
    order = backend.query(sql[1])
    dates = np.asarray(base.dates, dtype="datetime64[ns]")
    out: list[pd.DataFrame] = []
    for i, (name, _, unit) in enumerate(variables):
        m = means.loc[means["variable"] == i]
        if m.empty:
            continue
        when = m["date"].to_numpy(dtype=np.int64)
        n = m["n"].to_numpy(dtype=np.int64)
        o = order.loc[order["variable"] == i]
        at = pd.Series(o["x"].to_numpy(dtype="float64"),
                       index=pd.MultiIndex.from_arrays([o["date"].to_numpy(dtype=np.int64),
                                                        o["k"].to_numpy(dtype=np.int64)]))
        table = {"mean": m["mean"].to_numpy(dtype="float64"),
                 **{s: interpolate(n, q, at, when) for s, q in QUANTILES.items()}}
        out.extend(rows({name: (table[s], unit)}, dates[when], None, np.full(len(when), s, dtype=object))
                   for s in STATS)
    return out, skipped
