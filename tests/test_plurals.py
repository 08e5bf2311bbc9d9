"""English plurals: a count picks "1 problem" or "2 problems"; no "(s)" anywhere a reader looks."""

from __future__ import annotations

import string
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.errors import PLURAL_FORMS, catalogue, fill
from microcredit_risk.findings.rules import load_rules
from microcredit_risk.findings.texts import pick
from microcredit_risk.report.texts import Texts, leaves
from microcredit_risk.sample.kinds import kinds
from microcredit_risk.sample.simulate import simulate

EN = Texts("en")


def _fields(template: str) -> set[str]:
    return {f.split(":")[0] for _, f, _, _ in string.Formatter().parse(template) if f}


def _counted() -> list[tuple[str, dict]]:
    return [(key, leaf) for key, leaf in leaves() if isinstance(leaf["en"], dict)]


def test_the_report_has_counted_sentences_and_each_names_its_count():
    assert len(_counted()) >= 6
    for key, leaf in _counted():
        assert set(leaf["en"]) == set(PLURAL_FORMS), key
        count = leaf.get("count", "count")
        assert all(count in _fields(leaf["en"][f]) for f in PLURAL_FORMS), key
        assert count in _fields(leaf["zh"]), key


@pytest.mark.parametrize(("key", "leaf"), _counted(), ids=[k for k, _ in _counted()])
def test_each_counted_sentence_is_singular_for_1_and_plural_for_2(key, leaf):
    count = leaf.get("count", "count")
    params = {f: f"<{f}>" for form in leaf["en"].values() for f in _fields(form)}
    one, two = EN.get(key, **{**params, count: "1"}), EN.get(key, **{**params, count: "2"})
    assert one == leaf["en"]["one"].format(**{**params, count: "1"})
    assert two == leaf["en"]["other"].format(**{**params, count: "2"})
    assert one != two.replace("2", "1")
    assert Texts("zh").get(key, **{**params, count: "1"}) == leaf["zh"].format(**{**params, count: "1"})


def test_hand_written_singulars_and_plurals():
    assert EN.get("sentences.summary_counts", total="1", high="1", medium="0", low="0") == (
        "The analysis found 1 problem: 1 high, 0 medium and 0 low severity.")
    assert EN.get("sentences.summary_counts", total="11", high="5", medium="6", low="0") == (
        "The analysis found 11 problems: 5 high, 6 medium and 0 low severity.")
    assert EN.get("sentences.limits_not_run", count="1") == (
        "1 check could not run for want of a column or a bank fact (see the appendix).")
    assert EN.get("sentences.limits_not_run", count="2") == (
        "2 checks could not run for want of a column or a bank fact (see the appendix).")
    assert EN.get("sentences.watchlist_count", date="31 Dec 2023", count="1,234", amount="CNY 5.00 million") == (
        "At 31 Dec 2023, 1,234 loans are on the watchlist, with a balance at risk of CNY 5.00 million in all.")
    assert EN.get("sentences.conclusion_untested", count="1").startswith(
        "1 further possible cause cannot be judged from the ledger alone; it is listed")
    assert Texts("zh").get("sentences.limits_not_run", count="2") == "有2项检查因缺少字段或银行信息未能执行（见附录）。"


def test_a_problem_title_and_a_warning_take_the_count_too():
    title = load_rules().problems["OFFICER_OUTLIERS"]["title"]
    assert pick(title, "en", {"count": 1}) == "{count} loan officer with markedly more NPLs: {segments}"
    assert pick(title, "en", {"count": 3}) == "{count} loan officers with markedly more NPLs: {segments}"
    assert pick(title, "zh", {"count": 1}) == "{count}名客户经理名下不良显著偏高：{segments}"
    w = catalogue()["W101"].template("en")
    assert fill(w, {"count": 1}) == "1 blank or subtotal/total row dropped"
    assert fill(w, {"count": 12}) == "12 blank or subtotal/total rows dropped"


def test_no_data_file_writes_a_plural_as_s_in_brackets():
    data = resources.files("microcredit_risk").joinpath("data")
    for f in data.iterdir():
        if f.name.endswith(".toml"):
            assert "(s)" not in f.read_text("utf-8"), f.name


@pytest.fixture(scope="module")
def english_reports(tmp_path_factory) -> dict[str, str]:
    """Each of the five sample banks, small, analysed in English: its report.md."""
    out: dict[str, str] = {}
    for kind in kinds():
        folder = tmp_path_factory.mktemp(kind)
        sample = simulate(kind, seed=1, loans=120)
        ledger = folder / f"{kind}.csv"
        sample.frame.to_csv(ledger, index=False)
        profile = folder / f"{kind}.toml"
        profile.write_text(sample.profile_toml(), encoding="utf-8")
        run = folder / "run"
        res = CliRunner().invoke(app, ["analyze", str(ledger), "--profile", str(profile), "--lang", "en",
                                       "--out", str(run), "--dpi", "50", "-q"])
        assert res.exit_code == 0, res.output
        out[kind] = Path(run, "report.md").read_text("utf-8")
    return out


def test_no_english_sample_report_writes_s_in_brackets(english_reports):
    assert len(english_reports) == 5
    for kind, text in english_reports.items():
        assert "(s)" not in text, kind
