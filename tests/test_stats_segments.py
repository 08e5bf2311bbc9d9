import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from stats_fixtures import canonical

from microcredit_risk.errors import AnalysisError
from microcredit_risk.stats.segments import chi_square_by_dimension, segment_counts, segment_tests

COUNTS = pd.DataFrame({"segment": ["A", "B", "C"], "loans": [10, 20, 30], "npl_loans": [5, 2, 3]})


def test_fisher_and_bh_by_hand_for_three_segments():
    tests = {t.segment: t for t in segment_tests(COUNTS, "industry")}
    # one-sided Fisher = P(X ≥ observed), X ~ hypergeometric(60 loans, 10 NPL, segment size drawn)
    p = {"A": stats.hypergeom.sf(4, 60, 10, 10), "B": stats.hypergeom.sf(1, 60, 10, 20),
         "C": stats.hypergeom.sf(2, 60, 10, 30)}
    # Benjamini–Hochberg: sort ascending, p(i)·m/i, then the running minimum from the largest down
    order = sorted(p, key=p.get)                         # A, B, C here
    scaled = [p[s] * 3 / (i + 1) for i, s in enumerate(order)]
    adj = [min(scaled[i:]) for i in range(3)]
    expected = {s: min(1.0, a) for s, a in zip(order, adj, strict=True)}
    for seg in "ABC":
        assert tests[seg].pvalue == pytest.approx(p[seg], rel=1e-9)
        assert tests[seg].padj == pytest.approx(expected[seg], rel=1e-9)
    a = tests["A"]
    assert (a.loans, a.npl_loans, a.rest_loans, a.rest_npl_loans) == (10, 5, 50, 5)
    assert a.npl_count_ratio == 0.5 and a.rest_npl_count_ratio == 0.1
    assert a.odds_ratio == pytest.approx((5 * 45) / (5 * 5))
    assert tests["A"].padj < 0.05 < tests["C"].padj


def test_counts_from_loan_table_use_latest_snapshot_and_positive_balances():
    frame = canonical(pd.DataFrame({
        "as_of": ["2022-12-31"] * 2 + ["2023-12-31"] * 5,
        "loan_id": ["x", "y", "a", "b", "c", "d", "e"], "customer_id": "c",
        "industry": ["A", "A", "A", "A", "B", None, "B"],
        "balance": [1, 1, 1, 1, 1, 1, 0],
        "five_category": ["loss", "loss", "loss", "normal", "normal", "doubtful", "loss"]}))
    counts, total, total_npl = segment_counts(frame, "industry")
    assert counts.to_dict("index") == {"A": {"loans": 2, "npl_loans": 1}, "B": {"loans": 1, "npl_loans": 0}}
    assert (total, total_npl) == (4, 2)   # the loan without an industry counts in "the rest"
    b = next(t for t in segment_tests(frame, "industry") if t.segment == "B")
    assert (b.rest_loans, b.rest_npl_loans) == (3, 2)


def test_chi_square_by_hand():
    two = pd.DataFrame({"segment": ["A", "B"], "loans": [10, 50], "npl_loans": [5, 5]})
    # N(ad − bc)² / (r1 r2 c1 c2) = 60·(5·45 − 5·5)² / (10·50·10·50) = 9.6
    res = chi_square_by_dimension(two, "industry")
    assert res.statistic == pytest.approx(9.6) and res.dof == 1
    assert res.pvalue == pytest.approx(stats.chi2.sf(9.6, 1))


def test_chi_square_degenerate_table_raises_analysis_error():
    with pytest.raises(AnalysisError) as info:
        chi_square_by_dimension(COUNTS.iloc[:1], "industry")
    assert str(info.value) == "the χ² test by industry needs two or more segments; found 1 [E411]"
    with pytest.raises(AnalysisError) as info:
        chi_square_by_dimension(COUNTS.assign(npl_loans=0), "industry")
    assert str(info.value) == "the χ² test by industry needs both NPL and performing loans [E412]"


def test_segment_tests_name_the_missing_column():
    frame = canonical(pd.DataFrame({"as_of": ["2023-12-31"], "loan_id": ["A"], "customer_id": ["c"],
                                    "balance": [1.0], "five_category": ["normal"]}))
    with pytest.raises(AnalysisError) as info:
        segment_tests(frame, "industry")
    assert str(info.value) == "segment tests by industry need column 'industry' [E410]"
    with pytest.raises(AnalysisError) as info:
        segment_tests(frame.drop(columns=["balance"]).assign(industry="C"), "industry")
    assert info.value.line("zh") == "按 industry 的细分群体检验需要列 'balance' [E410]"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 50), st.integers(0, 50)), min_size=1, max_size=6))
def test_adjusted_pvalues_are_valid(cells):
    counts = pd.DataFrame({"segment": [f"s{i}" for i in range(len(cells))],
                           "loans": [n for n, _ in cells], "npl_loans": [min(n, k) for n, k in cells]})
    for t in segment_tests(counts, "region"):
        assert 0.0 <= t.pvalue <= t.padj <= 1.0
        assert t.loans + t.rest_loans == counts["loans"].sum()
        assert math.isfinite(t.npl_count_ratio)
