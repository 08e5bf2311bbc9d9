"""Benchmark for docs/engines.md: the two probe aggregates as SQL+SQLGlot and as Ibis, on DuckDB and Spark.

Run: ``PYTHONPATH=src python benchmarks/engines.py [--loans 200000] [--sample sme_bank]``
(needs ``pip install duckdb sqlglot pyspark 'ibis-framework[duckdb,pyspark]'`` and Java 17).
Every answer is checked against a pandas reference (and the reference against compute_metrics) to
1e-9 relative; prints one line per (frame, aggregate, route, engine) with the wall time.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))   # tests/engine_probes.py
from engine_probes import (
    MIGRATION_KEYS,
    disagreement,
    ledger_rows_of,
    max_relative_difference,
    migration_sql_of,
    pandas_migration_cells,
    probe_shape,
    segment_stock,
)

from microcredit_risk.engine.spark import SparkBackend, session

KEYS = {"segment_stock": ["as_of", "segment", "grade"], "migration_cells": MIGRATION_KEYS}


# ---- the pandas reference ----------------------------------------------------------------------

def pandas_segment_stock(f: pd.DataFrame, dim: str = "industry") -> pd.DataFrame:
    s = f[f["balance"] > 0].assign(segment=lambda x: x[dim].astype(object), grade=lambda x: x["five_category"].astype(object))
    s = s.assign(o90=np.where(s["days_past_due"] > 90, s["balance"], 0.0))
    g = s.groupby(["as_of", "segment", "grade"], dropna=False, sort=True)
    out = g.agg(loans=("balance", "size"), balance=("balance", "sum"), overdue90_balance=("o90", "sum"),
                customers=("customer_id", "nunique")).reset_index()
    return out.sort_values(KEYS["segment_stock"], na_position="last", kind="stable").reset_index(drop=True)


def check_against_metrics(f: pd.DataFrame, seg: pd.DataFrame, mig: pd.DataFrame) -> None:
    """The reference summed over grade equals compute_metrics' own rows (the project's pandas path)."""
    from microcredit_risk.metrics import compute_metrics

    m = compute_metrics(f).frame
    by_seg = seg.dropna(subset=["segment"]).groupby(["as_of", "segment"])[["balance", "overdue90_balance", "loans"]].sum()
    got = m[(m["dimension"] == "industry") & m["metric"].isin(["balance", "overdue90_balance", "loans"])]
    got = got.pivot_table(index=["as_of", "segment"], columns="metric", values="value").loc[by_seg.index]
    assert np.allclose(got[by_seg.columns].to_numpy(), by_seg.to_numpy(), rtol=1e-9, atol=0), "segment_stock"
    op = mig.assign(as_of=mig["as_of"].astype("datetime64[ns]")).groupby(["as_of", "grade_t0"])[["opening", "reduction"]].sum()
    mm = m[m["metric"].isin(["migration_opening", "migration_reduction"])]
    mm = mm.assign(as_of=mm["as_of"].astype("datetime64[ns]")).pivot_table(index=["as_of", "segment"], columns="metric", values="value")
    joined = op.join(mm.rename_axis(["as_of", "grade_t0"]), how="inner")
    assert len(joined) == len(mm) > 0
    assert np.allclose(joined["opening"], joined["migration_opening"], rtol=1e-9, atol=0), "opening"
    assert np.allclose(joined["reduction"], joined["migration_reduction"], rtol=1e-9, atol=0), "reduction"


# ---- Ibis --------------------------------------------------------------------------------------

def ibis_segment_stock(t: Any, dim: str = "industry") -> Any:
    import ibis

    s = t.filter(t.balance > 0)
    o90 = ibis.cases((s.days_past_due > 90, s.balance), else_=0.0)
    out = s.group_by(as_of=s.as_of, segment=s[dim], grade=s.five_category.cast("string")).aggregate(
        loans=s.count(), balance=s.balance.sum(), overdue90_balance=o90.sum(),
        customers=s.customer_id.nunique())
    return out.order_by([out.as_of, out.segment.asc(nulls_first=False), out.grade.asc(nulls_first=False)])


def ibis_migration_cells(t: Any) -> Any:
    import ibis

    stock = t.filter((t.balance > 0) & t.five_category.notnull()).select(
        "as_of", "loan_id", "balance", grade=t.five_category.cast("string"))
    annual = t.group_by(year=t.as_of.year()).aggregate(as_of=t.as_of.max())
    periods = annual.select(t0=annual.as_of.lag().over(ibis.window(order_by=annual.as_of)), t1=annual.as_of)
    a = stock.rename(a_as_of="as_of", a_loan="loan_id", a_bal="balance", a_grade="grade")
    b = stock.rename(b_as_of="as_of", b_loan="loan_id", b_bal="balance", b_grade="grade")
    j = periods.join(a, periods.t0 == a.a_as_of)
    j = j.left_join(b, [j.t1 == b.b_as_of, j.a_loan == b.b_loan])
    red = ibis.cases((j.b_loan.isnull(), j.a_bal), else_=ibis.greatest(j.a_bal - j.b_bal, 0.0))
    out = j.group_by(as_of=j.t1, grade_t0=j.a_grade, grade_t1=j.b_grade.fill_null("exited")).aggregate(
        loans=j.count(), opening=j.a_bal.sum(), reduction=red.sum())
    return out.order_by(["as_of", "grade_t0", "grade_t1"])


# ---- runs (each route once to warm it, then the best of three) --------------------------------------------------------------------------------------

def timed(fn: Callable[[], pd.DataFrame], repeat: int = 1) -> tuple[pd.DataFrame, float]:
    """The answer and the best of ``repeat`` wall times (the machine is shared: the minimum is the signal)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return out, best


def import_time(stmt: str) -> float:
    code = f"import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)


def run(label: str, f: pd.DataFrame, spark: Any, with_metrics: bool) -> None:
    import ibis

    ref = {"segment_stock": pandas_segment_stock(f), "migration_cells": pandas_migration_cells(f)}
    if with_metrics:
        check_against_metrics(f, ref["segment_stock"], ref["migration_cells"])
        print(f"{label}: pandas reference = compute_metrics rows (rtol 1e-9)")
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.register("loans", f)
    base = ledger_rows_of(f, con)   # migration reads the product's ledger_rows (engine/migration_sql.py)
    sql = {"segment_stock": segment_stock(), "migration_cells": migration_sql_of(base)}
    shape: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
        "segment_stock": lambda x: x, "migration_cells": lambda x: probe_shape(x, base)}
    ib = {"segment_stock": ibis_segment_stock, "migration_cells": ibis_migration_cells}
    sb = SparkBackend(spark=spark)
    _, t_reg = timed(lambda: (sb.register("loans", f), pd.DataFrame())[1])
    ledger_rows_of(f, sb)
    print(f"{label}: {len(f):,} rows; Spark register (Arrow) {t_reg:.2f} s")
    idk = ibis.duckdb.connect(threads=2)
    idk.con.register("loans", f)   # ibis 12's create_table emits "DROP VIEW IF EXISTS" that DuckDB 2.0 rejects
    idk_t = idk.table("loans")
    idk.con.register("loans_str", f.assign(five_category=f["five_category"].astype(object)))
    idk_s = idk.table("loans_str")   # Ibis types a DuckDB ENUM as string, so its cast("string") is dropped
    isp = ibis.pyspark.connect(spark)
    isp_t = isp.table("loans")
    for name in sql:
        runs = {
            ("sql", "duckdb"): lambda n=name: shape[n](con.execute(sql[n]).df()),
            ("sql", "spark"): lambda n=name: shape[n](sb.query(sql[n])),
            ("ibis", "duckdb"): lambda n=name: ib[n](idk_t).execute(),
            ("ibis", "spark"): lambda n=name: ib[n](isp_t).execute(),
            ("ibis", "duckdb*"): lambda n=name: ib[n](idk_s).execute(),
        }
        for (route, engine), fn in runs.items():
            try:
                fn()   # warm (JIT, plan caches); the second run is timed
                out, secs = timed(fn, repeat=3)
                why = disagreement(out, ref[name])
                diff = max_relative_difference(out, ref[name]) if why is None else float("nan")
                print(f"{label} {name:16s} {route:4s} {engine:7s} {secs:7.2f} s rows={len(out):5d} "
                      f"{'agree' if why is None else 'DIFFER: ' + why} max_rel={diff:.1e}")
            except Exception as e:  # noqa: BLE001 - a benchmark reports every route's failure and goes on
                print(f"{label} {name:16s} {route:4s} {engine:7s} FAILED {type(e).__name__}: {str(e)[:300]}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loans", type=int, default=200_000)
    ap.add_argument("--sample", default="data/sample/sme_bank.xlsx")
    ap.add_argument("--skip-big", action="store_true")
    args = ap.parse_args()
    for stmt in ("import duckdb", "import sqlglot", "import ibis", "import pyspark.sql"):
        print(f"{stmt}: {import_time(stmt):.2f} s")
    t = time.perf_counter()
    spark = session({"spark.sql.shuffle.partitions": "2", "spark.ui.enabled": "false", "spark.driver.memory": "2g",
                     "spark.ui.showConsoleProgress": "false",
                     "spark.sql.execution.arrow.maxRecordsPerBatch": "100000"})
    print(f"SparkSession local[2] start: {time.perf_counter() - t:.1f} s (Spark {spark.version})")
    from microcredit_risk.ledger.load import load_ledger

    run("sample", load_ledger(args.sample).frame, spark, with_metrics=True)
    if not args.skip_big:
        sys.path.insert(0, "benchmarks")
        from metrics import synthetic_frame  # type: ignore[import-not-found]

        run("1M", synthetic_frame(args.loans), spark, with_metrics=False)
    spark.stop()


if __name__ == "__main__":
    main()
