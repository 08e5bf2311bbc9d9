"""The driver model's sample (who is at risk, what is the outcome) and its design matrix, vectorised."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import AnalysisError
from ..ledger.contract import COLUMN_BY_NAME, GRADES, NPL_GRADES, PERFORMING_GRADES, annual_snapshots
from .formula import TARGET, Term
from .results import Fallback

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
    scales: dict[str, float] = field(default_factory=dict)      # numeric column name → Term.scale
    fallbacks: list[Fallback] = field(default_factory=list)    # levels merged, terms or rows left out


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
            raise AnalysisError("E409", column=col)
    snaps = annual_snapshots(frame)
    raw = [c for c in columns if c in frame.columns]
    keep = list(dict.fromkeys(["as_of", "loan_id", "five_category", *raw,
                               *(["origination_date", "maturity_date"] if "term" in columns else [])]))
    valid = (frame["as_of"].isin(snaps) & (frame["balance"] > 0) & frame["five_category"].notna()).to_numpy()
    if len(snaps) < 2:
        data = frame.loc[valid, keep].reset_index(drop=True)
        y = data["five_category"].isin(NPL_GRADES).to_numpy(dtype="float64")
        when = snaps[0].date().isoformat() if snaps else "—"
        return _with_derived(data, y, 0, f"NPL at the single annual snapshot {when}", columns)
    rows = np.flatnonzero(valid)
    k = np.searchsorted(np.asarray(snaps, dtype="datetime64[ns]"),
                        frame["as_of"].to_numpy(dtype="datetime64[ns]")[rows])
    # one int64 key per (loan, snapshot): matching t0 to t1 is an index lookup, not a string merge;
    # only the matched t0 rows are then copied out of the ledger
    loan = pd.factorize(frame["loan_id"].iloc[rows])[0].astype("int64")
    key = loan * (len(snaps) + 1) + k
    uniq, first_at = np.unique(key, return_index=True)      # a loan counted once per snapshot
    first = np.zeros(len(key), dtype=bool)
    first[first_at] = True
    grade_codes = pd.Categorical(frame["five_category"], categories=list(GRADES)).codes[rows]
    at_t0 = first & np.isin(grade_codes, [GRADES.index(g) for g in PERFORMING_GRADES])
    target = key[at_t0] + 1                                 # the same loan at the next snapshot
    pos = np.minimum(np.searchsorted(uniq, target), len(uniq) - 1)
    matched = uniq[pos] == target
    grade_t1 = grade_codes[first_at[pos[matched]]]
    k0 = k[at_t0][matched]
    data = frame[keep].take(rows[at_t0][matched])
    years = np.array([d.year for d in snaps])
    period = pd.Categorical.from_codes(k0 + 1, categories=pd.Index([str(y) for y in years]))
    data = data.assign(**{PERIOD: period, "_k": k0})
    y = np.isin(grade_t1, [GRADES.index(g) for g in NPL_GRADES]).astype("float64")
    n_periods = int(data["_k"].nunique())
    desc = (f"NPL at t1 for loans performing at t0, annual periods: {n_periods}, "
            f"{snaps[0].year}–{snaps[-1].year} pooled")
    return _with_derived(data.drop(columns=["_k"]), y, n_periods, desc, columns)


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
    codes, uniques = pd.factorize(s, sort=True)
    levels = [str(v) for v in uniques]
    if (codes < 0).any():
        codes = np.where(codes < 0, len(levels), codes)
        levels.append(MISSING)
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
    merged = sorted(str(v) for v in labels[rare])
    other = OTHER if OTHER not in set(labels[~rare]) else f"{OTHER} (merged)"
    if merged:
        labels = np.where(rare, other, labels)
    level_map, merged_levels = pd.factorize(pd.Series(labels), sort=True)   # over levels, not rows
    merged_codes = level_map[codes]
    names = [str(v) for v in merged_levels]
    if len(names) < 2:
        design.fallbacks.append(Fallback("term_single_level", f"{name} has a single level after merging rare "
                                         "levels; left out", {"term": name}))
        return None
    if merged:
        design.fallbacks.append(Fallback("merged_levels", f"rare levels of {name} merged into '{other}': "
                                         + ", ".join(merged), {"factor": name, "levels": merged, "into": other}))
    design.reference[name] = str(labels[ref])
    return merged_codes, names


# In the default model a rate (a canonical column of kind "fraction") enters in percentage points,
# so that its odds ratio reads "per 1 pp" (per 1.0 = 100 pp it came out in the millions on the
# samples); the term is labelled so. A user's formula takes every column as the ledger holds it.
PP_SCALE = 100.0


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
                raise AnalysisError("E408", column=t.column)
            with np.errstate(all="ignore"):
                values = np.where(values > 0, np.log(values), np.nan)
        if values is not None and t.scale != 1.0:
            values = values * t.scale
        if values is not None and not np.isfinite(values).any():
            design.fallbacks.append(Fallback("term_no_value", f"{t.name} has no usable value; left out",
                                             {"term": t.name}))
            continue
        if values is not None:
            design.scales[t.name] = t.scale
        columns.append((t.name, s if values is None else values))
    if sample.periods > 1:
        columns.append((PERIOD, data[PERIOD]))
    ok = np.ones(len(y), dtype=bool)
    for _, v in columns:
        if isinstance(v, np.ndarray):
            ok &= np.isfinite(v)
    if not ok.all():
        count = int((~ok).sum())
        design.fallbacks.append(Fallback("rows_left_out", f"{count} rows with a missing or non-positive "
                                         "numeric value left out", {"count": count}))
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
    X = np.empty((len(y), width), dtype="float64", order="F")   # column-major: each column written once
    X[:, 0] = 1.0
    names = ["Intercept"]
    col = 1
    for name, b in blocks:
        if isinstance(b, np.ndarray):
            X[:, col] = b
            names.append(name)
            col += 1
            continue
        codes, levels = b
        ref = levels.index(design.reference[name])
        for i in range(len(levels)):            # one dummy column per non-reference level
            if i != ref:
                np.equal(codes, i, out=X[:, col], casting="unsafe")
                names.append(f"{name}[{levels[i]}]")
                col += 1
    design.X, design.y, design.names = X, y, names
    return design


def default_terms(frame: pd.DataFrame) -> list[Term]:
    """The contract's default drivers, whichever the ledger has (with at least one value); rates in pp."""
    def has(c: str) -> bool:
        return c in frame.columns and bool(frame[c].notna().any())

    terms = [Term("factor", c) for c in ("guarantee_type", "industry", "product", "customer_type") if has(c)]
    if has("amount"):
        terms.append(Term("log", "amount"))
    if has("origination_date") and has("maturity_date"):
        terms.append(Term("value", "term"))
    terms += [Term("value", c, PP_SCALE if COLUMN_BY_NAME[c].kind == "fraction" else 1.0)
              for c in ("interest_rate", "renewal_flag") if has(c)]
    return terms


__all__ = ["TARGET", "Design", "Sample", "available_columns", "build_design", "default_terms", "model_sample"]
