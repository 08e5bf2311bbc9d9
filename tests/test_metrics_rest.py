"""The comparison numbers the findings cite, computed once in the table (worked out by hand).

On the ledger of tests/metrics_fixture.py (amounts in 万元). Stock at 2023-12-31:
L2 300 SS (C, mortgage, renewed) · L3 250 N (C, guarantee) · L6 30 L (A, credit, renewed) ·
L7 80 N (A, pledge) · L8 100 SM (C, guarantee, renewed) = 760, NPL 330 (L2 + L6), 5 loans, 2 NPL.
At 2021-12-31: L1 100 N credit · L2 500 N mortgage · L3 300 SM guarantee · L4 200 SS credit ·
L6 50 N credit · L8 150 N guarantee = 1300, NPL 200 (L4).
"""

from __future__ import annotations

import pytest
from metrics_fixture import PROFILE, ledger_frame

from microcredit_risk.metrics import compute_metrics
from microcredit_risk.metrics.table import Metrics
from microcredit_risk.stats.compute import compute_statistics

Y21, Y23 = "2021-12-31", "2023-12-31"


@pytest.fixture(scope="module")
def m() -> Metrics:
    return compute_metrics(ledger_frame(), PROFILE)


def value(m: Metrics, metric: str, as_of: str, dimension: str, segment: str) -> float | None:
    rows = m.select(metric, dimension, as_of)
    rows = rows[rows["segment"] == segment]
    assert len(rows) == 1, (metric, as_of, dimension, segment, len(rows))
    return float(rows["value"].iloc[0])


def test_npl_ratio_rest_by_industry(m: Metrics) -> None:
    # 2023: A = L6 30 (NPL) + L7 80 = 110; C = L2 300 (NPL) + L3 250 + L8 100 = 650
    assert value(m, "npl_ratio_rest", Y23, "industry", "A") == pytest.approx(300 / 650)
    assert value(m, "npl_ratio_rest", Y23, "industry", "C") == pytest.approx(30 / 110)
    # 2021: A = L1 100 + L4 200 (NPL) + L6 50 = 350; C = L2 500 + L3 300 + L8 150 = 950, no NPL
    assert value(m, "npl_ratio_rest", Y21, "industry", "A") == 0.0
    assert value(m, "npl_ratio_rest", Y21, "industry", "C") == pytest.approx(200 / 350)


def test_npl_count_ratio_rest_by_industry(m: Metrics) -> None:
    # 2023: A has 2 loans (1 NPL), C 3 loans (1 NPL): the rest of A is C's 1 / 3, the rest of C is A's 1 / 2
    assert value(m, "npl_count_ratio_rest", Y23, "industry", "A") == pytest.approx(1 / 3)
    assert value(m, "npl_count_ratio_rest", Y23, "industry", "C") == pytest.approx(1 / 2)
    assert m.select("npl_ratio_rest", None).empty          # a segment's rest: no portfolio row


def test_guarantee_group_pools_guarantee_types(m: Metrics) -> None:
    # 2023: unsecured = credit L6 30 (NPL) + guarantee L3 250 + L8 100 = 380; secured = L2 300 (NPL) + L7 80 = 380
    assert value(m, "balance", Y23, "guarantee_group", "unsecured") == pytest.approx(380 * 1e4)
    assert value(m, "balance_share", Y23, "guarantee_group", "unsecured") == pytest.approx(0.5)
    assert value(m, "npl_ratio", Y23, "guarantee_group", "unsecured") == pytest.approx(30 / 380)
    assert value(m, "npl_ratio", Y23, "guarantee_group", "secured") == pytest.approx(300 / 380)
    assert value(m, "loans", Y23, "guarantee_group", "unsecured") == 3
    assert value(m, "npl_count_ratio", Y23, "guarantee_group", "unsecured") == pytest.approx(1 / 3)
    assert value(m, "npl_ratio_rest", Y23, "guarantee_group", "unsecured") == pytest.approx(300 / 380)
    # 2021: unsecured = L1 100 + L3 300 + L4 200 (NPL) + L6 50 + L8 150 = 800; secured = L2 500
    assert value(m, "balance_share", Y21, "guarantee_group", "unsecured") == pytest.approx(800 / 1300)
    assert value(m, "npl_ratio", Y21, "guarantee_group", "unsecured") == pytest.approx(200 / 800)
    assert value(m, "npl_ratio", Y21, "guarantee_group", "secured") == 0.0
    assert set(m.select("balance", "guarantee_group")["segment"]) == {"unsecured", "secured"}   # no `other` loan


def test_gini_is_written_for_the_customer_dimension(m: Metrics) -> None:
    assert m.select("gini", None).empty
    # 2023 customers ascending 30, 100, 250, 380: G = 2·(30 + 200 + 750 + 1520) / (4·760) − 5/4
    assert m.get("gini", Y23, "customer") == pytest.approx(5000 / 3040 - 1.25)


def test_segment_and_group_tests_are_statistics_rows(m: Metrics) -> None:
    frame = ledger_frame()
    s = compute_statistics(frame, m, PROFILE).metrics
    # industry A: 1 NPL of 2 loans against 1 of 3; one-sided Fisher p = 1 − P(X = 0) = 1 − C(3,2)/C(5,2) = 0.7
    # C: 1 of 3 against 1 of 2: p = 1 − C(3,3)/C(5,3) = 0.9; BH over the two: both 0.9
    assert value(s, "fisher_pvalue", Y23, "industry", "A") == pytest.approx(0.7)
    assert value(s, "fisher_pvalue", Y23, "industry", "C") == pytest.approx(0.9)
    assert value(s, "fisher_padj", Y23, "industry", "A") == pytest.approx(0.9)
    # unsecured 1 NPL of 3 against secured 1 of 2: p = 1 − C(3,3)/C(5,3) = 0.9
    assert value(s, "fisher_group_pvalue", Y23, "guarantee_group", "unsecured") == pytest.approx(0.9)
    # renewed (L2 SS, L6 L, L8 SM) 2 NPL of 3 against 0 of 2: p = P(X = 2) = C(2,2)·C(3,1)/C(5,3) = 0.3
    assert value(s, "fisher_group_pvalue", Y23, "renewal", "true") == pytest.approx(0.3)
