"""The loan-level default-driver model (models.json): fit it, or say in one line why not.

Target: NPL at t1 for loans performing at t0 (consecutive annual snapshots, pooled, with period
fixed effects); a single snapshot gives NPL at that snapshot. Separation, few events and
collinearity never raise: the fit falls back to Firth's penalised logit, drops the collinear
columns, merges rare levels, or returns ``fitted=False`` with the reason; every fallback taken is
listed in ``DriverModel.fallbacks`` with its reason. Only a wrong ``formula`` raises
:class:`~microcredit_risk.errors.AnalysisError` (the user can fix it).

The sample is made by the query engine (:mod:`.sample`); past ``model_sample_max`` loan-periods it
is a stratified sample and the fit is weighted by the sampling weights, with robust (sandwich)
standard errors (``DriverModel.sampled`` says how; docs/model.md, "Sampling").

The default model enters rates in percentage points (``ModelTerm.scale`` 100, ``unit`` "pp");
a user's formula takes every column as the ledger holds it (scale 1).
"""

from __future__ import annotations

from contextlib import ExitStack, closing

import numpy as np
import pandas as pd

from ..engine import Backend, DuckDBBackend
from ..engine.loan_periods import value_counts
from ..metrics.prepare import prepare
from ..profile import BankProfile
from .design import DEFAULT_COLUMNS, PERIOD, PP_SCALE, available_columns, build_design, default_terms
from .formula import Term, formula_text, parse_formula
from .logit import auc_ks, collinear_columns, fit_firth, fit_ml, loglik, null_loglik, wald
from .results import PER_PP, DriverModel, Fallback, ModelTerm
from .sample import check_columns, model_sample


def present_columns(backend: Backend, columns: pd.Index | list[str]) -> set[str]:
    """Which of the default model's columns hold at least one value (counted by the engine)."""
    cols = [c for c in DEFAULT_COLUMNS if c in columns]
    if not cols:
        return set()
    counts = backend.query(value_counts(cols), order_free=True)
    return {c for i, c in enumerate(cols) if int(counts[f"n{i}"].iloc[0]) > 0}


def resolve_terms(columns: pd.Index | list[str], formula: str | None, backend: Backend | None = None) -> list[Term]:
    """The default drivers (``backend`` counts which hold a value), or the terms of the user's
    formula (AnalysisError if it is wrong; only the column names are read)."""
    if formula is None or not formula.strip():
        assert backend is not None, "the default model needs the engine to see which columns hold values"
        return default_terms(present_columns(backend, columns))
    return parse_formula(formula, available_columns(columns))


def _separated_levels(X: np.ndarray, y: np.ndarray, names: list[str]) -> list[str]:
    """Dummy columns whose loans are all NPL or all performing (quasi-complete separation)."""
    dummies = np.array(["[" in n for n in names])
    if not dummies.any():
        return []
    counts = X.sum(axis=0)[dummies]
    events = (y @ X)[dummies]
    bad = (events == 0) | (events == counts)
    return [n for n, b in zip(np.array(names)[dummies], bad, strict=True) if b]


def fit_driver_model(frame: pd.DataFrame, formula: str | None = None, profile: BankProfile | None = None,
                     backend: Backend | None = None) -> DriverModel:
    """Fit the logistic default-driver model on the canonical loan table ``frame``.

    ``backend`` holds this run's registered ``ledger`` and ``ledger_rows`` (metrics/rows.py): the
    sample is made there, and ``frame`` is read only for its column names and dtypes. Without a
    backend the frame is prepared and registered with an own DuckDB, closed afterwards.
    """
    th = (profile or BankProfile()).thresholds
    with ExitStack() as stack:
        if formula is not None and formula.strip():
            resolve_terms(frame.columns, formula)        # a wrong formula fails before anything is computed
        check_columns(frame.columns)
        if backend is None:
            backend = stack.enter_context(closing(DuckDBBackend()))
            prepare(frame, th, backend)   # registers ledger and ledger_rows in ``backend``
        return _fit(frame, formula, th, backend)


def _fit(frame: pd.DataFrame, formula: str | None, th: dict[str, float], backend: Backend) -> DriverModel:
    terms = resolve_terms(frame.columns, formula, backend)
    text = formula_text(terms)
    if not terms:
        return DriverModel(text, False).not_fitted(
            "no_driver_column", "no driver column in the ledger (guarantee_type, industry, amount …)",
            columns=list(DEFAULT_COLUMNS))
    dtypes = {str(c): t for c, t in frame.dtypes.items()}
    sample = model_sample(backend, dtypes, [t.column for t in terms], th)
    if len(sample.y) == 0:
        return DriverModel(text, False).not_fitted(f"no_loan_{sample.design}", f"no loan to model ({sample.description})",
                                                   **sample.params)
    if sample.periods > 1:
        text += f" + C({PERIOD})"
    design = build_design(sample, terms, th["model_rare_share"], th["model_rare_events"])
    X, y, w = design.X, design.y, design.w
    n, events = len(y), int(y.sum())
    model = DriverModel(text, False, n=n, events=events, reference=dict(design.reference),
                        fallbacks=list(design.fallbacks), sampled=sample.sampled)
    min_events = int(th["model_min_events"])
    if n == 0:
        return model.not_fitted(f"no_loan_{sample.design}", f"no loan to model ({sample.description})", **sample.params)
    if events < min_events or n - events < min_events:
        kind, what, k = (("few_events", "events (NPL outcomes)", events) if events < min_events
                         else ("few_non_events", "non-events", n - events))
        return model.not_fitted(kind, f"too few {what}: {k} among {n} loans (need at least {min_events})",
                                k=k, n=n, minimum=min_events)
    dropped = collinear_columns(X)
    names = list(design.names)
    if dropped:
        gone = [names[j] for j in dropped]
        model.fallbacks.append(Fallback("collinear_dropped", "collinear columns left out: " + ", ".join(gone),
                                        {"terms": gone}))
        keep = [j for j in range(X.shape[1]) if j not in set(dropped)]
        X = X[:, keep]
        names = [names[j] for j in keep]

    why: Fallback | None
    separated = _separated_levels(X, y, names)
    if separated:
        why = Fallback("firth_separation", "quasi-separation: all or none NPL in " + ", ".join(separated),
                       {"terms": separated})
        fit = None
    elif events < X.shape[1]:
        why = Fallback("firth_few_events", f"fewer events ({events}) than parameters ({X.shape[1]})",
                       {"events": events, "parameters": X.shape[1]})
        fit = None
    else:
        fit, why = fit_ml(X, y, w)
    if fit is None:
        assert why is not None
        fit = fit_firth(X, y, sw=w)
        if fit is None:
            return model.not_fitted("fit_failed", "; ".join([f"{why.reason}; the penalised fit failed too",
                                                             *(f.reason for f in model.fallbacks)]),
                                    cause=why.kind, cause_reason=why.reason, cause_params=dict(why.params))
        model.fallbacks.append(Fallback(why.kind, f"{why.reason}: Firth-penalised fit", why.params))
    pvalues, low, high = wald(fit)
    eta = X @ fit.params
    llf, ll0 = loglik(y, eta, w), null_loglik(y, w)
    auc, ks = auc_ks(y, eta, w)
    with np.errstate(over="ignore"):
        odds = np.exp(fit.params)
    scales = [design.scales.get(name, 1.0) for name in names]
    model.terms = [
        ModelTerm(term=name, coef=float(c), odds_ratio=float(o), ci_low=float(lo), ci_high=float(hi),
                  pvalue=float(p) if np.isfinite(p) else None, scale=sc, unit=PER_PP if sc == PP_SCALE else None)
        for name, c, o, lo, hi, p, sc in zip(names, fit.params, odds, low, high, pvalues, scales, strict=True)
    ]
    model.fitted = True
    model.method = fit.method
    model.pseudo_r2 = float(1.0 - llf / ll0) if ll0 < 0 else None
    model.auc, model.ks = auc, ks
    if not fit.converged:
        model.fallbacks.append(Fallback("not_converged", "did not fully converge"))
    return model
