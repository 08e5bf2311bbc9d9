"""Concentration per as_of: top borrowers, regulatory concentration ratios, HHI, Gini, largest segment.

Customer balances (Σ of a customer's loans) are summed, ranked and reduced per snapshot in the
engine (:mod:`..engine.concentration_sql`): only ≈ 21 rows a snapshot come back, never a row per
customer; the formulas (shares, HHI, Gini, the Lorenz interpolation) run here on those sums. Ratios
to net capital need the bank profile's net_capital for the as_of's year; a year without it is
skipped and says so. single_group_concentration uses loans that carry a group_id.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine import Backend
from ..engine.concentration_sql import customer_points, largest_group
from ..profile import BankProfile
from .prepare import Base
from .stock import Aggregate
from .table import Skipped, lacks_column
from .tidy import Columns, div, rows

HHI_DIMENSIONS = ("industry", "region", "product", "guarantee_type", "branch")
TOP_N = 10  # "ten largest customers" is part of the metrics' definitions
LORENZ_STEPS = 20  # customer_lorenz at population shares 0, 1/20, …, 1 (21 points)


def concentration_queries(base: Base, profile: BankProfile) -> list[str]:
    """The SQL :func:`concentration_rows` runs: the customer points and, with group ids and a net
    capital to divide by, the largest group (``Backend.prefetch`` starts them early)."""
    out = [customer_points(TOP_N, LORENZ_STEPS)]
    if base.has("group_id") and not np.isnan(_net_capital(base, profile)).all():
        out.append(largest_group())
    return out


def _customer_figures(backend: Backend, n_dates: int) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Per snapshot, the customer-balance sums (0 where a snapshot has no customer) and the Lorenz
    neighbours ``below`` and ``next`` as (n_dates, LORENZ_STEPS + 1) arrays, from the engine."""
    got = backend.query(customer_points(TOP_N, LORENZ_STEPS))
    date = got["date"].to_numpy(dtype=np.int64)
    k = got["k"].to_numpy(dtype=np.int64)
    sums = {}
    for name in ("customers", "top1", "top_n", "sum_x", "sum_x2", "weighted"):
        a = np.zeros(n_dates, dtype="float64")
        a[date] = got[name].to_numpy(dtype="float64")  # repeated on each of the snapshot's rows
        sums[name] = a
    below = np.zeros((n_dates, LORENZ_STEPS + 1), dtype="float64")
    nxt = np.zeros_like(below)
    below[date, k] = got["below"].to_numpy(dtype="float64")
    nxt[date, k] = got["next"].to_numpy(dtype="float64")
    return sums, below, nxt


def _lorenz_rows(below: np.ndarray, nxt: np.ndarray, counts: np.ndarray, sum_x: np.ndarray,
                 dates: np.ndarray, ok: np.ndarray) -> pd.DataFrame:
    """customer_lorenz: the Lorenz curve through (i/n, Σ of the i smallest / Σ) at 21 population shares.

    Between customers the curve is linear: the curve through all n + 1 points has 1 − 2·area = the
    ``gini`` above, and the 21 published points sample it (exactly when n divides 20). At share k/20,
    i = ⌊k·n/20⌋ customers lie wholly below and (k·n mod 20)/20 of the next one: the engine gives the
    Σ of those i (``below``) and the next balance (``nxt``).
    """
    k = np.arange(LORENZ_STEPS + 1)
    d = np.flatnonzero(ok)
    num = k[None, :] * counts[d, None].astype(np.int64)  # population share · n = num / LORENZ_STEPS (exact)
    frac = (num % LORENZ_STEPS) / LORENZ_STEPS           # the part of the next customer
    value = div(below[d] + frac * nxt[d], sum_x[d, None])
    labels = np.asarray([f"{x / LORENZ_STEPS:.2f}" for x in k], dtype=object)
    return rows({"customer_lorenz": (value.ravel(), "ratio")}, np.repeat(dates[d], len(k)),
                "customer_quantile", np.tile(labels, len(d)))


def _net_capital(base: Base, profile: BankProfile) -> np.ndarray:
    return np.array([np.nan if (c := profile.net_capital_for(d.year)) is None else c for d in base.dates])


def concentration_rows(base: Base, backend: Backend, total: Aggregate, dims: dict[str, Aggregate],
                       profile: BankProfile) -> tuple[list[pd.DataFrame], list[Skipped]]:
    out: list[pd.DataFrame] = []
    skipped: list[Skipped] = []
    n_dates = len(base.dates)
    dates = np.asarray(base.dates, dtype="datetime64[ns]")
    bal_total = total.sums["balance"]
    ok = bal_total > 0

    sums, below, nxt = _customer_figures(backend, n_dates)
    counts, top1, top10, sum_x = sums["customers"], sums["top1"], sums["top_n"], sums["sum_x"]
    gini = div(2 * sums["weighted"], counts * sum_x) - div(counts + 1, counts)
    hhi_c = div(sums["sum_x2"], sum_x**2)
    cols: Columns = {
        "top1_customer_share": (div(top1, bal_total), "ratio"),
        "top10_customer_share": (div(top10, bal_total), "ratio"),
    }
    out.append(rows({k: (v[ok], u) for k, (v, u) in cols.items()}, dates[ok]))
    out.append(rows({"hhi": (hhi_c[ok], "index"), "gini": (gini[ok], "index")}, dates[ok], "customer"))
    out.append(_lorenz_rows(below, nxt, counts, sum_x, dates, ok))

    capital = _net_capital(base, profile)
    have = ok & ~np.isnan(capital)
    lacking = sorted({base.dates[i].year for i in np.flatnonzero(ok & np.isnan(capital))})
    if lacking:
        need = f"profile bank.net_capital[{', '.join(map(str, lacking))}]"
        for m in ("single_customer_concentration", "top10_customer_concentration", "single_group_concentration"):
            skipped.append(Skipped(m, need, "ratios to net capital need the bank's net capital for that year",
                                   "profile_years", {"fact": "net_capital", "years": lacking}))
    if have.any():
        out.append(rows({"single_customer_concentration": (div(top1, capital)[have], "ratio"),
                         "top10_customer_concentration": (div(top10, capital)[have], "ratio")}, dates[have]))
    if not base.has("group_id"):
        skipped.append(lacks_column("single_group_concentration", "group_id", "the ledger has no group ids"))
    elif have.any():
        got = backend.query(largest_group())
        gdate = got["date"].to_numpy(dtype=np.int64)
        largest = np.zeros(n_dates, dtype="float64")
        largest[gdate] = got["largest"].to_numpy(dtype="float64")
        has_group = np.zeros(n_dates, dtype=bool)
        has_group[gdate] = True
        sel = have & has_group
        out.append(rows({"single_group_concentration": (div(largest, capital)[sel], "ratio")}, dates[sel]))

    for dim, agg in dims.items():
        assert agg.labels is not None
        bal = agg.sums["balance"].reshape(n_dates, agg.n_seg)
        shares = div(bal, bal_total[:, None])
        if dim in HHI_DIMENSIONS:
            hhi = np.nansum(shares**2, axis=1)
            out.append(rows({"hhi": (hhi[ok], "index")}, dates[ok], dim))
        top = np.argmax(bal, axis=1)
        largest = shares[np.arange(n_dates), top]
        out.append(rows({"largest_share": (largest[ok], "ratio")}, dates[ok], dim, agg.labels[top[ok]]))
    return out, skipped
