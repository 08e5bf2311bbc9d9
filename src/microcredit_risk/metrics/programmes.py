"""Renewals and risk sharing per as_of: the exposures the RENEWAL_RISK and RISK_SHARING_STRAIN rules read.

renewed_normal_overdue_*: loans with renewal_flag true, graded normal, days_past_due > 0 and
balance > 0 (a renewal that hides arrears — 借新还旧 graded better than its repayment record).
risk_shared_balance: Σ balance of loans with risk_share_ratio > 0 (a third party — a government
risk-compensation fund or a guarantee company — bears part of the loss), for the portfolio and
per product. Each is one ``np.bincount`` over snapshot (× product) codes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .prepare import Base
from .table import Skipped
from .tidy import rows


def _numeric(base: Base, column: str) -> np.ndarray:
    return pd.to_numeric(base.frame[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _stock_dates(base: Base) -> np.ndarray:
    """Per snapshot, whether any loan has balance > 0 (the snapshots a stock figure is reported for)."""
    return np.bincount(base.date_code[base.stock], minlength=len(base.dates)) > 0


def renewal_rows(base: Base) -> tuple[list[pd.DataFrame], list[Skipped]]:
    names = ("renewed_normal_overdue_count", "renewed_normal_overdue_balance")
    if not base.has("renewal_flag"):
        return [], [Skipped(m, "column renewal_flag", "the ledger does not flag renewed loans") for m in names]
    if base.floor is None:  # the same test as for every other days-past-due metric
        return [], [Skipped(m, "column days_past_due", "the ledger has no days past due") for m in names]
    renewed = base.frame["renewal_flag"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    hit = base.stock & renewed & (base.grade == 0) & (_numeric(base, "days_past_due") > 0)
    n_dates = len(base.dates)
    count = np.bincount(base.date_code[hit], minlength=n_dates).astype("float64")
    balance = np.bincount(base.date_code[hit], weights=base.balance[hit], minlength=n_dates)
    keep = _stock_dates(base)
    dates = np.asarray(base.dates, dtype="datetime64[ns]")[keep]
    return [rows({names[0]: (count[keep], "count"), names[1]: (balance[keep], "yuan")}, dates)], []


def risk_sharing_rows(base: Base) -> tuple[list[pd.DataFrame], list[Skipped]]:
    if not base.has("risk_share_ratio"):
        return [], [Skipped("risk_shared_balance", "column risk_share_ratio",
                            "the ledger records no third-party risk sharing")]
    shared = base.stock & (_numeric(base, "risk_share_ratio") > 0)
    n_dates = len(base.dates)
    dates = np.asarray(base.dates, dtype="datetime64[ns]")
    keep = _stock_dates(base)
    total = np.bincount(base.date_code[shared], weights=base.balance[shared], minlength=n_dates)
    out = [rows({"risk_shared_balance": (total[keep], "yuan")}, dates[keep])]
    seg = base.dims.get("product")
    if seg is not None:
        n_seg = len(seg.labels)
        group = base.date_code * n_seg + seg.codes
        size = n_dates * n_seg
        by = np.bincount(group[shared], weights=base.balance[shared], minlength=size)
        present = np.bincount(group[base.stock], minlength=size) > 0  # every product on the book, 0 if unshared
        idx = np.flatnonzero(present)
        out.append(rows({"risk_shared_balance": (by[idx], "yuan")}, dates[idx // n_seg], "product",
                        seg.labels[idx % n_seg]))
    return out, []
