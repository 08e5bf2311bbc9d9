"""The driver model's design matrix, vectorised, from its sample (:mod:`.sample`: who is at risk, the outcome)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import AnalysisError
from ..ledger.contract import COLUMN_BY_NAME
from .formula import TARGET, Term
from .results import Fallback
from .sample import PERIOD, Sample, model_sample

OTHER = "other"            # the level rare levels are merged into
MISSING = "(missing)"      # the level of a factor's missing values
DERIVED = ("term",)        # columns the sample derives: term = months from origination to maturity
# the columns the default model may use (default_terms), whichever hold a value
DEFAULT_COLUMNS = ("guarantee_type", "industry", "product", "customer_type", "amount", "origination_date",
                   "maturity_date", "interest_rate", "renewal_flag")


@dataclass
class Design:
    X: np.ndarray
    y: np.ndarray
    names: list[str]
    w: np.ndarray | None = None                                 # sampling weights of the rows (None: unweighted)
    reference: dict[str, str] = field(default_factory=dict)
    scales: dict[str, float] = field(default_factory=dict)      # numeric column name → Term.scale
    fallbacks: list[Fallback] = field(default_factory=list)    # levels merged, terms or rows left out


def available_columns(columns: pd.Index | list[str]) -> list[str]:
    """The columns a formula may name (the ledger's, by name, and the derived ``term``)."""
    cols = [str(c) for c in columns if c not in ("as_of", "loan_id", "five_category")]
    if "origination_date" in cols and "maturity_date" in cols:
        cols.append("term")
    return cols


def _numeric(s: pd.Series) -> np.ndarray | None:
    """A column as float64, or None when it is text (a factor)."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    if pd.api.types.is_numeric_dtype(s.dtype):
        return pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return None


def _factor_codes(s: pd.Series, y: np.ndarray, rare_share: float, rare_events: float,
                  name: str, design: Design, w: np.ndarray | None = None) -> tuple[np.ndarray, list[str]] | None:
    """Level codes after merging rare levels, and the non-reference level names (columns).

    With sampling weights ``w`` a level's share (and the reference, the largest level) is of the
    weighted count, the population it stands for; its events and non-events are those in the
    sample, since they are what the fit can estimate the level from.
    """
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
    rare = np.minimum(events, counts - events) < rare_events
    if w is not None:
        counts = np.bincount(codes, weights=w, minlength=len(levels))
        rare |= counts < rare_share * float(w.sum())
    else:
        rare |= counts < rare_share * n
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
    w = None if sample.weights is None else sample.weights[ok]
    blocks: list[tuple[str, np.ndarray | tuple[np.ndarray, list[str]]]] = []
    for name, v in columns:
        if isinstance(v, np.ndarray):
            blocks.append((name, v[ok]))
            continue
        coded = _factor_codes(v[ok], y, rare_share, rare_events, name, design, w)
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
    design.X, design.y, design.names, design.w = X, y, names, w
    return design


def default_terms(present: Collection[str]) -> list[Term]:
    """The contract's default drivers, whichever the ledger has with at least one value (``present``,
    of :data:`DEFAULT_COLUMNS`); rates in pp."""
    def has(c: str) -> bool:
        return c in present

    terms = [Term("factor", c) for c in ("guarantee_type", "industry", "product", "customer_type") if has(c)]
    if has("amount"):
        terms.append(Term("log", "amount"))
    if has("origination_date") and has("maturity_date"):
        terms.append(Term("value", "term"))
    terms += [Term("value", c, PP_SCALE if COLUMN_BY_NAME[c].kind == "fraction" else 1.0)
              for c in ("interest_rate", "renewal_flag") if has(c)]
    return terms


__all__ = ["DEFAULT_COLUMNS", "PERIOD", "TARGET", "Design", "Sample", "available_columns", "build_design",
           "default_terms", "model_sample"]
