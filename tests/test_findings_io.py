"""User rules files, texts and findings.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from findings_support import ALL_COLUMNS, LATEST, clean_book, clean_stats

from microcredit_risk.errors import MCRError, ProfileError
from microcredit_risk.findings import diagnose, findings_from_json, findings_json
from microcredit_risk.findings.records import STAGES
from microcredit_risk.findings.rules import load_rules
from microcredit_risk.profile import BankProfile

PROFILE = BankProfile(net_capital={2023: 1e9}, total_npl_ratio={2023: 0.015})
CODES = {
    "NPL_LEVEL_HIGH", "NPL_RISING", "SPECIAL_MENTION_BUILDUP", "MIGRATION_DETERIORATION", "CLASSIFICATION_DEVIATION",
    "PROVISION_SHORTFALL", "CUSTOMER_CONCENTRATION", "INDUSTRY_CONCENTRATION", "INDUSTRY_HOTSPOT", "PRODUCT_HOTSPOT",
    "REGION_HOTSPOT", "GUARANTEE_WEAKNESS", "OFFICER_OUTLIERS", "VINTAGE_DETERIORATION", "RENEWAL_RISK",
    "RAPID_EXPANSION", "INCLUSIVE_TARGET_MISS", "RISK_SHARING_STRAIN", "PROJECTED_DETERIORATION", "DATA_QUALITY",
    "WRITE_OFF_MASKING", "CLASSIFICATION_UPGRADES", "CUSTOMER_TYPE_HOTSPOT",   # DIAGNOSIS.md section 1
}


def test_shipped_rule_book_covers_every_code_with_texts_in_both_languages() -> None:
    book = load_rules()
    assert {r.code for r in book.rules} == CODES
    for code in CODES:
        p = book.problems[code]
        assert p["title"]["zh"] and p["title"]["en"]
        assert [c for c, spec in book.causes.items() if code in spec["problems"]], code  # every code has a cause
    for rec in book.recommendations.values():
        assert rec["stage"] in STAGES and rec["zh"] and rec["en"] and rec["cause"] in book.causes
    assert {r["stage"] for r in book.recommendations.values()} == set(STAGES)


def test_recommendations_cite_their_causes_evidence() -> None:
    b = clean_book().every_year("npl_ratio", 0.06).set("provision_coverage", LATEST, 0.48)
    f = diagnose(b.metrics(), clean_stats(), PROFILE, columns=set(ALL_COLUMNS), rows=1000, lang="zh")
    assert [x.code for x in f.items] == ["NPL_LEVEL_HIGH", "PROVISION_SHORTFALL"]
    assert f.items[0].title == "不良贷款率偏高（6.00%）"
    [prov] = [r for r in f.recommendations if r.code == "R_PROVISIONING"]
    assert prov.text == "足额计提贷款损失准备，加快不良贷款核销与处置（拨备覆盖率为48.00%（2023年12月31日；阈值150.00%））"
    en = diagnose(b.metrics(), clean_stats(), PROFILE, columns=set(ALL_COLUMNS), rows=1000, lang="en")
    assert en.items[0].title == "NPL ratio too high (6.00%)"
    [prov] = [r for r in en.recommendations if r.code == "R_PROVISIONING"]
    assert prov.text.endswith("(Provision coverage ratio 48.00% (31 Dec 2023; threshold 150.00%))")


def test_user_rules_file_adds_a_rule_and_overrides_a_text(tmp_path: Path) -> None:
    user = tmp_path / "rules.toml"
    user.write_text('''
[rules.SLOW_GROWTH]
severity = "low"
when = { metric = "balance_growth", at = "latest", op = "<", threshold = 0.15 }

[problems.SLOW_GROWTH]
title = { zh = "增长放缓（{value:.0%}）", en = "Slow growth ({value:.0%})" }

[causes.C_MY_CAUSE]
problems = ["SLOW_GROWTH"]
supported = { fired = "SLOW_GROWTH" }
zh = "自定义原因"
en = "A cause of our own"

[recommendations.R_MINE]
cause = "C_MY_CAUSE"
stage = "organisation"
zh = "自定义建议：{cite}"
en = "Our advice: {cite}"

[problems.NPL_LEVEL_HIGH]
title.en = "Too many bad loans: {value:.1%}"
''', encoding="utf-8")
    b = clean_book().every_year("npl_ratio", 0.06)
    f = diagnose(b.metrics(), clean_stats(), PROFILE, columns=set(ALL_COLUMNS), rows=1000, lang="en", rules_path=user)
    assert [x.code for x in f.items] == ["NPL_LEVEL_HIGH", "SLOW_GROWTH"]
    assert f.items[0].title == "Too many bad loans: 6.0%"
    assert "C_MACRO" in f.items[0].causes          # the rest of the shipped diagnosis is kept
    slow = f.items[1]
    assert slow.title == "Slow growth (10%)" and slow.causes == ["C_MY_CAUSE"]
    [mine] = [r for r in f.recommendations if r.cause == "C_MY_CAUSE"]
    assert (mine.code, mine.stage, mine.conditional) == ("R_MINE", "organisation", False)
    assert mine.text == "Our advice: Balance growth 10.00% (31 Dec 2023; threshold 15.00%)"


def test_user_rules_file_can_retune_a_shipped_rule(tmp_path: Path) -> None:
    user = tmp_path / "rules.toml"
    user.write_text('[rules.NPL_LEVEL_HIGH]\nseverity = "medium"\n', encoding="utf-8")
    b = clean_book().every_year("npl_ratio", 0.06)
    f = diagnose(b.metrics(), clean_stats(), PROFILE, columns=set(ALL_COLUMNS), rows=1000, rules_path=user)
    assert [(x.code, x.severity) for x in f.items] == [("NPL_LEVEL_HIGH", "medium")]


@pytest.mark.parametrize("text, message", [
    ('[rules.X]\nseverity = "urgent"\nwhen = { metric = "npl_ratio", op = ">", threshold = 0.1 }\n', "severity"),
    ('[rules.X]\nwhen = { metric = "npl_ratio", op = "=>", threshold = 0.1 }\n', "op"),
    ('[rules.X]\nwhen = { check = "magic" }\n', "unknown check"),
    ('[rules.X]\nwhen = { metric = "npl_ratio", op = ">", threshold = 0.1 }\n', r"has no \[problems\.X\] title"),
    ('[recommendations.R_EARLY_WARNING]\nstage = "someday"\n', "stage"),
    ('[recommendations.R_EARLY_WARNING]\ncause = "C_NOBODY"\n', "unknown cause C_NOBODY"),
    ('[causes.C_STAFF]\nsupported = { fired = "OFFICER_OUTLIERS", op = "~" }\n', "remove op"),
    ('[mystery]\na = 1\n', "unknown section"),
    ('not toml = = 1', "not a valid TOML"),
])
def test_a_broken_user_rules_file_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    user = tmp_path / "rules.toml"
    user.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError, match=message):
        load_rules(user)


def test_unknown_threshold_name_in_a_rule_is_reported(tmp_path: Path) -> None:
    user = tmp_path / "rules.toml"
    user.write_text('[rules.NPL_LEVEL_HIGH]\nwhen = { metric = "npl_ratio", at = "latest", op = ">", '
                    'threshold = "npl_max_typo" }\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="npl_max_typo"):
        diagnose(clean_book().metrics(), clean_stats(), PROFILE, rules_path=user)


def _rich_findings(lang: str = "zh"):
    b = clean_book().every_year("npl_ratio", 0.06).set("npl_ratio", LATEST, 0.08)
    b.set("provision_coverage", LATEST, float("nan"))        # undefined: never fires, never NaN in JSON
    return diagnose(b.metrics(), clean_stats(), BankProfile(), columns=set(ALL_COLUMNS) - {"industry"},
                    rows=1000, lang=lang)


def test_json_round_trip_is_exact_and_deterministic() -> None:
    f = _rich_findings()
    text = findings_json(f)
    assert "NaN" not in text and "Infinity" not in text
    data = json.loads(text)
    assert list(data) == ["schema", "lang", "findings", "causes", "recommendations", "not_run", "states"]
    assert data["schema"] == "mcr.findings/2"
    first = data["findings"][0]
    assert list(first) == ["code", "severity", "title", "as_of", "dimension", "segment", "evidence", "causes"]
    assert all(set(c) == {"code", "status", "text", "because", "evidence", "verify", "short"} for c in data["causes"])
    assert first["evidence"][0] == {"metric": "npl_ratio", "as_of": LATEST, "value": 0.08, "threshold": 0.05,
                                    "threshold_name": "npl_ratio_max"}
    # the English three keys, and the kind and params the report words them from
    assert data["not_run"] and all(set(s) == {"what", "needs", "reason", "kind", "params"} for s in data["not_run"])
    back = findings_from_json(text)
    assert back == f
    assert findings_json(back) == text
    assert findings_json(_rich_findings()) == text


def test_findings_from_json_rejects_garbage() -> None:
    with pytest.raises(MCRError):
        findings_from_json("{\"findings\": [{\"code\": 1}]}")
    with pytest.raises(MCRError):
        findings_from_json("not json")


def test_a_size_floor_is_not_cited_as_a_limit_the_segment_broke() -> None:
    """policy_bank: 保证 holds 64.42% of the balance; 5% is the share a segment needs to be tested."""
    from microcredit_risk.findings.records import Evidence
    from microcredit_risk.findings.rules import load_rules
    from microcredit_risk.findings.texts import describe

    e = Evidence("balance_share", "2023-12-31", 0.6441657, threshold=0.05, threshold_name="hotspot_min_share",
                 dimension="guarantee_type", segment="guarantee")
    en = describe(load_rules(), e, {"balance_share": "ratio"}, "en")
    zh = describe(load_rules(), e, {"balance_share": "ratio"}, "zh")
    assert en == "Share of balance 64.42% (guarantee type: Guarantee; 31 Dec 2023; tested as it holds at least 5.00%)"
    assert zh.endswith("为64.42%（担保方式：保证；2023年12月31日；占比达5.00%以上方纳入检验）"), zh
    assert "threshold" not in en and "阈值" not in zh
