"""The stock sums of the portfolio and dimension families, computed in the query engine.

The prepared rows (``ledger_rows``: snapshot, grade, floor, segment codes — the domain rules, derived
once in SQL by :mod:`..engine.rows_sql`) are held by a :class:`~..engine.Backend`, which answers the
aggregates of :mod:`..engine.aggregates` per snapshot × dimension × segment. This module only turns
those few result rows back into dense arrays (group code = date code · n_seg + segment code) that
the metric formulas in :mod:`.portfolio`, :mod:`.dimensions` and :mod:`.concentration` read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..engine import Backend
from ..engine.aggregates import (
    StockInputs,
    overdue_bucket_sums,
    period_sums,
    stock_customers,
    stock_sums,
)
from ..ledger.contract import GRADES
from .catalogue import definitions
from .prepare import NPL_CODE, Base
from .table import Skipped, lacks_column


@dataclass
class Aggregate:
    """Sums of one grouping (the portfolio, or one dimension): group code = date_code · n_seg + segment code."""

    dimension: str | None
    labels: np.ndarray | None
    n_seg: int
    n_dates: int
    sums: dict[str, np.ndarray]
    customers: np.ndarray
    period_write_off: np.ndarray | None  # per (annual period, segment)
    period_rows: np.ndarray              # rows (any balance) per (annual period, segment)
    overdue_buckets: np.ndarray | None = None  # portfolio only: (n_dates, n_buckets) overdue stock balance

    @property
    def present(self) -> np.ndarray:
        return self.sums["loans"] > 0

    def date_of(self, group: np.ndarray) -> np.ndarray:
        return group // self.n_seg

    def seg_of(self, group: np.ndarray) -> np.ndarray:
        return group % self.n_seg


@dataclass
class Stock:
    total: Aggregate
    dims: dict[str, Aggregate]
    skipped: list[Skipped]


def _inputs(base: Base) -> tuple[StockInputs, bool, list[Skipped]]:
    """Which stock sums the ledger allows; the metrics it does not, as skipped."""
    skipped: list[Skipped] = []
    dpd, prov, rate, wo = base.has("days_past_due"), base.has("provision"), base.has("interest_rate"), base.has("write_off")
    if not dpd:
        for m in ("overdue_ratio", "overdue90_balance", "overdue90_ratio", "deviation_ratio",
                  "floor_breach_balance", "floor_breach_count", "floor_breach_ratio", "floor_adjusted_npl_ratio",
                  "overdue_bucket_balance", "overdue_bucket_share"):
            skipped.append(lacks_column(m, "days_past_due", "the ledger has no days past due"))
    if not prov:
        for m in ("provision_balance", "provision_coverage", "loan_provision_ratio"):
            skipped.append(lacks_column(m, "provision", "the ledger has no loan-loss provisions"))
    if not rate:
        skipped.append(lacks_column("weighted_interest_rate", "interest_rate", "the ledger has no interest rates"))
    if not wo:
        skipped += [lacks_column(m, "write_off", "the ledger has no write-offs")
                    for m in ("write_off", "npl_ratio_with_write_offs")]
    inputs = StockInputs(grades=GRADES, npl_code=NPL_CODE, overdue90_days=definitions()["overdue90_days"],
                         days_past_due=dpd, provision=prov, interest_rate=rate)
    return inputs, wo, skipped


def _dense(result: pd.DataFrame, key: str, n_keys: int, sizes: list[int], names: list[str]
           ) -> list[dict[str, np.ndarray]]:
    """Per grouping, each result column as a dense array over key code · n_seg + segment code (0 where absent)."""
    grouping = result["grouping"].to_numpy()
    keys = result[key].to_numpy(dtype=np.int64)
    segs = result["segment"].to_numpy(dtype=np.int64)
    values = {n: result[n].to_numpy(dtype="float64") for n in names}
    out = []
    for i, n_seg in enumerate(sizes):
        m = grouping == i
        idx = keys[m] * n_seg + segs[m]
        arrays = {}
        for n in names:
            a = np.zeros(n_keys * n_seg, dtype="float64")
            a[idx] = values[n][m]
            arrays[n] = a
        out.append(arrays)
    return out


def stock_queries(base: Base) -> list[str]:
    """The SQL :func:`stock_aggregates` runs, in that order: stock sums, customers, period sums and,
    with days past due, the overdue buckets (``compute`` starts them early: ``Backend.prefetch``)."""
    inputs, write_off, _ = _inputs(base)
    dims = list(base.dims)
    out = [stock_sums(inputs, dims), stock_customers(dims), period_sums(write_off, dims)]
    if inputs.days_past_due:
        out.append(overdue_bucket_sums(definitions()["overdue_bucket_days"]))
    return out


def stock_aggregates(base: Base, backend: Backend) -> Stock:
    """The portfolio's and every dimension's stock sums, period sums and overdue buckets, from the engine
    (``ledger_rows`` made by :func:`.prepare.prepare`)."""
    inputs, write_off, skipped = _inputs(base)
    dims = list(base.dims)
    sizes = [1, *(len(base.dims[d].labels) for d in dims)]
    n_dates, n_periods = len(base.dates), len(base.annual)
    sql = stock_queries(base)
    stock = backend.query(sql[0])
    names = [c for c in stock.columns if c not in ("grouping", "segment", "date")]
    sums = _dense(stock, "date", n_dates, sizes, names)
    counted = _dense(backend.query(sql[1], order_free=True), "date", n_dates, sizes, ["customers"])
    period = backend.query(sql[2])
    pnames = ["rows", *(["write_off"] if write_off else [])]
    psums = _dense(period, "period", n_periods, sizes, pnames)
    aggs = []
    for i, (dim, s, p) in enumerate(zip([None, *dims], sums, psums, strict=True)):
        customers = counted[i]["customers"]
        labels = None if dim is None else base.dims[dim].labels
        aggs.append(Aggregate(dim, labels, sizes[i], n_dates, s, customers, p.get("write_off"), p["rows"]))
    total = aggs[0]
    if inputs.days_past_due:
        buckets = backend.query(sql[3])
        n_b = len(definitions()["overdue_bucket_labels"])
        grid = np.zeros(n_dates * n_b, dtype="float64")
        grid[buckets["date"].to_numpy(dtype=np.int64) * n_b + buckets["bucket"].to_numpy(dtype=np.int64)] = \
            buckets["balance"].to_numpy(dtype="float64")
        total.overdue_buckets = grid.reshape(n_dates, n_b)
    return Stock(total, {d: a for d, a in zip(dims, aggs[1:], strict=True)}, skipped)
