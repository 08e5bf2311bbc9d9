"""One-year NPL projection: last annual grade distribution × the latest transition matrix (METRICS.md).

The matrix's ``exited`` column is added to ``normal`` (the book keeps its size: what leaves is
replaced by new performing loans). Stress: in each row the probabilities of moving to a worse
grade are multiplied by the stress factor; if they would exceed what the row leaves after its
better grades (``exited`` counted with ``normal``), they are scaled down to it; the diagonal
takes what remains. A grade whose row is missing (no such loans at t0; ``loss`` is never a
migration grade) is assumed to stay where it is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..ledger.contract import GRADES, NPL_GRADES
from ..metrics.table import Metrics, Skipped

EXITED = "exited"
_NPL = np.array([g in NPL_GRADES for g in GRADES])


def transition_matrix(metrics: Metrics) -> tuple[np.ndarray, pd.Timestamp] | None:
    """The latest period's balance-weighted transition matrix (rows = t0 grade, exited → normal)."""
    rows = metrics.frame.loc[(metrics.frame["metric"] == "transition_share") & metrics.frame["value"].notna()]
    if rows.empty:
        return None
    end = pd.Timestamp(rows["as_of"].max())
    rows = rows.loc[rows["as_of"] == end]
    to = rows["segment"].replace({EXITED: GRADES[0]})
    table = (rows.assign(to=to).pivot_table(index="dimension", columns="to", values="value", aggfunc="sum")
             .reindex(index=list(GRADES), columns=list(GRADES)))
    matrix = table.to_numpy(dtype="float64")
    present = ~np.isnan(matrix).all(axis=1)
    matrix = np.nan_to_num(matrix, nan=0.0)
    sums = matrix.sum(axis=1)
    present &= sums > 0
    matrix[present] /= sums[present, None]
    matrix[~present] = np.eye(len(GRADES))[~present]
    return matrix, end


def stress_matrix(matrix: np.ndarray, factor: float) -> np.ndarray:
    """Worse-grade probabilities × factor, capped at 1 − Σ better; the diagonal takes the rest."""
    k = matrix.shape[0]
    upper = np.triu(np.ones((k, k), dtype=bool), 1)     # j > i: a worse grade
    lower = np.tril(np.ones((k, k), dtype=bool), -1)    # j < i: a better grade
    # capped so an absurd factor cannot overflow to inf (inf × 0 would give NaN below)
    worse = np.where(upper, np.minimum(matrix * min(factor, 1e9), 1e9), 0.0)
    better = np.where(lower, matrix, 0.0)
    room = np.clip(1.0 - better.sum(axis=1), 0.0, None)
    total = worse.sum(axis=1)
    scale = np.ones_like(total)
    np.divide(room, total, out=scale, where=total > room)   # only where scaling down (no 0/0, no overflow)
    worse *= scale[:, None]
    out = better + worse
    out[np.diag_indices(k)] = np.clip(1.0 - out.sum(axis=1), 0.0, None)
    return out


def project_npl(metrics: Metrics, stress_factor: float) -> Metrics:
    """projected_npl_ratio (segment base / stress) at the last annual snapshot + 1 year."""
    shares = metrics.select("category_share")
    shares = shares.loc[shares["segment"].isin(GRADES) & shares["value"].notna()]
    found = transition_matrix(metrics)
    if found is None or shares.empty:
        needs = "a migration period (two annual snapshots)" if found is None else "category_share"
        kind, params = ("no_transition_matrix", {"needed": 2}) if found is None else ("metric_missing",
                                                                                     {"metric": "category_share"})
        return Metrics.concat([], [Skipped("projected_npl_ratio", needs,
                                           "the NPL projection needs the latest transition matrix and grade mix",
                                           kind, params)])
    matrix, _ = found
    last = pd.Timestamp(shares["as_of"].max())
    dist = (shares.loc[shares["as_of"] == last].set_index("segment")["value"]
            .reindex(list(GRADES)).fillna(0.0).to_numpy(dtype="float64"))
    when = last + pd.DateOffset(years=1)
    rows = []
    for segment, m in (("base", matrix), ("stress", stress_matrix(matrix, stress_factor))):
        projected = dist @ m
        rows.append({"metric": "projected_npl_ratio", "as_of": when, "dimension": None,
                     "segment": segment, "value": float(projected[_NPL].sum()), "unit": "ratio"})
    return Metrics.concat([pd.DataFrame(rows)])
