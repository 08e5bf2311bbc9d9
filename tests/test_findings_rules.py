"""Each problem code of FINDINGS.md fires on a small hand-built case, and none fires on a clean one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest
from findings_support import ALL_COLUMNS, DATES, LATEST, Book, clean_book, clean_stats, clean_tests, seg_test
from hypothesis import given, settings
from hypothesis import strategies as st

from microcredit_risk.findings import diagnose
from microcredit_risk.findings.records import Evidence, Finding, Findings
from microcredit_risk.ledger.problems import Issue
from microcredit_risk.profile import BankProfile, profile_from_dict
from microcredit_risk.stats.results import Statistics

PROFILE = BankProfile(net_capital={2023: 1e9}, total_npl_ratio={2023: 0.015}, total_loans={2022: 1e10, 2023: 1.1e10})


def run(book: Book, stats: Statistics | None = None, profile: BankProfile = PROFILE,
        columns: set[str] | None = ALL_COLUMNS, issues: Sequence[Issue] = (), rows: int = 1000,
        lang: str = "en") -> Findings:
    return diagnose(book.metrics(), clean_stats() if stats is None else stats, profile,
                    columns=None if columns is None else set(columns), issues=issues, rows=rows, lang=lang)


def codes(f: Findings) -> list[str]:
    return [x.code for x in f.items]


def only(f: Findings, code: str) -> Finding:
    assert codes(f) == [code]
    return f.items[0]


def ev(metric: str, as_of: str | None, value: float | None, threshold: float | None = None,
       name: str | None = None, dimension: str | None = None, segment: str | None = None) -> Evidence:
    return Evidence(metric, as_of, value, threshold, name, dimension, segment)


def test_clean_portfolio_fires_nothing_and_everything_runs() -> None:
    f = run(clean_book())
    assert f.items == []
    assert f.not_run == []


def test_npl_level_high() -> None:
    b = clean_book().every_year("npl_ratio", 0.06)
    f = only(run(b), "NPL_LEVEL_HIGH")
    assert f.severity == "high"
    assert f.evidence == [ev("npl_ratio", LATEST, 0.06, 0.05, "npl_ratio_max")]
    assert f.as_of == LATEST
    assert "6.00%" in f.title


def test_npl_level_high_from_inclusive_gap_is_medium_and_needs_the_whole_bank_ratio() -> None:
    b = clean_book().set("inclusive_npl_gap", LATEST, 0.04)
    f = only(run(b), "NPL_LEVEL_HIGH")
    assert f.severity == "medium"
    assert f.evidence == [ev("inclusive_npl_gap", LATEST, 0.04, 0.03, "inclusive_npl_tolerance")]
    no_total = run(b, profile=BankProfile(net_capital={2023: 1e9}, total_loans=PROFILE.total_loans))
    assert codes(no_total) == []
    [skip] = no_total.not_run
    assert skip.what == "NPL_LEVEL_HIGH: inclusive_npl_gap"
    assert skip.needs == "profile bank.total_npl_ratio[2023]"


def test_npl_rising_from_first_and_previous_with_escalation() -> None:
    b = clean_book().set("npl_ratio", LATEST, 0.035)
    f = only(run(b), "NPL_RISING")
    assert f.severity == "medium"
    rise = ev("npl_ratio", LATEST, 0.035, 0.01, "npl_rise_pp")
    # each change clause cites the latest value with the value it changed from (2019, then 2022)
    assert f.evidence == [ev("npl_ratio", "2019-12-31", 0.02), ev("npl_ratio", "2022-12-31", 0.02),
                          replace(rise, base_as_of="2019-12-31", base_value=0.02),
                          replace(rise, base_as_of="2022-12-31", base_value=0.02)]
    assert "1.50 percentage points" in f.title
    steep = only(run(clean_book().set("npl_ratio", LATEST, 0.045)), "NPL_RISING")
    assert steep.severity == "high"          # a 2.5 pp rise is ≥ 2 × npl_rise_pp
    # the latest year is the peak: its value is said once, not "→ peak 4.50% in 2023 → 4.50%"
    assert steep.title == ("NPL ratio rising (up 2.50 percentage points since 2019; 2019–2023: 2.00% → 4.50%, "
                           "the highest of the period)")


def test_npl_rising_needs_two_annual_snapshots() -> None:
    b = Book().set("balance", LATEST, 1e8, unit="yuan").set("npl_ratio", LATEST, 0.02)
    f = run(b, stats=Statistics())
    assert "NPL_RISING: npl_ratio" in [s.what for s in f.not_run]
    assert any(s.needs == "two annual snapshots" for s in f.not_run)


def test_only_annual_snapshots_count() -> None:
    # a mid-year snapshot with a high ratio is not "latest": the year-end one is
    b = clean_book().set("balance", "2023-06-30", 1.4e8, unit="yuan").set("npl_ratio", "2023-06-30", 0.09)
    assert codes(run(b)) == []


def test_special_mention_buildup() -> None:
    b = clean_book().every_year("special_mention_ratio", 0.06)
    f = only(run(b), "SPECIAL_MENTION_BUILDUP")
    assert f.severity == "medium"
    assert f.evidence == [ev("special_mention_ratio", LATEST, 0.06, 0.05, "special_mention_max")]


def test_migration_deterioration() -> None:
    f = only(run(clean_book().set("normal_loans_migration_rate", LATEST, 0.05)), "MIGRATION_DETERIORATION")
    assert f.severity == "medium"
    assert f.evidence == [ev("normal_loans_migration_rate", LATEST, 0.05, 0.04, "migration_normal_max")]
    g = only(run(clean_book().set("migration_rate", LATEST, 0.09, segment="normal")), "MIGRATION_DETERIORATION")
    assert g.severity == "high"              # 0.09 ≥ 2 × 0.04
    assert g.evidence == [ev("migration_rate", LATEST, 0.09, 0.04, "migration_normal_max", segment="normal")]


def test_classification_deviation_from_floor_breaches() -> None:
    b = clean_book().set("floor_breach_ratio", LATEST, 0.0068)   # the table's 1e6 / 146.41e6
    f = only(run(b), "CLASSIFICATION_DEVIATION")
    assert f.evidence == [ev("floor_breach_ratio", LATEST, 0.0068, 0.005, "floor_breach_max")]
    assert f.severity == "medium"
    d = only(run(clean_book().set("deviation_ratio", LATEST, 1.6, unit="number")), "CLASSIFICATION_DEVIATION")
    assert d.severity == "high"              # 1.6 ≥ 1.5 × 1.0


def test_provision_shortfall_and_its_column() -> None:
    f = only(run(clean_book().set("provision_coverage", LATEST, 1.2)), "PROVISION_SHORTFALL")
    assert f.severity == "medium"
    assert f.evidence == [ev("provision_coverage", LATEST, 1.2, 1.5, "provision_coverage_min")]
    assert only(run(clean_book().set("provision_coverage", LATEST, 0.9)), "PROVISION_SHORTFALL").severity == "high"
    no_col = run(clean_book().set("provision_coverage", LATEST, 0.9), columns=ALL_COLUMNS - {"provision"})
    assert codes(no_col) == []
    assert [(s.what, s.needs) for s in no_col.not_run] == [("PROVISION_SHORTFALL", "column provision")]


def test_customer_concentration_village_bank_limit_is_five_percent() -> None:
    b = clean_book().set("single_customer_concentration", LATEST, 0.07)
    assert codes(run(b)) == []                                   # 7% < 10%
    village = BankProfile(kind="village_bank", net_capital={2023: 1e9}, total_npl_ratio={2023: 0.015})
    f = only(run(b, profile=village), "CUSTOMER_CONCENTRATION")
    assert f.severity == "high"
    assert f.evidence == [ev("single_customer_concentration", LATEST, 0.07, 0.05, "single_customer_max")]


def test_customer_concentration_without_net_capital_uses_top10_share() -> None:
    b = clean_book().set("top10_customer_share", LATEST, 0.30)
    assert codes(run(b)) == []                                   # with net capital that line does not apply
    f = run(b, profile=BankProfile(total_npl_ratio={2023: 0.015}, total_loans=PROFILE.total_loans))
    c = only(f, "CUSTOMER_CONCENTRATION")
    assert c.severity == "medium"
    assert c.evidence == [ev("top10_customer_share", LATEST, 0.30, 0.25, "top10_share_max")]
    assert {s.what for s in f.not_run} == {"CUSTOMER_CONCENTRATION: single_customer_concentration",
                                           "CUSTOMER_CONCENTRATION: top10_customer_concentration",
                                           "CUSTOMER_CONCENTRATION: single_group_concentration"}


def test_industry_concentration() -> None:
    b = clean_book().set("largest_share", LATEST, 0.45, "industry", "C")
    f = only(run(b), "INDUSTRY_CONCENTRATION")
    assert f.evidence == [ev("largest_share", LATEST, 0.45, 0.40, "industry_share_max", "industry", "C")]
    assert (f.dimension, f.segment, f.severity) == ("industry", "C", "medium")
    h = only(run(clean_book().set("hhi", LATEST, 0.40, "industry", unit="number")), "INDUSTRY_CONCENTRATION")
    assert h.severity == "high"              # 0.40 ≥ 1.5 × 0.25


def hotspot_case(dim: str, seg: str, seg_npl: float, total: float, padj: float = 0.001) -> tuple[Book, Statistics]:
    b = clean_book().every_year("npl_ratio", total).set("npl_ratio", LATEST, seg_npl, dim, seg)
    tests = clean_tests(**{f"{dim}:{seg}": seg_test(dim, seg, npl=seg_npl, rest=0.02, padj=padj)})
    return b, clean_stats(tests)


def test_industry_hotspot() -> None:
    # C holds 30%: rest = (0.038 − 0.3 × 0.08) / 0.7 = 0.02, line = 2 × 0.02 = 0.04
    b, s = hotspot_case("industry", "C", 0.08, 0.038)
    f = only(run(b, s), "INDUSTRY_HOTSPOT")
    assert (f.dimension, f.segment) == ("industry", "C")
    assert f.severity == "high"              # 0.08 ≥ 2 × 0.04
    npl = [e for e in f.evidence if e.metric == "npl_ratio"]
    assert npl[0] == ev("npl_ratio", LATEST, 0.038)
    assert npl[1].value == 0.08 and npl[1].threshold == pytest.approx(0.04)
    assert ev("balance_share", LATEST, 0.30, 0.05, "hotspot_min_share", "industry", "C") in f.evidence
    assert ev("fisher_padj", LATEST, 0.001, 0.05, "hotspot_alpha", "industry", "C") in f.evidence
    assert "2.00%" in f.title                # the rest's ratio is cited


def test_hotspot_needs_significance() -> None:
    b, s = hotspot_case("industry", "C", 0.08, 0.038, padj=0.2)
    assert codes(run(b, s)) == []


def test_hotspots_need_statistics() -> None:
    f = diagnose(clean_book().metrics(), None, PROFILE, columns=set(ALL_COLUMNS), rows=1000)
    needs = {s.what: s.reason for s in f.not_run}
    assert needs["INDUSTRY_HOTSPOT: industry"] == "no statistics were given"
    assert "OFFICER_OUTLIERS: loan_officer" in needs
    assert "PROJECTED_DETERIORATION: projected_npl_ratio" in needs


def test_product_hotspot() -> None:
    b, s = hotspot_case("product", "Z", 0.06, 0.028)    # rest = (0.028 − 0.012) / 0.8 = 0.02
    f = only(run(b, s), "PRODUCT_HOTSPOT")
    assert (f.segment, f.severity) == ("Z", "medium")


def test_region_hotspot_covers_branches() -> None:
    b, s = hotspot_case("branch", "b2", 0.05, 0.035)    # rest = (0.035 − 0.025) / 0.5 = 0.02
    f = only(run(b, s), "REGION_HOTSPOT")
    assert (f.dimension, f.segment) == ("branch", "b2")


def weak_guarantees() -> Book:
    """Unsecured loans (guarantee_group, pooled by the metrics stage) hold 60% at a 3% NPL ratio; secured 1%."""
    b = clean_book()
    b.set("balance_share", LATEST, 0.6, "guarantee_group", "unsecured").set("npl_ratio", LATEST, 0.03, "guarantee_group", "unsecured")
    return b.set("balance_share", LATEST, 0.4, "guarantee_group", "secured").set("npl_ratio", LATEST, 0.01, "guarantee_group", "secured")


def test_guarantee_weakness() -> None:
    f = only(run(weak_guarantees(), clean_stats(group_p={"guarantee_group": 0.01})), "GUARANTEE_WEAKNESS")
    # line = unsecured_npl_factor 1.5 × secured 1% = 1.5%; share line 50%; Fisher p 0.01 < 0.05
    assert f.evidence == [ev("balance_share", LATEST, 0.6, 0.5, "unsecured_share_max", "guarantee_group", "unsecured"),
                          ev("npl_ratio", LATEST, 0.03, pytest.approx(0.015), "unsecured_npl_factor", "guarantee_group",
                             "unsecured"),
                          ev("npl_ratio", LATEST, 0.01, None, None, "guarantee_group", "secured"),
                          ev("fisher_group_pvalue", LATEST, 0.01, 0.05, "hotspot_alpha", "guarantee_group", "unsecured")]
    assert f.severity == "high"              # 3% ≥ 2 × 1.5%


def test_guarantee_weakness_needs_a_significant_fisher_test() -> None:
    assert codes(run(weak_guarantees(), clean_stats(group_p={"guarantee_group": 0.29}))) == []
    f = diagnose(weak_guarantees().metrics(), None, PROFILE, columns=set(ALL_COLUMNS), rows=1000)
    assert "GUARANTEE_WEAKNESS" not in codes(f)
    assert {s.what: s.reason for s in f.not_run}["GUARANTEE_WEAKNESS: guarantee_group"] == "no statistics were given"


def test_officer_outliers() -> None:
    tests = clean_tests(**{"loan_officer:o2": seg_test("loan_officer", "o2", npl=0.12, rest=0.03, padj=0.001),
                           "loan_officer:o3": seg_test("loan_officer", "o3", npl=0.05, rest=0.03, padj=0.01)})
    f = only(run(clean_book(), clean_stats(tests)), "OFFICER_OUTLIERS")
    assert f.evidence == [ev("npl_count_ratio", LATEST, 0.12, 0.06, "hotspot_factor", "loan_officer", "o2"),
                          ev("npl_count_ratio_rest", LATEST, 0.03, None, None, "loan_officer", "o2"),
                          ev("fisher_padj", LATEST, 0.001, 0.05, "hotspot_alpha", "loan_officer", "o2")]
    assert "o2" in f.title and "o3" not in f.title


def test_vintage_deterioration() -> None:
    b = clean_book()
    for y, v in [(2018, 0.001), (2019, 0.02), (2020, 0.03), (2021, 0.03), (2022, 0.05)]:
        b.set("vintage_default_rate", f"{y + 1}-12-31", v, "vintage", str(y))
        b.set("vintage_loans", f"{y + 1}-12-31", 100 + y - 2018, "vintage", str(y), unit="count")
    b.set("vintage_default_rate", LATEST, 0.5, "vintage", "2019")   # not at one year on book: ignored
    f = only(run(b), "VINTAGE_DETERIORATION")
    assert f.segment == "2022"
    # 2018 is left-truncated (the first snapshot is 2019-12-31): mean of 2019–2021 = 0.08 / 3, line × 1.5 = 0.04
    rates = [e for e in f.evidence if e.metric == "vintage_default_rate"]
    assert rates[-1] == ev("vintage_default_rate", LATEST, 0.05, pytest.approx(0.04), "vintage_factor",
                           "vintage", "2022")
    assert [e.segment for e in rates] == ["2019", "2020", "2021", "2022"]
    assert [(e.segment, e.value) for e in f.evidence if e.metric == "vintage_loans"] == [
        ("2019", 101), ("2020", 102), ("2021", 103), ("2022", 104)]
    assert f.severity == "medium"


def test_vintage_needs_two_older_cohorts() -> None:
    b = clean_book().drop("vintage_default_rate")
    b.set("vintage_default_rate", "2022-12-31", 0.02, "vintage", "2021").set("vintage_default_rate", LATEST, 0.2, "vintage", "2022")
    f = run(b)
    assert codes(f) == []
    assert [s.what for s in f.not_run] == ["VINTAGE_DETERIORATION: vintage_default_rate"]


def test_renewal_risk_by_share_and_npl() -> None:
    b = (clean_book().set("balance_share", LATEST, 0.15, "renewal", "true").set("balance_share", LATEST, 0.85, "renewal", "false")
         .set("npl_ratio", LATEST, 0.05, "renewal", "true"))
    f = only(run(b, clean_stats(group_p={"renewal": 0.02})), "RENEWAL_RISK")
    line = [e for e in f.evidence if e.threshold_name == "renewal_npl_factor"][0]
    assert (line.value, line.threshold) == (0.05, pytest.approx(0.03))
    assert ev("fisher_group_pvalue", LATEST, 0.02, 0.05, "hotspot_alpha", "renewal", "true") in f.evidence
    assert codes(run(b, clean_stats(group_p={"renewal": 0.94}))) == []     # not significant: no finding


def test_renewal_risk_normal_but_overdue() -> None:
    b = clean_book().set("renewed_normal_overdue_count", LATEST, 3, unit="count")
    f = only(run(b), "RENEWAL_RISK")
    assert f.evidence == [ev("renewed_normal_overdue_count", LATEST, 3.0, 0.0)]


def test_rapid_expansion_needs_npl_rising() -> None:
    b = clean_book().set("balance_mean_growth", LATEST, 0.35)      # the metrics stage's yearly compound growth
    assert codes(run(b)) == []
    b.set("npl_ratio", LATEST, 0.035)
    f = run(b)
    assert codes(f) == ["NPL_RISING", "RAPID_EXPANSION"]
    r = f.items[1]
    assert r.evidence == [ev("balance_mean_growth", LATEST, 0.35, 0.30, "growth_max")]
    assert "35.0%" in r.title


def test_inclusive_target_miss() -> None:
    # 两增 against the bank's total loans (profile): 0.09 < 0.12 − 0.001 (the ledger's own growth is 0.10)
    b = clean_book().set("total_loan_growth", LATEST, 0.12).set("inclusive_balance_growth", LATEST, 0.09)
    f = only(run(b), "INCLUSIVE_TARGET_MISS")
    assert f.severity == "low"
    assert f.evidence == [ev("total_loan_growth", LATEST, 0.12),
                          ev("inclusive_balance_growth", LATEST, 0.09, pytest.approx(0.119), "inclusive_growth_slack")]
    # without bank.total_loans the ledger's balance_growth (0.10) stands in, and not_run says so
    proxy = run(b, profile=BankProfile(net_capital={2023: 1e9}, total_npl_ratio={2023: 0.015}))
    assert only(proxy, "INCLUSIVE_TARGET_MISS").evidence[0] == ev("balance_growth", LATEST, 0.10)
    assert [s.needs for s in proxy.not_run] == ["profile bank.total_loans[2023]"]
    clear = clean_book().set("total_loan_growth", LATEST, 0.08).set("inclusive_balance_growth", LATEST, 0.09)
    assert codes(run(clear)) == []                                  # above the bank's growth: met
    g = only(run(clean_book().set("inclusive_customers_change", LATEST, -3, unit="count")), "INCLUSIVE_TARGET_MISS")
    assert g.evidence == [ev("inclusive_customers_change", LATEST, -3.0, 0.0)]


def test_inclusive_pricing_rise() -> None:
    # 两控: the inclusive rate rose 0.05 → 0.0530 (+0.30 pp > 0.25 pp); +0.20 pp does not fire
    f = only(run(clean_book().set("inclusive_weighted_interest_rate", LATEST, 0.053)), "INCLUSIVE_TARGET_MISS")
    assert f.evidence[-1] == replace(ev("inclusive_weighted_interest_rate", LATEST, 0.053, 0.0025, "inclusive_rate_rise_max"),
                                     base_as_of="2022-12-31", base_value=0.05)
    assert codes(run(clean_book().set("inclusive_weighted_interest_rate", LATEST, 0.052))) == []


def test_risk_sharing_strain() -> None:
    b, s = hotspot_case("product", "Y", 0.07, 0.035)     # Y carries risk-shared loans; rest = 0.02
    f = run(b, s)
    assert codes(f) == ["PRODUCT_HOTSPOT", "RISK_SHARING_STRAIN"]
    strain = f.items[1]
    assert strain.segment == "Y"
    assert strain.evidence[0] == ev("risk_shared_balance", LATEST, 20e6, dimension="product", segment="Y")
    # product Z is a hotspot too but carries no risk-shared loans: no strain
    b2, s2 = hotspot_case("product", "Z", 0.06, 0.028)
    assert codes(run(b2, s2)) == ["PRODUCT_HOTSPOT"]


def test_projected_deterioration() -> None:
    f = only(run(clean_book(), clean_stats(projected=0.035)), "PROJECTED_DETERIORATION")
    assert f.evidence == [ev("npl_ratio", LATEST, 0.02),
                          ev("projected_npl_ratio", "2024-12-31", 0.035, pytest.approx(0.03), "npl_rise_pp", segment="base")]
    assert f.severity == "medium"
    assert only(run(clean_book(), clean_stats(projected=0.045)), "PROJECTED_DETERIORATION").severity == "high"


def test_projection_already_in_metrics_counts_once() -> None:
    s = clean_stats(projected=0.035)
    f = diagnose(clean_book().metrics().extend(s.metrics), s, PROFILE, columns=set(ALL_COLUMNS), rows=1000)
    assert codes(f) == ["PROJECTED_DETERIORATION"]


def test_data_quality_from_warnings_excluding_floor_breaches() -> None:
    issues = [Issue("W103", 20), Issue("W107", 500)]
    f = only(run(clean_book(), issues=issues), "DATA_QUALITY")
    assert f.severity == "low"
    assert f.evidence == [ev("validation_warning_rows", None, 20.0, segment="W103"),
                          ev("validation_warning_share", None, 0.02, 0.01, "data_warning_max")]
    assert only(run(clean_book(), issues=[Issue("W110", 60)]), "DATA_QUALITY").severity == "medium"
    assert codes(run(clean_book(), issues=[Issue("W107", 500)])) == []


def test_data_quality_from_missing_columns() -> None:
    f = run(clean_book(), columns=ALL_COLUMNS - {"loan_officer"})
    assert codes(f) == ["DATA_QUALITY"]
    assert f.items[0].evidence == [ev("column_missing", None, None, segment="loan_officer")]
    assert ("OFFICER_OUTLIERS", "column loan_officer") in [(s.what, s.needs) for s in f.not_run]


def test_threshold_override_in_profile_changes_the_outcome() -> None:
    b = clean_book().every_year("npl_ratio", 0.06)
    lenient = profile_from_dict({"bank": {"net_capital": {"2023": 1e9}, "total_npl_ratio": {"2023": 0.015}},
                                 "thresholds": {"npl_ratio_max": 0.07}})
    assert codes(run(b, profile=lenient)) == []
    strict = profile_from_dict({"bank": {"net_capital": {"2023": 1e9}, "total_npl_ratio": {"2023": 0.015}},
                                "thresholds": {"special_mention_max": 0.02}})
    assert codes(run(clean_book(), profile=strict)) == ["SPECIAL_MENTION_BUILDUP"]


def test_order_is_severity_then_rule_order_then_segment() -> None:
    b, s = hotspot_case("industry", "C", 0.08, 0.038)
    b.set("npl_ratio", LATEST, 0.06, "industry", "F").set("inclusive_customers_change", LATEST, -1, unit="count")
    b.every_year("npl_ratio", 0.06).set("npl_ratio", LATEST, 0.09, "industry", "C")
    tests = clean_tests(**{"industry:C": seg_test("industry", "C", 0.09, 0.02, 0.001),
                           "industry:F": seg_test("industry", "F", 0.06, 0.02, 0.001)})
    f = run(b, clean_stats(tests))
    ranks = [("low", "medium", "high").index(x.severity) for x in f.items]
    assert ranks == sorted(ranks, reverse=True)
    assert codes(f)[0] == "NPL_LEVEL_HIGH" and codes(f)[-1] == "INCLUSIVE_TARGET_MISS"


def test_evidence_values_equal_the_metrics_table() -> None:
    b, s = hotspot_case("product", "Y", 0.07, 0.035)
    b.set("npl_ratio", LATEST, 0.07).set("floor_breach_ratio", LATEST, 0.0137)
    b.set("provision_coverage", LATEST, 1.0).set("largest_share", LATEST, 0.5, "industry", "C")
    m = b.metrics()
    f = diagnose(m, s, PROFILE, columns=set(ALL_COLUMNS), rows=1000)
    assert len(f.items) >= 5
    checked = 0
    for finding in f.items:
        for e in finding.evidence:
            if e.as_of is None or e.metric not in m.names():
                continue
            if e.segment is not None and "+" in e.segment:
                continue                      # a pooled group, not a table row
            assert e.value == m.get(e.metric, e.as_of, e.dimension, e.segment), e
            checked += 1
    assert checked >= 8


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 0.2), min_size=5, max_size=5), st.floats(0.01, 0.15))
def test_npl_level_fires_exactly_above_its_line(series: list[float], line: float) -> None:
    b = clean_book()
    for d, v in zip(DATES, series, strict=True):
        b.set("npl_ratio", d, v)
    profile = BankProfile(net_capital={2023: 1e9}, total_npl_ratio={2023: 0.015}, overrides={"npl_ratio_max": line})
    f = diagnose(b.metrics(), Statistics(), profile, columns=set(ALL_COLUMNS), rows=1000)
    assert ("NPL_LEVEL_HIGH" in codes(f)) == (series[-1] > line)
    rising = series[-1] - series[0] >= 0.01 or series[-1] - series[-2] >= 0.01
    assert ("NPL_RISING" in codes(f)) == rising
