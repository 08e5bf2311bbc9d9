"""Number formatting by language and the completeness of the report text data."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microcredit_risk.errors import plural_form
from microcredit_risk.report.fmt import Formatter
from microcredit_risk.report.templates import md_escape
from microcredit_risk.report.texts import LANGS, Texts, leaves

ZH, EN = Formatter(Texts("zh")), Formatter(Texts("en"))


def test_money_by_language():
    assert ZH.money(150_000_000) == "1.50亿元"
    assert ZH.money(7_500_000) == "750.00万元"
    assert EN.money(7_500_000) == "CNY 7.50 million"
    assert EN.money(150_000_000) == "CNY 150.00 million"
    assert ZH.money_cell(123_456_789) == "12,345.68"
    assert EN.money_cell(123_456_789) == "123.46"
    assert ZH.money(None) == "—" and EN.money(float("nan")) == "—"


def test_ratios_points_pvalues_dates():
    assert ZH.pct(0.0523) == "5.23%" and EN.pct(0.0523) == "5.23%"
    assert ZH.pp(0.015) == "+1.50个百分点" and EN.pp(-0.002) == "-0.20 pp"
    assert EN.pvalue(0.0004) == "<0.001" and EN.pvalue(0.0123) == "0.012"
    assert ZH.date("2023-12-31") == "2023年12月31日" and EN.date("2023-12-31") == "31 Dec 2023"
    assert EN.value(2.0, "ratio", "risk_contribution") == "2.00"
    assert EN.value(12, "count") == "12" and EN.value(0.38, "index") == "0.3800"


def test_thresholds_print_as_written_never_as_exponents():
    # the method section's thresholds table: model_sample_max and inclusive_ceiling were "2e+06", "1e+07"
    assert EN.setting(2_000_000) == "2,000,000"
    assert ZH.setting(10_000_000.0) == "10,000,000"
    assert EN.setting(0.05) == "0.05"
    assert EN.setting(0.125) == "0.125"
    assert EN.setting(91) == "91"
    assert EN.setting(1e-7) == "0.0000001"
    assert EN.setting(float("nan")) == EN.missing


def test_every_text_has_both_languages():
    for key, leaf in leaves():
        assert set(LANGS) <= set(leaf), key
        for lang in LANGS:
            assert Texts(lang).get(key) == plural_form(leaf[lang], {}), key


@pytest.mark.parametrize("lang", LANGS)
def test_stage_names_cover_every_stage(lang):
    from microcredit_risk.findings.records import STAGES

    assert all(Texts(lang).get(f"stages.{s}") for s in STAGES)


@given(st.text())
def test_md_escape_leaves_no_raw_markup(text):
    out = md_escape(text)
    assert "\n" not in out
    # every markup character is escaped: preceded by an odd number of backslashes
    assert re.search(r"(?<!\\)(?:\\\\)*[<>|\[\]`*]", out) is None
    # unescaping gives back the text (newlines aside)
    assert re.sub(r"\\(.)", r"\1", out) == text.replace("\r", " ").replace("\n", " ")
