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


def loglik(y: np.ndarray, eta: np.ndarray) -> float:
    """Σ y·log p + (1−y)·log(1−p), computed stably from the linear predictor."""
    return float(-np.sum(np.logaddexp(0.0, np.where(y > 0, -eta, eta))))


def null_loglik(y: np.ndarray) -> float:
    p = float(y.mean())
    if p <= 0.0 or p >= 1.0:
        return 0.0
    return float(len(y) * (p * np.log(p) + (1 - p) * np.log(1 - p)))


def fit_ml(X: np.ndarray, y: np.ndarray) -> tuple[LogitFit | None, Fallback | None]:
    """statsmodels Logit (Newton). Returns (fit, None) or (None, why it cannot be trusted: a firth_* fallback)."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        try:
            res = sm.Logit(y, X, check_rank=False).fit(method="newton", maxiter=50, disp=0)
        except Exception as exc:  # noqa: BLE001 - LinAlgError, ValueError, PerfectSeparationError (older statsmodels)
            error = type(exc).__name__
            return None, Fallback("firth_ml_error", f"maximum-likelihood fit failed ({error})", {"error": error})
        params = np.asarray(res.params, dtype="float64")
        bse = np.asarray(res.bse, dtype="float64")
    kinds = {type(w.message).__name__ for w in caught}
    if "PerfectSeparationWarning" in kinds:
        return None, Fallback("firth_perfect_separation", "perfect separation")
    converged = bool(res.mle_retvals.get("converged", False))
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


def _penalised(X: np.ndarray, y: np.ndarray, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    eta = X @ beta
    p = expit(eta)
    w = np.clip(p * (1 - p), 1e-12, None)
    info = _weighted_gram(X, w)
    sign, logdet = np.linalg.slogdet(info)
    value = loglik(y, eta) + 0.5 * logdet if sign > 0 else -np.inf
    return value, p, info


def fit_firth(X: np.ndarray, y: np.ndarray, maxiter: int = 100, tol: float = 1e-7) -> LogitFit | None:
    """Firth-penalised logistic regression (Newton with step halving); None if it breaks down."""
    beta = np.zeros(X.shape[1])
    beta[0] = np.log((y.sum() + 0.5) / (len(y) - y.sum() + 0.5))
    value, p, info = _penalised(X, y, beta)
    converged = False
    for _ in range(maxiter):
        try:
            inv = np.linalg.inv(info)
        except np.linalg.LinAlgError:
            return None
        h = _hat_diag(X, p * (1 - p), inv)
        score = X.T @ (y - p + h * (0.5 - p))
        step = inv @ score
        big = np.max(np.abs(step))
        if big > 5.0:
            step *= 5.0 / big
        for _half in range(30):
            cand = beta + step
            new_value, new_p, new_info = _penalised(X, y, cand)
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
        bse = np.sqrt(np.diag(np.linalg.inv(info)))
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


def auc_ks(y: np.ndarray, score: np.ndarray) -> tuple[float | None, float | None]:
    """Rank-based AUC (Mann–Whitney U / n1·n0, ties counted half) and the KS distance.

    Scores within 1e-12 (relative) of each other count as tied (:func:`tie_levels`), so the two
    numbers are the same on every platform.
    """
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
