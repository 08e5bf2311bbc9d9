"""The book statistics' aggregates: per annual snapshot, the mean and the order statistics of a value.

A quartile is an interpolation between two order statistics (pandas' linear rule: position
h = q·(n − 1), value x₍⌊h⌋₎ + (x₍⌊h⌋+1₎ − x₍⌊h⌋₎)·(h mod 1)). The sort that finds them is the heavy
part, so it runs here, once for every value and snapshot (``ROW_NUMBER`` over a window); the
engine returns only the few ranks each quartile needs and ``metrics/book.py`` interpolates. Why not
``quantile_cont``: DuckDB's interpolation differs from pandas' in the last bits; SQLGlot (30.x) writes
``quantile_cont(x, q)`` as Spark's ``PERCENTILE_CONT(x, q)``, which Spark refuses (it wants ``WITHIN
GROUP``), and ``percentile_cont(q) WITHIN GROUP (ORDER BY x)`` as the *approximate*
``PERCENTILE_APPROX`` (1.0 for the p25 of 1, 2, 4, 10, not 1.75). Ranks are exact on every engine.
"""

from __future__ import annotations

from collections.abc import Sequence

from .aggregates import ROWS


def _values(columns: Sequence[str], dates: Sequence[int]) -> str:
    """One row per (value column, stock row at one of ``dates``) with a value: variable = the column's index."""
    codes = ", ".join(str(int(d)) for d in dates) or "NULL"
    return "\nUNION ALL\n".join(
        f"SELECT {i} AS variable, date, CAST({c} AS DOUBLE) AS x FROM {ROWS} "
        f"WHERE stock AND date IN ({codes}) AND {c} IS NOT NULL"
        for i, c in enumerate(columns))


def book_means(columns: Sequence[str], dates: Sequence[int]) -> str:
    """Per variable × snapshot: n (rows with a value) and the mean, over the stock at ``dates``."""
    return (f"WITH v AS ({_values(columns, dates)})\n"
            "SELECT variable, date, COUNT(*) AS n, AVG(x) AS mean FROM v "
            "GROUP BY variable, date ORDER BY variable, date")


def _rank_of(q: float) -> str:
    """⌊q·(n − 1)⌋ in double arithmetic, as pandas computes the lower rank (0-based)."""
    return f"CAST(FLOOR(CAST(n - 1 AS DOUBLE) * CAST({float(q)!r} AS DOUBLE)) AS BIGINT)"


def book_order_statistics(columns: Sequence[str], dates: Sequence[int], quantiles: Sequence[float]) -> str:
    """Per variable × snapshot: the values of rank k (0-based, ascending) that the ``quantiles`` need —
    ⌊q·(n − 1)⌋ and the next one — with n; ordered by variable, date, k."""
    wanted = " OR ".join(f"k = {_rank_of(q)} OR k = {_rank_of(q)} + 1" for q in quantiles) or "FALSE"
    return (f"WITH v AS ({_values(columns, dates)}),\n"
            "ranked AS (SELECT variable, date, x, "
            "ROW_NUMBER() OVER (PARTITION BY variable, date ORDER BY x) - 1 AS k, "
            "COUNT(*) OVER (PARTITION BY variable, date) AS n FROM v)\n"
            f"SELECT variable, date, n, k, x FROM ranked WHERE {wanted} ORDER BY variable, date, k")
