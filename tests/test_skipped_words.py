"""Skipped analyses and checks not run carry a kind and params, and the report words them in its language.

The appendix's "checks that could not run" and "skipped analyses" tables, in a Chinese report, hold
no English sentence; an old run folder (records without a kind) still renders, with the English
reasons it holds.
"""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest
from report_sample import make_catalogue, make_run

from microcredit_risk.errors import catalogue
from microcredit_risk.metrics.skipped_text import skipped_needs, skipped_reason
from microcredit_risk.metrics.table import SKIP_KINDS, Skipped, lacks_column
from microcredit_risk.pipeline import Session
from microcredit_risk.report.blocks import Table
from microcredit_risk.report.context import build_context
from microcredit_risk.report.render import render_text
from microcredit_risk.report.run_folder import LedgerSummary, RunResults, load_run, save_run

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_RUN = re.compile(r"[A-Za-z]+(?:[\s,;:()'-]+[A-Za-z]+){2,}")   # three English words in a row
# two year ends, no days_past_due (nor any other optional column), no bank profile
LEDGER = "as_of,loan_id,customer_id,balance,five_category\n" + "".join(
    f"{year}-12-31,L{i},C{i % 7},{1000 + 10 * i},{'substandard' if i % 9 == 0 else 'normal'}\n"
    for year in (2022, 2023) for i in range(30))


def _words() -> dict:
    text = resources.files("microcredit_risk").joinpath("data/report_text.toml").read_text("utf-8")
    return tomllib.loads(text)["skipped"]


def test_every_kind_and_need_has_words_in_both_languages() -> None:
    words = _words()
    assert set(SKIP_KINDS) - {"error"} == set(words["reasons"])     # "error" is worded by errors.toml
    assert set(SKIP_KINDS.values()) == set(words["needs"])
    for leaf in [*words["reasons"].values(), *words["needs"].values(), *words["what"].values()]:
        assert set(leaf) - {"count"} == {"zh", "en"} and leaf["zh"] and leaf["en"]
        assert CJK.search(leaf["zh"]) and not CJK.search(str(leaf["en"]))


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    ledger = tmp_path_factory.mktemp("ledger") / "ledger.csv"
    ledger.write_text(LEDGER, "utf-8")
    return Session([ledger])


def _run(session: Session) -> RunResults:
    return RunResults(ledger=LedgerSummary.from_ledger(session.ledger, "zh"), metrics=session.metrics,
                      findings=session.findings, statistics=session.statistics,
                      thresholds=session.profile.thresholds, lang="zh")


def _tables(run: RunResults, lang: str) -> dict[str, Table]:
    ctx = build_context(run, lang)
    [appendix] = [s for s in ctx.sections if s.id == "sec-appendix"]
    return {b.caption.split(" ", 1)[1]: b for b in appendix.blocks if isinstance(b, Table)}


def test_a_chinese_report_has_no_english_sentence_in_the_skipped_tables(session: Session) -> None:
    tables = _tables(_run(session), "zh")
    rows = tables["未能执行的检查"].rows + tables["跳过的分析"].rows
    kinds = {s.kind for s in [*session.findings.not_run, *session.metrics.skipped, *session.statistics.skipped]}
    assert {"column", "profile_years", "profile_two_years", "snapshots", "inclusive_unfiltered"} <= kinds
    assert len(rows) > 30
    for what, needs, reason in rows:
        assert CJK.search(reason) and not ENGLISH_RUN.search(reason), (what, reason)
        assert (CJK.search(needs) or needs == "—") and not ENGLISH_RUN.search(needs), (what, needs)
        assert not ENGLISH_RUN.search(what), what
    assert ["overdue_ratio", "台账列 days_past_due", "台账缺少“逾期天数”列"] in rows
    assert ["total_loan_growth", "银行概况 bank.total_loans（连续两年）", "银行概况未提供连续两年的全行各项贷款余额"] in rows
    assert ["npl_trend_slope", "3个年末时点", "只有2个年末时点，至少需要3个"] in rows
    # the model did not fit (no driver column): one row for it, in words
    assert [r for r in rows if r[0] in ("driver_model", "违约影响因素模型")] == [
        ["违约影响因素模型", "—", "台账中没有可作解释变量的列：担保方式、行业、产品、客户类型、贷款金额、发放日期、"
                              "到期日期、执行利率、是否续贷均缺失或为空"]]


def test_the_english_report_words_them_from_the_same_kinds(session: Session) -> None:
    rows = [r for t in _tables(_run(session), "en").values() for r in t.rows]
    assert ["npl_trend_slope", "3 annual snapshots", "2 annual snapshots; at least 3 needed"] in rows
    assert any(r[1:] == ["column days_past_due", "the ledger has no days past due column"] for r in rows)
    assert ["total_loan_growth", "profile bank.total_loans for two consecutive years",
            "the bank profile has no total loans of the whole bank for two consecutive years"] in rows


def test_the_json_keeps_the_english_and_adds_kind_and_params(session: Session, tmp_path: Path) -> None:
    run = _run(session)
    save_run(run, tmp_path)
    skipped = json.loads((tmp_path / "metrics.json").read_text("utf-8"))["skipped"]
    growth = next(s for s in skipped if s["what"] == "total_loan_growth")
    assert growth == {"what": "total_loan_growth", "needs": "profile bank.total_loans for two consecutive years",
                      "reason": "the growth of the bank's total loans needs its total loans (bank profile)",
                      "kind": "profile_two_years", "params": {"fact": "total_loans"}}
    not_run = json.loads((tmp_path / "findings.json").read_text("utf-8"))["not_run"]
    assert all(s["kind"] in SKIP_KINDS and s["reason"] for s in not_run)
    model = json.loads((tmp_path / "models.json").read_text("utf-8"))["driver_model"]
    assert (model["fitted"], model["reason_kind"]) == (False, "no_driver_column")
    assert model["reason"].startswith("no driver column in the ledger")
    back = load_run(tmp_path)
    assert back.metrics.skipped == run.metrics.skipped and back.findings.not_run == run.findings.not_run
    assert back.statistics.driver_model == run.statistics.driver_model
    assert _tables(back, "zh") == _tables(run, "zh")


def test_an_old_run_folder_without_kinds_renders_its_english_reasons(tmp_path: Path) -> None:
    run = make_run(tmp_path / "run")
    save_run(run, tmp_path / "run")
    for name, key in (("metrics.json", "skipped"), ("findings.json", "not_run")):
        path = tmp_path / "run" / name
        obj = json.loads(path.read_text("utf-8"))
        obj[key] = [{k: s[k] for k in ("what", "needs", "reason")} for s in obj[key]]   # as written before kinds
        path.write_text(json.dumps(obj, ensure_ascii=False), "utf-8")
    old = load_run(tmp_path / "run")
    assert all(not s.kind for s in [*old.metrics.skipped, *old.findings.not_run])
    md = render_text(build_context(old, "zh", make_catalogue()), "md")
    assert "| OFFICER_OUTLIERS | column loan_officer | the ledger has no loan_officer column |" in md
    assert ("| single_customer_concentration | profile bank.net_capital\\[2023\\] | ratios to net capital need the "
            "bank's net capital for that year |") in md


def test_a_kind_this_version_does_not_know_reads_as_its_english() -> None:
    odd = Skipped("x", "column y", "the English line", "from_a_later_version", {"column": "y"})
    assert (skipped_needs(odd, "zh"), skipped_reason(odd, "zh")) == ("column y", "the English line")
    short = Skipped("x", "two annual snapshots", "too few", "snapshots", {"needed": 2})   # no "found"
    assert skipped_reason(short, "zh") == "too few" and skipped_needs(short, "zh") == "2个年末时点"
    assert skipped_reason(lacks_column("x", "group_id"), "zh") == "台账缺少“集团客户编号”列"
    assert skipped_reason(lacks_column("x", "a_column_of_its_own"), "en") == "the ledger has no a_column_of_its_own column"


def test_a_catalogued_error_is_worded_by_the_catalogue() -> None:
    s = Skipped("chi_square[industry]", "column industry", catalogue()["E411"].template("en"), "error",
                {"code": "E411", "column": "industry", "params": {"dimension": "industry", "count": 1}})
    assert skipped_reason(s, "zh") == "按 industry 的 χ² 检验至少需要两个细分群体，实际只有 1 个"
    assert skipped_needs(s, "zh") == "台账列 industry"
