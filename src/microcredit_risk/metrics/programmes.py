"""Renewals and risk sharing per as_of: the exposures the RENEWAL_RISK and RISK_SHARING_STRAIN rules read.

renewed_normal_overdue_*: loans with renewal_flag true, graded normal, days_past_due > 0 and
balance > 0 (a renewal that hides arrears — 借新还旧 graded better than its repayment record).
risk_shared_balance: Σ balance of loans with risk_share_ratio > 0 (a third party — a government
risk-compensation fund or a guarantee company — bears part of the loss), for the portfolio and
per product. The sums are one small engine aggregate each (``engine/programmes_sql.py``); a figure
is reported for every snapshot (× product) that has stock.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine import Backend
from ..engine.programmes_sql import renewal_sums, risk_share_sums
from ..ledger.contract import GRADES
from .prepare import Base
from .table import Skipped, lacks_column
from .tidy import rows


def renewal_rows(base: Base, backend: Backend) -> tuple[list[pd.DataFrame], list[Skipped]]:
    names = ("renewed_normal_overdue_count", "renewed_normal_overdue_balance")
    if not base.has("renewal_flag"):
        return [], [lacks_column(m, "renewal_flag", "the ledger does not flag renewed loans") for m in names]
    if not base.has("days_past_due"):  # the same test as for every other days-past-due metric
        return [], [lacks_column(m, "days_past_due", "the ledger has no days past due") for m in names]
    sums = backend.query(renewal_sums(GRADES.index("normal")))
    sums = sums.loc[sums["loans"].to_numpy(dtype="float64") > 0]
    dates = np.asarray(base.dates, dtype="datetime64[ns]")[sums["date"].to_numpy(dtype=np.int64)]
    return [rows({n: (sums[n].to_numpy(dtype="float64"), unit) for n, unit in zip(names, ("count", "yuan"),
                                                                                   strict=True)}, dates)], []


def risk_sharing_rows(base: Base, backend: Backend) -> tuple[list[pd.DataFrame], list[Skipped]]:
    if not base.has("risk_share_ratio"):
        return [], [lacks_column("risk_shared_balance", "risk_share_ratio",
                                 "the ledger records no third-party risk sharing")]
    seg = base.dims.get("product")
    sums = backend.query(risk_share_sums("product" if seg is not None else None))
    sums = sums.loc[sums["loans"].to_numpy(dtype="float64") > 0]  # every product on the book, 0 if unshared
    dates = np.asarray(base.dates, dtype="datetime64[ns]")
    groupings = [(0, None, None), *([(1, "product", seg.labels)] if seg is not None else [])]
    out = []
    for grouping, dimension, labels in groupings:
        part = sums.loc[sums["grouping"].to_numpy(dtype=np.int64) == grouping]
        names = None if labels is None else labels[part["segment"].to_numpy(dtype=np.int64)]
        out.append(rows({"risk_shared_balance": (part["risk_shared_balance"].to_numpy(dtype="float64"), "yuan")},
                        dates[part["date"].to_numpy(dtype=np.int64)], dimension, names))
    return out, []
