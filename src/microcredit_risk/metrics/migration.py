"""Five-category migration between consecutive annual snapshots t0 → t1 (as_of = t1).

The engine joins each t0 loan to its t1 row on the loan code and returns the transition cells per
period × grade t0 × grade t1 (``exited`` included: a t0 loan without balance > 0 at t1):
Σ balance t0, count, Σ balance t1, Σ reduction (:func:`..engine.migration_sql.migration_cells`).
Every metric here is a formula on those cells. The ``*_pooled`` matrices sum every period's balance
(count) cells before row-normalising (as_of = the last annual snapshot), so large periods weigh more
than small ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine import Backend
from ..engine.migration_sql import CELL_SUMS, migration_cells
from ..ledger.contract import GRADES
from .prepare import NPL_CODE, Base
from .table import Skipped
from .tidy import div, rows

EXITED = len(GRADES)  # column code of `exited` in the transition matrix
TARGETS = np.asarray([*GRADES, "exited"], dtype=object)
MIGRATING = GRADES[:-1]  # grades with a migration rate (loss cannot move down)

Cells = dict[str, np.ndarray]  # "loans" and CELL_SUMS → (n_annual, n_grades, n_grades + 1), per period k


def migration_queries(base: Base) -> list[str]:
    """The SQL :func:`migration_rows` runs (none without two annual snapshots; ``Backend.prefetch``)."""
    annual = [int(c) for c in base.annual_codes]
    return [migration_cells(annual, EXITED)] if len(annual) >= 2 else []


def migration_rows(base: Base, backend: Backend) -> tuple[list[pd.DataFrame], list[Skipped]]:
    annual = base.annual_codes
    if len(annual) < 2:
        need = "two annual snapshots"
        why = "migration compares consecutive year-end snapshots"
        found = len(annual)
        return [], [Skipped(m, need, why, "snapshots", {"needed": 2, "found": found})
                    for m in ("migration_rate", "normal_loans_migration_rate", "transition_share",
                              "transition_count_share", "transition_share_pooled", "transition_count_share_pooled",
                              "npl_formation_rate", "npl_cure_rate", "migration_opening", "migration_reduction",
                              "migration_downward")]
    cells = transition_cells(backend, [int(c) for c in annual])
    out: list[pd.DataFrame] = []
    for k in range(1, len(annual)):
        out.extend(_period({n: a[k] for n, a in cells.items()}, base.annual[k]))
    out.extend(_matrix_rows(cells["opening"].sum(axis=0), cells["loans"].sum(axis=0),
                            np.datetime64(base.annual[-1], "ns"),
                            ("transition_share_pooled", "transition_count_share_pooled")))
    return out, []


def transition_cells(backend: Backend, annual_codes: list[int]) -> Cells:
    """The engine's cells as dense arrays [period, grade t0, grade t1] (0 where no loan moved so)."""
    result = backend.query(migration_cells(annual_codes, EXITED))
    n_g = len(GRADES)
    idx = (result["period"].to_numpy(dtype=np.int64), result["grade_t0"].to_numpy(dtype=np.int64),
           result["grade_t1"].to_numpy(dtype=np.int64))
    out: Cells = {}
    for name in ("loans", *CELL_SUMS):
        a = np.zeros((len(annual_codes), n_g, n_g + 1), dtype="float64")
        a[idx] = result[name].to_numpy(dtype="float64")
        out[name] = a
    return out


def _matrix_rows(by_bal: np.ndarray, by_cnt: np.ndarray, dt: np.datetime64, names: tuple[str, str]
                 ) -> list[pd.DataFrame]:
    """Row-normalised transition matrices (balance, count): dimension = grade at t0, segment = at t1."""
    n_g = len(GRADES)
    share_bal = div(by_bal, by_bal.sum(axis=1, keepdims=True))
    share_cnt = div(by_cnt, by_cnt.sum(axis=1, keepdims=True))
    return [rows({names[0]: (share_bal[i], "ratio"), names[1]: (share_cnt[i], "ratio")},
                 np.repeat(dt, n_g + 1), GRADES[i], TARGETS)
            for i in np.flatnonzero(by_cnt.sum(axis=1) > 0)]


def _period(cell: Cells, when: pd.Timestamp) -> list[pd.DataFrame]:
    """One period's rows from its (grade t0 × grade t1 + exited) cells."""
    bal, cnt, closing = cell["opening"], cell["loans"], cell["closing"]
    n_g = len(GRADES)
    opening = bal.sum(axis=1)
    reduction = cell["reduction"].sum(axis=1)
    down = np.triu(np.ones((n_g, n_g + 1), dtype=bool), k=1)   # matched (t1 < exited) and g1 > g0
    down[:, EXITED] = False
    downward = np.where(down, closing, 0.0).sum(axis=1)
    rate = div(downward, opening - reduction)
    present = cnt.sum(axis=1) > 0
    mig = [i for i in range(len(MIGRATING)) if present[i]]
    dt = np.datetime64(when, "ns")
    frames = [rows({"migration_rate": (rate[mig], "ratio"), "migration_opening": (opening[mig], "yuan"),
                    "migration_reduction": (reduction[mig], "yuan"), "migration_downward": (downward[mig], "yuan")},
                   np.repeat(dt, len(mig)), None, np.asarray(GRADES, dtype=object)[mig])]

    new_npl = closing[:NPL_CODE, NPL_CODE:EXITED].sum()        # performing at t0, matched NPL at t1
    normal_denominator = (opening[:NPL_CODE] - reduction[:NPL_CODE]).sum()
    scalar = {
        "normal_loans_migration_rate": (div(np.array([new_npl]), np.array([normal_denominator])), "ratio"),
        "npl_formation_rate": (div(np.array([new_npl]), np.array([bal[:NPL_CODE].sum()])), "ratio"),
    }
    if present[:NPL_CODE].any():
        frames.append(rows(scalar, [dt]))
    if present[NPL_CODE:].any():
        # NPL loans back to normal or special mention within the period (upgrades, not repayment)
        cured = closing[NPL_CODE:, :NPL_CODE].sum()
        frames.append(rows({"npl_cure_rate": (div(np.array([cured]), np.array([bal[NPL_CODE:].sum()])), "ratio")},
                           [dt]))
    frames.extend(_matrix_rows(bal, cnt, dt, ("transition_share", "transition_count_share")))
    return frames
