"""Portfolio metrics per as_of (and, through :func:`stock_columns` and :func:`flow_rows`, per segment).

The stock sums come from the query engine (:mod:`.stock`): one :class:`~.stock.Aggregate` per
grouping, a group being one snapshot (portfolio) or one (snapshot, segment) pair (dimensions); the
formulas here turn those sums into metrics. Stock metrics are reported for every snapshot; growth
and write_off for annual snapshots only (growth compares consecutive annual snapshots; write_off
sums the snapshots of (t−1, t]).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..ledger.contract import GRADES
from .catalogue import definitions
from .prepare import Base
from .stock import Aggregate
from .tidy import Columns, div, rows


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
    first = float(bal[0])
    # math.pow (the C library's), one call per year: np.power's last bits depend on the CPU (AVX-512
    # machines take NumPy's SIMD pow, others libm), and a metric must not change with the machine
    growth = np.array([math.pow(b / first, 1.0 / n) - 1 if first > 0 and b >= 0 and n > 0 else np.nan
                       for b, n in zip(bal[1:].tolist(), span.tolist(), strict=True)], dtype="float64")
    return [rows({"balance_mean_growth": (growth, "ratio")}, np.asarray(base.annual[1:], dtype="datetime64[ns]"))]


def overdue_rows(base: Base, agg: Aggregate) -> list[pd.DataFrame]:
    """overdue_bucket_balance / _share per snapshot: stock balance by days past due (G11 ageing)."""
    if agg.overdue_buckets is None:
        return []
    labels = np.asarray(definitions()["overdue_bucket_labels"], dtype=object)
    sums = agg.overdue_buckets
    present = np.flatnonzero(agg.present)
    share = div(sums[present], agg.sums["balance"][present][:, None])
    dates = np.repeat(np.asarray(base.dates, dtype="datetime64[ns]")[present], len(labels))
    return [rows({"overdue_bucket_balance": (sums[present].ravel(), "yuan"),
                  "overdue_bucket_share": (share.ravel(), "ratio")}, dates, None, np.tile(labels, len(present)))]
