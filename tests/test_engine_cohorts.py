"""The migration and vintage aggregates (engine/migration_sql.py, engine/vintage_sql.py) and the metrics
read from them, on the hand-computed ledger of tests/cohort_ledger.py (DuckDB; Spark in test_engine_spark)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from cohort_ledger import (
    MIGRATION_CELLS,
    MIGRATION_COLUMNS,
    VINTAGE_COLUMNS,
    VINTAGE_COUNTS,
    cohort_ledger,
    expected,
)
from engine_probes import ledger_rows_of

from microcredit_risk.engine.backends import DuckDBBackend
from microcredit_risk.engine.migration_sql import migration_cells
from microcredit_risk.engine.vintage_sql import vintage_counts
from microcredit_risk.metrics import compute_metrics
from microcredit_risk.metrics.migration import EXITED
from microcredit_risk.metrics.prepare import NPL_CODE


def _ints(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({c: "int64" for c in frame.columns if c not in ("opening", "closing", "reduction")})


@pytest.fixture(scope="module")
def backend() -> DuckDBBackend:
    return DuckDBBackend()


def test_the_migration_cells_are_the_hand_computed_ones(backend: DuckDBBackend) -> None:
    base = ledger_rows_of(cohort_ledger(), backend)
    assert base.annual_codes.tolist() == [0, 2, 3]
    got = backend.query(migration_cells(base.annual_codes.tolist(), EXITED))
    pd.testing.assert_frame_equal(_ints(got), expected(MIGRATION_CELLS, MIGRATION_COLUMNS))


def test_the_vintage_counts_are_the_hand_computed_ones(backend: DuckDBBackend) -> None:
    base = ledger_rows_of(cohort_ledger(), backend)
    assert base.dims["vintage"].labels.tolist() == ["2020", "2021", "2022"]
    got = backend.query(vintage_counts(base.annual_codes.tolist(), NPL_CODE))
    pd.testing.assert_frame_equal(_ints(got), expected(VINTAGE_COUNTS, VINTAGE_COLUMNS))


def test_a_loan_keeps_the_vintage_of_its_first_stock_row(backend: DuckDBBackend) -> None:
    """E's first row (2022-06-30) says 2022, its later rows 2021; reversing the ledger makes a later row first."""
    rev = cohort_ledger().iloc[::-1].reset_index(drop=True)
    base = ledger_rows_of(rev, backend)
    got = backend.query(vintage_counts(base.annual_codes.tolist(), NPL_CODE))
    last = got[got["snapshot"] == 2].set_index("vintage")["loans"].astype("int64").to_dict()
    assert last == {0: 2, 1: 3, 2: 1}   # E now counts in 2021 (its first row in ledger order is 2023's)


H = {  # (metric, as_of, segment) → value, by hand from the cells
    ("migration_opening", "2022-12-31", "normal"): 120.0, ("migration_opening", "2022-12-31", "special_mention"): 30.0,
    ("migration_opening", "2022-12-31", "substandard"): 50.0,
    ("migration_reduction", "2022-12-31", "normal"): 40.0,
    ("migration_reduction", "2022-12-31", "special_mention"): 0.0,
    ("migration_reduction", "2022-12-31", "substandard"): 5.0,
    ("migration_downward", "2022-12-31", "normal"): 0.0, ("migration_downward", "2022-12-31", "special_mention"): 40.0,
    ("migration_downward", "2022-12-31", "substandard"): 0.0,
    ("migration_rate", "2022-12-31", "normal"): 0.0, ("migration_rate", "2022-12-31", "special_mention"): 40 / 30,
    ("migration_rate", "2022-12-31", "substandard"): 0.0,
    ("normal_loans_migration_rate", "2022-12-31", None): 40 / 110,   # C's 40 / (120 − 40 + 30 − 0)
    ("npl_formation_rate", "2022-12-31", None): 40 / 150,
    ("npl_cure_rate", "2022-12-31", None): 45 / 50,                   # B back to normal
    ("migration_opening", "2023-12-31", "normal"): 200.0, ("migration_opening", "2023-12-31", "doubtful"): 40.0,
    ("migration_reduction", "2023-12-31", "normal"): 80.0, ("migration_reduction", "2023-12-31", "doubtful"): 0.0,
    ("migration_downward", "2023-12-31", "normal"): 120.0, ("migration_downward", "2023-12-31", "doubtful"): 0.0,
    ("migration_rate", "2023-12-31", "normal"): 1.0, ("migration_rate", "2023-12-31", "doubtful"): 0.0,
    ("normal_loans_migration_rate", "2023-12-31", None): 50 / 120,   # E's 50
    ("npl_formation_rate", "2023-12-31", None): 50 / 200,
    ("npl_cure_rate", "2023-12-31", None): 0.0,
    ("transition_share", "2022-12-31", "normal"): 100 / 120, ("transition_share", "2022-12-31", "exited"): 20 / 120,
    ("transition_count_share", "2023-12-31", "exited"): 2 / 4,
    ("transition_share_pooled", "2023-12-31", "normal"): 100 / 320,
    ("transition_share_pooled", "2023-12-31", "special_mention"): 80 / 320,
    ("transition_share_pooled", "2023-12-31", "exited"): 90 / 320,
    ("transition_count_share_pooled", "2023-12-31", "exited"): 3 / 6,
    ("vintage_default_rate", "2021-12-31", "2020"): 0.5, ("vintage_default_rate", "2021-12-31", "2021"): 0.0,
    ("vintage_default_rate", "2022-12-31", "2021"): 0.5, ("vintage_default_rate", "2022-12-31", "2022"): 0.0,
    ("vintage_default_rate", "2023-12-31", "2022"): 0.5, ("vintage_loans", "2023-12-31", "2022"): 2.0,
}


def test_the_metrics_are_the_hand_computed_ones() -> None:
    m = compute_metrics(cohort_ledger()).frame
    m = m[m["metric"].str.contains("migration|transition|npl_formation|npl_cure|vintage")]
    # transition rows have the grade at t0 as dimension; the hand values above are the normal row's
    m = m[m["dimension"].isin([None, "vintage", "normal"]) | m["dimension"].isna()]
    got = {(r.metric, str(r.as_of.date()), r.segment): r.value for r in m.itertuples()}
    for key, want in H.items():
        assert key in got, key
        assert math.isclose(got[key], want, rel_tol=1e-12, abs_tol=1e-12), (key, got[key], want)
    rates = m[(m["metric"] == "migration_rate")]
    assert sorted(zip(rates["as_of"].astype(str), rates["segment"], strict=True)) == [
        ("2022-12-31", "normal"), ("2022-12-31", "special_mention"), ("2022-12-31", "substandard"),
        ("2023-12-31", "doubtful"), ("2023-12-31", "normal")]   # only the grades present at t0; never loss
    vint = m[m["metric"] == "vintage_loans"]
    assert vint.groupby(vint["as_of"].astype(str))["segment"].apply(list).to_dict() == {
        "2021-12-31": ["2020", "2021"], "2022-12-31": ["2020", "2021", "2022"],
        "2023-12-31": ["2020", "2021", "2022"]}   # a vintage with no loan seen yet has no row


def test_one_annual_snapshot_skips_migration_but_not_vintage() -> None:
    one = cohort_ledger()
    one = one[one["as_of"] == pd.Timestamp("2023-12-31")]
    m = compute_metrics(one)
    assert "migration_rate" in {s.what for s in m.skipped}
    v = m.frame[m.frame["metric"] == "vintage_loans"]
    assert v["value"].tolist() == [1.0, 2.0, 1.0]     # A (2020); C, E (2021 on this row); F (2022); B has balance 0
