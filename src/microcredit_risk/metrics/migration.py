"""Five-category migration between consecutive annual snapshots t0 → t1 (as_of = t1).

Loans are matched on loan_id through integer loan codes: the t1 balance and grade of every loan
are scattered into arrays indexed by loan code and read back for the t0 loans, so a period costs
two array passes. A t0 loan without balance > 0 at t1 has *exited*. The ``*_pooled`` matrices sum
every period's balance (count) cells before row-normalising (as_of = the last annual snapshot), so
large periods weigh more than small ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..ledger.contract import GRADES
from .prepare import NPL_CODE, Base
from .table import Skipped
from .tidy import div, rows

EXITED = len(GRADES)  # column code of `exited` in the transition matrix
TARGETS = np.asarray([*GRADES, "exited"], dtype=object)
MIGRATING = GRADES[:-1]  # grades with a migration rate (loss cannot move down)


def migration_rows(base: Base) -> tuple[list[pd.DataFrame], list[Skipped]]:
    annual = base.annual_codes
    if len(annual) < 2:
        need = "two annual snapshots"
        why = "migration compares consecutive year-end snapshots"
        return [], [Skipped(m, need, why) for m in ("migration_rate", "normal_loans_migration_rate",
                                                   "transition_share", "transition_count_share",
                                                   "transition_share_pooled", "transition_count_share_pooled",
                                                   "npl_formation_rate", "npl_cure_rate", "migration_opening",
                                                   "migration_reduction", "migration_downward")]
    out: list[pd.DataFrame] = []
    ok = base.stock & (base.grade >= 0)
    n_g = len(GRADES)
    pooled_bal = np.zeros((n_g, n_g + 1))
    pooled_cnt = np.zeros((n_g, n_g + 1))
    for k in range(1, len(annual)):
        frames, by_bal, by_cnt = _period(base, ok, int(annual[k - 1]), int(annual[k]), base.annual[k])
        out.extend(frames)
        pooled_bal += by_bal
        pooled_cnt += by_cnt
    out.extend(_matrix_rows(pooled_bal, pooled_cnt, np.datetime64(base.annual[-1], "ns"),
                            ("transition_share_pooled", "transition_count_share_pooled")))
    return out, []


def _matrix_rows(by_bal: np.ndarray, by_cnt: np.ndarray, dt: np.datetime64, names: tuple[str, str]
                 ) -> list[pd.DataFrame]:
    """Row-normalised transition matrices (balance, count): dimension = grade at t0, segment = at t1."""
    n_g = len(GRADES)
    share_bal = div(by_bal, by_bal.sum(axis=1, keepdims=True))
    share_cnt = div(by_cnt, by_cnt.sum(axis=1, keepdims=True))
    return [rows({names[0]: (share_bal[i], "ratio"), names[1]: (share_cnt[i], "ratio")},
                 np.repeat(dt, n_g + 1), GRADES[i], TARGETS)
            for i in np.flatnonzero(by_cnt.sum(axis=1) > 0)]


def _period(base: Base, ok: np.ndarray, c0: int, c1: int, when: pd.Timestamp
            ) -> tuple[list[pd.DataFrame], np.ndarray, np.ndarray]:
    """One period's rows, and its (grade t0 × grade t1 + exited) balance and count sums for pooling."""
    r0 = np.flatnonzero(ok & (base.date_code == c0))
    r1 = np.flatnonzero(ok & (base.date_code == c1))
    bal1_by = np.zeros(base.n_loans)
    g1_by = np.full(base.n_loans, EXITED, dtype=np.int64)
    bal1_by[base.loan[r1]] = base.balance[r1]
    g1_by[base.loan[r1]] = base.grade[r1]
    b0, g0 = base.balance[r0], base.grade[r0]
    b1, g1 = bal1_by[base.loan[r0]], g1_by[base.loan[r0]]
    matched = g1 != EXITED
    n_g = len(GRADES)

    opening = np.bincount(g0, weights=b0, minlength=n_g)
    reduction_each = np.where(matched, np.maximum(b0 - b1, 0.0), b0)
    reduction = np.bincount(g0, weights=reduction_each, minlength=n_g)
    down = matched & (g1 > g0)
    downward = np.bincount(g0[down], weights=b1[down], minlength=n_g)
    rate = div(downward, opening - reduction)
    present = np.bincount(g0, minlength=n_g) > 0
    mig = [i for i in range(len(MIGRATING)) if present[i]]
    dt = np.datetime64(when, "ns")
    frames = [rows({"migration_rate": (rate[mig], "ratio"), "migration_opening": (opening[mig], "yuan"),
                    "migration_reduction": (reduction[mig], "yuan"), "migration_downward": (downward[mig], "yuan")},
                   np.repeat(dt, len(mig)), None, np.asarray(GRADES, dtype=object)[mig])]

    perf0 = g0 < NPL_CODE
    to_npl = matched & perf0 & (g1 >= NPL_CODE)
    new_npl = b1[to_npl].sum()
    normal_denominator = (opening[:NPL_CODE] - reduction[:NPL_CODE]).sum()
    perf_present = perf0.any()
    scalar = {
        "normal_loans_migration_rate": (div(np.array([new_npl]), np.array([normal_denominator])), "ratio"),
        "npl_formation_rate": (div(np.array([new_npl]), np.array([b0[perf0].sum()])), "ratio"),
    }
    if perf_present:
        frames.append(rows(scalar, [dt]))
    npl0 = g0 >= NPL_CODE
    if npl0.any():   # NPL loans back to normal or special mention within the period (upgrades, not repayment)
        cured = b1[npl0 & matched & (g1 < NPL_CODE)].sum()
        frames.append(rows({"npl_cure_rate": (div(np.array([cured]), np.array([b0[npl0].sum()])), "ratio")}, [dt]))

    cell = g0 * (n_g + 1) + g1
    size = n_g * (n_g + 1)
    by_bal = np.bincount(cell, weights=b0, minlength=size).reshape(n_g, n_g + 1)
    by_cnt = np.bincount(cell, minlength=size).reshape(n_g, n_g + 1).astype("float64")
    frames.extend(_matrix_rows(by_bal, by_cnt, dt, ("transition_share", "transition_count_share")))
    return frames, by_bal, by_cnt
