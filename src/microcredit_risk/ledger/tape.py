"""A loan tape (one row per loan, no snapshots) → annual snapshots (``load_ledger(..., snapshots="annual")``).

Rules (docs/ledger.md, "A loan tape is a ledger too"):

* the snapshots are the year-ends from the year of the first disbursement to the last year-end on or
  before the data's end (``as_of`` if given, else the latest disbursement or charge-off date);
* a loan is on the book, graded normal, at each year-end ``E`` with ``origination_date ≤ E < end``,
  where ``end`` is its maturity, or its charge-off date if earlier;
* its balance runs down straight-line over its term (``amount × (1 − elapsed/term)``, in days) unless a
  balance column is mapped, which is then used as given;
* a charged-off loan (a ``charge_off_date``) is graded loss, with its charged-off amount
  (``write_off`` of the tape, else its amount) as balance, at the first year-end on or after the
  charge-off date, and at the next year-end appears once with balance 0 and that amount as
  ``write_off``; a loan without one (paid in full) is normal until its maturity.

Vectorised: each loan's rows are generated with ``np.repeat`` over its count of year-ends.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .contract import GRADE_DTYPE

TAPE_REQUIRED = ("loan_id", "origination_date", "maturity_date")


def _year_end(years: np.ndarray) -> pd.Series:
    return pd.to_datetime(pd.Series(years.astype("int64")).astype(str) + "-12-31").astype("datetime64[us]")


def data_end(tape: pd.DataFrame, as_of: pd.Timestamp | None) -> pd.Timestamp:
    """The last date the tape speaks for: ``as_of`` if given, else its latest disbursement or charge-off."""
    if as_of is not None:
        return as_of
    dates = [tape["origination_date"].max()]
    if "charge_off_date" in tape:
        dates.append(tape["charge_off_date"].max())
    return pd.Timestamp(max(d for d in dates if pd.notna(d)))


def tape_to_snapshots(tape: pd.DataFrame, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """Annual snapshot rows (canonical columns, ``_src``/``_row`` of the tape row kept) from a loan tape."""
    tape = tape.reset_index(drop=True)
    end_date = data_end(tape, as_of)
    last_year = end_date.year if end_date == pd.Timestamp(end_date.year, 12, 31) else end_date.year - 1
    first_year = int(tape["origination_date"].dt.year.min())
    orig = tape["origination_date"]
    mature = tape["maturity_date"]
    charged = tape["charge_off_date"] if "charge_off_date" in tape else pd.Series(pd.NaT, index=tape.index)
    live_end = mature.where(charged.isna() | (mature <= charged), charged)

    # normal rows: years from year(orig) to year(live_end) - 1, clipped to the window
    start = orig.dt.year.clip(lower=first_year).to_numpy()
    stop = np.minimum(live_end.dt.year.to_numpy() - 1, last_year)
    counts = np.clip(stop - start + 1, 0, None).astype("int64")
    idx = np.repeat(np.arange(len(tape)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    years = start[idx] + offsets
    normal = tape.iloc[idx].reset_index(drop=True)
    normal["as_of"] = _year_end(years)
    if "balance" not in tape or not tape["balance"].notna().any():
        term = (normal["maturity_date"] - normal["origination_date"]).dt.days.to_numpy(dtype="float64")
        elapsed = (normal["as_of"] - normal["origination_date"]).dt.days.to_numpy(dtype="float64")
        left = np.where(term > 0, np.clip(1.0 - elapsed / np.where(term > 0, term, 1.0), 0.0, 1.0), 1.0)
        normal["balance"] = (normal["amount"].to_numpy(dtype="float64") * left).round(2)
    normal["five_category"] = "normal"
    normal["write_off"] = np.nan

    # loss row at the first year-end on or after the charge-off, write-off row the year after
    hit = charged.notna().to_numpy()
    loss_year = charged.dt.year.to_numpy()
    lost = tape[hit & (loss_year <= last_year)].copy()
    amount = (lost["write_off"] if "write_off" in lost else lost["amount"]).astype("float64")
    amount = amount.fillna(lost["amount"].astype("float64")) if "amount" in lost else amount
    lost["as_of"] = _year_end(lost["charge_off_date"].dt.year.to_numpy()).to_numpy()
    lost["balance"] = amount
    lost["five_category"] = "loss"
    lost["write_off"] = np.nan
    gone = tape[hit & (loss_year + 1 <= last_year)].copy()
    gone_amount = (gone["write_off"] if "write_off" in gone else gone["amount"]).astype("float64")
    gone_amount = gone_amount.fillna(gone["amount"].astype("float64")) if "amount" in gone else gone_amount
    gone["as_of"] = _year_end(gone["charge_off_date"].dt.year.to_numpy() + 1).to_numpy()
    gone["balance"] = 0.0
    gone["five_category"] = "loss"
    gone["write_off"] = gone_amount

    out = pd.concat([normal, lost, gone], ignore_index=True, sort=False)
    out["as_of"] = out["as_of"].astype("datetime64[us]")
    out["five_category"] = out["five_category"].astype(GRADE_DTYPE)
    out["write_off"] = out["write_off"].astype("float64")
    return out.drop(columns=["charge_off_date"], errors="ignore")
