"""Findings through the whole pipeline, from small ledgers written out here: a clean book fires nothing,
a deteriorating one fires the asset-quality problems with evidence equal to the metrics table."""

from __future__ import annotations

import pandas as pd
import pytest

from microcredit_risk.pipeline import analyze
from microcredit_risk.profile import profile_from_dict

YEARS = ("2021-12-31", "2022-12-31", "2023-12-31")
INDUSTRIES = ["A", "C", "E", "F", "G", "H", "I", "K", "L", "M"]
GUARANTEES = ["mortgage", "pledge", "mortgage", "guarantee"]


def book(grades: dict[tuple[int, int], tuple[str, int]] | None = None, provision_rate: float = 0.04) -> pd.DataFrame:
    """20 customers with one loan each, 3 year-ends, balances growing 10% a year; ``grades`` overrides
    (year index, loan number) → (grade, days past due)."""
    rows = []
    for y, as_of in enumerate(YEARS):
        for i in range(20):
            grade, dpd = (grades or {}).get((y, i), ("normal", 0))
            balance = 1_000_000.0 * (1.1 ** y) * (1 + i % 3)
            rows.append({
                "as_of": as_of, "loan_id": f"L{i:02d}", "customer_id": f"C{i:02d}", "customer_name": f"客户{i}",
                "industry": INDUSTRIES[i % 10], "guarantee_type": GUARANTEES[i % 4], "product": f"P{i % 4}",
                "region": f"R{i % 5}", "loan_officer": f"O{i % 5}", "customer_type": "small_enterprise",
                "origination_date": "2021-01-15", "maturity_date": "2025-01-15",
                "amount": 4_000_000.0, "balance": balance, "interest_rate": 0.05, "five_category": grade,
                "days_past_due": dpd, "provision": balance * provision_rate, "renewal_flag": False,
            })
    return pd.DataFrame(rows)


PROFILE = profile_from_dict({"bank": {"name": "Test Bank", "kind": "city_commercial",
                                      "net_capital": {"2021": 5e8, "2022": 5e8, "2023": 5e8},
                                      "total_npl_ratio": {"2021": 0.01, "2022": 0.01, "2023": 0.01}}})


def run(frame: pd.DataFrame, tmp_path):
    path = tmp_path / "ledger.csv"
    frame.to_csv(path, index=False)
    return analyze([path], profile=PROFILE, lang="en")


def test_clean_book_raises_no_finding(tmp_path):
    result = run(book(), tmp_path)
    assert [f.code for f in result.findings.items] == []


def test_deteriorating_book_raises_asset_quality_findings(tmp_path):
    # 2023: two loans substandard/doubtful (NPL), one 120 days overdue still graded normal (floor breach)
    bad = {(2, 3): ("substandard", 150), (2, 7): ("doubtful", 300), (2, 11): ("normal", 120),
           (1, 3): ("special_mention", 40)}
    result = run(book(bad, provision_rate=0.004), tmp_path)
    codes = {f.code for f in result.findings.items}
    assert {"NPL_LEVEL_HIGH", "NPL_RISING", "CLASSIFICATION_DEVIATION", "PROVISION_SHORTFALL"} <= codes
    # NPL balance 2023: loans 3 (1.21m × 1) and 7 (1.21m × 2) of a 1.21m × (7·1 + 7·2 + 6·3) = 47.19m book
    npl = result.metrics.get("npl_ratio", "2023-12-31")
    assert npl == pytest.approx((1.21e6 + 2.42e6) / 47.19e6)
    for f in result.findings.items:
        for e in f.evidence:
            if e.value is not None and e.as_of is not None and e.metric in result.metrics.names():
                assert e.value == pytest.approx(result.metrics.get(e.metric, e.as_of, e.dimension, e.segment)), e
