"""The inclusive family's aggregate: per snapshot, the sums over inclusive small/micro stock rows.

A stock row is inclusive at a snapshot when the Σ size of its customer's stock rows there is ≤ the
ceiling and, when the ledger has customer_type, its own type is inclusive (``inclusive_type``). The
customer totals are a grouped subquery joined back to the rows (the rows probe it in ledger order,
so on one thread each sum adds its rows in the order ``np.bincount`` did). The ceiling and the NPL
grade come in as arguments: the engine knows no thresholds.
"""

from __future__ import annotations

from .aggregates import ROWS


def inclusive_sums(ceiling: float, npl_code: int, by_type: bool, interest_rate: bool) -> str:
    """Per snapshot with an inclusive row, ordered: ``balance``, ``npl_balance`` (grade ≥ ``npl_code``),
    ``customers`` (distinct) and, with ``interest_rate``, ``rate_balance`` (Σ rate · balance) and
    ``rated_balance`` over the rated rows. ``by_type``: also require ``inclusive_type``."""
    totals = (f"SELECT date, customer, SUM(size) AS total FROM {ROWS} WHERE stock AND customer >= 0 "
              f"GROUP BY date, customer")
    cols = ["SUM(r.balance) AS balance",
            f"SUM(CASE WHEN r.grade >= {int(npl_code)} THEN r.balance ELSE 0.0 END) AS npl_balance",
            "CAST(COUNT(DISTINCT r.customer) AS DOUBLE) AS customers"]
    if interest_rate:
        rated = "r.interest_rate IS NOT NULL"
        cols += [f"SUM(CASE WHEN {rated} THEN r.interest_rate * r.balance ELSE 0.0 END) AS rate_balance",
                 f"SUM(CASE WHEN {rated} THEN r.balance ELSE 0.0 END) AS rated_balance"]
    where = f"r.stock AND t.total <= {float(ceiling)!r}" + (" AND r.inclusive_type" if by_type else "")
    return (f"SELECT r.date, {', '.join(cols)} FROM {ROWS} r "
            f"JOIN ({totals}) t ON r.date = t.date AND r.customer = t.customer "
            f"WHERE {where} GROUP BY r.date ORDER BY r.date")
