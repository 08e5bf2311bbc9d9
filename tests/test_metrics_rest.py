"""The comparison numbers the findings cite, computed once in the table (worked out by hand).

On the ledger of tests/metrics_fixture.py (amounts in 万元). Stock at 2023-12-31:
L2 300 SS (C, mortgage, renewed) · L3 250 N (C, guarantee) · L6 30 L (A, credit, renewed) ·
L7 80 N (A, pledge) · L8 100 SM (C, guarantee, renewed) = 760, NPL 330 (L2 + L6), 5 loans, 2 NPL.
At 2021-12-31: L1 100 N credit · L2 500 N mortgage · L3 300 SM guarantee · L4 200 SS credit ·
L6 50 N credit · L8 150 N guarantee = 1300, NPL 200 (L4).
"""

from __future__ import annotations

import pandas as pd
import pytest
from metrics_fixture import PROFILE, ledger_frame

from microcredit_risk.metrics import compute_metrics
from microcredit_risk.metrics.table import Metrics
from microcredit_risk.profile import BankProfile
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


# -- DIAGNOSIS.md section 2: the new metrics ------------------------------------------------------

Y22 = "2022-12-31"


def test_npl_ratio_with_write_offs(m: Metrics) -> None:
    # write-offs per annual period: 2021 none; 2022 20 (mid-year) + 150 = 170; 2023 10 (L6)
    assert m.get("npl_ratio_with_write_offs", Y21) == pytest.approx(200 / 1300)
    assert m.get("npl_ratio_with_write_offs", Y22) == pytest.approx((40 + 170) / (2060 + 170))   # NPL: L6 40 D
    assert m.get("npl_ratio_with_write_offs", Y23) == pytest.approx((330 + 10) / (760 + 10))
    assert m.select("npl_ratio_with_write_offs", None, "2022-06-30").empty   # annual only


def test_migration_terms(m: Metrics) -> None:
    # normal at 2021: L1 100 (repaid: exits), L2 500 → 400 SM, L6 50 → 40 D, L8 150 → 120 N
    assert value(m, "migration_opening", Y22, None, "normal") == pytest.approx(800 * 1e4)
    assert value(m, "migration_reduction", Y22, None, "normal") == pytest.approx((100 + 100 + 10 + 30) * 1e4)
    assert value(m, "migration_downward", Y22, None, "normal") == pytest.approx((400 + 40) * 1e4)
    assert value(m, "migration_rate", Y22, None, "normal") == pytest.approx(440 / 560)
    # substandard at 2021: L4 200, gone by 2022 (written off): reduction = the whole 200, nothing downward
    assert value(m, "migration_reduction", Y22, None, "substandard") == pytest.approx(200 * 1e4)
    assert value(m, "migration_downward", Y22, None, "substandard") == 0.0


def test_overdue_buckets(m: Metrics) -> None:
    # 2023: L2 300 at 120 days, L6 30 at 400, L8 100 at 45; 2021: L3 300 at 30, L4 200 at 100, L6 50 at 95
    want23 = {"1-30": 0, "31-90": 100, "91-180": 300, "181-360": 0, ">360": 30}
    for seg, w in want23.items():
        assert value(m, "overdue_bucket_balance", Y23, None, seg) == pytest.approx(w * 1e4)
        assert value(m, "overdue_bucket_share", Y23, None, seg) == pytest.approx(w / 760)
    assert value(m, "overdue_bucket_balance", Y21, None, "1-30") == pytest.approx(300 * 1e4)
    assert value(m, "overdue_bucket_balance", Y21, None, "91-180") == pytest.approx(250 * 1e4)


def test_inclusive_weighted_interest_rate(m: Metrics) -> None:
    # 2023 inclusive: C2 (L3 250 at 8%), C5 (L6 30, no rate), C6 (L8 100 at 6%); C1's 600 + 500 > 1000 万
    assert m.get("inclusive_weighted_interest_rate", Y23) == pytest.approx((0.08 * 250 + 0.06 * 100) / 350)


def test_vintage_loans(m: Metrics) -> None:
    # by 2023: 2019 L4; 2020 L2, L6; 2021 L1, L3, L8; 2022 L5; 2023 L7
    for year, n in {"2019": 1, "2020": 2, "2021": 3, "2022": 1, "2023": 1}.items():
        assert value(m, "vintage_loans", Y23, "vintage", year) == n
    assert value(m, "vintage_loans", Y21, "vintage", "2021") == 3


def small(rows: list[tuple], **columns: list) -> pd.DataFrame:
    """A ledger from (as_of, loan, customer, balance, grade) rows plus optional per-row columns."""
    frame = pd.DataFrame(rows, columns=["as_of", "loan_id", "customer_id", "balance", "five_category"])
    frame["as_of"] = pd.to_datetime(frame["as_of"])
    for name, values in columns.items():
        frame[name] = values
    return frame


def test_npl_cure_rate() -> None:
    # A 100 SS → 80 normal (cured), B 50 doubtful → 50 doubtful, C 200 normal throughout: 80 / 150
    frame = small([(Y22, "A", "a", 100.0, "substandard"), (Y22, "B", "b", 50.0, "doubtful"),
                   (Y22, "C", "c", 200.0, "normal"), (Y23, "A", "a", 80.0, "normal"),
                   (Y23, "B", "b", 50.0, "doubtful"), (Y23, "C", "c", 200.0, "normal")])
    m = compute_metrics(frame)
    assert m.get("npl_cure_rate", Y23) == pytest.approx(80 / 150)


def test_inclusive_loans_exclude_farmers_and_large_firms() -> None:
    # a: small enterprise 100 (in); b: farmer 50 (out: 涉农, not 小微); c: medium enterprise 70 (out);
    # d: individual business 30, NPL (in); e: micro enterprise with 20 million outstanding (out: ceiling)
    frame = small([(Y23, "A", "a", 100.0, "normal"), (Y23, "B", "b", 50.0, "normal"),
                   (Y23, "C", "c", 70.0, "normal"), (Y23, "D", "d", 30.0, "substandard"),
                   (Y23, "E", "e", 2e7, "normal")],
                  customer_type=["small_enterprise", "farmer", "medium_enterprise", "individual_business",
                                 "micro_enterprise"],
                  interest_rate=[0.05, 0.04, 0.06, 0.09, 0.03])
    m = compute_metrics(frame)
    assert m.get("inclusive_balance", Y23) == 130.0
    assert m.get("inclusive_customers", Y23) == 2
    assert m.get("inclusive_npl_ratio", Y23) == pytest.approx(30 / 130)
    assert m.get("inclusive_weighted_interest_rate", Y23) == pytest.approx((0.05 * 100 + 0.09 * 30) / 130)
    no_type = compute_metrics(frame.drop(columns="customer_type"))   # without the column: every loan ≤ ceiling
    assert no_type.get("inclusive_balance", Y23) == 250.0


def test_total_loan_growth_from_the_profile() -> None:
    frame = small([(Y21, "A", "a", 100.0, "normal"), (Y22, "A", "a", 100.0, "normal"),
                   (Y23, "A", "a", 100.0, "normal")])
    m = compute_metrics(frame, BankProfile(total_loans={2022: 8e9, 2023: 1e10}))
    assert m.get("total_loan_growth", Y23) == pytest.approx(0.25)
    assert m.select("total_loan_growth", None, Y22).empty          # 2021 not given
    bare = compute_metrics(frame)
    assert "total_loan_growth" in [s.what for s in bare.skipped]


def test_balance_mean_growth(m: Metrics) -> None:
    # balances 1300 (2021), 2060 (2022), 760 (2023): (2060 / 1300) − 1, then (760 / 1300)^(1/2) − 1
    assert m.get("balance_mean_growth", Y22) == pytest.approx(2060 / 1300 - 1)
    assert m.get("balance_mean_growth", Y23) == pytest.approx((760 / 1300) ** 0.5 - 1)
    assert m.select("balance_mean_growth", None, Y21).empty
