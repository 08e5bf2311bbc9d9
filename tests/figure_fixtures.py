"""A small, hand-written metrics table and statistics for the figure tests (values chosen to check)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from microcredit_risk.findings.engine import diagnose
from microcredit_risk.findings.records import Findings
from microcredit_risk.metrics.table import Metrics
from microcredit_risk.profile import BankProfile
from microcredit_risk.stats.results import DriverModel, ModelTerm, SegmentTest, Statistics

Y21, Y22, Y23 = pd.Timestamp("2021-12-31"), pd.Timestamp("2022-12-31"), pd.Timestamp("2023-12-31")
MID23 = pd.Timestamp("2023-06-30")   # a mid-year snapshot: not part of the annual series

THRESHOLDS = {"npl_ratio_max": 0.05, "top10_share_max": 0.25, "top10_customer_max": 0.5,
              "deviation_max": 1.0, "hotspot_alpha": 0.05}


def r(metric: str, as_of: Any, value: float, dimension: str | None = None, segment: str | None = None,
      unit: str = "ratio") -> dict[str, Any]:
    return {"metric": metric, "as_of": as_of, "dimension": dimension, "segment": segment, "value": value,
            "unit": unit}


def records() -> list[dict[str, Any]]:
    rec = [
        r("balance", Y21, 1.0e8, unit="yuan"), r("balance", Y22, 1.2e8, unit="yuan"),
        r("balance", MID23, 1.3e8, unit="yuan"), r("balance", Y23, 1.5e8, unit="yuan"),
        r("npl_balance", Y21, 2.0e6, unit="yuan"), r("npl_balance", Y22, 3.6e6, unit="yuan"),
        r("npl_balance", MID23, 4.0e6, unit="yuan"), r("npl_balance", Y23, 6.0e6, unit="yuan"),
        r("npl_ratio", Y21, 0.02), r("npl_ratio", Y22, 0.03), r("npl_ratio", MID23, 0.031), r("npl_ratio", Y23, 0.04),
        r("overdue90_balance", Y21, 2.2e6, unit="yuan"), r("overdue90_balance", Y22, 3.0e6, unit="yuan"),
        r("overdue90_balance", Y23, 6.6e6, unit="yuan"),
        r("deviation_ratio", Y21, 1.1), r("deviation_ratio", Y22, 3.0 / 3.6), r("deviation_ratio", Y23, 1.1),
        r("npl_count_ratio", Y23, 0.1),
        r("top10_customer_share", Y22, 0.2), r("top10_customer_share", Y23, 0.3),
        r("top10_customer_concentration", Y22, 0.4), r("top10_customer_concentration", Y23, 0.55),
        r("gini", Y23, 0.6, "customer"),
        r("customer_lorenz", Y23, 0.0, "customer_quantile", "0.00"),
        r("customer_lorenz", Y23, 0.2, "customer_quantile", "0.50"),
        r("customer_lorenz", Y23, 1.0, "customer_quantile", "1.00"),
        r("projected_npl_ratio", pd.Timestamp("2024-12-31"), 0.045, segment="base"),
        r("projected_npl_ratio", pd.Timestamp("2024-12-31"), 0.06, segment="stress"),
    ]
    for when, shares in ((Y22, (0.9, 0.07, 0.02, 0.01, 0.0)), (Y23, (0.85, 0.1, 0.03, 0.01, 0.01))):
        for grade, v in zip(("normal", "special_mention", "substandard", "doubtful", "loss"), shares, strict=True):
            rec.append(r("category_share", when, v, segment=grade))
    # latest period 2022 → 2023 and an older one that must not be drawn as "latest"
    for when, normal_row, sm_row in ((Y23, (0.9, 0.05, 0.01, 0.04), (0.2, 0.5, 0.2, 0.1)),
                                     (Y22, (0.8, 0.1, 0.05, 0.05), (0.3, 0.3, 0.3, 0.1))):
        for t0, row in (("normal", normal_row), ("special_mention", sm_row)):
            for t1, v in zip(("normal", "special_mention", "substandard", "exited"), row, strict=True):
                rec.append(r("transition_share", when, v, t0, t1))
    for seg, share, ratio in (("C", 0.5, 0.03), ("F", 0.3, 0.06), ("A", 0.2, 0.10)):
        rec += [r("balance_share", Y23, share, "industry", seg), r("npl_ratio", Y23, ratio, "industry", seg)]
    rec += [r("balance_share", Y22, 0.9, "industry", "C"), r("npl_ratio", Y22, 0.5, "industry", "C")]
    rec += [r("vintage_default_rate", Y22, 0.01, "vintage", "2021"), r("vintage_default_rate", Y23, 0.03, "vintage", "2021"),
            r("vintage_default_rate", Y23, 0.02, "vintage", "2022")]
    rec += [r("loans", Y23, 100, "loan_officer", "王经理", "count"), r("npl_count_ratio", Y23, 0.05, "loan_officer", "王经理"),
            r("loans", Y23, 400, "loan_officer", "李经理", "count"), r("npl_count_ratio", Y23, 0.2, "loan_officer", "李经理"),
            r("npl_count_ratio_rest", Y23, 0.2, "loan_officer", "王经理"),
            r("npl_count_ratio_rest", Y23, 0.05, "loan_officer", "李经理")]
    return rec


def metrics() -> Metrics:
    return Metrics.concat([pd.DataFrame(records())])


def statistics() -> Statistics:
    terms = [ModelTerm("Intercept", -3.0, 0.05, 0.03, 0.08, 0.0),
             ModelTerm("guarantee_type[mortgage]", -0.5, 0.6, 0.4, 0.9, 0.01),
             ModelTerm("renewal_flag[T.True]", 0.9, 2.5, 1.5, 4.0, 0.001),
             ModelTerm("log(amount)", 0.1, 1.1, 0.9, 1.3, 0.3)]
    model = DriverModel(formula="npl ~ C(guarantee_type) + renewal_flag + log(amount)", fitted=True, n=500,
                        events=40, terms=terms, reference={"guarantee_type": "credit"})
    tests = [SegmentTest("loan_officer", "李经理", 400, 80, 100, 5, 0.2, 0.05, 4.75, 1e-6, 2e-6),
             SegmentTest("loan_officer", "王经理", 100, 5, 400, 80, 0.05, 0.2, 0.2, 0.99, 0.99),
             SegmentTest("industry", "A", 10, 1, 10, 1, 0.1, 0.1, 1.0, 0.001, 0.001)]
    rows = [r(m, Y23, v, t.dimension, t.segment) for t in tests for m, v in (("fisher_pvalue", t.pvalue),
                                                                             ("fisher_padj", t.padj))]
    return Statistics(metrics=Metrics.concat([pd.DataFrame(rows)]), driver_model=model, segment_tests=tests)


def findings(stats: Statistics | None = None) -> Findings:
    """The findings of the fixture (OFFICER_OUTLIERS names 李经理: 0.2 ≥ 2 × 0.05, adjusted p 2e-6)."""
    return diagnose(metrics(), statistics() if stats is None else stats, BankProfile(), lang="zh")
