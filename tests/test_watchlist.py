"""The early-warning list: each reason fires on the loan built for it and on no other; ranking and
tie-break by hand; reasons that cannot run say why; the files are formula-safe, pseudonymised under
--anonymize, deterministic; and a report rendered from watchlist.csv equals the first."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from report_sample import make_catalogue, make_run

from microcredit_risk.findings.records import Evidence, Finding, Findings
from microcredit_risk.ledger.contract import GRADE_DTYPE
from microcredit_risk.monitor.watchlist import Watchlist, build_watchlist, reasons
from microcredit_risk.monitor.watchlist_files import (
    watchlist_csv,
    watchlist_from_csv,
    watchlist_xlsx_bytes,
    write_watchlist,
)
from microcredit_risk.pipeline import Session
from microcredit_risk.profile import load_profile
from microcredit_risk.report.context import build_context
from microcredit_risk.report.render import render_text
from microcredit_risk.report.run_folder import load_run, save_run

THRESHOLDS = load_profile(None).thresholds
Y22, Y23 = "2022-12-31", "2023-12-31"


def _loan(as_of: str, loan: str, *, grade: str = "normal", dpd: float = 0.0, balance: float = 100_000.0,
          renewed: bool = False, maturity: str = "2026-06-30", officer: str = "O2", industry: str = "C",
          customer: str | None = None, share: float = 0.0, group: str | None = None) -> dict:
    return {"as_of": as_of, "loan_id": loan, "customer_id": customer or f"C-{loan}", "customer_name": f"Name {loan}",
            "industry": industry, "loan_officer": officer, "maturity_date": maturity, "balance": balance,
            "five_category": grade, "days_past_due": dpd, "renewal_flag": renewed, "risk_share_ratio": share,
            "group_id": group}


def _frame(rows: list[dict]) -> pd.DataFrame:
    f = pd.DataFrame(rows)
    for c in ("as_of", "maturity_date"):
        if c in f:
            f[c] = pd.to_datetime(f[c])
    f["five_category"] = f["five_category"].astype(GRADE_DTYPE)
    if "renewal_flag" in f:
        f["renewal_flag"] = f["renewal_flag"].astype("boolean")
    return f


# One loan built for each reason (its name says which), and loans built to miss them narrowly.
LEDGER = [
    # 2022 year end: what the loans looked like a period before
    _loan(Y22, "FLOOR", grade="special_mention", dpd=40),
    _loan(Y22, "DOWN", grade="normal"),
    _loan(Y22, "RENEW_WAS_LATE", grade="special_mention", dpd=30),
    _loan(Y22, "UPGRADED", grade="substandard", dpd=95),
    _loan(Y22, "BIG", balance=5_000_000.0),
    _loan(Y22, "CLEAN"),
    # 2023 year end: the snapshot listed
    _loan(Y23, "FLOOR", grade="special_mention", dpd=100),                  # > 90 days: at least substandard
    _loan(Y23, "DOWN", grade="substandard"),                                # normal → substandard
    _loan(Y23, "RENEW_WAS_LATE", grade="normal", renewed=True),             # renewed; in arrears at 2022
    _loan(Y23, "RENEW_LATE", grade="special_mention", dpd=10, renewed=True),  # renewed and overdue now
    _loan(Y23, "RENEW_ON_TIME", renewed=True),                              # renewed, never overdue: not listed
    _loan(Y23, "UPGRADED", grade="special_mention", dpd=30),                # better than before: not a downgrade
    _loan(Y23, "BIG", balance=5_000_000.0),                                 # the largest customer
    _loan(Y23, "OFFICER", officer="O1", grade="special_mention"),           # the flagged officer's weak loan
    _loan(Y23, "OFFICER_OK", officer="O1"),                                 # his performing loan: not listed
    _loan(Y23, "HOT", industry="F", grade="special_mention"),               # the hotspot industry's weak loan
    _loan(Y23, "HOT_OK", industry="F", balance=4_000_000.0),                # a large performing one: not listed
    _loan(Y23, "MATURE", grade="special_mention", dpd=5, maturity="2024-03-30"),       # due in exactly 90 days
    _loan(Y23, "MATURE_LATER", grade="special_mention", dpd=5, maturity="2024-03-31"),  # 91 days: not listed
    _loan(Y23, "MATURED", grade="special_mention", dpd=5, maturity="2023-11-30"),      # already past maturity
    _loan(Y23, "CLEAN"),
    _loan(Y23, "REPAID", grade="normal", dpd=200, balance=0.0, officer="O1", industry="F"),  # no balance: no stock
]
EXPECTED = {"FLOOR_BREACH": {"FLOOR"}, "DOWNGRADED": {"DOWN"}, "RENEWED_IN_ARREARS": {"RENEW_WAS_LATE", "RENEW_LATE"},
            "LARGE_EXPOSURE": {"BIG"}, "FLAGGED_OFFICER": {"OFFICER"}, "HOTSPOT_SEGMENT": {"HOT"},
            "MATURING_OVERDUE": {"MATURE"}}


def _findings(states: dict[str, str] | None = None) -> Findings:
    items = [
        Finding("CUSTOMER_CONCENTRATION", "high", "t", Y23,
                evidence=[Evidence("single_customer_concentration", Y23, 0.2, threshold=0.1)]),
        Finding("OFFICER_OUTLIERS", "medium", "t", Y23, dimension="loan_officer",
                evidence=[Evidence("npl_count_ratio", Y23, 0.5, 0.2, dimension="loan_officer", segment="O1"),
                          Evidence("fisher_padj", Y23, 0.01, 0.05, dimension="loan_officer", segment="O1")]),
        Finding("INDUSTRY_HOTSPOT", "medium", "t", Y23, dimension="industry", segment="F",
                evidence=[Evidence("npl_ratio", Y23, 0.3, 0.1, dimension="industry", segment="F")]),
        # a finding with a dimension but no segment names no loans
        Finding("GUARANTEE_WEAKNESS", "medium", "t", Y23, dimension="guarantee_group"),
    ]
    base = {"CUSTOMER_CONCENTRATION": "fired", "OFFICER_OUTLIERS": "fired", "INDUSTRY_HOTSPOT": "fired",
            "GUARANTEE_WEAKNESS": "fired", "PRODUCT_HOTSPOT": "clear"}
    return Findings(items=items, states={**base, **(states or {})})


@pytest.fixture(scope="module")
def wl() -> Watchlist:
    return build_watchlist(_frame(LEDGER), _findings(), THRESHOLDS)


def test_every_reason_fires_on_the_loan_built_for_it_and_on_no_other(wl: Watchlist) -> None:
    flags = wl.flags()
    got = {code: set(wl.frame.loc[flags[code], "loan_id"]) for code in reasons()}
    assert got == EXPECTED
    listed = set().union(*EXPECTED.values())
    assert set(wl.frame["loan_id"]) == listed                 # CLEAN, UPGRADED, MATURE_LATER, OFFICER_OK … are not
    assert len(wl.frame) == 8      # FLOOR, DOWN, RENEW_WAS_LATE, RENEW_LATE, BIG, OFFICER, HOT, MATURE
    assert wl.counts() == {c: len(v) for c, v in EXPECTED.items()}
    assert wl.not_run == [] and (wl.as_of, wl.previous) == (Y23, Y22)


def test_officer_and_hotspot_list_only_their_weak_loans() -> None:
    """Special mention or worse, or overdue (data/watchlist.toml [weak]); with the special-mention floor
    moved to 31 days, a normal loan 10 days overdue is weak without breaching its floor."""
    rows = [_loan(Y23, "O_LATE", officer="O1", dpd=10),                       # normal, 10 days: weak by days
            _loan(Y23, "O_SM", officer="O1", grade="special_mention"),         # weak by grade
            _loan(Y23, "O_OK", officer="O1", balance=5_000_000.0),             # performing: not listed
            _loan(Y23, "O_DUE_TODAY", officer="O1", dpd=0, grade="normal"),    # 0 days is not overdue
            _loan(Y23, "F_SUB", industry="F", grade="substandard"),            # weak by grade
            _loan(Y23, "F_OK", industry="F", balance=5_000_000.0),             # performing: not listed
            _loan(Y23, "O2_LATE", dpd=10)]                                     # weak, but no flagged officer
    findings = Findings(items=_findings().items[1:3],
                        states={"OFFICER_OUTLIERS": "fired", "INDUSTRY_HOTSPOT": "fired"})
    got = build_watchlist(_frame(rows), findings, {**THRESHOLDS, "floor_days_special_mention": 31}).frame
    # balance at risk 100,000 each: ties by reasons (one each), balance (equal), then loan_id
    assert list(got["loan_id"]) == ["F_SUB", "O_LATE", "O_SM"]
    assert list(got["reasons"]) == ["HOTSPOT_SEGMENT", "FLAGGED_OFFICER", "FLAGGED_OFFICER"]
    assert list(got["hotspots"].fillna("")) == ["industry=F", "", ""]


def test_the_rows_carry_grades_before_and_floor(wl: Watchlist) -> None:
    row = wl.frame.set_index("loan_id").loc["FLOOR"]
    assert (row["five_category"], row["previous_category"], row["floor_category"]) == \
        ("special_mention", "special_mention", "substandard")
    assert row["reasons"] == "FLOOR_BREACH" and row["days_past_due"] == 100
    assert pd.isna(wl.frame.set_index("loan_id").loc["RENEW_LATE", "previous_category"])   # new in 2023


def test_ranked_by_balance_at_risk_then_reasons_then_balance_then_loan_id() -> None:
    rows = [
        _loan(Y23, "A", dpd=100, grade="normal", balance=400_000.0),                # floor breach only: 400,000
        _loan(Y23, "B", dpd=100, grade="normal", balance=800_000.0, share=0.5),     # 800,000 × 0.5 = 400,000
        _loan(Y23, "C", dpd=100, grade="normal", balance=400_000.0, renewed=True),  # two reasons, 400,000
        _loan(Y23, "D", dpd=100, grade="normal", balance=1_000_000.0, share=0.8),   # 200,000
        _loan(Y23, "E", dpd=100, grade="normal", balance=300_000.0),                # 300,000
        _loan(Y23, "F", dpd=100, grade="normal", balance=200_000.0, share=1.5),     # ratio capped at 1: 0
        _loan(Y23, "G", dpd=100, grade="normal", balance=300_000.0, share=float("nan")),  # no ratio: 300,000
    ]
    got = build_watchlist(_frame(rows), Findings(), THRESHOLDS).frame
    # at 400,000: C (two reasons: floor breach, renewed in arrears), then B (larger balance), then A;
    # at 300,000, one reason and the same balance each: E before G by loan_id
    assert list(got["loan_id"]) == ["C", "B", "A", "E", "G", "D", "F"]
    assert list(got["rank"]) == [1, 2, 3, 4, 5, 6, 7]
    assert list(got["balance_at_risk"]) == [400_000.0, 400_000.0, 400_000.0, 300_000.0, 300_000.0, 200_000.0, 0.0]


def test_a_group_concentration_names_the_largest_group() -> None:
    rows = [_loan(Y23, "G1a", customer="c1", group="G1", balance=600_000.0),
            _loan(Y23, "G1b", customer="c2", group="G1", balance=600_000.0),    # group G1: 1,200,000
            _loan(Y23, "SOLO", customer="c3", balance=1_000_000.0),            # the largest customer, no group
            _loan(Y23, "G2", customer="c4", group="G2", balance=900_000.0)]
    findings = Findings(items=[Finding("CUSTOMER_CONCENTRATION", "high", "t", Y23,
                                       evidence=[Evidence("single_group_concentration", Y23, 0.2, threshold=0.15)])],
                        states={"CUSTOMER_CONCENTRATION": "fired"})
    got = build_watchlist(_frame(rows), findings, THRESHOLDS)
    assert set(got.frame["loan_id"]) == {"G1a", "G1b"}


def test_top_ten_names_ten_customers_ties_by_id() -> None:
    rows = [_loan(Y23, f"L{i:02d}", customer=f"c{i:02d}", balance=100_000.0 * (1 + (i >= 3))) for i in range(12)]
    findings = Findings(items=[Finding("CUSTOMER_CONCENTRATION", "medium", "t", Y23,
                                       evidence=[Evidence("top10_customer_share", Y23, 0.9, threshold=0.25)])],
                        states={"CUSTOMER_CONCENTRATION": "fired"})
    got = build_watchlist(_frame(rows), findings, THRESHOLDS)
    # c03…c11 hold 200,000 (nine customers); of the 100,000 ones c00 comes first by id
    assert set(got.frame["customer_id"]) == {f"c{i:02d}" for i in range(3, 12)} | {"c00"}


def test_reasons_without_their_input_do_not_run_and_say_why(tmp_path: Path) -> None:
    rows = [{k: v for k, v in _loan(Y23, "X", grade="substandard").items()
             if k not in ("days_past_due", "renewal_flag", "maturity_date", "loan_officer")}]
    got = build_watchlist(_frame(rows), Findings(states={"CUSTOMER_CONCENTRATION": "unknown"}), THRESHOLDS)
    assert {s.what: s.needs for s in got.not_run} == {
        "FLOOR_BREACH": "column days_past_due", "DOWNGRADED": "two annual snapshots",
        "RENEWED_IN_ARREARS": "column renewal_flag", "LARGE_EXPOSURE": "finding CUSTOMER_CONCENTRATION",
        "FLAGGED_OFFICER": "column loan_officer", "HOTSPOT_SEGMENT": "finding INDUSTRY_HOTSPOT",
        "MATURING_OVERDUE": "column maturity_date"}
    assert got.frame.empty and got.counts() == dict.fromkeys(reasons(), 0)
    status = {r[0]: r[4] for r in load_workbook(io.BytesIO(watchlist_xlsx_bytes(got, "zh", "CNY", THRESHOLDS)))
              .worksheets[1].iter_rows(min_row=2, max_row=8, values_only=True)}
    assert status["FLOOR_BREACH"] == "未执行：台账缺少“逾期天数”列"
    assert status["DOWNGRADED"] == "未执行：台账只有一个年末时点，无从比较上期分类"
    assert status["LARGE_EXPOSURE"] == "未执行：所依据的检查 CUSTOMER_CONCENTRATION 未能执行"
    assert status["FLAGGED_OFFICER"] == "未执行：台账缺少“客户经理”列"
    assert status["RENEWED_IN_ARREARS"] == "未执行：台账缺少“是否续贷”列"   # in words, like the others
    assert status["MATURING_OVERDUE"] == "未执行：台账缺少“到期日期”列"


def test_files_neutralise_formulas_and_read_back(wl: Watchlist) -> None:
    frame = wl.frame.copy()
    frame.loc[0, "customer_name"] = "=HYPERLINK(\"http://x\",\"a\")"
    frame.loc[1, "loan_officer"] = "-2+3"
    evil = Watchlist(frame=frame, as_of=wl.as_of, previous=wl.previous)
    text = watchlist_csv(evil, "en", "CNY", THRESHOLDS)
    assert "'=HYPERLINK(" in text and ",'-2+3," in text
    ws = load_workbook(io.BytesIO(watchlist_xlsx_bytes(evil, "en", "CNY", THRESHOLDS))).worksheets[0]
    heads = [c.value for c in ws[1]]
    name = ws.cell(row=2, column=heads.index("Customer name") + 1)
    assert name.value == "=HYPERLINK(\"http://x\",\"a\")" and name.data_type == "s"
    back = watchlist_from_csv(text, "CNY", evil.to_json_obj())
    assert back.frame.loc[0, "customer_name"] == "=HYPERLINK(\"http://x\",\"a\")"
    assert back.frame.loc[1, "loan_officer"] == "-2+3"
    assert list(back.frame["loan_id"]) == list(wl.frame["loan_id"]) and back.counts() == wl.counts()
    # 5,000,000 yuan = CNY 5 million in the file, 5,000,000 again when read back
    assert ",5.0,0.0,5.0,LARGE_EXPOSURE,Large exposure named by a concentration finding" in text
    assert back.frame.loc[0, "balance_at_risk"] == 5_000_000.0


def test_headings_and_words_follow_the_language(wl: Watchlist) -> None:
    zh = watchlist_csv(wl, "zh", "CNY", THRESHOLDS).splitlines()
    assert zh[0].startswith("序号,借据号,客户号,客户名称,客户经理,五级分类,上期五级分类,")
    assert "贷款余额（万元）" in zh[0] and "风险余额（万元）" in zh[0]
    mature = next(line for line in zh if ",MATURE," in line)
    assert mature.endswith("MATURING_OVERDUE,90天内到期且已逾期,")        # no hotspot segment
    hot = next(line for line in zh if ",HOT," in line)
    assert hot.endswith("HOTSPOT_SEGMENT,属于风险热点细分且已现风险信号,行业：批发和零售业")


def test_files_are_deterministic(wl: Watchlist, tmp_path: Path) -> None:
    write_watchlist(wl, tmp_path / "a", "zh", "CNY", THRESHOLDS)
    write_watchlist(wl, tmp_path / "b", "zh", "CNY", THRESHOLDS)
    for name in ("watchlist.csv", "watchlist.xlsx"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_anonymized_files_hold_no_real_name(tmp_path: Path) -> None:
    rows = [dict(_loan(Y22, "L1", grade="normal"), customer_id="91370100MA3C", customer_name="泉城示例商贸有限公司",
                 loan_officer="王小明"),
            dict(_loan(Y23, "L1", grade="substandard", dpd=95), customer_id="91370100MA3C",
                 customer_name="泉城示例商贸有限公司", loan_officer="王小明")]
    path = tmp_path / "ledger.csv"
    pd.DataFrame(rows).drop(columns=["group_id"]).to_csv(path, index=False)
    s = Session([path], anonymize=True)
    listed = s.watchlist.frame
    assert list(listed["loan_id"]) == ["L1"] and "DOWNGRADED" in listed.loc[0, "reasons"].split(";")
    write_watchlist(s.watchlist, tmp_path / "run", "zh", s.ledger.currency, s.profile.thresholds)
    text = (tmp_path / "run" / "watchlist.csv").read_text("utf-8")
    book = load_workbook(tmp_path / "run" / "watchlist.xlsx")
    cells = " ".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row)
    for real in ("91370100MA3C", "泉城示例商贸有限公司", "王小明"):
        assert real not in text and real not in cells
    pseudonyms = (listed.loc[0, "customer_id"], listed.loc[0, "customer_name"], listed.loc[0, "loan_officer"])
    assert pseudonyms[0].startswith("C") and pseudonyms[1].startswith("Customer ") and pseudonyms[2].startswith("Officer ")
    assert all(p in text and p in cells for p in pseudonyms)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_report_from_the_saved_list_equals_the_first(wl: Watchlist, tmp_path: Path, lang: str) -> None:
    run = make_run(tmp_path)
    run.thresholds = {**run.thresholds, "watch_maturity_days": 90.0}
    run.watchlist = write_watchlist(wl, tmp_path, lang, "CNY", run.thresholds)
    first = render_text(build_context(run, lang, make_catalogue()), "md")
    save_run(run, tmp_path)
    again = load_run(tmp_path)
    assert again.watchlist is not None and again.watchlist.counts() == wl.counts()
    assert render_text(build_context(again, lang, make_catalogue()), "md") == first
    title = {"zh": "预警名单", "en": "Early-warning list"}[lang]
    assert f"## 9 {title}" in first
    top = {"zh": "| 1 | BIG | Name BIG | O2 | 正常 | 0 | 500.00 | 集中度问题所涉大额客户 |",
           "en": "| 1 | BIG | Name BIG | O2 | Normal | 0 | 5.00 | Large exposure named by a concentration finding |"}
    assert top[lang] in first
    other = "en" if lang == "zh" else "zh"          # a re-render in the other language words the reasons anew
    assert {"zh": "集中度问题所涉大额客户", "en": "Large exposure named by a concentration finding"}[other] in \
        render_text(build_context(again, other, make_catalogue()), "md")


def test_every_reason_has_words_in_both_languages_and_a_rule() -> None:
    from microcredit_risk.metrics.concentration import TOP_N
    from microcredit_risk.monitor.watchlist import REASONS, config
    from microcredit_risk.vocabulary import vocabulary

    words = vocabulary()["watchlist"]
    assert list(words["reasons"]) == list(reasons()) == list(REASONS)
    leaves = [v for k, v in words.items() if k not in ("reasons", "columns")]
    leaves += [v for t in ("reasons", "columns") for v in words[t].values()]   # why one did not run: [skipped]
    def filled(text: object) -> bool:   # a text, or English's {one, other} forms
        return all(str(x).strip() for x in text.values()) if isinstance(text, dict) else bool(str(text).strip())

    assert all(set(v) - {"count"} == {"zh", "en"} and filled(v["zh"]) and filled(v["en"]) for v in leaves)
    exposures = config()["exposures"]
    assert exposures["top10_customer_share"]["top"] == exposures["top10_customer_concentration"]["top"] == TOP_N
    assert set(config()["problems"]) == {"LARGE_EXPOSURE", "FLAGGED_OFFICER", "HOTSPOT_SEGMENT"}


def test_a_broken_watchlist_csv_is_one_coded_error(wl: Watchlist, tmp_path: Path) -> None:
    from microcredit_risk.errors import OutputError

    run = make_run(tmp_path)
    run.watchlist = write_watchlist(wl, tmp_path, "en", "CNY", THRESHOLDS)
    save_run(run, tmp_path)
    text = (tmp_path / "watchlist.csv").read_text("utf-8")
    (tmp_path / "watchlist.csv").write_text(text.replace("Balance at risk", "Exposure"), "utf-8")
    with pytest.raises(OutputError) as err:
        load_run(tmp_path)
    assert err.value.code == "E509" and "no column balance_at_risk" in err.value.line()


def test_the_report_says_which_reasons_did_not_run(tmp_path: Path) -> None:
    rows = [{k: v for k, v in _loan(Y23, "X", grade="substandard").items() if k != "days_past_due"}]
    clear = {"CUSTOMER_CONCENTRATION": "clear", "OFFICER_OUTLIERS": "clear", "INDUSTRY_HOTSPOT": "clear"}
    got = build_watchlist(_frame(rows), Findings(states=clear), THRESHOLDS)
    run = make_run(tmp_path)
    run.watchlist = got
    md = render_text(build_context(run, "en", make_catalogue()), "md")
    assert "| Overdue but graded better than its days-past-due floor | 0 | 0.00 | Not run: the ledger has no " \
           "days past due column |" in md
    assert "| Downgraded in the latest period | 0 | 0.00 | Not run: the ledger has a single year-end snapshot: " \
           "no earlier grade to compare with |" in md
    assert "4 reasons could not be checked for want of data" in md      # all but the three the findings feed
    assert "At 31 Dec 2023, no loan meets any of the watchlist's reasons." in md


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_analyze_says_the_list_exists_on_stdout_and_in_the_summary(tmp_path: Path, lang: str) -> None:
    """L1 goes from normal to substandard (95 days past due: at its floor): listed once, as DOWNGRADED,
    with its whole balance of 100,000 at risk (10.00 万元, CNY 0.10 million)."""
    import json

    from typer.testing import CliRunner

    from microcredit_risk.cli.app import app

    rows = [_loan(Y22, "L1", grade="normal"), _loan(Y23, "L1", grade="substandard", dpd=95)]
    pd.DataFrame(rows).drop(columns=["group_id"]).to_csv(tmp_path / "ledger.csv", index=False)
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["analyze", str(tmp_path / "ledger.csv"), "--out", str(out), "--lang", lang,
                                 "--dpi", "50"])
    assert r.exit_code == 0, r.output
    items = json.loads((out / "findings.json").read_text("utf-8"))["findings"]
    n = {s: sum(1 for f in items if f["severity"] == s) for s in ("high", "medium", "low")}
    said = {"zh": f"（{len(items)}项问题：高{n['high']}、中{n['medium']}、低{n['low']}；预警名单1笔）",
            "en": f"({len(items)} findings: {n['high']} high, {n['medium']} medium, {n['low']} low; "
                  "watchlist: 1 loan)"}[lang]
    assert r.stdout.splitlines()[-1] == f"{out}  {said}"
    md = (out / "report.md").read_text("utf-8")
    summary = md[md.index('<a id="sec-summary">'):md.index('<a id="sec-data">')]
    line = {"zh": "- 截至2023年12月31日，预警名单列出1笔应优先核查的贷款，风险余额合计10.00万元 [9 预警名单](#sec-watchlist)",
            "en": "- At 31 Dec 2023, the early-warning list names 1 loan to look at first, with a balance at risk "
                  "of CNY 0.10 million [9 Early-warning list](#sec-watchlist)"}[lang]
    assert line in summary.splitlines()
