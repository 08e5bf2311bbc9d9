"""Causes as tested hypotheses: supported, contradicted, untested; recommendations cite only their cause."""

from __future__ import annotations

import pytest
from findings_support import ALL_COLUMNS, LATEST, clean_book, clean_stats

from microcredit_risk.findings.checks import CHECKS
from microcredit_risk.findings.diagnosis import judge_causes, recommend
from microcredit_risk.findings.engine import _context
from microcredit_risk.findings.records import Evidence, Finding
from microcredit_risk.findings.rules import load_rules
from microcredit_risk.profile import BankProfile

RULES = load_rules()
BOOK, RECS = RULES.causes, RULES.recommendations


def _ctx(book=None, profile: BankProfile | None = None):
    return _context((book or clean_book()).metrics(), clean_stats(), profile or BankProfile(), ALL_COLUMNS, [], 1000)


def _finding(code: str, *evidence: Evidence, dimension: str | None = None, segment: str | None = None) -> Finding:
    return Finding(code=code, severity="high", title=code, as_of=LATEST, dimension=dimension, segment=segment,
                   evidence=list(evidence))


OFFICER = Evidence("npl_count_ratio", LATEST, 0.30, threshold=0.10, dimension="loan_officer", segment="王五")
SECTOR = Evidence("npl_ratio", LATEST, 0.159, threshold=0.104, dimension="industry", segment="F")


def _status(causes, code: str) -> str | None:
    return next((c.status for c in causes if c.code == code), None)


def test_a_fired_check_supports_its_cause_with_that_findings_evidence() -> None:
    findings = [_finding("OFFICER_OUTLIERS", OFFICER, dimension="loan_officer")]
    causes = judge_causes(_ctx(), {"OFFICER_OUTLIERS": "fired"}, findings, BOOK, CHECKS, "en")
    [staff] = [c for c in causes if c.code == "C_STAFF"]
    assert (staff.status, staff.because, staff.evidence) == ("supported", ["OFFICER_OUTLIERS"], [OFFICER])


def test_a_check_that_ran_clean_contradicts_its_cause() -> None:
    findings = [_finding("NPL_LEVEL_HIGH", Evidence("npl_ratio", LATEST, 0.06, threshold=0.05))]
    states = {"NPL_LEVEL_HIGH": "fired", "OFFICER_OUTLIERS": "clear"}
    causes = judge_causes(_ctx(), states, findings, BOOK, CHECKS, "en")
    assert _status(causes, "C_STAFF") == "contradicted"
    recs = recommend(causes, RECS, "en", kind=None, scope=None, describe=lambda e: e.metric, name=lambda e: "x")
    assert not [r for r in recs if r.cause == "C_STAFF"]


def test_a_check_that_could_not_run_leaves_its_cause_untested_with_how_to_verify() -> None:
    findings = [_finding("NPL_LEVEL_HIGH", Evidence("npl_ratio", LATEST, 0.06, threshold=0.05))]
    causes = judge_causes(_ctx(), {"NPL_LEVEL_HIGH": "fired", "OFFICER_OUTLIERS": "unknown"}, findings, BOOK,
                         CHECKS, "en")
    [staff] = [c for c in causes if c.code == "C_STAFF"]
    assert staff.status == "untested" and staff.evidence == [] and staff.verify.startswith("review those officers")
    recs = recommend(causes, RECS, "en", kind=None, scope=None, describe=lambda e: e.metric, name=lambda e: "x")
    assert {r.conditional for r in recs if r.cause == "C_STAFF"} == {True}


def test_context_causes_are_never_supported() -> None:
    findings = [_finding("NPL_LEVEL_HIGH")]
    causes = judge_causes(_ctx(), {"NPL_LEVEL_HIGH": "fired"}, findings, BOOK, CHECKS, "zh")
    assert _status(causes, "C_FIRM_WEAKNESS") == "untested"


def test_a_cause_no_fired_problem_names_is_not_listed() -> None:
    findings = [_finding("PROVISION_SHORTFALL", Evidence("provision_coverage", LATEST, 0.48, threshold=1.5))]
    causes = judge_causes(_ctx(), {"PROVISION_SHORTFALL": "fired"}, findings, BOOK, CHECKS, "en")
    assert {c.code for c in causes} == {"C_PROVISIONING", "C_CLASSIFICATION"}


def test_risk_sharing_is_absent_without_risk_shared_loans() -> None:
    book = clean_book()
    book.set("risk_shared_balance", LATEST, 0.0, "product", "Y", unit="yuan")
    book.set("risk_shared_balance", LATEST, 0.0, unit="yuan")
    findings = [_finding("NPL_LEVEL_HIGH")]
    assert _status(judge_causes(_ctx(book), {"NPL_LEVEL_HIGH": "fired"}, findings, BOOK, CHECKS, "en"),
                   "C_RISK_SHARING") is None
    book.set("risk_shared_balance", LATEST, 20e6, unit="yuan")
    states = {"NPL_LEVEL_HIGH": "fired", "RISK_SHARING_STRAIN": "clear"}
    assert _status(judge_causes(_ctx(book), states, findings, BOOK, CHECKS, "en"), "C_RISK_SHARING") == "contradicted"


@pytest.mark.parametrize(("latest", "status"), [
    # five industries hold ≥ 5%; all at 2% in 2019. Four of five rise → 0.8 ≥ 2/3: supported.
    ({"C": 0.05, "F": 0.04, "A": 0.03, "E": 0.03, "G": 0.01}, "supported"),
    # one of five rises → 0.2 ≤ 1/3: contradicted (a local problem, not the economy)
    ({"C": 0.05, "F": 0.02, "A": 0.01, "E": 0.02, "G": 0.01}, "contradicted"),
    # three of five → 0.6: neither
    ({"C": 0.05, "F": 0.04, "A": 0.03, "E": 0.02, "G": 0.01}, "untested"),
])
def test_macro_shock_is_tested_by_how_broad_the_rise_is(latest: dict[str, float], status: str) -> None:
    book = clean_book()
    for seg, v in latest.items():
        book.set("npl_ratio", "2019-12-31", 0.02, "industry", seg)
        book.set("npl_ratio", LATEST, v, "industry", seg)
    findings = [_finding("NPL_RISING", Evidence("npl_ratio", LATEST, 0.04, threshold=0.01))]
    causes = judge_causes(_ctx(book), {"NPL_RISING": "fired"}, findings, BOOK, CHECKS, "en")
    [macro] = [c for c in causes if c.code == "C_MACRO"]
    assert macro.status == status
    if status == "supported":
        # NPL_RISING's own record, then the first and latest npl_ratio of each of the five industries
        assert len(macro.evidence) == 11 and macro.because == ["NPL_RISING"]


def test_volume_drive_needs_growth_behind_a_bad_vintage() -> None:
    findings = [_finding("VINTAGE_DETERIORATION", Evidence("vintage_default_rate", LATEST, 0.09, threshold=0.03))]
    states = {"VINTAGE_DETERIORATION": "fired", "RAPID_EXPANSION": "clear"}
    # the clean book grows 10% a year: below half of growth_max (15%) → not supported, not contradicted
    assert _status(judge_causes(_ctx(), states, findings, BOOK, CHECKS, "en"), "C_VOLUME_DRIVE") == "untested"
    fast = BankProfile(overrides={"growth_max": 0.2})   # half is 10%: the book's growth now backs it
    causes = judge_causes(_ctx(profile=fast), states, findings, BOOK, CHECKS, "en")
    assert _status(causes, "C_VOLUME_DRIVE") == "supported"
    # the growth line sits on the growth (the table's balance_mean_growth), not on the latest balance
    [volume] = [c for c in causes if c.code == "C_VOLUME_DRIVE"]
    lined = [(e.metric, e.value, e.threshold) for e in volume.evidence if e.threshold is not None]
    assert lined[-1] == ("balance_mean_growth", pytest.approx(0.10), pytest.approx(0.10))
    assert not [e for e in volume.evidence if e.metric == "balance" and e.threshold is not None]


def test_each_recommendation_cites_only_its_own_causes_evidence_and_names_its_targets() -> None:
    findings = [_finding("OFFICER_OUTLIERS", OFFICER, dimension="loan_officer"),
                _finding("INDUSTRY_HOTSPOT", SECTOR, dimension="industry", segment="F")]
    states = {"OFFICER_OUTLIERS": "fired", "INDUSTRY_HOTSPOT": "fired"}
    causes = judge_causes(_ctx(), states, findings, BOOK, CHECKS, "en")
    recs = recommend(causes, RECS, "en", kind=None, scope=None, describe=lambda e: f"{e.metric} {e.value}",
                     name=lambda e: {"王五": "Officer 王五", "F": "construction"}[str(e.segment)])
    by_cause = {c.code: c.evidence for c in causes}
    assert recs and all(r.evidence == by_cause[r.cause] for r in recs)
    [sector] = [r for r in recs if r.code == "R_SECTOR_ACCESS"]
    assert sector.text == "Tighten access, pricing and limits for construction"
    assert all("construction" not in r.text for r in recs if r.cause == "C_STAFF")


def test_the_text_follows_the_kind_of_bank_and_the_scope() -> None:
    findings = [_finding("PROVISION_SHORTFALL", Evidence("provision_coverage", LATEST, 0.48, threshold=1.5))]
    causes = judge_causes(_ctx(), {"PROVISION_SHORTFALL": "fired"}, findings, BOOK, CHECKS, "en")
    cite = {"describe": lambda e: "coverage 48.07%", "name": lambda e: ""}
    [bank] = [r for r in recommend(causes, RECS, "en", kind="village_bank", scope=None, **cite)
              if r.code == "R_PROVISIONING"]
    [branch] = [r for r in recommend(causes, RECS, "en", kind="postal", scope="sub_branch", **cite)
                if r.code == "R_PROVISIONING"]
    assert bank.text == "Provide in full for expected losses and speed up write-off and disposal of NPLs (coverage 48.07%)"
    assert branch.text.startswith("Report the provisioning gap to the head office (coverage 48.07%)")
