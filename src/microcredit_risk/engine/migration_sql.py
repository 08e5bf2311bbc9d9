"""The migration aggregate: the t0 → t1 join of consecutive annual snapshots, as transition cells.

Every migration metric (METRICS.md: migration_rate, its opening/reduction/downward, the normal-loans
migration, NPL formation and cure rates, the transition matrices) is a formula on a few cells per
annual period × grade at t0 × grade at t1 (``exited`` included), so only those cells leave the engine.

The join assumes a loan has at most one row per snapshot (the ledger's validation refuses duplicate
(as_of, loan_id)): with a duplicate at t1 a t0 row would match twice and count twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from .aggregates import ROWS

# the cells' value columns: Σ balance at t0, Σ balance at t1 (0 for an exited loan), Σ reduction
CELL_SUMS = ("opening", "closing", "reduction")


def _position(codes: Sequence[int]) -> str:
    """The row's index in the annual series (a CASE on its snapshot code)."""
    whens = " ".join(f"WHEN {int(c)} THEN {i}" for i, c in enumerate(codes))
    return f"CASE date {whens} END"


def migration_cells(annual_codes: Sequence[int], exited: int) -> str:
    """Per annual period × grade t0 × grade t1: ``loans`` (count), ``opening`` Σ b0, ``closing`` Σ b1
    and ``reduction`` Σ max(b0 − b1, 0) (Σ b0 for an exited loan).

    ``period`` k is the index of t1 in ``annual_codes`` (t0 = k − 1). The rows of a snapshot are those
    with balance > 0 and a grade; a t0 loan without such a row at t1 has exited: t1 grade ``exited``,
    b1 = 0. Ordered by period, grade t0, grade t1.
    """
    codes = ", ".join(str(int(c)) for c in annual_codes)
    last = len(annual_codes) - 1
    g1 = f"COALESCE(b.grade, {int(exited)})"
    return f"""
WITH snap AS (
    SELECT {_position(annual_codes)} AS pos, loan, balance, grade
    FROM {ROWS}
    WHERE stock AND grade >= 0 AND date IN ({codes})
)
SELECT a.pos + 1 AS period, a.grade AS grade_t0, {g1} AS grade_t1,
       COUNT(*) AS loans,
       SUM(a.balance) AS opening,
       SUM(COALESCE(b.balance, 0.0)) AS closing,
       SUM(CASE WHEN b.loan IS NULL THEN a.balance ELSE GREATEST(a.balance - b.balance, 0.0) END) AS reduction
FROM snap AS a
LEFT JOIN snap AS b ON b.pos = a.pos + 1 AND b.loan = a.loan
WHERE a.pos < {last}
GROUP BY a.pos, a.grade, {g1}
ORDER BY period, grade_t0, grade_t1
"""
