"""The engine's aggregates give the same answer on DuckDB and on Spark, and so do the probes.

The product's aggregates (engine/aggregates.py, migration_sql.py, vintage_sql.py, read by compute_metrics)
run on both engines: every metric row must agree, and so must the migration cells and vintage counts, on
the hand-computed ledgers and the sample. The probes (tests/engine_probes.py) add the dialect traps.

DuckDB always runs; Spark runs in local mode (one session for the module) and is skipped only when
pyspark or a Java runtime is absent. Values agree within 1e-9 relative, rows and their order exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cohort_ledger as cohort
import numpy as np
import pandas as pd
import pytest
from book_segment_probes import BOOK_WANT, SEGMENT_WANT, book_answers, segment_answers
from customer_ledger import PROFILE, customer_ledger
from engine_probes import (
    disagreement,
    ledger_rows_of,
    migration_cells,
    migration_sql_of,
    pandas_migration_cells,
    segment_stock,
)
from test_concentration_engine import check_expected

from microcredit_risk.engine.aggregates import ROWS
from microcredit_risk.engine.backends import DuckDBBackend
from microcredit_risk.engine.book_sql import book_order_statistics
from microcredit_risk.engine.rows_sql import key_table
from microcredit_risk.engine.spark import SparkBackend, _master_given, spark_missing, to_dialect
from microcredit_risk.engine.vintage_sql import vintage_counts
from microcredit_risk.errors import AnalysisError
from microcredit_risk.ledger.contract import GRADE_DTYPE
from microcredit_risk.ledger.load import load_ledger
from microcredit_risk.metrics import compute_metrics
from microcredit_risk.metrics.prepare import NPL_CODE, prepare
from microcredit_risk.metrics.rows import register_rows
from microcredit_risk.metrics.table import Metrics
from microcredit_risk.profile import BankProfile
from microcredit_risk.stats.compute import table_statistics

duckdb = pytest.importorskip("duckdb")
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "sme_bank.xlsx"
# pyspark 4.0's toPandas passes copy= to astype, which pandas 3 deprecates: theirs, not ours
pytestmark = pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")


DuckDB = DuckDBBackend


def tiny() -> pd.DataFrame:
    """Two year-ends and a mid-year snapshot (not annual); L4 has no balance; L5 has no industry."""
    rows = [  # as_of, loan, customer, industry, grade, balance, days past due
        ("2022-12-31", "L1", "C1", "A", "normal", 100.0, 0.0),
        ("2022-12-31", "L7", "C1", "A", "normal", 20.0, 0.0),
        ("2022-12-31", "L2", "C1", "A", "substandard", 50.0, 120.0),
        ("2022-12-31", "L3", "C2", "B", "normal", 30.0, 0.0),
        ("2022-12-31", "L4", "C3", "A", "normal", 0.0, 0.0),
        ("2022-12-31", "L5", "C3", None, "normal", 10.0, 95.0),
        ("2023-06-30", "L1", "C1", "A", "normal", 90.0, 0.0),
        ("2023-12-31", "L1", "C1", "A", "normal", 80.0, 0.0),
        ("2023-12-31", "L2", "C1", "A", "doubtful", 60.0, 200.0),
        ("2023-12-31", "L5", "C3", None, "special_mention", 10.0, 30.0),
        ("2023-12-31", "L6", "C4", "B", "normal", 40.0, 0.0),
    ]
    f = pd.DataFrame(rows, columns=["as_of", "loan_id", "customer_id", "industry", "five_category", "balance",
                                    "days_past_due"])
    return f.assign(as_of=pd.to_datetime(f["as_of"]), five_category=f["five_category"].astype(GRADE_DTYPE))


TINY_STOCK = [  # as_of, segment, grade, loans, balance, overdue90_balance, customers (by hand)
    ("2022-12-31", "A", "normal", 2, 120.0, 0.0, 1),
    ("2022-12-31", "A", "substandard", 1, 50.0, 50.0, 1),
    ("2022-12-31", "B", "normal", 1, 30.0, 0.0, 1),
    ("2022-12-31", None, "normal", 1, 10.0, 10.0, 1),
    ("2023-06-30", "A", "normal", 1, 90.0, 0.0, 1),
    ("2023-12-31", "A", "doubtful", 1, 60.0, 60.0, 1),
    ("2023-12-31", "A", "normal", 1, 80.0, 0.0, 1),
    ("2023-12-31", "B", "normal", 1, 40.0, 0.0, 1),
    ("2023-12-31", None, "special_mention", 1, 10.0, 0.0, 1),
]
TINY_MIGRATION = [  # as_of, grade_t0, grade_t1, loans, opening, reduction (by hand; 2023-06-30 is not annual;
    # sorted by grade names, the probe's order)
    ("2023-12-31", "normal", "exited", 2, 50.0, 50.0),        # L3 30 + L7 20, all of it reduced
    ("2023-12-31", "normal", "normal", 1, 100.0, 20.0),       # L1 100 → 80
    ("2023-12-31", "normal", "special_mention", 1, 10.0, 0.0),
    ("2023-12-31", "substandard", "doubtful", 1, 50.0, 0.0),  # grew 50 → 60: no reduction
]


def expected(rows: list[tuple[Any, ...]], columns: list[str]) -> pd.DataFrame:
    f = pd.DataFrame(rows, columns=columns)
    return f.assign(as_of=pd.to_datetime(f["as_of"]))


STOCK_COLUMNS = ["as_of", "segment", "grade", "loans", "balance", "overdue90_balance", "customers"]
MIGRATION_COLUMNS = ["as_of", "grade_t0", "grade_t1", "loans", "opening", "reduction"]


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return load_ledger(SAMPLE).frame


def answers(backend: Any, frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    backend.register("loans", frame)
    return {"segment_stock": backend.query(segment_stock()), "migration_cells": migration_cells(backend, frame)}


def cohort_answers(backend: Any, frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The product's migration cells and vintage counts, as codes (engine/migration_sql.py, vintage_sql.py)."""
    base = ledger_rows_of(frame, backend)
    return {"cells": backend.query(migration_sql_of(base)),
            "vintage": backend.query(vintage_counts(base.annual_codes.tolist(), NPL_CODE))}


def test_duckdb_gives_the_hand_computed_answers() -> None:
    got = answers(DuckDB(), tiny())
    assert disagreement(got["segment_stock"], expected(TINY_STOCK, STOCK_COLUMNS)) is None
    assert disagreement(got["migration_cells"], expected(TINY_MIGRATION, MIGRATION_COLUMNS)) is None


def test_a_wrong_answer_is_told_apart() -> None:
    want = expected(TINY_STOCK, STOCK_COLUMNS)
    off = want.assign(balance=want["balance"] * (1 + 1e-8))
    assert disagreement(off, want) is not None
    assert disagreement(want.iloc[::-1], want) is not None   # same rows, other order
    assert disagreement(want.assign(balance=want["balance"] * (1 + 1e-11)), want) is None


def test_duckdb_equals_the_pandas_metrics_on_the_sample(sample: pd.DataFrame) -> None:
    got = answers(DuckDB(), sample)
    m = compute_metrics(sample).frame
    m = m.assign(as_of=m["as_of"].astype("datetime64[ns]"))
    seg = got["segment_stock"].assign(as_of=lambda f: f["as_of"].astype("datetime64[ns]"))
    by_seg = seg.dropna(subset=["segment"]).groupby(["as_of", "segment"])[["loans", "balance", "overdue90_balance"]].sum()
    rows = m[(m["dimension"] == "industry") & m["metric"].isin(by_seg.columns)]
    want = rows.pivot_table(index=["as_of", "segment"], columns="metric", values="value")
    assert sorted(want.index) == sorted(by_seg.index)
    np.testing.assert_allclose(by_seg.to_numpy(), want.loc[by_seg.index, by_seg.columns].to_numpy(), rtol=1e-9, atol=0)
    ref = pandas_migration_cells(sample)   # an independent merge on loan_id (compute_metrics reads the same SQL)
    assert len(ref) > 20
    assert disagreement(got["migration_cells"], ref) is None


def test_spark_gives_the_hand_computed_answers(spark: SparkBackend) -> None:
    got = answers(spark, tiny())
    assert disagreement(got["segment_stock"], expected(TINY_STOCK, STOCK_COLUMNS)) is None
    assert disagreement(got["migration_cells"], expected(TINY_MIGRATION, MIGRATION_COLUMNS)) is None
    cohorts = cohort_answers(spark, cohort.cohort_ledger())
    assert disagreement(cohorts["cells"], cohort.expected(cohort.MIGRATION_CELLS, cohort.MIGRATION_COLUMNS)) is None
    assert disagreement(cohorts["vintage"], cohort.expected(cohort.VINTAGE_COUNTS, cohort.VINTAGE_COLUMNS)) is None


def test_spark_equals_duckdb_on_the_sample(spark: SparkBackend, sample: pd.DataFrame) -> None:
    want = {**answers(DuckDB(), sample), **cohort_answers(DuckDB(), sample)}
    got = {**answers(spark, sample), **cohort_answers(spark, sample)}
    for name in want:
        assert len(want[name]) > 20
        assert disagreement(got[name], want[name]) is None, name


def test_the_transpiled_sql_spells_out_what_spark_does_otherwise() -> None:
    sql = to_dialect("SELECT a // 2 AS h FROM t ORDER BY a")
    assert "DIV" in sql and "NULLS LAST" in sql   # DuckDB sorts NULLs last, Spark first; // is integer division


def test_a_name_that_is_not_an_identifier_is_refused() -> None:
    with pytest.raises(AnalysisError) as e:
        segment_stock(dimension="industry; DROP TABLE loans")
    assert e.value.code == "E790"


def test_spark_without_java_is_a_coded_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    assert spark_missing() is not None
    with pytest.raises(AnalysisError) as e:
        SparkBackend()
    assert e.value.code == "E791"


TRAPS = """
SELECT k, 7 // 2 AS int_div, 7 / 2 AS div, date_diff('day', DATE '2023-01-31', DATE '2024-03-01') AS days,
       CAST(DATE '2024-02-29' + INTERVAL 1 YEAR AS DATE) AS next_year, COUNT(DISTINCT v) AS distinct_v,
       SUM(x) AS total
FROM traps GROUP BY k ORDER BY k
"""


def test_the_dialect_traps_give_one_answer(spark: SparkBackend) -> None:
    """Integer division, date arithmetic, NULL ordering, COUNT DISTINCT (NULL not counted), float sums."""
    frame = pd.DataFrame({"k": ["b", None, "a", "b"], "v": ["x", None, "y", "x"], "x": [0.1, 0.2, 0.3, 1e-17]})
    want = pd.DataFrame({"k": ["a", "b", None], "int_div": [3, 3, 3], "div": [3.5] * 3, "days": [395] * 3,
                         "next_year": pd.to_datetime(["2025-02-28"] * 3), "distinct_v": [1, 1, 0],
                         "total": [0.3, 0.1 + 1e-17, 0.2]})
    for backend in (DuckDB(), spark):
        backend.register("traps", frame)
        got = backend.query(TRAPS)
        got = got.assign(next_year=pd.to_datetime(got["next_year"]))
        assert disagreement(got, want) is None, (backend.name, got)


def test_a_master_named_elsewhere_is_not_overridden(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("PYSPARK_SUBMIT_ARGS", "PYSPARK_GATEWAY_PORT", "SPARK_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SPARK_CONF_DIR", str(tmp_path))
    assert not _master_given({})                       # nothing names one: local[2]
    assert _master_given({"spark.master": "yarn"})
    (tmp_path / "spark-defaults.conf").write_text("spark.master   spark://head:7077\\n", "utf-8")
    assert _master_given({})
    (tmp_path / "spark-defaults.conf").write_text("# spark.master local\\nspark.driver.memory 2g\\n", "utf-8")
    assert not _master_given({})
    monkeypatch.setenv("PYSPARK_SUBMIT_ARGS", "--master yarn --deploy-mode client pyspark-shell")
    assert _master_given({})


def rule_ledger() -> pd.DataFrame:
    """The row rules' edge cases (tests/test_rows_sql.py): numbers and text in dimensions, a value named
    unknown, bucket edges, month-end terms, floors at their thresholds, missing values, two years."""
    return pd.DataFrame({
        "as_of": pd.to_datetime(["2022-12-31"] * 4 + ["2023-06-30", "2023-12-31", "2023-12-31", "2023-12-31"]),
        "loan_id": ["L0", "L1", "L2", "L3", "L0", "L0", "L1", "L4"],
        "customer_id": ["C0", "C1", None, "C1", "C0", "C0", "C1", "C9"],
        "balance": [10.0, 0.0, 5.0, np.nan, 8.0, 6.0, 1.0, 2.0],
        "five_category": pd.Series(["normal", "loss", None, "special_mention", "normal", "substandard", "loss",
                                    "doubtful"], dtype=GRADE_DTYPE),
        "industry": ["b", "B", "甲", None, "unknown", "a", "b", "乙"],
        "branch": pd.array([10, 9, 101, None, 9, 10, 10, 9], dtype="Int64"),
        "region": [2.0, 10.5, 2.0, np.nan, 3.0, 10.5, 2.0, 2.0],
        "guarantee_type": ["credit", "mortgage", None, "guarantee", "credit", "other_x", "pledge", "credit"],
        "customer_type": ["micro_enterprise", "farmer", None, "small_enterprise"] * 2,
        "origination_date": pd.to_datetime(["2021-01-31", "2020-01-15", None, "2021-02-28"] * 2),
        "maturity_date": pd.to_datetime(["2021-02-28", "2025-01-16", "2024-01-01", "2021-03-31"] * 2),
        "amount": [1_000_000.0, 1_000_000.01, np.nan, 10_000_000.0, 5_000_000.0, np.nan, 20.0, 10_000_001.0],
        "days_past_due": [0.0, 1.0, 90.0, 91.0, 271.0, 360.0, 361.0, np.nan],
        "renewal_flag": pd.array([True, False, None, True, False, None, True, False], dtype="boolean"),
        "group_id": ["G2", None, "G1", "G2", None, "G1", "G1", None],
    })


def test_ledger_rows_are_the_same_on_spark(spark: SparkBackend) -> None:
    """ledger_rows (engine/rows_sql.py) and its labels, made by each engine from the same ledger."""
    from microcredit_risk.engine.aggregates import ROWS
    from microcredit_risk.metrics.prepare import prepare
    from microcredit_risk.profile import BankProfile

    frame, thresholds = rule_ledger(), BankProfile().thresholds
    duck, sp = prepare(frame, thresholds, DuckDB()), prepare(frame, thresholds, spark)
    assert {d: list(s.labels) for d, s in sp.dims.items()} == {d: list(s.labels) for d, s in duck.dims.items()}
    assert list(duck.dims["industry"].labels) == ["B", "a", "b", "unknown", "乙", "甲"]
    assert (sp.dates, sp.annual, sp.n_customers, sp.n_loans, sp.columns) == \
        (duck.dates, duck.annual, duck.n_customers, duck.n_loans, duck.columns)
    want, got = (b.backend.query(f"SELECT * FROM {ROWS} ORDER BY row") for b in (duck, sp))
    assert list(got.columns) == list(want.columns)
    for column in want.columns:   # NULLs alike, values alike (dtypes differ: nullable on one, not the other)
        a, b = got[column].astype(object).where(got[column].notna(), None), want[column].astype(object).where(
            want[column].notna(), None)
        assert a.tolist() == b.tolist(), column


def test_every_metric_is_the_same_on_spark(spark: SparkBackend, sample: pd.DataFrame) -> None:
    """The product path: compute_metrics with its aggregates run by Spark equals the default DuckDB run."""
    want = compute_metrics(sample).frame
    got = compute_metrics(sample, backend=spark).frame
    keys = ["metric", "as_of", "dimension", "segment", "unit"]
    assert len(want) > 1000
    pd.testing.assert_frame_equal(got[keys], want[keys])
    a, b = got["value"].to_numpy(dtype="float64"), want["value"].to_numpy(dtype="float64")
    assert (np.isnan(a) == np.isnan(b)).all()
    ok = ~np.isnan(b)
    np.testing.assert_allclose(a[ok], b[ok], rtol=1e-9, atol=1e-12)


# -- the book statistics and the segment tests' counts (engine/book_sql.py, engine/segments_sql.py) ------


def test_book_ranks_are_exact_in_spark_sql() -> None:
    """The quartiles come from ROW_NUMBER ranks, not from a percentile function SQLGlot could make approximate."""
    sql = to_dialect(book_order_statistics(["size"], [0, 2], [0.25, 0.5, 0.75]))
    assert "ROW_NUMBER() OVER" in sql and "PERCENTILE" not in sql.upper()


def test_spark_gives_the_hand_computed_book_and_segment_answers(spark: SparkBackend) -> None:
    got = book_answers(spark)
    assert set(got) == set(BOOK_WANT)
    for key, want in BOOK_WANT.items():
        assert got[key] == pytest.approx(want, rel=1e-15), key
    counts, as_of = segment_answers(spark)
    assert counts == SEGMENT_WANT and as_of == pd.Timestamp("2023-12-31")


def test_a_ledger_registered_again_keeps_its_tables_cached(spark: SparkBackend) -> None:
    """The same ledger registered again (a Base prepared elsewhere, then register_rows; a second prepare)
    leaves ledger_rows and the key tables cached: the same plan is one cache entry in Spark, and it was
    once unpersisted after the new table was cached, so every aggregate re-derived ledger_rows in its
    own plan (the statistics test below then ran the driver out of heap and hung)."""
    frame, thresholds = rule_ledger(), BankProfile().thresholds
    base = prepare(frame, thresholds, spark)
    register_rows(prepare(frame, thresholds), spark)
    made = [ROWS, *(key_table(n) for n in base.plan.keys)]
    assert len(made) > 5
    assert [n for n in made if not spark.spark.catalog.isCached(n)] == []


def test_the_statistics_are_the_same_on_spark(spark: SparkBackend, sample: pd.DataFrame) -> None:
    """The segment, χ² and group tests read their counts from Spark as from DuckDB: the same numbers;
    the book's order statistics (the quartiles' inputs) are the same values exactly."""
    base = prepare(sample, BankProfile().thresholds)
    duck = DuckDB()
    for backend in (duck, spark):
        register_rows(base, backend)
    want, got = (table_statistics(sample, Metrics(), None, backend=b) for b in (duck, spark))
    assert len(want.segment_tests) > 10 and len(want.chi_square) > 2
    assert got.segment_tests == want.segment_tests and got.chi_square == want.chi_square
    assert got.skipped == want.skipped
    pd.testing.assert_frame_equal(got.metrics.frame, want.metrics.frame)
    sql = book_order_statistics(["size", "interest_rate"], [int(c) for c in base.annual_codes], [0.25, 0.5, 0.75])
    ranks = duck.query(sql)
    assert len(ranks) > 20 and disagreement(spark.query(sql), ranks) is None
    pd.testing.assert_frame_equal(spark.query(sql), ranks, check_dtype=False)


def test_the_customer_families_by_hand_on_spark(spark: SparkBackend) -> None:
    """Concentration and inclusive (window ranks with ties, the customer-total join) on Spark: the hand values."""
    check_expected(compute_metrics(customer_ledger(), PROFILE, backend=spark))
