"""The two tables every aggregate reads, registered once per run with the backend.

* ``ledger`` (:data:`~..engine.aggregates.LEDGER`): the canonical ledger (ledger/contract.py columns,
  extras under their header) plus ``row``, the row's position in ledger order (sorted by as_of,
  loan_id). The statistics' samples read covariates from it.
* ``ledger_rows`` (:data:`~..engine.aggregates.ROWS`): the domain-rule inputs per row, as codes
  (:data:`~..engine.aggregates.ROW_COLUMNS`). Every metric family's aggregate reads this one table,
  so no per-row rule is derived twice.

A family never reads a per-row array of :class:`~.prepare.Base`; it reads these tables through SQL
and uses Base for what is small: the snapshot dates, the annual snapshots, the segment labels and
which columns the ledger has (``Base.columns``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..engine import Backend
from ..engine.aggregates import LEDGER, ROWS, segment_column
from .catalogue import definitions
from .prepare import Base, months_between


def _numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    """The column as float64, missing as NaN (DuckDB reads a NaN of a pandas float column as NULL)."""
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def row_table(base: Base) -> pd.DataFrame:
    """``ledger_rows`` built from the prepared Base (engine/aggregates.ROW_COLUMNS)."""
    f = base.frame
    n = len(f)
    cols: dict[str, Any] = {"row": np.arange(n, dtype=np.int64), "date": base.date_code,
                                   "period": base.period_code, "stock": base.stock, "balance": base.balance,
                                   "grade": base.grade, "customer": base.customer, "loan": base.loan}
    size = base.balance
    if "amount" in f.columns:
        amount = _numeric(f, "amount")
        size = np.where(np.isnan(amount), base.balance, amount)
    cols["size"] = size
    if base.floor is not None:
        cols["floor"] = base.floor
        cols["days_past_due"] = _numeric(f, "days_past_due")
    for name in ("provision", "interest_rate", "write_off", "risk_share_ratio"):
        if base.has(name):
            cols[name] = _numeric(f, name)
    if base.has("origination_date") and base.has("maturity_date"):
        cols["term_months"] = months_between(f["origination_date"], f["maturity_date"])
    if base.has("renewal_flag"):
        flag = f["renewal_flag"].astype("boolean")
        cols["renewed"] = flag.astype(object).where(flag.notna(), None).to_numpy()  # NULL where missing
    if base.has("group_id"):
        group, _ = pd.factorize(f["group_id"])
        cols["grp"] = np.asarray(group, dtype=np.int64)
    if base.has("customer_type"):
        kinds = definitions()["inclusive_customer_types"]
        cols["inclusive_type"] = f["customer_type"].astype("string").isin(kinds).fillna(False).to_numpy(dtype=bool)
    for dim, seg in base.dims.items():
        cols[segment_column(dim)] = seg.codes
    return pd.DataFrame(cols, copy=False)


def register_rows(base: Base, backend: Backend, ledger_held: bool = False) -> None:
    """Register ``ledger`` (unless the engine holds it already: a streamed ledger) and ``ledger_rows``."""
    backend.register(ROWS, row_table(base))
    if not ledger_held:
        backend.register(LEDGER, base.frame.assign(row=np.arange(len(base.frame), dtype=np.int64)))
