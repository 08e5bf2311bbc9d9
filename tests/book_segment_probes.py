"""Hand-computed tables for the book statistics' and the segment tests' engine SQL, for every backend.

``tests/test_engine_book.py`` runs them on DuckDB, ``tests/test_engine_spark.py`` on Spark: the
same registered tables, the same SQL text, the same expected values (worked out in the comments).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from microcredit_risk.engine.aggregates import LEDGER, ROWS
from microcredit_risk.engine.book_sql import book_means, book_order_statistics
from microcredit_risk.metrics.book import QUANTILES, interpolate
from microcredit_risk.stats.segments import latest_counts

NAN = np.nan


def book_table() -> pd.DataFrame:
    """ledger_rows for the book statistics: snapshots 0 and 2 annual, 1 not.

    date 0, size: 10, 1, 4, 2 in stock (a zero balance row of 999 and a NULL do not count);
    date 2, size: 3, 1, 7, 5, 100; term_months is NULL at date 2 (no row for it there).
    """
    size = [10.0, 1.0, 4.0, 999.0, 2.0, NAN, 50.0, 3.0, 1.0, 7.0, 5.0, 100.0]
    return pd.DataFrame({
        "row": np.arange(12, dtype=np.int64),
        "date": [0, 0, 0, 0, 0, 0, 1, 2, 2, 2, 2, 2],
        "stock": [True, True, True, False, True, True, True, True, True, True, True, True],
        "size": size,
        "term_months": [12.0, 24.0, NAN, 6.0, 36.0, 12.0, 1.0, NAN, NAN, NAN, NAN, NAN],
    })


# (variable, date) → mean, p25, median, p75 by hand (pandas' linear rule, h = q·(n − 1))
BOOK_WANT: dict[tuple[int, int], tuple[float, ...]] = {
    # 1 2 4 10: h = .75, 1.5, 2.25 → 1 + .75·1, 2 + .5·2, 4 + .25·6; mean 17/4
    (0, 0): (4.25, 1.75, 3.0, 5.5),
    # 1 3 5 7 100: h = 1, 2, 3 exactly → 3, 5, 7; mean 116/5
    (0, 2): (23.2, 3.0, 5.0, 7.0),
    # 12 12 24 36 (the NULL left out): h = .75, 1.5, 2.25 → 12, 12 + .5·12, 24 + .25·12; mean 21
    (1, 0): (21.0, 12.0, 18.0, 27.0),
}


def book_answers(backend: Any) -> dict[tuple[int, int], tuple[float, ...]]:
    """The engine's order statistics interpolated as metrics/book.py does, per (variable, date)."""
    backend.register(ROWS, book_table())
    columns, annual = ["size", "term_months"], [0, 2]
    means = backend.query(book_means(columns, annual))
    order = backend.query(book_order_statistics(columns, annual, list(QUANTILES.values())))
    out = {}
    for (var, date), m in means.groupby(["variable", "date"], sort=True):
        o = order.loc[(order["variable"] == var) & (order["date"] == date)]
        at = pd.Series(o["x"].to_numpy(dtype="float64"),
                       index=pd.MultiIndex.from_arrays([o["date"].to_numpy(dtype=np.int64),
                                                        o["k"].to_numpy(dtype=np.int64)]))
        n, when = m["n"].to_numpy(dtype=np.int64), m["date"].to_numpy(dtype=np.int64)
        out[(int(var), int(date))] = (float(m["mean"].iloc[0]),
                                      *(float(interpolate(n, q, at, when)[0]) for q in QUANTILES.values()))
    return out


def segment_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """ledger_rows and ledger for the segment counts: rows a–g at the latest snapshot (date 1), h before.

    row  stock grade  industry guarantee_type renewal_flag
    a    yes   0      A        Credit         true
    b    yes   2 NPL  A        credit         true
    c    yes   0      B        mortgage       false
    d    yes   3 NPL  —        pledge         false
    e    no    4      B        guarantee      true
    f    no    0      C        —              —
    g    yes   −1     A        —              —
    h    yes   4      Z        credit         true   (date 0: not the latest snapshot)
    customer_type has a value only on h.
    """
    rows = pd.DataFrame({"row": np.arange(8, dtype=np.int64), "date": [1, 1, 1, 1, 1, 1, 1, 0],
                         "stock": [True, True, True, True, False, False, True, True],
                         "grade": [0, 2, 0, 3, 4, 0, -1, 4]})
    ledger = pd.DataFrame({
        "row": np.arange(8, dtype=np.int64),
        "as_of": pd.to_datetime(["2023-12-31"] * 7 + ["2022-12-31"]),
        "industry": pd.Series(["A", "A", "B", None, "B", "C", "A", "Z"], dtype="str"),
        "guarantee_type": pd.Series(["Credit", "credit", "mortgage", "pledge", "guarantee", None, None, "credit"],
                                    dtype="str"),
        "renewal_flag": pd.array([True, True, False, False, True, None, None, True], dtype="boolean"),
        "customer_type": pd.Series([None] * 7 + ["x"], dtype="str"),
    })
    return rows, ledger


# per column, its counts at the latest snapshot (segment, loans, npl_loans), by hand: C and guarantee
# have rows but no loan with balance > 0, so they are no segment; None = the loans without a value
SEGMENT_WANT: dict[str, list[tuple[str | None, int, int]]] = {
    "industry": [("A", 3, 1), ("B", 1, 0), (None, 1, 1)],
    "guarantee_type": [("Credit", 1, 0), ("credit", 1, 1), ("mortgage", 1, 0), ("pledge", 1, 1), (None, 1, 0)],
    "renewal_flag": [("false", 2, 1), ("true", 2, 1), (None, 1, 0)],
}
SEGMENT_COLUMNS = ["industry", "guarantee_type", "renewal_flag", "customer_type", "region"]  # region: no such column


def segment_answers(backend: Any) -> tuple[dict[str, list[tuple[str | None, int, int]]], pd.Timestamp | None]:
    rows, ledger = segment_tables()
    backend.register(ROWS, rows)
    backend.register(LEDGER, ledger)
    counts, as_of = latest_counts(backend, SEGMENT_COLUMNS)
    got = {c: [(None if pd.isna(s) else str(s), int(n), int(k))
               for s, n, k in zip(t["segment"], t["loans"], t["npl_loans"], strict=True)]
           for c, t in counts.items()}
    return got, as_of
