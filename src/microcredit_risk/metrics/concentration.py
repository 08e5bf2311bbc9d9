"""Concentration per as_of: top borrowers, regulatory concentration ratios, HHI, Gini, largest segment.

Customer balances (Σ of a customer's loans) are summed once per (snapshot, customer), sorted once,
and every per-snapshot figure is taken with ``np.bincount`` over ranks, so there is no loop over
customers. Ratios to net capital need the bank profile's net_capital for the as_of's year; a year
without it is skipped and says so. single_group_concentration uses loans that carry a group_id.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..profile import BankProfile
from .prepare import Base
from .stock import Aggregate
from .table import Skipped
from .tidy import Columns, div, rows

HHI_DIMENSIONS = ("industry", "region", "product", "guarantee_type", "branch")
TOP_N = 10  # "ten largest customers" is part of the metrics' definitions
LORENZ_STEPS = 20  # customer_lorenz at population shares 0, 1/20, …, 1 (21 points)


def _per_date(base: Base, holder: np.ndarray, n_holders: int, mask: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(date code, balance, rank desc within date) of every holder with balance at a snapshot."""
    m = mask & (holder >= 0)
    key = base.date_code[m] * np.int64(n_holders) + holder[m]
    s = pd.Series(base.balance[m]).groupby(key, sort=False).sum()
    keys = s.index.to_numpy(dtype=np.int64)
    vals = s.to_numpy(dtype="float64")
    date = keys // n_holders
    order = np.lexsort((-vals, date))
    date, vals = date[order], vals[order]
    n_dates = len(base.dates)
    counts = np.bincount(date, minlength=n_dates)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(len(vals)) - starts[date]
    return date, vals, rank


def _lorenz_rows(date: np.ndarray, vals: np.ndarray, counts: np.ndarray, sum_x: np.ndarray,
                 dates: np.ndarray, ok: np.ndarray) -> pd.DataFrame:
    """customer_lorenz: the Lorenz curve through (i/n, Σ of the i smallest / Σ) at 21 population shares.

    Between customers the curve is linear: the curve through all n + 1 points has 1 − 2·area = the
    ``gini`` above, and the 21 published points sample it (exactly when n divides 20). Every
    (snapshot, share) point is one gather into the per-snapshot cumulative sums.
    """
    order = np.lexsort((vals, date))  # ascending within each snapshot
    asc = vals[order]
    cum = np.concatenate([[0.0], np.cumsum(asc)])
    n = counts.astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(n)[:-1]])
    k = np.arange(LORENZ_STEPS + 1)
    d = np.flatnonzero(ok)
    num = k[None, :] * n[d, None]                 # population share · n = num / LORENZ_STEPS (exact)
    i = num // LORENZ_STEPS                        # customers wholly below the share
    frac = (num % LORENZ_STEPS) / LORENZ_STEPS     # the part of the next customer
    base = starts[d, None]
    below = cum[base + i] - cum[base]
    nxt = np.where(i < n[d, None], np.append(asc, 0.0)[np.minimum(base + i, len(asc))], 0.0)
    value = div(below + frac * nxt, sum_x[d, None])
    labels = np.asarray([f"{x / LORENZ_STEPS:.2f}" for x in k], dtype=object)
    return rows({"customer_lorenz": (value.ravel(), "ratio")}, np.repeat(dates[d], len(k)),
                "customer_quantile", np.tile(labels, len(d)))


def _net_capital(base: Base, profile: BankProfile) -> np.ndarray:
    return np.array([np.nan if (c := profile.net_capital_for(d.year)) is None else c for d in base.dates])


def concentration_rows(base: Base, total: Aggregate, dims: dict[str, Aggregate], profile: BankProfile
                       ) -> tuple[list[pd.DataFrame], list[Skipped]]:
    out: list[pd.DataFrame] = []
    skipped: list[Skipped] = []
    n_dates = len(base.dates)
    dates = np.asarray(base.dates, dtype="datetime64[ns]")
    bal_total = total.sums["balance"]
    ok = bal_total > 0

    date, vals, rank = _per_date(base, base.customer, base.n_customers, base.stock)
    counts = np.bincount(date, minlength=n_dates).astype("float64")
    top1 = np.bincount(date[rank == 0], weights=vals[rank == 0], minlength=n_dates)
    top10 = np.bincount(date[rank < TOP_N], weights=vals[rank < TOP_N], minlength=n_dates)
    asc_i = counts[date] - rank  # 1-based ascending position
    weighted = np.bincount(date, weights=asc_i * vals, minlength=n_dates)
    sum_x = np.bincount(date, weights=vals, minlength=n_dates)
    gini = div(2 * weighted, counts * sum_x) - div(counts + 1, counts)
    hhi_c = div(np.bincount(date, weights=vals**2, minlength=n_dates), sum_x**2)
    cols: Columns = {
        "top1_customer_share": (div(top1, bal_total), "ratio"),
        "top10_customer_share": (div(top10, bal_total), "ratio"),
    }
    out.append(rows({k: (v[ok], u) for k, (v, u) in cols.items()}, dates[ok]))
    out.append(rows({"hhi": (hhi_c[ok], "index"), "gini": (gini[ok], "index")}, dates[ok], "customer"))
    out.append(_lorenz_rows(date, vals, counts, sum_x, dates, ok))

    capital = _net_capital(base, profile)
    have = ok & ~np.isnan(capital)
    lacking = sorted({base.dates[i].year for i in np.flatnonzero(ok & np.isnan(capital))})
    if lacking:
        need = f"profile bank.net_capital[{', '.join(map(str, lacking))}]"
        for m in ("single_customer_concentration", "top10_customer_concentration", "single_group_concentration"):
            skipped.append(Skipped(m, need, "ratios to net capital need the bank's net capital for that year"))
    if have.any():
        out.append(rows({"single_customer_concentration": (div(top1, capital)[have], "ratio"),
                         "top10_customer_concentration": (div(top10, capital)[have], "ratio")}, dates[have]))
    if not base.has("group_id"):
        skipped.append(Skipped("single_group_concentration", "column group_id", "the ledger has no group ids"))
    elif have.any():
        group, _ = pd.factorize(base.frame["group_id"])
        g = np.asarray(group, dtype=np.int64)
        gdate, gvals, grank = _per_date(base, g, max(int(g.max()) + 1, 1), base.stock)
        largest = np.bincount(gdate[grank == 0], weights=gvals[grank == 0], minlength=n_dates)
        has_group = np.bincount(gdate, minlength=n_dates) > 0
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
