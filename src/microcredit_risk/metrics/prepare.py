"""Derived columns, computed once: snapshot codes, grade codes, the stock mask, segment codes.

Every family reads this one :class:`Base` so no column is derived twice and grouping is done on
small integer codes (``np.bincount``) rather than on strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import AnalysisError
from ..ledger.contract import DIMENSIONS, GRADE_DTYPE, GRADES, Ledger
from ..ledger.floor import floor_codes
from ..snapshots import annual_dates
from .catalogue import definitions

NPL_CODE = GRADES.index("substandard")  # grade codes ≥ this are NPL
# the engine's dimensions: the canonical ones plus ``renewal`` (segments "true"/"false" from renewal_flag)
# and ``guarantee_group`` (guarantee types pooled, data/metrics.toml), kept here so DIMENSIONS (the
# ledger's attribute columns) stays unchanged for its other users
ENGINE_DIMENSIONS: tuple[str, ...] = (*DIMENSIONS, "renewal", "guarantee_group")


@dataclass
class Segments:
    """One dimension: a code per row (into ``labels``)."""

    codes: np.ndarray   # int64, one per row of Base.frame
    labels: np.ndarray  # object array of segment names


@dataclass
class Base:
    frame: pd.DataFrame                 # the ledger rows (all balances), original index dropped
    dates: list[pd.Timestamp]           # all snapshots, ascending
    annual: list[pd.Timestamp]          # last snapshot of each year
    date_code: np.ndarray               # per row, index into dates
    stock: np.ndarray                   # per row, balance > 0
    balance: np.ndarray                 # per row, balance (NaN → 0)
    grade: np.ndarray                   # per row, 0..4 (normal..loss), -1 missing
    customer: np.ndarray                # per row, customer code
    n_customers: int
    loan: np.ndarray                    # per row, loan code
    n_loans: int
    floor: np.ndarray | None            # per row, floor grade code from days_past_due (None: no column)
    dims: dict[str, Segments] = field(default_factory=dict)
    _columns: frozenset[str] | None = field(default=None, repr=False)

    def has(self, column: str) -> bool:
        return column in self.columns

    @property
    def columns(self) -> frozenset[str]:
        """The ledger's columns that hold at least one value (what a family may aggregate)."""
        if self._columns is None:
            f = self.frame
            self._columns = frozenset(c for c in f.columns if bool(f[c].notna().any()))
        return self._columns

    @property
    def annual_codes(self) -> np.ndarray:
        pos = {d: i for i, d in enumerate(self.dates)}
        return np.array([pos[d] for d in self.annual], dtype=np.int64)

    @property
    def period_code(self) -> np.ndarray:
        """Per row, index into ``annual`` of the annual period (t−1, t] holding its snapshot."""
        years = np.array([d.year for d in self.annual])
        row_years = np.array([d.year for d in self.dates])[self.date_code]
        return np.searchsorted(years, row_years)


def _frame_of(ledger: Ledger | pd.DataFrame) -> pd.DataFrame:
    frame = ledger.frame if isinstance(ledger, Ledger) else ledger
    missing = [c for c in ("as_of", "loan_id", "customer_id", "balance", "five_category") if c not in frame]
    if missing:
        raise AnalysisError("E708", names=", ".join(missing), count=len(missing))
    return frame.reset_index(drop=True)


def _grade_codes(s: pd.Series) -> np.ndarray:
    if not isinstance(s.dtype, pd.CategoricalDtype) or list(s.dtype.categories) != list(GRADES):
        cat = s.astype(GRADE_DTYPE)
        bad = s.notna() & cat.isna()
        if bad.any():
            raise AnalysisError("E709", value=s[bad].iloc[0], choices=", ".join(GRADES))
        s = cat
    return np.asarray(s.cat.codes, dtype=np.int64)


def _label(value: object) -> str:
    """Segment name: integral numbers (years) without a trailing .0."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _factorize(values: pd.Series, missing: str) -> Segments:
    codes, uniques = pd.factorize(values, sort=True)
    labels = np.asarray([_label(u) for u in uniques], dtype=object)
    codes = np.asarray(codes, dtype=np.int64)
    if (codes < 0).any():
        if missing in set(labels):
            codes = np.where(codes < 0, int(np.flatnonzero(labels == missing)[0]), codes)
        else:
            labels = np.append(labels, missing)
            codes = np.where(codes < 0, len(labels) - 1, codes)
    return Segments(codes, labels)


def _bucket(values: np.ndarray, edges: list[float], labels: list[str], missing: str) -> Segments:
    """Right-closed buckets: label i for edges[i-1] < v ≤ edges[i]."""
    idx = np.searchsorted(np.asarray(edges, dtype="float64"), values, side="left")
    names = np.asarray([*labels, missing], dtype=object)
    idx = np.where(np.isnan(values), len(labels), idx)
    used = np.unique(idx)
    remap = np.full(len(names), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    return Segments(remap[idx], names[used])


def months_between(start: pd.Series, end: pd.Series) -> np.ndarray:
    """Calendar months from start to end, a started month counting as one (NaN where missing)."""
    s, e = pd.to_datetime(start), pd.to_datetime(end)
    m = (e.dt.year - s.dt.year) * 12 + (e.dt.month - s.dt.month) + (e.dt.day > s.dt.day).astype("float64")
    return m.to_numpy(dtype="float64", na_value=np.nan)


def _flag_labels(flag: pd.Series) -> pd.Series:
    """renewal_flag (nullable boolean) as the segment names "true"/"false"; missing stays missing."""
    b = flag.astype("boolean")
    return pd.Series(np.where(b.fillna(False).to_numpy(dtype=bool), "true", "false"),
                     index=flag.index, dtype=object).where(b.notna().to_numpy(dtype=bool))


def _grouped(seg: Segments, groups: dict[str, list[str]], rest: str) -> Segments:
    """Segments pooled into named groups (every segment in no group, missing included, into ``rest``)."""
    names = [*groups, rest]
    of = {str(member): i for i, members in enumerate(groups.values()) for member in members}
    remap = np.asarray([of.get(str(label), len(groups)) for label in seg.labels], dtype=np.int64)
    return Segments(remap[seg.codes], np.asarray(names, dtype=object))


def _dimensions(frame: pd.DataFrame, balance: np.ndarray) -> dict[str, Segments]:
    d = definitions()
    missing = d["missing_segment"]
    out: dict[str, Segments] = {}
    for dim in DIMENSIONS:
        if dim in frame.columns and frame[dim].notna().any():
            out[dim] = _factorize(frame[dim], missing)
    if "origination_date" in frame.columns and frame["origination_date"].notna().any():
        orig = pd.to_datetime(frame["origination_date"])
        if "maturity_date" in frame.columns and frame["maturity_date"].notna().any():
            months = months_between(orig, frame["maturity_date"])
            out["term_bucket"] = _bucket(months, d["term_bucket_months"], d["term_bucket_labels"], missing)
        out["vintage"] = _factorize(orig.dt.year, missing)
    size = balance
    if "amount" in frame.columns:
        amount = frame["amount"].to_numpy(dtype="float64", na_value=np.nan)
        size = np.where(np.isnan(amount), balance, amount)
    out["size_bucket"] = _bucket(size, d["size_bucket_yuan"], d["size_bucket_labels"], missing)
    if "renewal_flag" in frame.columns and frame["renewal_flag"].notna().any():
        out["renewal"] = _factorize(_flag_labels(frame["renewal_flag"]), missing)
    if "guarantee_type" in out:
        out["guarantee_group"] = _grouped(out["guarantee_type"], d["guarantee_groups"], d["guarantee_group_rest"])
    return {dim: out[dim] for dim in ENGINE_DIMENSIONS if dim in out}


def prepare(ledger: Ledger | pd.DataFrame, thresholds: dict[str, float]) -> Base:
    frame = _frame_of(ledger)
    if frame.empty:
        raise AnalysisError("E710")
    as_of = pd.to_datetime(frame["as_of"]).dt.normalize()
    codes, uniq = pd.factorize(as_of, sort=True)
    dates = [pd.Timestamp(d) for d in uniq]
    date_code = np.asarray(codes, dtype=np.int64)
    if (date_code < 0).any():
        raise AnalysisError("E711")
    annual = annual_dates(dates)
    balance = np.nan_to_num(pd.to_numeric(frame["balance"], errors="coerce").to_numpy(dtype="float64",
                                                                                     na_value=np.nan))
    cust, cust_u = pd.factorize(frame["customer_id"])
    loan, loan_u = pd.factorize(frame["loan_id"])
    floor = None
    if "days_past_due" in frame.columns and frame["days_past_due"].notna().any():
        floor = floor_codes(frame["days_past_due"], thresholds)
    return Base(
        frame=frame, dates=dates, annual=annual, date_code=date_code, stock=balance > 0, balance=balance,
        grade=_grade_codes(frame["five_category"]),
        customer=np.asarray(cust, dtype=np.int64), n_customers=max(len(cust_u), 1),
        loan=np.asarray(loan, dtype=np.int64), n_loans=max(len(loan_u), 1),
        floor=floor, dims=_dimensions(frame, balance),
    )
