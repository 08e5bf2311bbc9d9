"""The driver model's sample (who is at risk, what is the outcome) and its design matrix, vectorised."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import AnalysisError
from ..ledger.canonical import NPL_GRADES, PERFORMING_GRADES, annual_snapshots
from .formula import TARGET, Term

PERIOD = "period"          # fixed effect of the period (t1's year) when several periods are pooled
OTHER = "other"            # the level rare levels are merged into
MISSING = "(missing)"      # the level of a factor's missing values
DERIVED = ("term",)        # columns the sample derives: term = months from origination to maturity
_DAYS_PER_MONTH = 365.25 / 12


@dataclass
class Sample:
    """Loan-level rows at risk, their 0/1 outcome and the covariates (from the row at t0)."""

    data: pd.DataFrame
    y: np.ndarray
    periods: int                 # number of pooled periods (0 = a single snapshot)
    description: str


@dataclass
class Design:
    X: np.ndarray
    y: np.ndarray
    names: list[str]
    reference: dict[str, str] = field(default_factory=dict)
    merged: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def available_columns(frame: pd.DataFrame) -> list[str]:
    cols = [c for c in frame.columns if c not in ("as_of", "loan_id", "five_category")]
    if "origination_date" in frame and "maturity_date" in frame:
        cols.append("term")
    return cols


def model_sample(frame: pd.DataFrame, columns: list[str]) -> Sample:
    """Loans performing at an annual snapshot t0, matched by loan_id at the next one t1 (NPL at t1?).

    Pooled over consecutive annual periods (a ``period`` column labels t1's year). With a single
    annual snapshot: every loan with a balance there, outcome = NPL at that snapshot. Loans that
    exit before t1 (repaid, written off, sold) have no observed grade at t1 and are left out.
    """
    for col in ("as_of", "loan_id", "five_category", "balance"):
        if col not in frame:
            raise AnalysisError(f"the driver model needs column {col}")
    snaps = annual_snapshots(frame)
    raw = [c for c in columns if c in frame.columns]
    keep = list(dict.fromkeys(["as_of", "loan_id", "five_category", *raw,
                               *(["origination_date", "maturity_date"] if "term" in columns else [])]))
    f = frame.loc[frame["as_of"].isin(snaps) & (frame["balance"] > 0) & frame["five_category"].notna(), keep]
    if len(snaps) < 2:
        data = f.reset_index(drop=True)
        y = data["five_category"].isin(NPL_GRADES).to_numpy(dtype="float64")
        when = snaps[0].date().isoformat() if snaps else "—"
        return _with_derived(data, y, 0, f"NPL at the single annual snapshot {when}", columns)
    k = np.searchsorted(np.asarray(snaps, dtype="datetime64[ns]"), f["as_of"].to_numpy(dtype="datetime64[ns]"))
    f = f.assign(_k=k)
    t1 = (f.loc[:, ["loan_id", "_k", "five_category"]].drop_duplicates(["loan_id", "_k"])
          .rename(columns={"five_category": "_grade_t1"}))
    t1["_k"] = t1["_k"] - 1
    t0 = f.loc[f["five_category"].isin(PERFORMING_GRADES)].drop_duplicates(["loan_id", "_k"])
    data = t0.merge(t1, on=["loan_id", "_k"], how="inner", sort=False)
    years = np.array([d.year for d in snaps])
    data[PERIOD] = pd.Series(years[data["_k"].to_numpy() + 1].astype(str), index=data.index)
    y = data["_grade_t1"].isin(NPL_GRADES).to_numpy(dtype="float64")
    n_periods = int(data["_k"].nunique())
    desc = (f"NPL at t1 for loans performing at t0, {n_periods} annual period(s) "
            f"{snaps[0].year}–{snaps[-1].year} pooled")
    return _with_derived(data.drop(columns=["_k", "_grade_t1"]), y, n_periods, desc, columns)


def _with_derived(data: pd.DataFrame, y: np.ndarray, periods: int, desc: str, columns: list[str]) -> Sample:
    if "term" in columns and "term" not in data.columns:
        days = (data["maturity_date"] - data["origination_date"]).dt.days
        data = data.assign(term=(days / _DAYS_PER_MONTH).astype("float64"))
    return Sample(data=data.reset_index(drop=True), y=y, periods=periods, description=desc)


def _numeric(s: pd.Series) -> np.ndarray | None:
    """A column as float64, or None when it is text (a factor)."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    if pd.api.types.is_numeric_dtype(s.dtype):
        return pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return None


def _factor_codes(s: pd.Series, y: np.ndarray, rare_share: float, rare_events: float,
                  name: str, design: Design) -> tuple[np.ndarray, list[str]] | None:
    """Level codes after merging rare levels, and the non-reference level names (columns)."""
    values = s.astype(object).where(s.notna(), MISSING).astype(str)
    codes, levels = pd.factorize(values, sort=True)
    n = len(codes)
    if n == 0:
        return None
    counts = np.bincount(codes, minlength=len(levels)).astype("float64")
    events = np.bincount(codes, weights=y, minlength=len(levels))
    rare = (counts < rare_share * n) | (np.minimum(events, counts - events) < rare_events)
    order = np.lexsort((np.arange(len(levels)), -counts))          # largest first, then by name
    ref = next((int(i) for i in order if not rare[i]), int(order[0]))
    rare[ref] = False
    labels = np.array([str(v) for v in levels], dtype=object)
    if rare.sum() == 1:
        rare[:] = False            # nothing to pool: a lone rare level keeps its own name
    if rare.any():
        other = OTHER if OTHER not in set(labels[~rare]) else f"{OTHER} (merged)"
        design.merged[name] = sorted(str(v) for v in labels[rare])
        labels = np.where(rare, other, labels)
    merged_codes, merged_levels = pd.factorize(pd.Series(labels[codes]), sort=True)
    names = [str(v) for v in merged_levels]
    if len(names) < 2:
        design.notes.append(f"{name} has a single level after merging rare levels; left out")
        design.merged.pop(name, None)
        return None
    ref_name = str(labels[ref])
    design.reference[name] = ref_name
    return merged_codes, names


def build_design(sample: Sample, terms: list[Term], rare_share: float, rare_events: float) -> Design:
    """Intercept + one column per numeric term + dummies per factor level; complete cases only."""
    data, y = sample.data, sample.y
    design = Design(X=np.empty((0, 0)), y=y, names=[])
    columns: list[tuple[str, np.ndarray | pd.Series]] = []   # in formula order, period last
    for t in terms:
        s = data[t.column]
        values = None if t.kind == "factor" else _numeric(s)
        if t.kind == "log":
            if values is None:
                raise AnalysisError(f"log({t.column}) needs a numeric column; {t.column!r} holds text")
            with np.errstate(all="ignore"):
                values = np.where(values > 0, np.log(values), np.nan)
        if values is not None and not np.isfinite(values).any():
            design.notes.append(f"{t.name} has no usable value; left out")
            continue
        columns.append((t.name, s if values is None else values))
    if sample.periods > 1:
        columns.append((PERIOD, data[PERIOD]))
    ok = np.ones(len(y), dtype=bool)
    for _, v in columns:
        if isinstance(v, np.ndarray):
            ok &= np.isfinite(v)
    if not ok.all():
        design.notes.append(f"{int((~ok).sum())} rows with a missing or non-positive numeric value left out")
    y = y[ok]
    blocks: list[tuple[str, np.ndarray | tuple[np.ndarray, list[str]]]] = []
    for name, v in columns:
        if isinstance(v, np.ndarray):
            blocks.append((name, v[ok]))
            continue
        coded = _factor_codes(v[ok], y, rare_share, rare_events, name, design)
        if coded is not None:
            blocks.append((name, coded))
    width = 1 + sum(1 if isinstance(b, np.ndarray) else len(b[1]) - 1 for _, b in blocks)
    X = np.zeros((len(y), width), dtype="float64")
    X[:, 0] = 1.0
    names = ["Intercept"]
    col = 1
    rows = np.arange(len(y))
    for name, b in blocks:
        if isinstance(b, np.ndarray):
            X[:, col] = b
            names.append(name)
            col += 1
            continue
        codes, levels = b
        ref = levels.index(design.reference[name])
        dummy_of = np.full(len(levels), -1)
        others = [i for i in range(len(levels)) if i != ref]
        dummy_of[others] = np.arange(col, col + len(others))
        target = dummy_of[codes]
        hit = target >= 0
        X[rows[hit], target[hit]] = 1.0
        names.extend(f"{name}[{levels[i]}]" for i in others)
        col += len(others)
    design.X, design.y, design.names = X, y, names
    return design


def default_terms(frame: pd.DataFrame) -> list[Term]:
    """The contract's default drivers, whichever the ledger has (with at least one value)."""
    def has(c: str) -> bool:
        return c in frame.columns and bool(frame[c].notna().any())

    terms = [Term("factor", c) for c in ("guarantee_type", "industry", "product", "customer_type") if has(c)]
    if has("amount"):
        terms.append(Term("log", "amount"))
    if has("origination_date") and has("maturity_date"):
        terms.append(Term("value", "term"))
    terms += [Term("value", c) for c in ("interest_rate", "renewal_flag") if has(c)]
    return terms


__all__ = ["TARGET", "Design", "Sample", "available_columns", "build_design", "default_terms", "model_sample"]
