"""The vintage aggregate: per annual snapshot × vintage, the loans seen by then and those NPL by then.

Loans → cohorts in one grouped query: each loan's first stock snapshot, first NPL stock snapshot and
vintage become, per vintage, counts of loans arriving (first seen / first NPL) at each annual
snapshot, and those few counts are summed up to each annual snapshot. Only the (annual × vintage)
counts leave the engine; the default rate is their ratio, in pandas.
"""

from __future__ import annotations

from collections.abc import Sequence

from .aggregates import ROWS, segment_column


def _reached(column: str, codes: Sequence[int]) -> str:
    """The index of the first annual snapshot at or after the snapshot in ``column`` (NULL: none)."""
    whens = " ".join(f"WHEN {column} <= {int(c)} THEN {i}" for i, c in enumerate(codes))
    return f"CASE {whens} END"


def vintage_counts(annual_codes: Sequence[int], npl_code: int) -> str:
    """Per annual snapshot index ``snapshot`` × ``vintage`` code: ``loans`` first seen with balance > 0
    at a snapshot ≤ it, and ``npl_loans`` of them with an NPL grade at a stock snapshot ≤ it.

    A loan's vintage is ``seg_vintage`` of its first stock row in ledger order (``row``), as the
    pandas groupby "first" had it: a loan whose origination date changes keeps its first one.
    Ordered by snapshot, vintage; a (snapshot, vintage) with no loan yet has ``loans`` 0.
    """
    seg = segment_column("vintage")
    annual = ", ".join(f"({i})" for i in range(len(annual_codes)))
    return f"""
WITH loans AS (
    SELECT MIN(date) AS first_date,
           MIN(CASE WHEN grade >= {int(npl_code)} THEN date END) AS first_npl_date,
           ARG_MIN({seg}, "row") AS vintage
    FROM {ROWS}
    WHERE stock
    GROUP BY loan
),
cohorts AS (
    SELECT vintage, {_reached("first_date", annual_codes)} AS seen_at,
           {_reached("first_npl_date", annual_codes)} AS npl_at, COUNT(*) AS n
    FROM loans
    GROUP BY vintage, seen_at, npl_at
)
SELECT a.k AS snapshot, c.vintage,
       CAST(SUM(CASE WHEN c.seen_at <= a.k THEN c.n ELSE 0 END) AS BIGINT) AS loans,
       CAST(SUM(CASE WHEN c.npl_at <= a.k THEN c.n ELSE 0 END) AS BIGINT) AS npl_loans
FROM cohorts AS c
CROSS JOIN (VALUES {annual}) AS a(k)
GROUP BY a.k, c.vintage
ORDER BY snapshot, vintage
"""
