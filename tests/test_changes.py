"""`mcr analyze --baseline`: what changed since the last run, from two small ledgers a month apart.

November: loan 11 is 120 days overdue yet graded normal (CLASSIFICATION_DEVIATION, high); the book's
customers are concentrated (CUSTOMER_CONCENTRATION, medium). December: loan 11 is paid up to date,
loans 3 and 7 turn substandard and doubtful (NPL_LEVEL_HIGH, high, new), the concentration stays
(still open), the deviation is gone (resolved). Loan L19 is repaid and L20 is new in December.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.errors import MCRError
from microcredit_risk.findings.records import Finding, Findings
from microcredit_risk.metrics.table import Metrics
from microcredit_risk.monitor.baseline import Baseline, load_baseline
from microcredit_risk.monitor.changes import (
    Changes,
    FindingChange,
    changes_from_json,
    changes_obj,
    compare,
    finding_changes,
)
from microcredit_risk.monitor.state import LoanState, read_loan_state, write_loan_state
from microcredit_risk.pipeline import Session

INDUSTRIES = ["A", "C", "E", "F", "G", "H", "I", "K", "L", "M"]
GUARANTEES = ["mortgage", "pledge", "mortgage", "guarantee"]
PROFILE = '[bank]\nname = "Test Bank"\nkind = "city_commercial"\n'


def month(as_of: str, grades: dict[int, tuple[str, int]], loans: range = range(20)) -> pd.DataFrame:
    """20 loans of 1, 2 or 3 million (39 million in all), provisions 15% of balance."""
    rows = []
    for i in loans:
        grade, dpd = grades.get(i, ("normal", 0))
        balance = 1_000_000.0 * (1 + i % 3)
        rows.append({"as_of": as_of, "loan_id": f"L{i:02d}", "customer_id": f"C{i:02d}", "customer_name": f"客户{i}",
                     "industry": INDUSTRIES[i % 10], "guarantee_type": GUARANTEES[i % 4], "product": f"P{i % 4}",
                     "region": f"R{i % 5}", "loan_officer": f"O{i % 5}", "customer_type": "small_enterprise",
                     "origination_date": "2021-01-15", "maturity_date": "2025-01-15", "amount": 4_000_000.0,
                     "balance": balance, "interest_rate": 0.05, "five_category": grade, "days_past_due": dpd,
                     "provision": balance * 0.15, "renewal_flag": False})
    return pd.DataFrame(rows)


DEC_GRADES = {3: ("substandard", 150), 7: ("doubtful", 300)}
# December: L19 (2 million) repaid, L20 (3 million, normal) new: the book grows to 40 million
DEC_LOANS = [*range(19), 20]


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("months")
    (d / "bank.toml").write_text(PROFILE, encoding="utf-8")
    month("2023-11-30", {11: ("normal", 120)}).to_csv(d / "nov.csv", index=False)
    month("2023-12-31", DEC_GRADES, DEC_LOANS).to_csv(d / "dec.csv", index=False)
    month("2024-01-31", DEC_GRADES, DEC_LOANS).to_csv(d / "jan.csv", index=False)
    return {"dir": d, "profile": d / "bank.toml", **{m: d / f"{m}.csv" for m in ("nov", "dec", "jan")}}


def analyze(book: dict[str, Path], ledger: str, out: Path, *more: str) -> tuple[int, str, str]:
    args = ["analyze", str(book[ledger]), "--profile", str(book["profile"]), "--lang", "en", "--out", str(out),
            "--dpi", "50", *more]
    r = CliRunner().invoke(app, args)
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture(scope="module")
def runs(book) -> dict[str, Path]:
    nov, dec = book["dir"] / "run-nov", book["dir"] / "run-dec"
    assert analyze(book, "nov", nov, "-q")[0] == 0
    code, out, err = analyze(book, "dec", dec, "--baseline", str(nov), "--fail-on-new", "high")
    assert code == 3, err                       # NPL_LEVEL_HIGH is new and high
    assert out.splitlines()[-1] == "since 2023-11-30: 1 new, 1 resolved, 1 still open"
    return {"nov": nov, "dec": dec}


def test_changes_json_says_what_changed(runs):
    ch = json.loads((runs["dec"] / "changes.json").read_text("utf-8"))
    assert ch["schema"] == "mcr.changes/1" and ch["as_of"] == "2023-12-31"
    assert ch["baseline"] == {"path": str(runs["nov"]), "as_of": "2023-11-30"}
    codes = {s: [(f["code"], f["severity"]) for f in ch["findings"][s]] for s in ("new", "open", "resolved")}
    assert codes == {"new": [("NPL_LEVEL_HIGH", "high")], "open": [("CUSTOMER_CONCENTRATION", "medium")],
                     "resolved": [("CLASSIFICATION_DEVIATION", "high")]}
    metrics = {m["metric"]: m for m in ch["metrics"]}
    # NPL: loans 3 (1 million) and 7 (2 million) of 40 million; none in November
    assert metrics["npl_ratio"]["before"] == 0.0
    assert metrics["npl_ratio"]["after"] == pytest.approx(0.075)
    assert metrics["npl_ratio"]["change"] == pytest.approx(0.075)
    assert metrics["npl_balance"]["change"] == pytest.approx(3e6) and metrics["npl_balance"]["relative"] is None
    assert (metrics["balance"]["before"], metrics["balance"]["after"]) == (39e6, 40e6)
    assert metrics["balance"]["relative"] == pytest.approx(1 / 39)
    # guarantee loans L03 (1m, NPL), L07 (2m, NPL), L11 (3m), L15 (1m): 3/7, moved most, and product P3
    # (the same loans) ties with it; then industry K: L07 and L17 (3m), 2/5
    top = ch["segments"][0]
    assert (top["dimension"], top["segment"], top["before"]) == ("guarantee_type", "guarantee", 0.0)
    assert top["after"] == pytest.approx(3 / 7) and top["share"] == pytest.approx(7 / 40)
    assert [(s["dimension"], s["segment"]) for s in ch["segments"][1:3]] == [("product", "P3"), ("industry", "K")]
    assert ch["segments"][2]["after"] == pytest.approx(0.4)
    assert len(ch["segments"]) == 5
    assert ch["loans"] == {"matched": 19, "new": 1, "gone": 1, "downgraded": 2, "downgraded_balance": 3e6,
                           "newly_npl": 2, "newly_npl_balance": 3e6, "newly_overdue": 2,
                           "newly_overdue_balance": 3e6}
    assert ch["warnings"] == []


def test_every_run_keeps_its_loan_states(runs):
    state = read_loan_state(runs["nov"] / "state" / "loans.parquet")
    assert state is not None and state.as_of == "2023-11-30" and state.pseudonyms is None
    assert list(state.frame.columns) == ["loan_id", "five_category", "balance", "days_past_due"]
    assert len(state.frame) == 20 and state.frame["days_past_due"].tolist()[11] == 120.0


def test_the_section_comes_first_in_every_format(runs, tmp_path):
    md = (runs["dec"] / "report.md").read_text("utf-8")
    assert md.index("## 1 Changes since the last run") < md.index("## 2 Summary of findings")
    assert "- **High** · New: NPL ratio too high (7.50%) [details](#finding-1)" in md
    assert "| NPL ratio | 0.00% | 7.50% | +7.50 pp |" in md
    assert "| Downgraded | 2 | 3.00 |" in md and "| Loan balance (CNY million) | 39.00 | 40.00 | +1.00 (+2.6%) |" in md
    html = (runs["dec"] / "report.html").read_text("utf-8")
    assert html.index("1 Changes since the last run") < html.index("2 Summary of findings")
    docx = [p.text for p in Document(str(runs["dec"] / "report.docx")).paragraphs]
    assert "1 Changes since the last run" in docx
    # re-rendered from the run folder, in Chinese: the same section from changes.json
    zh = tmp_path / "zh"
    assert CliRunner().invoke(app, ["report", str(runs["dec"]), "--lang", "zh", "--out", str(zh), "-q"]).exit_code == 0
    text = (zh / "report.md").read_text("utf-8")
    assert "## 1 与上次运行相比的变化" in text and "新增问题1个，已解决1个，仍存在1个。" in text
    assert "| 不良贷款率 | 0.00% | 7.50% | +7.50个百分点 |" in text
    assert "1 与上次运行相比的变化" in [p.text for p in Document(str(zh / "report.docx")).paragraphs]


def test_fail_on_new_ignores_findings_that_were_already_there(book, runs, tmp_path):
    # January repeats December: NPL_LEVEL_HIGH (high) and the concentration (medium) are still open
    code, out, err = analyze(book, "jan", tmp_path / "jan", "--baseline", str(runs["dec"]), "--fail-on-new", "medium")
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "since 2023-12-31: 0 new, 0 resolved, 2 still open"
    # while --fail-on fires every month
    code, _, _ = analyze(book, "jan", tmp_path / "jan", "-q", "--fail-on", "medium")
    assert code == 3


def test_fail_on_new_counts_a_finding_that_rose_to_the_level():
    def one(status: str, severity: str, before: str | None) -> Changes:
        return Changes("b", "2023-11-30", "2023-12-31",
                       findings=[FindingChange(status, "X", severity, "t", before_severity=before)])
    assert one("open", "high", "low").new_at_or_above("high")          # low → high: mails once
    assert not one("open", "high", "high").new_at_or_above("medium")   # was high already
    assert not one("open", "medium", "low").new_at_or_above("high")
    assert one("new", "medium", None).new_at_or_above("medium")
    assert not one("new", "low", None).new_at_or_above("medium")
    assert not one("resolved", "high", None).new_at_or_above("low")


def test_findings_are_matched_by_code_and_segment():
    then = Findings(items=[Finding("OFFICER", "medium", "a", "2023-11-30", "loan_officer", "O1"),
                           Finding("GONE", "low", "g", "2023-11-30")])
    now = Findings(items=[Finding("OFFICER", "high", "a", "2023-12-31", "loan_officer", "O2"),
                          Finding("OFFICER", "medium", "a", "2023-12-31", "loan_officer", "O1")],
                   states={"GONE": "unknown"})
    got = [(c.status, c.segment, c.before_severity, c.checked) for c in finding_changes(now, then)]
    assert got == [("new", "O2", None, True), ("open", "O1", "medium", True), ("resolved", None, None, False)]


def test_a_portfolio_finding_read_another_way_is_still_open():
    # November: the normal grade's migration rate fired (segment "normal"); December: the pooled
    # normal-loans rate (no segment). One problem, still open, now medium — not one resolved, one new.
    then = Findings(items=[Finding("MIGRATION_DETERIORATION", "high", "m", "2023-11-30", None, "normal")])
    now = Findings(items=[Finding("MIGRATION_DETERIORATION", "medium", "m", "2023-12-31")])
    got = [(c.status, c.severity, c.before_severity) for c in finding_changes(now, then)]
    assert got == [("open", "medium", "high")]


def test_an_older_run_without_loan_states_still_gives_metrics_and_findings(book, runs, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(runs["nov"], old)
    shutil.rmtree(old / "state")
    ch = Session([book["dec"]], profile=book["profile"], lang="en", baseline=old).changes
    assert ch is not None and ch.loans is None
    assert [w.code for w in ch.warnings] == ["W501"]
    assert ch.warnings[0].line("en") == (
        f"--baseline {old}: it holds no loan states (state/loans.parquet, which older versions of mcr did not "
        "write): loans newly downgraded or overdue are not available [W501]")
    assert [c.code for c in ch.of("new")] == ["NPL_LEVEL_HIGH"]
    assert changes_from_json(changes_obj(ch)) == ch          # changes.json reads back to the same thing


def test_pseudonyms_and_the_same_date_are_named_warnings(book, runs):
    s = Session([book["nov"]], profile=book["profile"], lang="en", baseline=runs["nov"], anonymize=True)
    assert s.loan_state.pseudonyms is not None
    ch = s.changes          # November against itself, pseudonymised this time
    assert ch is not None and [w.code for w in ch.warnings] == ["W502", "W503"]
    assert ch.warnings[0].line("en") == (f"--baseline {runs['nov']}: its latest snapshot 2023-11-30 is this run's "
                                         "too: the changes are corrections of the same month, not a month's "
                                         "movement [W502]")


def _state(as_of: str) -> LoanState:
    return LoanState(as_of, pd.DataFrame({"loan_id": pd.Series([], dtype="str"),
                                          "five_category": pd.Categorical([]), "balance": []}))


def test_a_later_or_foreign_baseline_is_refused(tmp_path):
    base = Baseline("prev", "2024-01-31", "CNY", Metrics(), Findings(), None)
    with pytest.raises(MCRError) as e:
        compare(Metrics(), Findings(), _state("2023-12-31"), "CNY", base)
    assert e.value.line() == ("--baseline prev: its latest snapshot 2024-01-31 is after this run's 2023-12-31; "
                              "give the earlier run as the baseline [E521]")
    base = Baseline("prev", "2023-11-30", "USD", Metrics(), Findings(), None)
    with pytest.raises(MCRError) as e:
        compare(Metrics(), Findings(), _state("2023-12-31"), "CNY", base)
    assert e.value.line() == ("--baseline prev: its amounts are in USD, this run's in CNY; changes cannot be "
                              "compared [E522]")


def test_a_folder_that_is_not_a_run_is_refused(runs, tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "run.json").write_text('{"schema": "mine"}', encoding="utf-8")
    with pytest.raises(MCRError) as e:
        load_baseline(tmp_path / "notes")
    assert e.value.code == "E520"
    other = tmp_path / "other"
    shutil.copytree(runs["nov"], other)
    meta = json.loads((other / "run.json").read_text("utf-8"))
    (other / "run.json").write_text(json.dumps({**meta, "schema": "mcr.run/2"}), encoding="utf-8")
    with pytest.raises(MCRError) as e:
        load_baseline(other)
    assert e.value.line() == f"{other / 'run.json'}: schema is 'mcr.run/2', expected mcr.run/1 [E507]"


def test_cli_errors_are_one_line(book, runs, tmp_path):
    code, _, err = analyze(book, "dec", tmp_path / "x", "--fail-on-new", "high")
    assert (code, err) == (2, "mcr: error: --fail-on-new compares with an earlier run: give --baseline "
                              "PREV_RUN_DIR [E608]\n")
    code, _, err = analyze(book, "dec", tmp_path / "x", "--baseline", str(runs["nov"]), "--by", "branch")
    assert (code, err) == (2, "mcr: error: --baseline does not apply with --by: compare each group's run folder "
                              "with its own earlier run (mcr analyze GROUP_LEDGER --baseline PREV/GROUP) [E610]\n")
    code, _, err = analyze(book, "dec", tmp_path / "x", "--baseline", str(runs["nov"]), "--fail-on-new", "severe")
    assert (code, err) == (2, "mcr: error: --fail-on-new: 'severe' is not one of low, medium, high [E602]\n")
    (tmp_path / "empty").mkdir()
    code, _, err = analyze(book, "dec", tmp_path / "x", "--baseline", str(tmp_path / "empty"))
    assert (code, err) == (1, f"mcr: error: --baseline {tmp_path / 'empty'}: not the folder of an earlier "
                              "'mcr analyze' run (it has no run.json of schema mcr.run/1 written by mcr) [E520]\n")
    code, _, err = analyze(book, "nov", tmp_path / "x", "--baseline", str(runs["dec"]))
    assert (code, err) == (1, f"mcr: error: --baseline {runs['dec']}: its latest snapshot 2023-12-31 is after this "
                              "run's 2023-11-30; give the earlier run as the baseline [E521]\n")
    assert not (tmp_path / "x").exists()


def test_loan_states_are_written_byte_for_byte_the_same(tmp_path):
    frame = pd.DataFrame({"loan_id": pd.array(["L1", "L2"], dtype="str"),
                          "five_category": pd.Categorical(["normal", "loss"]), "balance": [1.0, 2.0]})
    state = LoanState("2023-12-31", frame, pseudonyms="abc")
    write_loan_state(state, tmp_path / "a" / "loans.parquet")
    write_loan_state(state, tmp_path / "b" / "loans.parquet")
    assert (tmp_path / "a" / "loans.parquet").read_bytes() == (tmp_path / "b" / "loans.parquet").read_bytes()
    back = read_loan_state(tmp_path / "a" / "loans.parquet")
    assert back is not None and back.pseudonyms == "abc" and back.frame["five_category"].tolist() == ["normal", "loss"]
    assert read_loan_state(tmp_path / "none.parquet") is None
