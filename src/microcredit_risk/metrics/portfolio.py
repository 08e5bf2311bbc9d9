"""Portfolio metrics per as_of (and, through :func:`aggregate`, per segment of a dimension).

All stock sums are taken in one pass: each per-row value column is summed per group code with
``np.bincount``; a group is one snapshot (portfolio) or one (snapshot, segment) pair (dimensions).
Stock metrics are reported for every snapshot; growth and write_off for annual snapshots only
(growth compares consecutive annual snapshots; write_off sums the snapshots of (t−1, t]).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..ledger.contract import GRADES
from .catalogue import definitions
from .prepare import NPL_CODE, Base, Segments
from .table import Skipped
from .tidy import Columns, bincount_sums, distinct_count, div, rows


@dataclass
class Values:
    """Per-row value columns (0 outside the stock), computed once and summed for every grouping."""

    columns: dict[str, np.ndarray]
    write_off: np.ndarray | None   # per row, all rows (written-off loans usually have balance 0)
    skipped: list[Skipped]


def values(base: Base) -> Values:
    stock = base.stock.astype("float64")
    bal = base.balance * stock
    g = base.grade
    cols: dict[str, np.ndarray] = {"loans": stock, "balance": bal}
    for code, grade in enumerate(GRADES):
        cols[f"g_{grade}"] = bal * (g == code)
    cols["npl_balance"] = bal * (g >= NPL_CODE)
    cols["npl_loans"] = stock * (g >= NPL_CODE)
    skipped: list[Skipped] = []
    f = base.frame
    if base.floor is not None:
        dpd = pd.to_numeric(f["days_past_due"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        cols["overdue_balance"] = bal * (dpd > 0)
        cols["overdue90_balance"] = bal * (dpd > definitions()["overdue90_days"])
        breach = (g >= 0) & (g < base.floor)
        cols["floor_breach_balance"] = bal * breach
        cols["floor_breach_count"] = stock * breach
        cols["floor_npl_balance"] = bal * (np.maximum(g, base.floor) >= NPL_CODE)
    else:
        for m in ("overdue_ratio", "overdue90_balance", "overdue90_ratio", "deviation_ratio",
                  "floor_breach_balance", "floor_breach_count", "floor_breach_ratio", "floor_adjusted_npl_ratio",
                  "overdue_bucket_balance", "overdue_bucket_share"):
            skipped.append(Skipped(m, "column days_past_due", "the ledger has no days past due"))
    if base.has("provision"):
        prov = pd.to_numeric(f["provision"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        cols["provision"] = np.nan_to_num(prov) * stock
    else:
        for m in ("provision_balance", "provision_coverage", "loan_provision_ratio"):
            skipped.append(Skipped(m, "column provision", "the ledger has no loan-loss provisions"))
    if base.has("interest_rate"):
        rate = pd.to_numeric(f["interest_rate"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        has_rate = ~np.isnan(rate)
        cols["rate_balance"] = np.where(has_rate, np.nan_to_num(rate) * bal, 0.0)
        cols["rated_balance"] = np.where(has_rate, bal, 0.0)
    else:
        skipped.append(Skipped("weighted_interest_rate", "column interest_rate", "the ledger has no interest rates"))
    write_off = None
    if base.has("write_off"):
        wo = pd.to_numeric(f["write_off"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        write_off = np.nan_to_num(wo)
    else:
        skipped += [Skipped(m, "column write_off", "the ledger has no write-offs")
                    for m in ("write_off", "npl_ratio_with_write_offs")]
    return Values(cols, write_off, skipped)


@dataclass
class Aggregate:
    """Sums of one grouping: group code = date_code · n_seg + segment code."""

    dimension: str | None
    labels: np.ndarray | None
    n_seg: int
    n_dates: int
    sums: dict[str, np.ndarray]
    customers: np.ndarray
    period_write_off: np.ndarray | None  # per (annual period, segment)
    period_rows: np.ndarray              # rows (any balance) per (annual period, segment)

    @property
    def present(self) -> np.ndarray:
        return self.sums["loans"] > 0

    def date_of(self, group: np.ndarray) -> np.ndarray:
        return group // self.n_seg

    def seg_of(self, group: np.ndarray) -> np.ndarray:
        return group % self.n_seg


def aggregate(base: Base, vals: Values, dimension: str | None = None, seg: Segments | None = None) -> Aggregate:
    n_seg = 1 if seg is None else len(seg.labels)
    n_dates = len(base.dates)
    size = n_dates * n_seg
    group = base.date_code if seg is None else base.date_code * n_seg + seg.codes
    sums = bincount_sums(group, vals.columns, size)
    customers = distinct_count(group, base.customer, base.n_customers, base.stock, size)
    psize = len(base.annual) * n_seg
    pgroup = base.period_code if seg is None else base.period_code * n_seg + seg.codes
    pwo = None if vals.write_off is None else np.bincount(pgroup, weights=vals.write_off, minlength=psize)[:psize]
    prow = np.bincount(pgroup, minlength=psize)[:psize].astype("float64")
    return Aggregate(dimension, None if seg is None else seg.labels, n_seg, n_dates, sums, customers, pwo, prow)


def stock_columns(s: dict[str, np.ndarray], customers: np.ndarray) -> Columns:
    """The stock metrics of METRICS.md from summed columns (same shape in, same shape out)."""
    bal = s["balance"]
    out: Columns = {
        "loans": (s["loans"], "count"),
        "customers": (customers, "count"),
        "balance": (bal, "yuan"),
        "npl_balance": (s["npl_balance"], "yuan"),
        "npl_ratio": (div(s["npl_balance"], bal), "ratio"),
        "npl_count_ratio": (div(s["npl_loans"], s["loans"]), "ratio"),
        "special_mention_ratio": (div(s["g_special_mention"], bal), "ratio"),
    }
    if "overdue_balance" in s:
        out["overdue_ratio"] = (div(s["overdue_balance"], bal), "ratio")
        out["overdue90_balance"] = (s["overdue90_balance"], "yuan")
        out["overdue90_ratio"] = (div(s["overdue90_balance"], bal), "ratio")
        out["deviation_ratio"] = (div(s["overdue90_balance"], s["npl_balance"]), "ratio")
        out["floor_breach_balance"] = (s["floor_breach_balance"], "yuan")
        out["floor_breach_count"] = (s["floor_breach_count"], "count")
        out["floor_breach_ratio"] = (div(s["floor_breach_balance"], bal), "ratio")
        out["floor_adjusted_npl_ratio"] = (div(s["floor_npl_balance"], bal), "ratio")
    if "provision" in s:
        out["provision_balance"] = (s["provision"], "yuan")
        out["provision_coverage"] = (div(s["provision"], s["npl_balance"]), "ratio")
        out["loan_provision_ratio"] = (div(s["provision"], bal), "ratio")
    if "rate_balance" in s:
        out["weighted_interest_rate"] = (div(s["rate_balance"], s["rated_balance"]), "ratio")
    return out


GROWTH = (("balance_growth", "balance"), ("npl_balance_growth", "npl_balance"), ("customers_growth", "customers"))


def flow_rows(base: Base, agg: Aggregate) -> list[pd.DataFrame]:
    """Growth over consecutive annual snapshots and write_off over (t−1, t], per segment."""
    out: list[pd.DataFrame] = []
    n = agg.n_seg
    segs = np.arange(n)
    codes = base.annual_codes
    series = {"balance": agg.sums["balance"], "npl_balance": agg.sums["npl_balance"], "customers": agg.customers}
    for k in range(1, len(codes)):
        prev, cur = codes[k - 1] * n + segs, codes[k] * n + segs
        keep = agg.present[prev] | agg.present[cur]
        cols: Columns = {name: (div(series[src][cur], series[src][prev])[keep] - 1, "ratio")
                         for name, src in GROWTH}
        out.append(rows(cols, np.repeat(np.datetime64(base.annual[k], "ns"), keep.sum()), agg.dimension,
                        None if agg.labels is None else agg.labels[segs[keep]]))
    if agg.period_write_off is not None:
        keep = agg.period_rows > 0
        idx = np.flatnonzero(keep)
        when = np.asarray(base.annual, dtype="datetime64[ns]")[idx // n]
        out.append(rows({"write_off": (agg.period_write_off[keep], "yuan")}, when, agg.dimension,
                        None if agg.labels is None else agg.labels[idx % n]))
    return out


def portfolio_rows(base: Base, agg: Aggregate) -> list[pd.DataFrame]:
    """Per as_of portfolio metrics, category_balance/share by grade, growth and write_off."""
    dates = np.asarray(base.dates, dtype="datetime64[ns]")
    present = agg.present
    cols = {k: (v[present], u) for k, (v, u) in stock_columns(agg.sums, agg.customers).items()}
    out = [rows(cols, dates[present])]
    bal = agg.sums["balance"][present]
    for grade in GRADES:
        gb = agg.sums[f"g_{grade}"][present]
        out.append(rows({"category_balance": (gb, "yuan"), "category_share": (div(gb, bal), "ratio")},
                        dates[present], None, np.full(int(present.sum()), grade, dtype=object)))
    out.extend(flow_rows(base, agg))
    if agg.period_write_off is not None:   # the NPL ratio had the period's write-offs stayed on the book
        codes = base.annual_codes
        wo = agg.period_write_off
        ratio = div(agg.sums["npl_balance"][codes] + wo, agg.sums["balance"][codes] + wo)
        keep = agg.present[codes]
        out.append(rows({"npl_ratio_with_write_offs": (ratio[keep], "ratio")},
                        np.asarray(base.annual, dtype="datetime64[ns]")[keep]))
    out.extend(overdue_rows(base, agg))
    out.extend(mean_growth_rows(base, agg))
    return out


def mean_growth_rows(base: Base, agg: Aggregate) -> list[pd.DataFrame]:
    """balance_mean_growth at each annual snapshot after the first: the yearly compound growth of the
    balance since the first annual snapshot (the RAPID_EXPANSION rule's pace)."""
    codes = base.annual_codes
    if len(codes) < 2:
        return []
    bal = agg.sums["balance"][codes]
    years = np.array([d.year for d in base.annual], dtype="float64")
    span = years[1:] - years[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where((bal[0] > 0) & (bal[1:] >= 0) & (span > 0),
                          np.power(div(bal[1:], np.full(len(span), bal[0])), 1.0 / np.where(span > 0, span, 1.0)) - 1,
                          np.nan)
    return [rows({"balance_mean_growth": (growth, "ratio")}, np.asarray(base.annual[1:], dtype="datetime64[ns]"))]


def overdue_rows(base: Base, agg: Aggregate) -> list[pd.DataFrame]:
    """overdue_bucket_balance / _share per snapshot: stock balance by days past due (G11 ageing)."""
    if base.floor is None:
        return []
    d = definitions()
    labels = np.asarray(d["overdue_bucket_labels"], dtype=object)
    dpd = pd.to_numeric(base.frame["days_past_due"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    bucket = np.searchsorted(np.asarray(d["overdue_bucket_days"], dtype="float64"), dpd, side="left")
    over = (dpd > 0) & base.stock
    n_b, n_dates = len(labels), len(base.dates)
    sums = np.bincount(base.date_code[over] * n_b + bucket[over], weights=base.balance[over],
                       minlength=n_dates * n_b).reshape(n_dates, n_b)
    present = np.flatnonzero(agg.present)
    share = div(sums[present], agg.sums["balance"][present][:, None])
    dates = np.repeat(np.asarray(base.dates, dtype="datetime64[ns]")[present], n_b)
    return [rows({"overdue_bucket_balance": (sums[present].ravel(), "yuan"),
                  "overdue_bucket_share": (share.ravel(), "ratio")}, dates, None, np.tile(labels, len(present)))]
