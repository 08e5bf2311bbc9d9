"""Every metric of METRICS.md on the hand-built ledger of tests/metrics_fixture.py, worked out by hand.

Amounts are in 万元 (W = 10,000 yuan). Stock at each snapshot (balance > 0):

2021-12-31  L1 100 N · L2 500 N · L3 300 SM (30 dpd) · L4 200 SS (100 dpd) · L6 50 N (95 dpd!) · L8 150 N
            = 1300; customers C1 (L1+L2 = 600), C2 300, C3 200, C5 50, C6 150
2022-06-30  L4 170 SS (200 dpd), write_off 20
2022-12-31  L2 400 SM (10 dpd) · L3 300 N · L5 1200 N · L6 40 D (300 dpd) · L8 120 N = 2060
            (L1 and L4 have balance 0; L4 write_off 150); customers C1 400, C2 300, C4 1200, C5 40, C6 120
2023-12-31  L2 300 SS (120 dpd) · L3 250 N · L6 30 L (400 dpd, write_off 10) · L7 80 N · L8 100 SM (45 dpd)
            = 760; customers C1 (L2+L7 = 380), C2 250, C5 30, C6 100
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from metrics_fixture import PROFILE, W, ledger_frame

from microcredit_risk.metrics import compute_metrics
from microcredit_risk.metrics.table import Metrics
from microcredit_risk.profile import BankProfile

Y21, MID, Y22, Y23 = "2021-12-31", "2022-06-30", "2022-12-31", "2023-12-31"


@pytest.fixture(scope="module")
def m() -> Metrics:
    return compute_metrics(ledger_frame(), PROFILE)


def check(m: Metrics, expected: dict, dimension: str | None = None) -> None:
    for (metric, as_of, segment), want in expected.items():
        rows = m.select(metric, dimension, as_of)
        rows = rows[rows["segment"].isna()] if segment is None else rows[rows["segment"] == segment]
        assert len(rows) == 1, (metric, as_of, dimension, segment, len(rows))
        got = float(rows["value"].iloc[0])
        if want is None:
            assert math.isnan(got), (metric, as_of, dimension, segment, got)
        else:
            assert got == pytest.approx(want, rel=1e-12, abs=1e-12), (metric, as_of, dimension, segment)


PORTFOLIO = {
    # loans / customers (distinct; C1 holds L1+L2 in 2021, L2+L7 in 2023)
    ("loans", Y21, None): 6, ("loans", MID, None): 1, ("loans", Y22, None): 5, ("loans", Y23, None): 5,
    ("customers", Y21, None): 5, ("customers", MID, None): 1, ("customers", Y22, None): 5,
    ("customers", Y23, None): 4,
    # balance: 100+500+300+200+50+150; 170; 400+300+1200+40+120; 300+250+30+80+100
    ("balance", Y21, None): 1300 * W, ("balance", MID, None): 170 * W, ("balance", Y22, None): 2060 * W,
    ("balance", Y23, None): 760 * W,
    # category balance: 2021 N = 100+500+50+150 = 800, SM 300, SS 200; 2022 N = 300+1200+120 = 1620,
    # SM 400, D 40; 2023 N = 250+80 = 330, SM 100, SS 300, L 30
    ("category_balance", Y21, "normal"): 800 * W, ("category_balance", Y21, "special_mention"): 300 * W,
    ("category_balance", Y21, "substandard"): 200 * W, ("category_balance", Y21, "doubtful"): 0,
    ("category_balance", Y21, "loss"): 0, ("category_balance", MID, "substandard"): 170 * W,
    ("category_balance", Y22, "normal"): 1620 * W, ("category_balance", Y22, "special_mention"): 400 * W,
    ("category_balance", Y22, "doubtful"): 40 * W, ("category_balance", Y23, "normal"): 330 * W,
    ("category_balance", Y23, "special_mention"): 100 * W, ("category_balance", Y23, "substandard"): 300 * W,
    ("category_balance", Y23, "loss"): 30 * W,
    ("category_share", Y21, "normal"): 800 / 1300, ("category_share", Y21, "special_mention"): 300 / 1300,
    ("category_share", Y21, "substandard"): 200 / 1300, ("category_share", MID, "substandard"): 1.0,
    ("category_share", Y22, "doubtful"): 40 / 2060, ("category_share", Y23, "loss"): 30 / 760,
    # NPL = SS + D + L
    ("npl_balance", Y21, None): 200 * W, ("npl_balance", MID, None): 170 * W, ("npl_balance", Y22, None): 40 * W,
    ("npl_balance", Y23, None): 330 * W,  # 300 SS + 30 L
    ("npl_ratio", Y21, None): 200 / 1300, ("npl_ratio", MID, None): 1.0, ("npl_ratio", Y22, None): 40 / 2060,
    ("npl_ratio", Y23, None): 330 / 760,
    ("npl_count_ratio", Y21, None): 1 / 6, ("npl_count_ratio", MID, None): 1.0,
    ("npl_count_ratio", Y22, None): 1 / 5, ("npl_count_ratio", Y23, None): 2 / 5,
    ("special_mention_ratio", Y21, None): 300 / 1300, ("special_mention_ratio", MID, None): 0.0,
    ("special_mention_ratio", Y22, None): 400 / 2060, ("special_mention_ratio", Y23, None): 100 / 760,
    # overdue (dpd > 0): 2021 L3+L4+L6 = 550; 2022 L2+L6 = 440; 2023 L2+L6+L8 = 430
    ("overdue_ratio", Y21, None): 550 / 1300, ("overdue_ratio", MID, None): 1.0,
    ("overdue_ratio", Y22, None): 440 / 2060, ("overdue_ratio", Y23, None): 430 / 760,
    # overdue > 90: 2021 L4+L6 = 250; 2022 L6 = 40; 2023 L2+L6 = 330
    ("overdue90_balance", Y21, None): 250 * W, ("overdue90_balance", MID, None): 170 * W,
    ("overdue90_balance", Y22, None): 40 * W, ("overdue90_balance", Y23, None): 330 * W,
    ("overdue90_ratio", Y21, None): 250 / 1300, ("overdue90_ratio", Y22, None): 40 / 2060,
    ("overdue90_ratio", Y23, None): 330 / 760,
    # deviation = overdue90 / npl: 250/200; 170/170; 40/40; 330/330
    ("deviation_ratio", Y21, None): 1.25, ("deviation_ratio", MID, None): 1.0,
    ("deviation_ratio", Y22, None): 1.0, ("deviation_ratio", Y23, None): 1.0,
    # floor: L6 at 95 dpd must be ≥ substandard but is normal (2021). L4 at 200 dpd (mid-2022) floor SS = its
    # grade; L6 300 dpd floor D = its grade; L8 45 dpd floor SM = its grade → no other breach
    ("floor_breach_balance", Y21, None): 50 * W, ("floor_breach_balance", MID, None): 0,
    ("floor_breach_balance", Y22, None): 0, ("floor_breach_balance", Y23, None): 0,
    ("floor_breach_count", Y21, None): 1, ("floor_breach_count", Y23, None): 0,
    ("floor_breach_ratio", Y21, None): 50 / 1300, ("floor_breach_ratio", Y22, None): 0.0,
    # floor-adjusted: 2021 L6 lifted to SS → (200 + 50) / 1300
    ("floor_adjusted_npl_ratio", Y21, None): 250 / 1300, ("floor_adjusted_npl_ratio", MID, None): 1.0,
    ("floor_adjusted_npl_ratio", Y22, None): 40 / 2060, ("floor_adjusted_npl_ratio", Y23, None): 330 / 760,
    # provisions: 1+5+6+50+1+2 = 65; 50; 8+3+12+20+2 = 45; 60+2+30+1+3 = 96
    ("provision_balance", Y21, None): 65 * W, ("provision_balance", MID, None): 50 * W,
    ("provision_balance", Y22, None): 45 * W, ("provision_balance", Y23, None): 96 * W,
    ("provision_coverage", Y21, None): 65 / 200, ("provision_coverage", MID, None): 50 / 170,
    ("provision_coverage", Y22, None): 45 / 40, ("provision_coverage", Y23, None): 96 / 330,
    ("loan_provision_ratio", Y21, None): 65 / 1300, ("loan_provision_ratio", MID, None): 50 / 170,
    ("loan_provision_ratio", Y22, None): 45 / 2060, ("loan_provision_ratio", Y23, None): 96 / 760,
    # rate (L6 has none): 2021 (6 + 25 + 24 + 20 + 9) / (100+500+300+200+150) = 84/1250
    # 2022 (.05·400 + .08·300 + .045·1200 + .06·120) / (400+300+1200+120) = 105.2/2020
    # 2023 (.05·300 + .08·250 + .07·80 + .06·100) / (300+250+80+100) = 46.6/730
    ("weighted_interest_rate", Y21, None): 84 / 1250, ("weighted_interest_rate", MID, None): 0.10,
    ("weighted_interest_rate", Y22, None): 105.2 / 2020, ("weighted_interest_rate", Y23, None): 46.6 / 730,
    # growth over annual snapshots (mid-year ignored)
    ("balance_growth", Y22, None): 2060 / 1300 - 1, ("balance_growth", Y23, None): 760 / 2060 - 1,
    ("npl_balance_growth", Y22, None): 40 / 200 - 1, ("npl_balance_growth", Y23, None): 330 / 40 - 1,
    ("customers_growth", Y22, None): 5 / 5 - 1, ("customers_growth", Y23, None): 4 / 5 - 1,
    # write_off over (t−1, t]: 2021 none; 2022 = 20 (mid-year) + 150; 2023 = 10
    ("write_off", Y21, None): 0, ("write_off", Y22, None): 170 * W, ("write_off", Y23, None): 10 * W,
}


def test_portfolio_metrics(m: Metrics) -> None:
    check(m, PORTFOLIO)
    # growth and write_off only at annual snapshots; growth not at the first
    assert m.select("balance_growth", None, Y21).empty
    assert m.select("balance_growth", None, MID).empty
    assert m.select("write_off", None, MID).empty


INDUSTRY = {
    # 2021 A = L1 100 N, L4 200 SS (100 dpd), L6 50 N (95 dpd); C = L2 500 N, L3 300 SM (30 dpd), L8 150 N
    ("loans", Y21, "A"): 3, ("loans", Y21, "C"): 3,
    ("customers", Y21, "A"): 3, ("customers", Y21, "C"): 3,  # A: C1 C3 C5; C: C1 C2 C6
    ("balance", Y21, "A"): 350 * W, ("balance", Y21, "C"): 950 * W,
    ("npl_balance", Y21, "A"): 200 * W, ("npl_balance", Y21, "C"): 0,
    ("npl_ratio", Y21, "A"): 200 / 350, ("npl_ratio", Y21, "C"): 0.0,
    ("npl_count_ratio", Y21, "A"): 1 / 3, ("special_mention_ratio", Y21, "C"): 300 / 950,
    ("overdue_ratio", Y21, "A"): 250 / 350, ("overdue_ratio", Y21, "C"): 300 / 950,
    ("overdue90_balance", Y21, "A"): 250 * W, ("overdue90_ratio", Y21, "A"): 250 / 350,
    ("deviation_ratio", Y21, "A"): 250 / 200, ("deviation_ratio", Y21, "C"): None,  # 0/0 → null
    ("floor_breach_balance", Y21, "A"): 50 * W, ("floor_breach_count", Y21, "A"): 1,
    ("floor_breach_ratio", Y21, "A"): 50 / 350, ("floor_adjusted_npl_ratio", Y21, "A"): 250 / 350,
    ("provision_balance", Y21, "A"): 52 * W,  # 1 + 50 + 1
    ("provision_coverage", Y21, "A"): 52 / 200, ("provision_coverage", Y21, "C"): None,  # no NPL
    ("loan_provision_ratio", Y21, "C"): 13 / 950,  # 5 + 6 + 2
    ("weighted_interest_rate", Y21, "A"): 26 / 300,  # (.06·100 + .10·200) / 300, L6 unrated
    ("weighted_interest_rate", Y21, "C"): 58 / 950,  # .05·500 + .08·300 + .06·150
    ("balance_share", Y21, "A"): 350 / 1300, ("balance_share", Y21, "C"): 950 / 1300,
    ("npl_share", Y21, "A"): 1.0, ("npl_share", Y21, "C"): 0.0,
    ("risk_contribution", Y21, "A"): 1300 / 350, ("risk_contribution", Y21, "C"): 0.0,
    # 2022: A = L6 40 D (C5); C = L2 400 + L3 300 + L5 1200 + L8 120 = 2020 (C1 C2 C4 C6)
    ("balance_growth", Y22, "A"): 40 / 350 - 1, ("balance_growth", Y22, "C"): 2020 / 950 - 1,
    ("npl_balance_growth", Y22, "A"): 40 / 200 - 1, ("npl_balance_growth", Y22, "C"): None,  # 0/0
    ("customers_growth", Y22, "A"): 1 / 3 - 1, ("customers_growth", Y22, "C"): 4 / 3 - 1,
    ("write_off", Y21, "A"): 0, ("write_off", Y22, "A"): 170 * W, ("write_off", Y22, "C"): 0,
    ("write_off", Y23, "A"): 10 * W, ("write_off", Y23, "C"): 0,
}


def test_industry_segments(m: Metrics) -> None:
    check(m, INDUSTRY, "industry")


def test_derived_dimensions(m: Metrics) -> None:
    check(m, {
        # months: L1 12 short, L2 60 medium, L3 72 long, L4 36 medium, L6 36 medium, L8 36 medium
        ("balance", Y21, "short"): 100 * W, ("balance", Y21, "medium"): 900 * W,  # 500+200+50+150
        ("balance", Y21, "long"): 300 * W, ("balance_share", Y21, "long"): 300 / 1300,
    }, "term_bucket")
    check(m, {
        # amounts: L1 100 (= 1m, right-closed) and L6 50 → <=1m; L3 300, L4 200, L8 150 → 1m-5m; L2 600 → 5m-10m
        ("loans", Y21, "<=1m"): 2, ("loans", Y21, "1m-5m"): 3, ("loans", Y21, "5m-10m"): 1,
        ("loans", Y22, ">10m"): 1,  # L5 1200
    }, "size_bucket")
    check(m, {
        # origination years: L4 2019; L2, L6 2020; L1, L3, L8 2021
        ("balance", Y21, "2019"): 200 * W, ("balance", Y21, "2020"): 550 * W, ("loans", Y21, "2021"): 3,
    }, "vintage")
    check(m, {("balance", Y21, "credit"): 350 * W, ("npl_share", Y21, "credit"): 1.0}, "guarantee_type")


def test_concentration(m: Metrics) -> None:
    check(m, {
        ("top1_customer_share", Y21, None): 600 / 1300, ("top1_customer_share", MID, None): 1.0,
        ("top1_customer_share", Y22, None): 1200 / 2060, ("top1_customer_share", Y23, None): 380 / 760,
        ("top10_customer_share", Y21, None): 1.0, ("top10_customer_share", Y23, None): 1.0,  # < 10 customers
        # net capital 5000 (2021), 6000 (2022); none for 2023
        ("single_customer_concentration", Y21, None): 600 / 5000,
        ("single_customer_concentration", MID, None): 170 / 6000,
        ("single_customer_concentration", Y22, None): 1200 / 6000,
        ("top10_customer_concentration", Y21, None): 1300 / 5000,
        ("top10_customer_concentration", Y22, None): 2060 / 6000,
        # groups: G1 = L1+L2+L3 = 900 (2021), L2+L3 = 700 (2022); G2 = L4 170 at mid-2022
        ("single_group_concentration", Y21, None): 900 / 5000,
        ("single_group_concentration", MID, None): 170 / 6000,
        ("single_group_concentration", Y22, None): 700 / 6000,
    })
    assert m.select("gini", None).empty                    # gini's dimension is `customer` (METRICS.md)
    for metric in ("single_customer_concentration", "top10_customer_concentration", "single_group_concentration"):
        assert m.select(metric, None, Y23).empty
    check(m, {
        # (600² + 300² + 200² + 50² + 150²) / 1300²
        ("hhi", Y21, None): (600**2 + 300**2 + 200**2 + 50**2 + 150**2) / 1300**2,
        ("hhi", Y22, None): (1200**2 + 400**2 + 300**2 + 120**2 + 40**2) / 2060**2,
        ("hhi", Y23, None): (380**2 + 250**2 + 30**2 + 100**2) / 760**2,
        # Gini, ascending x: 2021 50,150,200,300,600: Σ i·x = 50+300+600+1200+3000 = 5150,
        #   G = 2·5150/(5·1300) − 6/5 = 5/13
        # 2022: 40,120,300,400,1200: Σ i·x = 40+240+900+1600+6000 = 8780, G = 17560/10300 − 1.2
        # 2023: 30,100,250,380: Σ i·x = 30+200+750+1520 = 2500, G = 5000/3040 − 1.25; one customer → 0
        ("gini", Y21, None): 5 / 13, ("gini", MID, None): 0.0, ("gini", Y22, None): 17560 / 10300 - 1.2,
        ("gini", Y23, None): 5000 / 3040 - 1.25,
    }, "customer")
    check(m, {
        ("hhi", Y21, None): (350**2 + 950**2) / 1300**2,      # A 350, C 950
        ("hhi", MID, None): 1.0,
        ("hhi", Y22, None): (40**2 + 2020**2) / 2060**2,
        ("hhi", Y23, None): (110**2 + 650**2) / 760**2,       # A = 30+80, C = 300+250+100
        ("largest_share", Y21, "C"): 950 / 1300, ("largest_share", MID, "A"): 1.0,
        ("largest_share", Y22, "C"): 2020 / 2060, ("largest_share", Y23, "C"): 650 / 760,
    }, "industry")
    check(m, {
        # credit 100+200+50 = 350, mortgage 500, guarantee 300+150 = 450
        ("hhi", Y21, None): (350**2 + 500**2 + 450**2) / 1300**2, ("largest_share", Y21, "mortgage"): 500 / 1300,
    }, "guarantee_type")
    check(m, {("largest_share", Y21, "medium"): 900 / 1300}, "term_bucket")


def test_migration(m: Metrics) -> None:
    # 2021 → 2022. normal at t0: L1 100 (exits), L2 500 → SM 400, L6 50 → D 40, L8 150 → N 120.
    #   opening 800; reduction 100 + 100 + 10 + 30 = 240; downward 400 + 40 = 440 → 440 / 560
    # SM: L3 300 → N 300: opening 300, reduction 0, downward 0 → 0
    # SS: L4 200 exits: opening 200, reduction 200 → 0/0 → null.  No doubtful at t0 → no row.
    # normal loans: performing → NPL matched = L6 40; (800 − 240) + (300 − 0) = 860 → 40/860
    # formation: 40 / (800 + 300)
    # 2022 → 2023. normal: L3 300 → N 250, L5 1200 exits, L8 120 → SM 100:
    #   opening 1620, reduction 50 + 1200 + 20 = 1270, downward 100 → 100/350
    # SM: L2 400 → SS 300: reduction 100, downward 300 → 300/300.  D: L6 40 → L 30 → 30/30
    # normal loans: L2 300 / ((1620 − 1270) + (400 − 100)) = 300/650; formation 300 / (1620 + 400)
    check(m, {
        ("migration_rate", Y22, "normal"): 440 / 560, ("migration_rate", Y22, "special_mention"): 0.0,
        ("migration_rate", Y22, "substandard"): None,
        ("migration_rate", Y23, "normal"): 100 / 350, ("migration_rate", Y23, "special_mention"): 1.0,
        ("migration_rate", Y23, "doubtful"): 1.0,
        ("normal_loans_migration_rate", Y22, None): 40 / 860, ("normal_loans_migration_rate", Y23, None): 300 / 650,
        ("npl_formation_rate", Y22, None): 40 / 1100, ("npl_formation_rate", Y23, None): 300 / 2020,
    })
    assert m.select("migration_rate", None, Y22).query("segment == 'doubtful'").empty
    assert m.select("migration_rate", None, MID).empty
    check(m, {
        # from normal (t0 balance 800): L8 150 stays, L2 500 → SM, L6 50 → D, L1 100 exits
        ("transition_share", Y22, "normal"): 150 / 800, ("transition_share", Y22, "special_mention"): 500 / 800,
        ("transition_share", Y22, "substandard"): 0.0, ("transition_share", Y22, "doubtful"): 50 / 800,
        ("transition_share", Y22, "loss"): 0.0, ("transition_share", Y22, "exited"): 100 / 800,
        ("transition_count_share", Y22, "normal"): 0.25, ("transition_count_share", Y22, "special_mention"): 0.25,
        ("transition_count_share", Y22, "doubtful"): 0.25, ("transition_count_share", Y22, "exited"): 0.25,
        # 2022 → 2023 from normal (1620): L3 300 stays, L8 120 → SM, L5 1200 exits
        ("transition_share", Y23, "normal"): 300 / 1620, ("transition_share", Y23, "special_mention"): 120 / 1620,
        ("transition_share", Y23, "exited"): 1200 / 1620, ("transition_count_share", Y23, "exited"): 1 / 3,
    }, "normal")
    check(m, {("transition_share", Y22, "normal"): 1.0, ("transition_share", Y23, "substandard"): 1.0},
          "special_mention")
    check(m, {("transition_share", Y22, "exited"): 1.0, ("transition_count_share", Y22, "exited"): 1.0},
          "substandard")
    check(m, {("transition_share", Y23, "loss"): 1.0}, "doubtful")


def test_migration_pooled(m: Metrics) -> None:
    # Σ over 2021→2022 and 2022→2023 of the balance(t0) cells, then row-normalised; as_of = 2023.
    # normal: N→N 150 + 300, N→SM 500 + 120, N→D 50, exited 100 + 1200; row total 800 + 1620 = 2420
    # counts: 4 + 3 loans: N→N L8, L3; N→SM L2, L8; N→D L6; exited L1, L5
    # SM: L3 300 → N, L2 400 → SS (700).  SS: L4 200 exits.  D: L6 40 → L.  No loss at t0.
    check(m, {
        ("transition_share_pooled", Y23, "normal"): 450 / 2420,
        ("transition_share_pooled", Y23, "special_mention"): 620 / 2420,
        ("transition_share_pooled", Y23, "substandard"): 0.0,
        ("transition_share_pooled", Y23, "doubtful"): 50 / 2420,
        ("transition_share_pooled", Y23, "loss"): 0.0,
        ("transition_share_pooled", Y23, "exited"): 1300 / 2420,
        ("transition_count_share_pooled", Y23, "normal"): 2 / 7,
        ("transition_count_share_pooled", Y23, "special_mention"): 2 / 7,
        ("transition_count_share_pooled", Y23, "doubtful"): 1 / 7,
        ("transition_count_share_pooled", Y23, "exited"): 2 / 7,
    }, "normal")
    check(m, {("transition_share_pooled", Y23, "normal"): 300 / 700,
              ("transition_share_pooled", Y23, "substandard"): 400 / 700,
              ("transition_count_share_pooled", Y23, "substandard"): 0.5}, "special_mention")
    check(m, {("transition_share_pooled", Y23, "exited"): 1.0}, "substandard")
    check(m, {("transition_share_pooled", Y23, "loss"): 1.0}, "doubtful")
    pooled = m.frame[m.frame["metric"] == "transition_share_pooled"]
    assert set(pooled["as_of"]) == {pd.Timestamp(Y23)}
    assert "loss" not in set(pooled["dimension"]) and len(pooled) == 4 * 6


def test_customer_lorenz(m: Metrics) -> None:
    # customer balances ascending; population share p → x = p·n customers: Σ of the ⌊x⌋ smallest
    # plus the fraction x − ⌊x⌋ of the next, over the total.
    # 2021: 50, 150, 200, 300, 600 (1300).  p .05 → x .25 → 12.5; p .2 → 50; p .5 → x 2.5 → 200 + 100;
    #   p .75 → x 3.75 → 400 + .75·300 = 625
    # mid-2022: one customer (170): the diagonal.  2023: 30, 100, 250, 380 (760): p .05 → x .2 → 6;
    #   p .25 → 30; p .5 → 130; p .9 → x 3.6 → 380 + .6·380 = 608
    check(m, {
        ("customer_lorenz", Y21, "0.00"): 0.0, ("customer_lorenz", Y21, "0.05"): 12.5 / 1300,
        ("customer_lorenz", Y21, "0.20"): 50 / 1300, ("customer_lorenz", Y21, "0.50"): 300 / 1300,
        ("customer_lorenz", Y21, "0.75"): 625 / 1300, ("customer_lorenz", Y21, "1.00"): 1.0,
        ("customer_lorenz", MID, "0.35"): 0.35, ("customer_lorenz", MID, "1.00"): 1.0,
        ("customer_lorenz", Y23, "0.05"): 6 / 760, ("customer_lorenz", Y23, "0.25"): 30 / 760,
        ("customer_lorenz", Y23, "0.50"): 130 / 760, ("customer_lorenz", Y23, "0.90"): 608 / 760,
    }, "customer_quantile")
    lorenz = m.select("customer_lorenz", "customer_quantile")
    for when, part in lorenz.groupby("as_of"):
        assert list(part["segment"]) == [f"{k / 20:.2f}" for k in range(21)] and (part["unit"] == "ratio").all()
        # 1, 4 and 5 customers all divide 20, so the 21 points hold every kink: 1 − 2·area = gini exactly
        x = np.arange(21) / 20
        y = part["value"].to_numpy()
        area = float(np.sum((y[1:] + y[:-1]) / 2 * np.diff(x)))
        assert 1 - 2 * area == pytest.approx(m.get("gini", when, "customer"), abs=1e-12)


def test_renewal_dimension(m: Metrics) -> None:
    # renewal_flag: L2, L6, L8 true; L3, L4, L5, L7 false; L1 missing → unknown.
    # 2021: true L2 500 + L6 50 + L8 150 = 700 (no NPL); false L3 300 + L4 200 SS = 500; unknown L1 100
    # 2023: true L2 300 SS + L6 30 L + L8 100 = 430 (NPL 330 = all of it); false L3 250 + L7 80 = 330
    check(m, {
        ("loans", Y21, "true"): 3, ("loans", Y21, "false"): 2, ("loans", Y21, "unknown"): 1,
        ("balance", Y21, "true"): 700 * W, ("balance_share", Y21, "true"): 700 / 1300,
        ("balance_share", Y21, "false"): 500 / 1300, ("balance_share", Y21, "unknown"): 100 / 1300,
        ("npl_ratio", Y21, "true"): 0.0, ("npl_ratio", Y21, "false"): 200 / 500,
        ("npl_share", Y21, "false"): 1.0, ("risk_contribution", Y21, "false"): 1300 / 500,
        ("balance_share", Y23, "true"): 430 / 760, ("npl_ratio", Y23, "true"): 330 / 430,
        ("npl_share", Y23, "true"): 1.0, ("risk_contribution", Y23, "true"): 760 / 430,
        ("npl_ratio", Y23, "false"): 0.0,
    }, "renewal")
    assert m.select("balance_share", "renewal", Y23).query("segment == 'unknown'").empty


def test_renewed_normal_overdue(m: Metrics) -> None:
    # renewed, graded normal, days past due > 0, balance > 0: only L6 in 2021 (normal at 95 days, 50);
    # 2022 L6 is doubtful, L8 current; 2023 L8 (45 days) is special mention, not normal
    check(m, {
        ("renewed_normal_overdue_count", Y21, None): 1, ("renewed_normal_overdue_balance", Y21, None): 50 * W,
        ("renewed_normal_overdue_count", MID, None): 0, ("renewed_normal_overdue_count", Y22, None): 0,
        ("renewed_normal_overdue_count", Y23, None): 0, ("renewed_normal_overdue_balance", Y23, None): 0.0,
    })


def test_risk_shared_balance(m: Metrics) -> None:
    # risk_share_ratio > 0: L3 (0.5, operating), L6 (0.3, micro), L7 (0.4, startup); L8's 0 is not sharing.
    # 2021: L3 300 + L6 50; mid-2022: only L4 (none); 2022: L3 300 + L6 40; 2023: L3 250 + L6 30 + L7 80
    check(m, {
        ("risk_shared_balance", Y21, None): 350 * W, ("risk_shared_balance", MID, None): 0.0,
        ("risk_shared_balance", Y22, None): 340 * W, ("risk_shared_balance", Y23, None): 360 * W,
    })
    check(m, {
        ("risk_shared_balance", Y21, "operating"): 300 * W, ("risk_shared_balance", Y21, "micro"): 50 * W,
        ("risk_shared_balance", MID, "micro"): 0.0, ("risk_shared_balance", Y22, "micro"): 40 * W,
        ("risk_shared_balance", Y23, "operating"): 250 * W, ("risk_shared_balance", Y23, "micro"): 30 * W,
        ("risk_shared_balance", Y23, "startup"): 80 * W,
    }, "product")
    assert m.select("risk_shared_balance", "product", Y21).query("segment == 'startup'").empty  # not on the book


def test_programme_inputs_missing_are_skipped() -> None:
    bare = compute_metrics(ledger_frame().drop(columns=["renewal_flag", "risk_share_ratio"]), PROFILE)
    skipped = {s.what: s.needs for s in bare.skipped}
    assert skipped["renewed_normal_overdue_count"] == "column renewal_flag"
    assert skipped["risk_shared_balance"] == "column risk_share_ratio"
    assert not {"renewed_normal_overdue_count", "risk_shared_balance"} & set(bare.names())
    assert "renewal" not in set(bare.frame["dimension"].dropna())
    no_dpd = compute_metrics(ledger_frame().drop(columns=["days_past_due"]), PROFILE)
    assert {s.needs for s in no_dpd.skipped if s.what == "renewed_normal_overdue_balance"} == {"column days_past_due"}
    assert no_dpd.get("risk_shared_balance", Y23) == 360 * W


def test_vintage(m: Metrics) -> None:
    # seen with balance > 0 at snapshots ≤ as_of; NPL at any of them
    # 2021: 2019 L4 (SS) 1/1; 2020 L2, L6 0/2; 2021 L1, L3, L8 0/3
    # 2022: 2020 L6 doubtful → 1/2; 2022 L5 0/1.  2023: 2020 L2 SS too → 2/2; 2023 L7 0/1
    check(m, {
        ("vintage_default_rate", Y21, "2019"): 1.0, ("vintage_default_rate", Y21, "2020"): 0.0,
        ("vintage_default_rate", Y21, "2021"): 0.0, ("vintage_default_rate", Y22, "2019"): 1.0,
        ("vintage_default_rate", Y22, "2020"): 0.5, ("vintage_default_rate", Y22, "2022"): 0.0,
        ("vintage_default_rate", Y23, "2020"): 1.0, ("vintage_default_rate", Y23, "2021"): 0.0,
        ("vintage_default_rate", Y23, "2023"): 0.0,
    }, "vintage")
    assert m.select("vintage_default_rate", "vintage", MID).empty


def test_inclusive(m: Metrics) -> None:
    # customer amount totals: 2021 C1 100+600 = 700 ≤ 1000 → all five inclusive.
    # 2022: C4 (L5 1200) is not → 2060 − 1200 = 860, 4 customers, NPL 40.
    # 2023: C1 = L2 600 + L7 500 = 1100 > 1000 → out: C2 250 + C5 30 + C6 100 = 380, 3 customers, NPL L6 30
    check(m, {
        ("inclusive_balance", Y21, None): 1300 * W, ("inclusive_balance", MID, None): 170 * W,
        ("inclusive_balance", Y22, None): 860 * W, ("inclusive_balance", Y23, None): 380 * W,
        ("inclusive_customers", Y21, None): 5, ("inclusive_customers", Y22, None): 4,
        ("inclusive_customers", Y23, None): 3,
        ("inclusive_npl_ratio", Y21, None): 200 / 1300, ("inclusive_npl_ratio", Y22, None): 40 / 860,
        ("inclusive_npl_ratio", Y23, None): 30 / 380,
        ("inclusive_balance_growth", Y22, None): 860 / 1300 - 1, ("inclusive_balance_growth", Y23, None): 380 / 860 - 1,
        ("inclusive_customers_change", Y22, None): 4 - 5, ("inclusive_customers_change", Y23, None): 3 - 4,
        # whole-bank NPL ratio 2% (2021), 3% (2022), unknown for 2023
        ("inclusive_npl_gap", Y21, None): 200 / 1300 - 0.02, ("inclusive_npl_gap", MID, None): 1.0 - 0.03,
        ("inclusive_npl_gap", Y22, None): 40 / 860 - 0.03,
    })
    assert m.select("inclusive_npl_gap", None, Y23).empty


def test_skipped_records_missing_inputs(m: Metrics) -> None:
    needs = {(s.what, s.needs) for s in m.skipped}
    assert ("single_customer_concentration", "profile bank.net_capital[2023]") in needs
    assert ("inclusive_npl_gap", "profile bank.total_npl_ratio[2023]") in needs
    bare = ledger_frame().drop(columns=["days_past_due", "provision", "interest_rate", "write_off", "group_id",
                                        "origination_date"])
    b = compute_metrics(bare, BankProfile())
    names = set(b.names())
    for absent in ("overdue_ratio", "deviation_ratio", "floor_breach_count", "provision_coverage",
                   "weighted_interest_rate", "write_off", "single_group_concentration",
                   "single_customer_concentration", "vintage_default_rate", "inclusive_npl_gap"):
        assert absent not in names
    skipped = {s.what: s.needs for s in b.skipped}
    assert skipped["deviation_ratio"] == "column days_past_due"
    assert skipped["provision_coverage"] == "column provision"
    assert skipped["write_off"] == "column write_off"
    assert skipped["vintage_default_rate"] == "column origination_date"
    assert skipped["single_customer_concentration"] == "profile bank.net_capital[2021, 2022, 2023]"
    assert "vintage" not in set(b.frame["dimension"].dropna()) and "term_bucket" not in set(b.frame["dimension"].dropna())
    assert b.get("npl_ratio", Y23) == pytest.approx(330 / 760)


def test_single_snapshot_skips_migration() -> None:
    f = ledger_frame()
    one = compute_metrics(f[f["as_of"] == "2021-12-31"])
    assert "migration_rate" not in one.names()
    assert {s.needs for s in one.skipped if s.what == "transition_share"} == {"two annual snapshots"}
    assert "balance_growth" not in one.names()


def test_profile_floor_days_override() -> None:
    # with the substandard floor at 100 days, L6's 95 days only force special mention:
    # still a breach (normal < SM), but the floor-adjusted NPL ratio stays 200/1300
    prof = BankProfile(overrides={"floor_days_substandard": 100.0})
    m2 = compute_metrics(ledger_frame(), prof)
    assert m2.get("floor_breach_balance", Y21) == 50 * W
    assert m2.get("floor_adjusted_npl_ratio", Y21) == pytest.approx(200 / 1300)
