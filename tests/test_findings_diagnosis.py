"""The rule changes and new codes of DIAGNOSIS.md section 1, each fired (and not) by a small ledger
written out here and run through the whole pipeline (ledger file → metrics → statistics → findings)."""

from __future__ import annotations

import pandas as pd
import pytest

from microcredit_risk.pipeline import analyze
from microcredit_risk.profile import profile_from_dict

Y22, Y23 = "2022-12-31", "2023-12-31"
PROFILE = profile_from_dict({"bank": {"name": "Test Bank", "kind": "city_commercial"}})


def loan(as_of: str, i: int, grade: str = "normal", balance: float = 100_000.0, **more: object) -> dict:
    """One ledger row: loan L<i> of customer C<i>; ``more`` sets any other column."""
    row: dict[str, object] = {"as_of": as_of, "loan_id": f"L{i:03d}", "customer_id": f"C{i:03d}",
                              "balance": balance, "five_category": grade, "days_past_due": 0,
                              "write_off": 0.0, "customer_type": "small_enterprise", "guarantee_type": "mortgage",
                              "renewal_flag": False}
    row.update(more)
    return row


def run(rows: list[dict], tmp_path) -> tuple[list[str], object]:
    path = tmp_path / "ledger.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    result = analyze([path], profile=PROFILE, lang="en")
    return [f.code for f in result.findings.items], result


def finding(result, code: str):
    [f] = [f for f in result.findings.items if f.code == code]
    return f


# -- WRITE_OFF_MASKING --------------------------------------------------------------------------

def ten_loans_two_npl() -> list[dict]:
    """2022: ten loans of 100,000, L000 and L001 substandard (NPL ratio 20%)."""
    return [loan(Y22, i, "substandard" if i < 2 else "normal") for i in range(10)]


def test_write_off_masking_fires_when_the_fall_is_written_off(tmp_path):
    # 2023: L000 written off (balance 0, write_off 100,000): NPL 100k / 900k = 11.1% < 20%,
    # but (100k + 100k) / (900k + 100k) = 20% ≥ the previous 20%
    rows = ten_loans_two_npl() + [loan(Y23, 0, "loss", 0.0, write_off=100_000.0)]
    rows += [loan(Y23, i, "substandard" if i == 1 else "normal") for i in range(1, 10)]
    codes, result = run(rows, tmp_path)
    assert "WRITE_OFF_MASKING" in codes
    f = finding(result, "WRITE_OFF_MASKING")
    added = [e for e in f.evidence if e.metric == "npl_ratio_with_write_offs"][0]
    assert added.value == pytest.approx(0.2) and added.threshold == pytest.approx(0.2)
    assert [e.value for e in f.evidence if e.metric == "npl_ratio"] == [pytest.approx(0.2), pytest.approx(1 / 9)]
    assert "11.11%" in f.title and "20.00%" in f.title


def test_write_off_masking_quiet_when_the_npl_was_repaid(tmp_path):
    # 2023: L000 repaid (balance 0, nothing written off): 11.1% with or without write-offs
    rows = ten_loans_two_npl() + [loan(Y23, 0, "substandard", 0.0)]
    rows += [loan(Y23, i, "substandard" if i == 1 else "normal") for i in range(1, 10)]
    codes, result = run(rows, tmp_path)
    assert "WRITE_OFF_MASKING" not in codes
    assert result.metrics.get("npl_ratio_with_write_offs", Y23) == pytest.approx(1 / 9)


# -- CLASSIFICATION_UPGRADES ----------------------------------------------------------------------

def test_classification_upgrades_fires_on_many_cures(tmp_path):
    # L000 substandard → normal in 2023: 100k of 200k NPL cured = 50% > npl_cure_max 15%
    rows = ten_loans_two_npl() + [loan(Y23, i, "substandard" if i == 1 else "normal") for i in range(10)]
    codes, result = run(rows, tmp_path)
    assert "CLASSIFICATION_UPGRADES" in codes
    f = finding(result, "CLASSIFICATION_UPGRADES")
    assert [(e.metric, e.value, e.threshold) for e in f.evidence] == [("npl_cure_rate", 0.5, 0.15)]
    assert f.severity == "high"                  # 50% ≥ 2 × 15%


def test_classification_upgrades_quiet_when_npls_stay_npl(tmp_path):
    rows = ten_loans_two_npl() + [loan(Y23, i, "substandard" if i < 2 else "normal") for i in range(10)]
    codes, result = run(rows, tmp_path)
    assert "CLASSIFICATION_UPGRADES" not in codes
    assert result.metrics.get("npl_cure_rate", Y23) == 0.0


# -- CUSTOMER_TYPE_HOTSPOT ------------------------------------------------------------------------

def by_type(micro_npl: int, small_npl: int) -> list[dict]:
    """One year-end: 20 micro-enterprise loans (the first ``micro_npl`` substandard) and 80 small ones."""
    rows = [loan(Y23, i, "substandard" if i < micro_npl else "normal", customer_type="micro_enterprise")
            for i in range(20)]
    return rows + [loan(Y23, 20 + i, "substandard" if i < small_npl else "normal") for i in range(80)]


def test_customer_type_hotspot_fires(tmp_path):
    # micro: 8 of 20 NPL (40%) against small: 2 of 80 (2.5%); 20% of balance; Fisher p far below 0.05
    codes, result = run(by_type(8, 2), tmp_path)
    assert "CUSTOMER_TYPE_HOTSPOT" in codes
    f = finding(result, "CUSTOMER_TYPE_HOTSPOT")
    assert (f.dimension, f.segment) == ("customer_type", "micro_enterprise")
    rest = [e for e in f.evidence if e.metric == "npl_ratio_rest"][0]
    assert rest.value == pytest.approx(2 / 80)
    padj = [e for e in f.evidence if e.metric == "fisher_padj"][0]
    assert padj.value < 0.05


def test_customer_type_hotspot_quiet_when_rates_match(tmp_path):
    codes, _ = run(by_type(1, 4), tmp_path)           # 5% and 5%
    assert "CUSTOMER_TYPE_HOTSPOT" not in codes


# -- significance for GUARANTEE_WEAKNESS and RENEWAL_RISK -------------------------------------------

def guarantees(unsecured: int, unsecured_npl: int, secured: int, secured_npl: int) -> list[dict]:
    rows = [loan(Y23, i, "substandard" if i < unsecured_npl else "normal", guarantee_type="credit")
            for i in range(unsecured)]
    return rows + [loan(Y23, 500 + i, "substandard" if i < secured_npl else "normal") for i in range(secured)]


def test_guarantee_weakness_fires_when_significant(tmp_path):
    # unsecured 60% of balance, 15 of 60 NPL (25%) against secured 1 of 40 (2.5%)
    codes, result = run(guarantees(60, 15, 40, 1), tmp_path)
    assert "GUARANTEE_WEAKNESS" in codes
    p = [e for e in finding(result, "GUARANTEE_WEAKNESS").evidence if e.metric == "fisher_group_pvalue"][0]
    assert p.value < 0.05 and p.segment == "unsecured"


def test_guarantee_weakness_quiet_when_not_significant(tmp_path):
    # 1 of 6 unsecured NPL against 0 of 4 secured: the ratio line is crossed, but Fisher p = 0.6
    codes, result = run(guarantees(6, 1, 4, 0), tmp_path)
    assert "GUARANTEE_WEAKNESS" not in codes
    assert result.metrics.get("fisher_group_pvalue", Y23, "guarantee_group", "unsecured") == pytest.approx(0.6)


def renewals(renewed_npl: int, other_npl: int) -> list[dict]:
    rows = [loan(Y23, i, "substandard" if i < renewed_npl else "normal", renewal_flag=True) for i in range(20)]
    return rows + [loan(Y23, 20 + i, "substandard" if i < other_npl else "normal") for i in range(80)]


def test_renewal_risk_fires_when_significant(tmp_path):
    codes, _ = run(renewals(8, 4), tmp_path)          # 40% against 5%
    assert "RENEWAL_RISK" in codes


def test_renewal_risk_quiet_when_not_significant(tmp_path):
    codes, result = run(renewals(2, 4), tmp_path)     # 10% against 5%: 2 × the others', p ≈ 0.3
    assert "RENEWAL_RISK" not in codes
    assert result.metrics.get("fisher_group_pvalue", Y23, "renewal", "true") > 0.05


# -- NPL_RISING: the whole annual series ------------------------------------------------------------

def test_npl_rising_shows_first_peak_and_latest(tmp_path):
    # NPL ratio 10% (2021), 30% (2022), 20% (2023): up 10 pp since 2021, after a peak in 2022
    rows = [loan("2021-12-31", i, "substandard" if i < 1 else "normal") for i in range(10)]
    rows += [loan(Y22, i, "substandard" if i < 3 else "normal") for i in range(10)]
    rows += [loan(Y23, i, "substandard" if i < 2 else "normal") for i in range(10)]
    codes, result = run(rows, tmp_path)
    f = finding(result, "NPL_RISING")
    assert [(e.as_of, e.value) for e in f.evidence if e.metric == "npl_ratio"] == [
        ("2021-12-31", pytest.approx(0.1)), (Y22, pytest.approx(0.3)), (Y23, pytest.approx(0.2))]
    assert "peak 30.00% in 2022" in f.title
    flat = [loan(y, i, "substandard" if i < 1 else "normal") for y in (Y22, Y23) for i in range(10)]
    assert "NPL_RISING" not in run(flat, tmp_path)[0]
