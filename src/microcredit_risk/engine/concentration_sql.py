"""The concentration family's aggregates: per snapshot, figures of the customer (and group) balances.

A customer's balance at a snapshot is Σ balance of its stock rows (customer ≥ 0). There can be
millions of customers per snapshot, so nothing per customer leaves the engine: one window pass over
the customers in ascending balance order (ties broken by customer code, so that positions are the
same on every engine) gives the per-snapshot sums behind top-N, HHI and Gini and the few customers
next to the Lorenz curve's population shares (:func:`customer_points`). The formulas on these sums
stay in ``metrics.concentration``.
"""

from __future__ import annotations

from .aggregates import ROWS


def _holders(holder: str) -> str:
    """Per snapshot × holder (customer or group code ≥ 0): Σ balance of its stock rows."""
    return (f"SELECT date, {holder} AS holder, SUM(balance) AS x FROM {ROWS} "
            f"WHERE stock AND {holder} >= 0 GROUP BY date, {holder}")


def customer_points(top_n: int, steps: int) -> str:
    """Per snapshot with customers × population share k/steps (k = 0 … steps), ordered: the snapshot's
    ``customers`` (n), ``top1`` and ``top_n`` (Σ of the largest 1 and ``top_n``), ``sum_x``, ``sum_x2``
    (HHI) and ``weighted`` (Σ ascending position · x, Gini: equal balances swapping positions leave it
    unchanged), repeated on each of its rows; and the Lorenz neighbours of k: ``below``, Σ of the
    i = ⌊k·n/steps⌋ smallest (the running Σ before position i + 1; ``sum_x`` when i = n), and ``next``,
    the (i+1)-th smallest balance (0 when i = n).

    Only the customers at position i + 1 of some k (or at n) leave the window pass (``needed``: some
    k has i = pos − 1, i.e. the least k·n ≥ (pos − 1)·steps is < pos·steps), so the join with the
    shares is ≤ (steps + 1)² rows a snapshot, whatever the number of customers.
    """
    s = int(steps)
    w = "PARTITION BY date ORDER BY x, holder"
    ranked = (f"SELECT date, x, ROW_NUMBER() OVER ({w}) AS pos, COUNT(*) OVER (PARTITION BY date) AS n, "
              f"COALESCE(SUM(x) OVER ({w} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0.0) AS cum_excl "
              f"FROM ({_holders('customer')}) c")
    least_k = f"(({s} * (pos - 1) + n - 1) // n)"  # the least k with k·n ≥ (pos − 1)·steps
    needed = f"pos = n OR ({least_k} < {s} AND {least_k} * n < {s} * pos)"
    summary = (f"SELECT date, CAST(COUNT(*) AS DOUBLE) AS customers, MAX(x) AS top1, "
               f"SUM(CASE WHEN pos > n - {int(top_n)} THEN x ELSE 0.0 END) AS top_n, SUM(x) AS sum_x, "
               f"SUM(x * x) AS sum_x2, SUM(CAST(pos AS DOUBLE) * x) AS weighted FROM r GROUP BY date")
    ks = ", ".join(f"({k})" for k in range(s + 1))
    i = f"(p.k * g.n) // {s}"
    return (f"WITH r AS ({ranked}), m AS ({summary}), g AS (SELECT * FROM r WHERE {needed}), "
            f"p AS (SELECT k FROM (VALUES {ks}) AS t(k)) "
            f"SELECT m.date, p.k, m.customers, m.top1, m.top_n, m.sum_x, m.sum_x2, m.weighted, "
            f"CASE WHEN {i} < g.n THEN g.cum_excl ELSE m.sum_x END AS below, "
            f"CASE WHEN {i} < g.n THEN g.x ELSE 0.0 END AS next "
            f"FROM m JOIN g ON g.date = m.date JOIN p ON g.pos = LEAST({i} + 1, g.n) ORDER BY m.date, p.k")


def largest_group() -> str:
    """Per snapshot with a group: the largest Σ balance of one group's stock rows (group code ≥ 0)."""
    return f"SELECT date, MAX(x) AS largest FROM ({_holders('grp')}) g GROUP BY date ORDER BY date"
