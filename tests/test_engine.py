"""The engine layer: the DuckDB backend, the aggregate SQL on hand-computed rows, errors, transpiling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from microcredit_risk.engine import DuckDBBackend
from microcredit_risk.engine.aggregates import (
    ROWS,
    StockInputs,
    overdue_bucket_sums,
    period_sums,
    stock_customers,
    stock_sums,
)
from microcredit_risk.engine.backends import transpile
from microcredit_risk.errors import AnalysisError

GRADES = ("normal", "special_mention", "substandard", "doubtful", "loss")


def _rows() -> pd.DataFrame:
    # two snapshots; snapshot 0: three stock loans (one NPL, one overdue 100 days), one zero balance
    return pd.DataFrame({
        "date": [0, 0, 0, 0, 1],
        "period": [0, 0, 0, 0, 0],
        "stock": [True, True, True, False, True],
        "balance": [100.0, 50.0, 25.0, 0.0, 10.0],
        "grade": [0, 2, 1, 4, -1],
        "customer": [0, 0, 1, 2, -1],
        "floor": [0, 2, 0, 0, 0],
        "days_past_due": [0.0, 100.0, np.nan, 400.0, 5.0],
        "provision": [1.0, np.nan, 2.0, 9.0, 3.0],
        "interest_rate": [0.05, 0.10, np.nan, 0.2, 0.04],
        "write_off": [0.0, 0.0, 0.0, 7.5, np.nan],
        "seg_industry": [0, 1, 1, 0, 0],
    })


def _inputs() -> StockInputs:
    return StockInputs(grades=GRADES, npl_code=2, overdue90_days=90, days_past_due=True, provision=True,
                       interest_rate=True)


@pytest.fixture
def duck() -> DuckDBBackend:
    b = DuckDBBackend(memory_limit="256MB")
    b.register(ROWS, _rows())
    return b


def test_stock_sums_by_hand(duck: DuckDBBackend) -> None:
    out = duck.query(stock_sums(_inputs(), ["industry"]))
    p0 = out[(out["grouping"] == 0) & (out["date"] == 0)].iloc[0]
    assert (p0["loans"], p0["balance"], p0["npl_balance"], p0["npl_loans"]) == (3.0, 175.0, 50.0, 1.0)
    assert (p0["g_special_mention"], p0["overdue_balance"], p0["overdue90_balance"]) == (25.0, 50.0, 50.0)
    assert (p0["floor_breach_balance"], p0["floor_npl_balance"]) == (0.0, 50.0)
    assert p0["provision"] == 3.0                       # the missing provision counts 0, the zero balance not at all
    assert p0["rate_balance"] == 100 * 0.05 + 50 * 0.10 and p0["rated_balance"] == 150.0
    seg1 = out[(out["grouping"] == 1) & (out["date"] == 0) & (out["segment"] == 1)].iloc[0]
    assert (seg1["balance"], seg1["npl_balance"]) == (75.0, 50.0)
    p1 = out[(out["grouping"] == 0) & (out["date"] == 1)].iloc[0]
    assert (p1["balance"], p1["npl_balance"]) == (10.0, 0.0)  # a missing grade is not NPL
    # the distinct customers are a query of their own (a count: order-free, every core)
    who = duck.query(stock_customers(["industry"]), order_free=True)
    c0 = who[(who["grouping"] == 0) & (who["date"] == 0)].iloc[0]
    assert c0["customers"] == 2.0                       # customers 0 and 1; the zero-balance loan's customer is not stock
    c_seg1 = who[(who["grouping"] == 1) & (who["date"] == 0) & (who["segment"] == 1)].iloc[0]
    assert c_seg1["customers"] == 2.0
    c1 = who[(who["grouping"] == 0) & (who["date"] == 1)].iloc[0]
    assert c1["customers"] == 0.0                       # its one row has no customer


def test_period_and_bucket_sums(duck: DuckDBBackend) -> None:
    period = duck.query(period_sums(True, ["industry"]))
    whole = period[period["grouping"] == 0].iloc[0]
    assert (whole["rows"], whole["write_off"]) == (5.0, 7.5)
    buckets = duck.query(overdue_bucket_sums([30, 90, 180, 360])).sort_values(["date", "bucket"])
    assert buckets[["date", "bucket", "balance"]].to_numpy().tolist() == [[0, 2, 50.0], [1, 0, 10.0]]


def test_engine_error_is_coded(duck: DuckDBBackend) -> None:
    with pytest.raises(AnalysisError) as e:
        duck.query(f"SELECT no_such_column FROM {ROWS}")
    assert e.value.code == "E716"


def test_written_once_transpiles_to_spark() -> None:
    spark = transpile(stock_sums(_inputs(), ["industry"]), "spark")
    assert "UNION ALL" in spark and "GREATEST(grade, floor)" in spark
    assert "COUNT(DISTINCT" in transpile(stock_customers(["industry"]), "spark")


def test_options_reach_duckdb(tmp_path) -> None:
    b = DuckDBBackend(memory_limit="300MB", temp_directory=str(tmp_path), threads=1)
    got = b.query("SELECT current_setting('threads') AS t, current_setting('temp_directory') AS d").iloc[0]
    assert int(got["t"]) == 1 and got["d"] == str(tmp_path)
    b.close()


def test_a_bad_option_is_coded() -> None:
    with pytest.raises(AnalysisError) as e:
        DuckDBBackend(memory_limit="lots")
    assert e.value.code == "E716"
