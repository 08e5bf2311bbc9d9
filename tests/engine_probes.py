"""Two representative aggregates, written once in DuckDB SQL, that every backend must answer alike.

A test and benchmark probe, not product code: the product's aggregates are engine/aggregates.py, which
the metrics read (tests/test_engine_spark.py runs those on Spark too). The migration join here is an
independent reading of METRICS.md's migration sums until that family moves into the engine.

They are the shapes the metrics need (docs/engines.md): a grouped stock sum with a conditional sum
and a distinct count (``segment_stock``), and the migration self-join between consecutive annual
snapshots (``migration_cells``). The SQL is DuckDB's dialect; other backends transpile it with
SQLGlot. Every query ends in a total ORDER BY on its group keys, so row order is the same on every
engine, and the sums are DOUBLE: within 1e-9 relative across engines (summation order differs by
partition, the rounding error of n float64 additions is ≲ n·2⁻⁵³ of Σ|x|, ~1e-10 for 1M rows).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from microcredit_risk.errors import AnalysisError

_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
OVERDUE90_DAYS = 90  # metrics.toml overdue90_days: "days_past_due > 90"


def _identifier(name: str) -> str:
    """A column or table name put into SQL: plain snake_case only (no quoting, no injection)."""
    if not _NAME.match(name):
        raise AnalysisError("E790", value=name)
    return name


def segment_stock(table: str = "loans", dimension: str = "industry") -> str:
    """Per as_of × segment × grade over loans with balance > 0: loans, Σ balance, Σ balance with
    days_past_due > 90, distinct customers. A missing segment or grade stays NULL (sorted last)."""
    t, d = _identifier(table), _identifier(dimension)
    return f"""
SELECT as_of, {d} AS segment, CAST(five_category AS VARCHAR) AS grade,
       COUNT(*) AS loans,
       SUM(balance) AS balance,
       SUM(CASE WHEN days_past_due > {OVERDUE90_DAYS} THEN balance ELSE 0.0 END) AS overdue90_balance,
       COUNT(DISTINCT customer_id) AS customers
FROM {t}
WHERE balance > 0
GROUP BY as_of, {d}, CAST(five_category AS VARCHAR)
ORDER BY as_of, segment NULLS LAST, grade NULLS LAST
"""


def migration_cells(table: str = "loans") -> str:
    """Loans in stock (balance > 0, graded) at annual snapshot t0 left-joined on loan_id to the next
    annual snapshot t1: per (t1, grade at t0, grade at t1 or 'exited'), the loans, Σ balance at t0
    (the opening) and Σ positive reduction (all of the t0 balance for an exited loan). The annual
    snapshot is the last as_of of each calendar year (snapshots.py)."""
    t = _identifier(table)
    return f"""
WITH stock AS (
    SELECT as_of, loan_id, balance, CAST(five_category AS VARCHAR) AS grade
    FROM {t}
    WHERE balance > 0 AND five_category IS NOT NULL
),
annual AS (
    SELECT MAX(as_of) AS as_of FROM {t} GROUP BY YEAR(as_of)
),
periods AS (
    SELECT LAG(as_of) OVER (ORDER BY as_of) AS t0, as_of AS t1 FROM annual
)
SELECT p.t1 AS as_of, a.grade AS grade_t0, COALESCE(b.grade, 'exited') AS grade_t1,
       COUNT(*) AS loans,
       SUM(a.balance) AS opening,
       SUM(CASE WHEN b.loan_id IS NULL THEN a.balance
                ELSE GREATEST(a.balance - b.balance, 0.0) END) AS reduction
FROM periods p
JOIN stock a ON a.as_of = p.t0
LEFT JOIN stock b ON b.as_of = p.t1 AND b.loan_id = a.loan_id
GROUP BY p.t1, a.grade, COALESCE(b.grade, 'exited')
ORDER BY as_of, grade_t0, grade_t1
"""


PROBES = {"segment_stock": segment_stock, "migration_cells": migration_cells}


def normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """An engine's answer in one shape for comparing: timestamps in ns, counts int64, NULL as None."""
    out = frame.reset_index(drop=True).copy()
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[c] = s.astype("datetime64[ns]")
        elif pd.api.types.is_integer_dtype(s):
            out[c] = s.astype("int64")
        elif pd.api.types.is_float_dtype(s):
            out[c] = s.astype("float64")
        else:
            out[c] = s.astype(object).where(s.notna(), None)
    return out


def disagreement(left: pd.DataFrame, right: pd.DataFrame, rtol: float = 1e-9) -> str | None:
    """Why two answers differ (columns, row count, a key, or a value beyond ``rtol`` relative), or None."""
    a, b = normalised(left), normalised(right)
    if list(a.columns) != list(b.columns):
        return f"columns {list(a.columns)} != {list(b.columns)}"
    if len(a) != len(b):
        return f"{len(a)} rows != {len(b)} rows"
    for c in a.columns:
        x, y = a[c], b[c]
        if pd.api.types.is_float_dtype(x) and pd.api.types.is_float_dtype(y):
            xv, yv = x.to_numpy(), y.to_numpy()
            bad = ~np.isclose(xv, yv, rtol=rtol, atol=0.0, equal_nan=True)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                return f"{c} row {i}: {xv[i]!r} != {yv[i]!r}"
        elif not x.equals(y):
            i = int(np.flatnonzero((x != y).to_numpy())[0])
            return f"{c} row {i}: {x[i]!r} != {y[i]!r}"
    return None


def max_relative_difference(left: pd.DataFrame, right: pd.DataFrame) -> float:
    """The largest |a − b| / |b| over the float columns of two agreeing answers (0 where b = 0 = a)."""
    a, b = normalised(left), normalised(right)
    worst = 0.0
    for c in a.columns:
        if pd.api.types.is_float_dtype(a[c]):
            x, y = a[c].to_numpy(), b[c].to_numpy()
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(x == y, 0.0, np.abs(x - y) / np.abs(y))
            worst = max(worst, float(np.nanmax(r)) if len(r) else 0.0)
    return worst
