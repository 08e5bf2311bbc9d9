"""The book statistics, programme sums and segment-test counts on the engine, against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from book_segment_probes import BOOK_WANT, SEGMENT_WANT, book_answers, segment_answers
from scipy import stats as sps

from microcredit_risk.engine import DuckDBBackend
from microcredit_risk.engine.aggregates import ROWS
from microcredit_risk.engine.book_sql import book_order_statistics
from microcredit_risk.engine.programmes_sql import renewal_sums, risk_share_sums
from microcredit_risk.ledger.contract import GRADE_DTYPE
from microcredit_risk.metrics import compute_metrics
from microcredit_risk.metrics.book import QUANTILES, interpolate
from microcredit_risk.stats.compute import table_statistics
from microcredit_risk.stats.segments import group_test_rows, segment_counts, segment_tests


def test_quartiles_of_four_and_five_values_interpolate_linearly() -> None:
    got = book_answers(DuckDBBackend())
    assert set(got) == set(BOOK_WANT)       # no row for a variable without a value at a snapshot
    for key, want in BOOK_WANT.items():
        assert got[key] == pytest.approx(want, rel=1e-15), key


def test_the_quartiles_are_pandas_quartiles_bit_for_bit() -> None:
    """Random values with ties, 300 snapshots of 1–40 rows: the engine's ranks, interpolated, equal
    pandas' groupby quantile exactly (an interpolation written lo·(1 − d) + hi·d would not)."""
    rng = np.random.default_rng(7)
    date = np.repeat(np.arange(300), rng.integers(1, 41, 300))
    n = len(date)
    size = rng.lognormal(10, 1, n)
    frame = pd.DataFrame({"row": np.arange(n), "date": date, "stock": rng.random(n) < 0.9,
                          "size": np.where(rng.random(n) < 0.3, np.round(size, -3), size),
                          "term_months": np.where(rng.random(n) < 0.2, np.nan, rng.integers(1, 60, n))})
    annual = list(range(0, 300, 2))
    backend = DuckDBBackend()
    backend.register(ROWS, frame)
    order = backend.query(book_order_statistics(["size", "term_months"], annual, list(QUANTILES.values())))
    for var, col in enumerate(["size", "term_months"]):
        keep = frame.loc[frame["stock"] & frame["date"].isin(annual)].dropna(subset=[col])
        grouped = keep[col].groupby(keep["date"])
        o = order.loc[order["variable"] == var]
        at = pd.Series(o["x"].to_numpy(), index=pd.MultiIndex.from_arrays([o["date"], o["k"]]))
        dates = grouped.size().index.to_numpy(dtype=np.int64)
        for q in QUANTILES.values():
            want = grouped.quantile(q).to_numpy()
            got = interpolate(grouped.size().to_numpy(dtype=np.int64), q, at, dates)
            assert (got == want).all(), (col, q, got - want)


def test_segment_counts_keep_the_missing_value_apart() -> None:
    got, as_of = segment_answers(DuckDBBackend())
    assert got == SEGMENT_WANT            # customer_type: no value at the latest snapshot; region: no column
    assert as_of == pd.Timestamp("2023-12-31")


def test_the_missing_value_row_counts_in_the_rest_but_is_no_segment() -> None:
    table = pd.DataFrame({"segment": ["A", "B", None], "loans": [3, 1, 1], "npl_loans": [1, 0, 1]})
    counts, total, total_npl = segment_counts(table, "industry")
    assert counts.to_dict("index") == {"A": {"loans": 3, "npl_loans": 1}, "B": {"loans": 1, "npl_loans": 0}}
    assert (total, total_npl) == (5, 2)
    a = next(t for t in segment_tests(table, "industry") if t.segment == "A")
    # A: 1 NPL of 3 against 1 of 2 (B and the loan without an industry): P(X ≥ 1) = 1 − C(3,3)/C(5,3) = 0.9
    assert (a.rest_loans, a.rest_npl_loans) == (2, 1)
    assert a.pvalue == pytest.approx(0.9)


def test_pooled_group_tests_read_the_counts_in_lower_case() -> None:
    counts = {c: pd.DataFrame(v, columns=["segment", "loans", "npl_loans"]) for c, v in SEGMENT_WANT.items()}
    rows = group_test_rows(counts, pd.Timestamp("2023-12-31")).set_index("dimension")["value"]
    # unsecured Credit + credit: 1 NPL of 2; secured mortgage + pledge: 1 of 2 → 1 − C(2,2)/C(4,2) = 5/6
    assert rows["guarantee_group"] == pytest.approx(5 / 6)
    assert rows["renewal"] == pytest.approx(5 / 6)             # true 1 of 2 against false 1 of 2
    assert rows["guarantee_group"] == pytest.approx(sps.fisher_exact([[1, 1], [1, 1]], alternative="greater")[1])


def _ledger() -> pd.DataFrame:
    """The probe's latest snapshot as a canonical ledger (balance 0 = no stock; a missing grade stays missing)."""
    grades = ["normal", "substandard", "normal", "doubtful", "loss", "normal", None]
    return pd.DataFrame({
        "as_of": pd.to_datetime(["2023-12-31"] * 7), "loan_id": list("abcdefg"), "customer_id": list("abcdefg"),
        "balance": [10.0, 20.0, 30.0, 40.0, 0.0, 0.0, 50.0],
        "five_category": pd.Series(grades, dtype=GRADE_DTYPE),
        "industry": pd.Series(["A", "A", "B", None, "B", "C", "A"], dtype="str"),
        "guarantee_type": pd.Series(["Credit", "credit", "mortgage", "pledge", "guarantee", None, None], dtype="str"),
        "renewal_flag": pd.array([True, True, False, False, True, None, None], dtype="boolean"),
    })


def test_table_statistics_on_the_engine_equal_the_pandas_counts() -> None:
    frame = _ledger()
    s = table_statistics(frame, compute_metrics(frame), None)
    assert [t for t in s.segment_tests if t.dimension == "industry"] == segment_tests(frame, "industry")
    got = s.metrics.frame.set_index(["metric", "dimension", "segment"])["value"]
    assert got["fisher_pvalue", "industry", "A"] == pytest.approx(0.9)
    assert got["fisher_group_pvalue", "guarantee_group", "unsecured"] == pytest.approx(5 / 6)
    assert got["fisher_group_pvalue", "renewal", "true"] == pytest.approx(5 / 6)
    assert {c.dimension for c in s.chi_square} == {"industry", "guarantee_type"}


def test_programme_sums_by_hand() -> None:
    rows = pd.DataFrame({
        "row": np.arange(6), "date": [0, 0, 0, 0, 1, 1], "stock": [True, True, True, False, True, False],
        "balance": [100.0, 50.0, 25.0, 0.0, 10.0, 0.0], "grade": [0, 0, 2, 0, 0, 0],
        "renewed": pd.array([True, True, True, True, None, True], dtype="boolean"),
        "days_past_due": [5.0, 0.0, 9.0, 3.0, 8.0, np.nan],
        "risk_share_ratio": [0.5, np.nan, 0.2, 0.9, 0.0, 0.3], "seg_product": [0, 1, 1, 0, 2, 2]})
    backend = DuckDBBackend()
    backend.register(ROWS, rows)
    r = backend.query(renewal_sums(0))
    # date 0: only row 0 is renewed, normal, overdue and in stock (row 2 is NPL, row 3 has no balance)
    assert r[["date", "loans", "renewed_normal_overdue_count", "renewed_normal_overdue_balance"]].values.tolist() == \
        [[0, 3.0, 1.0, 100.0], [1, 1.0, 0.0, 0.0]]
    s = backend.query(risk_share_sums("product"))
    # shared: row 0 (100, product 0) and row 2 (25, product 1); product 2 has stock at date 1 only
    assert s[["grouping", "segment", "date", "loans", "risk_shared_balance"]].values.tolist() == [
        [0, 0, 0, 3.0, 125.0], [0, 0, 1, 1.0, 0.0],
        [1, 0, 0, 1.0, 100.0], [1, 1, 0, 2.0, 25.0], [1, 2, 1, 1.0, 0.0]]
