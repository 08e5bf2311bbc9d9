"""The segment tests' aggregate: loan and NPL loan counts per value of a ledger column, latest snapshot.

The statistics' Fisher and χ² tests (stats/segments.py) need only, per segment of a dimension, the
loans with balance > 0 and how many of them are NPL. The values are the ledger's own (``ledger``,
joined on ``row``): a segment test names the value as written, and a missing value is its own row
here (``segment`` NULL), so the caller can count those loans in "the rest" without making them a
segment. ``rows`` counts every row of the snapshot, stock or not: whether the column has a value
at all in the snapshot decides whether the dimension is tested.
"""

from __future__ import annotations

from collections.abc import Sequence

from .aggregates import LEDGER, ROWS


def latest_segment_counts(columns: Sequence[str], npl_code: int) -> str:
    """Per column (``grouping`` = its index) × its value as text (NULL = missing) at the latest snapshot:
    ``rows``, ``loans`` (balance > 0) and ``npl_loans`` (grade code ≥ ``npl_code``)."""
    picked = ", ".join(f"l.{c} AS {c}" for c in columns)
    latest = (f"SELECT r.stock AS stock, r.grade >= {int(npl_code)} AS npl, {picked} "
              f"FROM {ROWS} AS r JOIN {LEDGER} AS l ON l.row = r.row "
              f"WHERE r.date = (SELECT MAX(date) FROM {ROWS})")
    parts = [f"SELECT {i} AS grouping, CAST({c} AS VARCHAR) AS segment, COUNT(*) AS rows, "
             f"COUNT(*) FILTER (WHERE stock) AS loans, COUNT(*) FILTER (WHERE stock AND npl) AS npl_loans "
             f"FROM latest GROUP BY {c}" for i, c in enumerate(columns)]
    return f"WITH latest AS ({latest})\n" + "\nUNION ALL\n".join(parts) + "\nORDER BY grouping, segment"


def latest_as_of() -> str:
    """The latest snapshot date of the ledger (the last annual snapshot: the latest of its year)."""
    return f"SELECT MAX(as_of) AS as_of FROM {LEDGER}"


def ledger_columns() -> str:
    """No rows, only the registered ledger's columns (which dimensions it has)."""
    return f"SELECT * FROM {LEDGER} LIMIT 0"
