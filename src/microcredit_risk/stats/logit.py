"""Logistic fits for the driver model: statsmodels' Newton fit, a Firth-penalised fallback, and scores.

Firth's penalty (Jeffreys prior) keeps estimates finite under separation and with few events,
which is where the plain maximum-likelihood fit diverges; it is written here in numpy (chunked,
so a million rows do not need a second copy of the design) because statsmodels has no Firth logit.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm
from scipy import stats
from scipy.linalg import blas
from scipy.special import expit

from .results import Fallback

_CHUNK = 250_000
_Z95 = float(stats.norm.ppf(0.975))
DIVERGED_SE = 1e3     # a standard error this large means the likelihood is flat: (quasi-)separation
TIE_TOLERANCE = 1e-12  # linear predictors closer than this (relative) are one tie for AUC and KS


@dataclass
class LogitFit:
    params: np.ndarray
    bse: np.ndarray
    converged: bool
    method: str


def loglik(y: np.ndarray, eta: np.ndarray, w: np.ndarray | None = None) -> float:
    """Σ y·log p + (1−y)·log(1−p), computed stably from the linear predictor (each term × its weight)."""
    terms = np.logaddexp(0.0, np.where(y > 0, -eta, eta))
    return float(-np.sum(terms)) if w is None else float(-(w @ terms))


def null_loglik(y: np.ndarray, w: np.ndarray | None = None) -> float:
    p = float(y.mean()) if w is None else float(w @ y / w.sum())
    if p <= 0.0 or p >= 1.0:
        return 0.0
    n = len(y) if w is None else float(w.sum())
    return float(n * (p * np.log(p) + (1 - p) * np.log(1 - p)))


def sandwich_se(X: np.ndarray, y: np.ndarray, w: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Robust (HC0) standard errors for sampling weights: √diag(A⁻¹ B A⁻¹), A = Σ wᵢ pᵢ(1−pᵢ) xᵢxᵢ',
    B = Σ (wᵢ (yᵢ − pᵢ))² xᵢxᵢ' (the pseudo-likelihood's variance; statsmodels GLM with
    ``var_weights`` and ``cov_type="HC0"`` gives the same). Chunked, like the Firth fit."""
    p = expit(X @ params)
    bread = _weighted_gram(X, w * p * (1 - p))
    meat = _weighted_gram(X, (w * (y - p)) ** 2)
    inv = np.linalg.inv(bread)
    return np.sqrt(np.diag(inv @ meat @ inv))


def _fit_statsmodels(X: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, bool]:
    """Unweighted: Logit by Newton. Weighted: GLM Binomial with ``freq_weights`` (IRLS), so that the
    likelihood is the population's; its standard errors are then the sandwich (:func:`sandwich_se`)."""
    if w is None:
        res = sm.Logit(y, X, check_rank=False).fit(method="newton", maxiter=50, disp=0)
        return (np.asarray(res.params, dtype="float64"), np.asarray(res.bse, dtype="float64"),
                bool(res.mle_retvals.get("converged", False)))
    res = sm.GLM(y, X, family=sm.families.Binomial(), freq_weights=w).fit(maxiter=50)
    params = np.asarray(res.params, dtype="float64")
    return params, sandwich_se(X, y, w, params), bool(res.converged)


def fit_ml(X: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> tuple[LogitFit | None, Fallback | None]:
    """statsmodels Logit (Newton), or with sampling weights ``w`` a weighted GLM (:func:`_fit_statsmodels`).

    Returns (fit, None) or (None, why it cannot be trusted: a firth_* fallback)."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        try:
            params, bse, converged = _fit_statsmodels(X, y, w)
        except Exception as exc:  # noqa: BLE001 - LinAlgError, ValueError, PerfectSeparationError (older statsmodels)
            error = type(exc).__name__
            return None, Fallback("firth_ml_error", f"maximum-likelihood fit failed ({error})", {"error": error})
    kinds = {type(m.message).__name__ for m in caught}
    if "PerfectSeparationWarning" in kinds:
        return None, Fallback("firth_perfect_separation", "perfect separation")
    if not converged:
        return None, Fallback("firth_not_converged", "maximum-likelihood fit did not converge (likely quasi-separation)")
    if not (np.all(np.isfinite(params)) and np.all(np.isfinite(bse))) or np.any(bse > DIVERGED_SE):
        return None, Fallback("firth_diverged", "coefficients diverge (quasi-separation)")
    return LogitFit(params, bse, True, "logit"), None


def _weighted_gram(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    p = X.shape[1]
    out = np.zeros((p, p))
    for s in range(0, len(w), _CHUNK):
        xs = X[s:s + _CHUNK]
        out += (xs * w[s:s + _CHUNK, None]).T @ xs
    return out


def _hat_diag(X: np.ndarray, w: np.ndarray, inv: np.ndarray) -> np.ndarray:
    h = np.empty(len(w))
    for s in range(0, len(w), _CHUNK):
        xs = X[s:s + _CHUNK]
        h[s:s + _CHUNK] = np.einsum("ij,ij->i", xs @ inv, xs) * w[s:s + _CHUNK]
    return h


def _penalised(X: np.ndarray, y: np.ndarray, beta: np.ndarray,
               sw: np.ndarray | None = None) -> tuple[float, np.ndarray, np.ndarray]:
    eta = X @ beta
    p = expit(eta)
    w = np.clip(p * (1 - p), 1e-12, None)
    if sw is not None:
        w = w * sw
    info = _weighted_gram(X, w)
    sign, logdet = np.linalg.slogdet(info)
    value = loglik(y, eta, sw) + 0.5 * logdet if sign > 0 else -np.inf
    return value, p, info


def fit_firth(X: np.ndarray, y: np.ndarray, maxiter: int = 100, tol: float = 1e-7,
              sw: np.ndarray | None = None) -> LogitFit | None:
    """Firth-penalised logistic regression (Newton with step halving); None if it breaks down.

    With sampling weights ``sw`` the likelihood and the information are weighted (the modified
    score is X'(sw·(y − p) + h·(½ − p)), h the hat values of the weighted information), and the
    standard errors are the sandwich (:func:`sandwich_se`), as for the weighted maximum-likelihood fit.
    """
    beta = np.zeros(X.shape[1])
    if sw is None:
        beta[0] = np.log((y.sum() + 0.5) / (len(y) - y.sum() + 0.5))
    else:
        beta[0] = np.log((sw @ y + 0.5) / (sw @ (1 - y) + 0.5))
    value, p, info = _penalised(X, y, beta, sw)
    converged = False
    for _ in range(maxiter):
        try:
            inv = np.linalg.inv(info)
        except np.linalg.LinAlgError:
            return None
        if sw is None:
            h = _hat_diag(X, p * (1 - p), inv)
            score = X.T @ (y - p + h * (0.5 - p))
        else:
            h = _hat_diag(X, sw * p * (1 - p), inv)
            score = X.T @ (sw * (y - p) + h * (0.5 - p))
        step = inv @ score
        big = np.max(np.abs(step))
        if big > 5.0:
            step *= 5.0 / big
        for _half in range(30):
            cand = beta + step
            new_value, new_p, new_info = _penalised(X, y, cand, sw)
            if np.isfinite(new_value) and new_value >= value - 1e-10:
                break
            step /= 2.0
        else:
            return None
        beta, value, p, info = cand, new_value, new_p, new_info
        if np.max(np.abs(step)) < tol:
            converged = True
            break
    try:
        bse = np.sqrt(np.diag(np.linalg.inv(info))) if sw is None else sandwich_se(X, y, sw, beta)
    except np.linalg.LinAlgError:
        return None
    if not (np.all(np.isfinite(beta)) and np.all(np.isfinite(bse))):
        return None
    return LogitFit(beta, bse, converged, "penalised logit (Firth)")


def wald(fit: LogitFit) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two-sided Wald p-values and the 95% CI of the odds ratio."""
    with np.errstate(all="ignore"):
        z = fit.params / fit.bse
        pvalues = 2 * stats.norm.sf(np.abs(z))
        low = np.exp(fit.params - _Z95 * fit.bse)
        high = np.exp(fit.params + _Z95 * fit.bse)
    return pvalues, low, high


def tie_levels(score: np.ndarray, rel: float = TIE_TOLERANCE) -> np.ndarray:
    """Dense ranks of ``score`` (0, 1, 2 …) where neighbours closer than ``rel`` · max(1, max |score|) tie.

    Loans with the same covariates share one linear predictor in exact arithmetic, but ``X @ β``
    may differ in its last bits between BLAS builds and platforms; ranked as they are, such ties
    would be broken one way or another and AUC / KS would change from one machine to the next.
    Snapping them (rather than rounding to a grid, which splits a tie that straddles a rounding
    boundary) keeps every tie a tie; distinct scores are far more than 1e-12 apart.
    """
    if len(score) == 0:
        return np.zeros(0, dtype="int64")
    order = np.argsort(score, kind="stable")
    s = score[order]
    tol = rel * max(1.0, float(np.max(np.abs(s))))
    level = np.empty(len(s), dtype="int64")
    level[order] = np.cumsum(np.r_[False, np.diff(s) > tol])
    return level


def auc_ks(y: np.ndarray, score: np.ndarray, w: np.ndarray | None = None) -> tuple[float | None, float | None]:
    """Rank-based AUC (Mann–Whitney U / n1·n0, ties counted half) and the KS distance.

    Scores within 1e-12 (relative) of each other count as tied (:func:`tie_levels`), so the two
    numbers are the same on every platform. With sampling weights ``w`` each loan counts its weight
    (:func:`_weighted_auc_ks`): the numbers are the population's, as if every loan had been drawn.
    """
    if w is not None:
        return _weighted_auc_ks(y, score, w)
    n1 = float(y.sum())
    n0 = float(len(y) - n1)
    if n1 == 0 or n0 == 0:
        return None, None
    score = tie_levels(score).astype("float64")
    ranks = stats.rankdata(score)
    auc = (float(ranks[y > 0].sum()) - n1 * (n1 + 1) / 2) / (n1 * n0)
    order = np.argsort(score, kind="stable")
    s, yy = score[order], y[order]
    last_of_tie = np.r_[s[1:] != s[:-1], True]
    cum1 = np.cumsum(yy)[last_of_tie] / n1
    cum0 = np.cumsum(1 - yy)[last_of_tie] / n0
    ks = float(np.max(np.abs(cum1 - cum0)))
    return auc, ks


def _weighted_auc_ks(y: np.ndarray, score: np.ndarray, w: np.ndarray) -> tuple[float | None, float | None]:
    """AUC and KS with weights: per tie level the weight of events and of non-events; an event beats
    the non-event weight below its level and ties half of its own level's."""
    level = tie_levels(score)
    m = int(level.max()) + 1 if len(level) else 0
    w1 = np.bincount(level, weights=w * y, minlength=m)
    w0 = np.bincount(level, weights=w * (1 - y), minlength=m)
    n1, n0 = float(w1.sum()), float(w0.sum())
    if n1 <= 0 or n0 <= 0:
        return None, None
    below0 = np.cumsum(w0) - w0
    auc = float(w1 @ (below0 + 0.5 * w0)) / (n1 * n0)
    ks = float(np.max(np.abs(np.cumsum(w1) / n1 - np.cumsum(w0) / n0)))
    return auc, ks


def collinear_columns(X: np.ndarray, tol: float = 1e-9) -> list[int]:
    """Columns (after the first) that are linear combinations of the columns before them."""
    a = np.asfortranarray(X)
    upper = blas.dsyrk(1.0, a, trans=1)   # X'X, one triangle only: half the work of X.T @ X
    gram = np.triu(upper) + np.triu(upper, 1).T
    keep = [0]
    dropped: list[int] = []
    for j in range(1, X.shape[1]):
        g = gram[np.ix_(keep, keep)]
        b = gram[keep, j]
        try:
            resid = gram[j, j] - b @ np.linalg.solve(g, b)
        except np.linalg.LinAlgError:
            resid = 0.0
        if gram[j, j] <= 0 or resid <= tol * gram[j, j]:
            dropped.append(j)
        else:
            keep.append(j)
    return dropped
