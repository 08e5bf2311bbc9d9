"""Two representative aggregates, written once in DuckDB SQL, that every backend must answer alike.

A test and benchmark probe, not product code: the product's aggregates are in engine/, which the
metrics read (tests/test_engine_spark.py runs those on Spark too).

They are the shapes the metrics need (docs/engines.md): a grouped stock sum with a conditional sum
and a distinct count (``segment_stock``, on the raw ledger), and the migration self-join between
consecutive annual snapshots (``migration_cells``: since the migration family moved into the engine,
the product's own aggregate over ``ledger_rows``, labelled, so the join has one definition). The SQL
is DuckDB's dialect; other backends transpile it with SQLGlot. Every query ends in a total ORDER BY
on its group keys, so row order is the same on every engine, and the sums are DOUBLE: within 1e-9
relative across engines (summation order differs by partition, the rounding error of n float64
additions is ≲ n·2⁻⁵³ of Σ|x|, ~1e-10 for 1M rows).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from microcredit_risk.engine import migration_sql
from microcredit_risk.errors import AnalysisError
from microcredit_risk.metrics.migration import EXITED, TARGETS
from microcredit_risk.metrics.prepare import Base, prepare
from microcredit_risk.metrics.rows import register_rows
from microcredit_risk.profile import BankProfile

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


def ledger_rows_of(frame: pd.DataFrame, backend: Any) -> Base:
    """Prepare a raw ledger frame and register its ``ledger`` and ``ledger_rows`` with ``backend``
    (what compute_metrics does first), so the product's aggregates can run on it."""
    base = prepare(frame, BankProfile().thresholds)
    register_rows(base, backend)
    return base


def migration_cells(backend: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """The product's migration aggregate (engine/migration_sql.py, the one definition of the t0 → t1
    join) on a raw ledger frame, in the probe's shape: per (t1, grade at t0, grade at t1 or 'exited'),
    the loans, Σ balance at t0 (the opening) and Σ positive reduction, sorted by the grade names."""
    base = ledger_rows_of(frame, backend)
    return probe_shape(backend.query(migration_sql_of(base)), base)


def migration_sql_of(base: Base) -> str:
    return migration_sql.migration_cells(base.annual_codes.tolist(), EXITED)


def probe_shape(cells: pd.DataFrame, base: Base) -> pd.DataFrame:
    """Product migration cells with period and grade codes as the annual date and the grade names."""
    names = np.asarray(TARGETS, dtype=object)
    out = cells.assign(as_of=np.asarray(base.annual, dtype="datetime64[ns]")[cells["period"].to_numpy(dtype=np.int64)],
                       grade_t0=names[cells["grade_t0"].to_numpy(dtype=np.int64)],
                       grade_t1=names[cells["grade_t1"].to_numpy(dtype=np.int64)])
    return by_names(out[[*MIGRATION_KEYS, "loans", "opening", "reduction"]])


MIGRATION_KEYS = ["as_of", "grade_t0", "grade_t1"]


def pandas_migration_cells(f: pd.DataFrame) -> pd.DataFrame:
    """An independent pandas reading of the migration join on the raw ledger (merge on loan_id),
    sorted by the grade names: the reference :func:`migration_cells` is checked against."""
    annual = sorted(f.groupby(f["as_of"].dt.year)["as_of"].max())
    st = f[(f["balance"] > 0) & f["five_category"].notna()][["as_of", "loan_id", "balance", "five_category"]]
    st = st.assign(grade=st["five_category"].astype(object)).drop(columns="five_category")
    parts = []
    for t0, t1 in zip(annual, annual[1:], strict=False):
        a = st[st["as_of"] == t0]
        b = st[st["as_of"] == t1][["loan_id", "balance", "grade"]]
        j = a.merge(b, on="loan_id", how="left", suffixes=("", "_1"))
        red = np.where(j["grade_1"].isna(), j["balance"], np.maximum(j["balance"] - j["balance_1"], 0.0))
        j = j.assign(as_of=t1, grade_t0=j["grade"], grade_t1=j["grade_1"].fillna("exited"), reduction=red)
        parts.append(j.groupby(MIGRATION_KEYS, sort=True).agg(
            loans=("balance", "size"), opening=("balance", "sum"), reduction=("reduction", "sum")).reset_index())
    return by_names(pd.concat(parts, ignore_index=True))


def by_names(cells: pd.DataFrame) -> pd.DataFrame:
    """Labelled migration cells sorted by (as_of, grade names), as the pandas reference is."""
    return cells.sort_values(MIGRATION_KEYS, kind="stable").reset_index(drop=True)


PROBES = {"segment_stock": segment_stock}


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
