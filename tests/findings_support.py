"""A clean five-year portfolio (tidy metrics + statistics) that fires no finding; tests perturb it."""

from __future__ import annotations

from typing import Any

import pandas as pd

from microcredit_risk.metrics.table import Metrics
from microcredit_risk.stats.results import SegmentTest, Statistics

YEARS = [2019, 2020, 2021, 2022, 2023]
DATES = [f"{y}-12-31" for y in YEARS]
LATEST = "2023-12-31"
ALL_COLUMNS = {
    "as_of", "loan_id", "customer_id", "industry", "region", "branch", "product", "guarantee_type",
    "loan_officer", "origination_date", "maturity_date", "amount", "balance", "five_category",
    "days_past_due", "provision", "renewal_flag", "risk_share_ratio", "group_id", "customer_type",
    "write_off", "interest_rate",
}
SEGMENTS = {
    "industry": {"C": 0.30, "F": 0.25, "A": 0.20, "E": 0.15, "G": 0.10},
    "product": {"X": 0.5, "Y": 0.3, "Z": 0.2},
    "region": {"north": 0.6, "south": 0.4},
    "branch": {"b1": 0.5, "b2": 0.5},
    "guarantee_type": {"credit": 0.3, "guarantee": 0.1, "mortgage": 0.4, "pledge": 0.2},
    "renewal": {"true": 0.05, "false": 0.95},
    "guarantee_group": {"unsecured": 0.4, "secured": 0.6},
    "customer_type": {"small_enterprise": 0.5, "micro_enterprise": 0.3, "individual_business": 0.2},
}


class Book:
    """Tidy records keyed by (metric, as_of, dimension, segment); set() overrides or adds one."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, str | None, str | None], tuple[float | None, str]] = {}

    def set(self, metric: str, as_of: str, value: float | None, dimension: str | None = None,
            segment: str | None = None, unit: str = "ratio") -> Book:
        self.rows[(metric, as_of, dimension, segment)] = (value, unit)
        return self

    def every_year(self, metric: str, value: float, dimension: str | None = None,
                   segment: str | None = None, unit: str = "ratio", years: list[str] | None = None) -> Book:
        for d in years or DATES:
            self.set(metric, d, value, dimension, segment, unit)
        return self

    def drop(self, metric: str) -> Book:
        self.rows = {k: v for k, v in self.rows.items() if k[0] != metric}
        return self

    def metrics(self) -> Metrics:
        records: list[dict[str, Any]] = [
            {"metric": m, "as_of": d, "dimension": dim, "segment": seg, "value": v, "unit": u}
            for (m, d, dim, seg), (v, u) in self.rows.items()
        ]
        return Metrics.concat([pd.DataFrame(records)])


def clean_book() -> Book:
    b = Book()
    for d, bal in zip(DATES, [100e6, 110e6, 121e6, 133.1e6, 146.41e6], strict=True):
        b.set("balance", d, bal, unit="yuan")
    b.every_year("balance_growth", 0.10, years=DATES[1:])
    b.every_year("balance_mean_growth", 0.10, years=DATES[1:])
    b.every_year("npl_ratio", 0.02)
    b.every_year("special_mention_ratio", 0.03)
    b.every_year("migration_rate", 0.02, segment="normal", years=DATES[1:])
    b.every_year("normal_loans_migration_rate", 0.02, years=DATES[1:])
    b.every_year("deviation_ratio", 0.8, unit="number")
    b.every_year("floor_breach_ratio", 0.0)
    b.every_year("provision_coverage", 2.0)
    b.every_year("loan_provision_ratio", 0.04)
    b.every_year("single_customer_concentration", 0.04)
    b.every_year("top10_customer_concentration", 0.30)
    b.every_year("single_group_concentration", 0.06)
    b.every_year("top10_customer_share", 0.15)
    b.every_year("largest_share", 0.30, dimension="industry", segment="C")
    b.every_year("hhi", 0.225, dimension="industry", unit="number")
    for dim, shares in SEGMENTS.items():
        for seg, share in shares.items():
            b.set("balance_share", LATEST, share, dim, seg)
            b.set("npl_ratio", LATEST, 0.02, dim, seg)
            b.set("npl_ratio_rest", LATEST, 0.02, dim, seg)
    b.every_year("renewed_normal_overdue_count", 0.0, unit="count")
    for y in range(2018, 2023):             # cohort y at one year on book = snapshot of y + 1
        b.set("vintage_default_rate", f"{y + 1}-12-31", 0.02, "vintage", str(y))
    b.every_year("inclusive_balance_growth", 0.12, years=DATES[1:])
    b.every_year("total_loan_growth", 0.10, years=DATES[1:])
    b.every_year("inclusive_customers_change", 15.0, unit="count", years=DATES[1:])
    b.every_year("inclusive_npl_gap", 0.01)
    b.every_year("inclusive_weighted_interest_rate", 0.05)
    b.every_year("npl_ratio_with_write_offs", 0.021)       # a little written off each year, the ratio steady
    b.every_year("npl_cure_rate", 0.05, years=DATES[1:])
    b.set("risk_shared_balance", LATEST, 20e6, "product", "Y", unit="yuan")
    b.set("risk_shared_balance", LATEST, 0.0, "product", "X", unit="yuan")
    return b


def seg_test(dimension: str, segment: str, npl: float = 0.02, rest: float = 0.02,
             padj: float = 0.9) -> SegmentTest:
    return SegmentTest(dimension=dimension, segment=segment, loans=100, npl_loans=round(npl * 100),
                       rest_loans=1000, rest_npl_loans=round(rest * 1000), npl_count_ratio=npl,
                       rest_npl_count_ratio=rest, odds_ratio=1.0, pvalue=padj, padj=padj)


def clean_tests(**replace: SegmentTest) -> list[SegmentTest]:
    """Segment tests for every segment; ``replace`` swaps in one by "dimension:segment" key."""
    tests = [seg_test(dim, seg) for dim, shares in SEGMENTS.items() if dim not in ("renewal", "guarantee_group")
             for seg in shares]
    tests += [seg_test("loan_officer", f"o{i}") for i in range(1, 5)]
    return [replace.get(f"{t.dimension}:{t.segment}", t) for t in tests]


def clean_stats(tests: list[SegmentTest] | None = None, projected: float = 0.021,
                group_p: dict[str, float] | None = None) -> Statistics:
    """Statistics rows as the statistics stage writes them: the projection, each segment test's
    fisher_padj (with the counts it compares: npl_count_ratio, npl_count_ratio_rest) and the pooled
    group tests' fisher_group_pvalue (``group_p``: dimension → p; default 0.5, not significant)."""
    tests = clean_tests() if tests is None else tests
    rows = (Book().set("projected_npl_ratio", "2024-12-31", projected, segment="base")
            .set("projected_npl_ratio", "2024-12-31", projected * 1.5, segment="stress"))
    for t in tests:
        rows.set("fisher_padj", LATEST, t.padj, t.dimension, t.segment)
        rows.set("npl_count_ratio", LATEST, t.npl_count_ratio, t.dimension, t.segment)
        rows.set("npl_count_ratio_rest", LATEST, t.rest_npl_count_ratio, t.dimension, t.segment)
    groups = {"guarantee_group": ("unsecured", 0.5), "renewal": ("true", 0.5)}
    for dim, (seg, p) in groups.items():
        rows.set("fisher_group_pvalue", LATEST, (group_p or {}).get(dim, p), dim, seg)
    return Statistics(metrics=rows.metrics(), segment_tests=tests)
