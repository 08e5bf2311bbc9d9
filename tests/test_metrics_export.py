"""Exporters: metrics.json contract, CSV (formula neutralising), xlsx (layout, formats, determinism), rich."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from metrics_fixture import PROFILE, ledger_frame
from openpyxl import load_workbook
from rich.console import Console

from microcredit_risk.metrics import compute_metrics, families, metric_info
from microcredit_risk.metrics.catalogue import UNITS, catalogue
from microcredit_risk.metrics.export import (
    ledger_info,
    metrics_csv,
    metrics_json,
    metrics_table,
    write_metrics_xlsx,
)
from microcredit_risk.metrics.render import format_value
from microcredit_risk.metrics.table import Metrics
from microcredit_risk.metrics.workbook import Num, Sheet
from microcredit_risk.metrics.workbook_tables import build_sheets
from microcredit_risk.metrics.xlsx import metrics_xlsx_bytes, sheet_names


@pytest.fixture(scope="module")
def m() -> Metrics:
    return compute_metrics(ledger_frame(), PROFILE)


def _tiny(rows: list[tuple]) -> Metrics:
    frame = pd.DataFrame(rows, columns=["metric", "as_of", "dimension", "segment", "value", "unit"])
    return Metrics.concat([frame])


def test_json_contract(m: Metrics) -> None:
    text = metrics_json(m, ledger_info(ledger_frame(), files=["ledger.xlsx"]))
    doc = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert list(doc) == ["schema", "ledger", "metrics", "skipped"]  # the contract's keys, then what was skipped
    assert doc["schema"] == "mcr.metrics/1"
    assert doc["ledger"] == {"files": ["ledger.xlsx"], "rows": 19,  # 6 + 1 + 7 + 5 rows in the fixture
                             "snapshots": ["2021-12-31", "2022-06-30", "2022-12-31", "2023-12-31"]}
    assert len(doc["metrics"]) == len(m.frame)
    for rec in doc["metrics"]:
        assert list(rec) == ["metric", "as_of", "dimension", "segment", "value", "unit"]
    npl = [r for r in doc["metrics"] if r["metric"] == "npl_ratio" and r["dimension"] is None]
    assert {r["as_of"]: r["value"] for r in npl}["2021-12-31"] == pytest.approx(200 / 1300)
    loans = next(r for r in doc["metrics"] if r["metric"] == "loans" and r["dimension"] is None)
    assert loans["value"] == 6 and isinstance(loans["value"], int)
    # an undefined ratio is null (industry C has no NPL in 2021: deviation 0/0)
    dev = next(r for r in doc["metrics"] if r["metric"] == "deviation_ratio" and r["segment"] == "C"
               and r["as_of"] == "2021-12-31")
    assert dev["value"] is None
    assert "NaN" not in text and "Infinity" not in text
    assert metrics_json(m, ledger_info(ledger_frame())) == metrics_json(m, ledger_info(ledger_frame()))


def test_json_never_nan_or_inf() -> None:
    tiny = _tiny([("npl_ratio", "2023-12-31", None, None, math.nan, "ratio"),
                  ("balance", "2023-12-31", None, None, math.inf, "yuan")])
    doc = json.loads(metrics_json(tiny, {"files": [], "rows": 0, "snapshots": []}))
    assert [r["value"] for r in doc["metrics"]] == [None, None]


def test_csv_columns_and_neutralising() -> None:
    tiny = _tiny([("balance", "2023-12-31", "industry", "=HYPERLINK(1)", -5.5, "yuan"),
                  ("loans", "2023-12-31", "branch", "@evil", 3.0, "count"),
                  ("npl_ratio", "2023-12-31", None, None, math.nan, "ratio"),
                  ("balance", "2023-12-31", "region", "+x", 1.0, "yuan"),
                  ("balance", "2023-12-31", "product", "-y", 2.0, "yuan")])
    rows = list(csv.reader(io.StringIO(metrics_csv(tiny))))
    assert rows[0] == ["metric", "as_of", "dimension", "segment", "value", "unit"]
    by_seg = {r[3]: r for r in rows[1:]}
    assert by_seg["'=HYPERLINK(1)"][4] == "-5.5"     # negative number untouched
    assert by_seg["'@evil"][4] == "3"                # counts as integers
    assert "'+x" in by_seg and "'-y" in by_seg
    assert by_seg[""] == ["npl_ratio", "2023-12-31", "", "", "", "ratio"]


def test_csv_round_trip(m: Metrics) -> None:
    back = pd.read_csv(io.StringIO(metrics_csv(m)), keep_default_na=False)
    assert len(back) == len(m.frame)
    assert list(back.columns) == ["metric", "as_of", "dimension", "segment", "value", "unit"]


def _rows(ws) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [tuple(c.value for c in row) for row in ws.iter_rows()]


def _row(ws, label: str):  # type: ignore[no-untyped-def]
    return next(r for r in ws.iter_rows() if r[0].value == label)


def test_xlsx_sheets_are_the_report_tables_in_report_order(m: Metrics, tmp_path: Path) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_metrics_xlsx(m, a)
    write_metrics_xlsx(m, b)
    assert a.read_bytes() == b.read_bytes()
    wb = load_workbook(a)
    assert wb.properties.created.year == 2000 and wb.properties.modified.year == 2000
    when = "（2023年12月31日）"
    assert wb.sheetnames == [
        "资产质量主要指标（年末）", "五级分类贷款余额及占比（年末，G11口径）", "逾期贷款按逾期天数分布（年末）",
        f"贷款特征描述性统计{when}", "拨备与核销（年末）",
        *(f"按{d}的信贷结构{when}" for d in ("行业", "担保方式", "产品", "期限", "金额档次", "发放年度",
                                            "担保方式（归并）", "是否续贷")),
        "按产品的不良贷款率与余额占比（年末）", "按行业的不良贷款率与余额占比（年末）",   # layout.trend_dimensions
        "普惠型小微贷款（年末）", "集中度指标（年末）", "迁徙率（期末时点）",
        "五级分类迁移矩阵",   # the caption without its period: ≤ 31 characters; row 1 has it whole
        "五级分类贷款迁徙情况（按金额，G12口径）", "各发放年度贷款笔数与不良发生率",
        "五级分类迁移矩阵（按笔数）", "五级分类迁移矩阵（全部年度合并，按余额）", "五级分类迁移矩阵（全部年度合并，按笔数）",
        "附表：贷款规模", "附表：资产质量", "附表：拨备与核销", "附表：增长", "附表：结构", "附表：集中度", "附表：迁徙",
        "附表：发放年度", "附表：普惠型小微贷款"]
    assert all(len(n) <= 31 for n in wb.sheetnames)


def test_xlsx_amounts_in_wan_yuan_ratios_in_percent(m: Metrics, tmp_path: Path) -> None:
    write_metrics_xlsx(m, tmp_path / "m.xlsx")
    ws = load_workbook(tmp_path / "m.xlsx")["资产质量主要指标（年末）"]
    assert _rows(ws)[:2] == [("资产质量主要指标（年末）", None, None, None),
                             ("指标", "2021年12月31日", "2022年12月31日", "2023年12月31日")]  # year ends only
    assert ws.freeze_panes == "B3"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1   # prints one page wide
    bal = _row(ws, "贷款余额（万元）")   # 13,000,000 yuan at the end of 2021
    assert bal[1].value == 1300 and bal[1].number_format == "#,##0.00"
    npl = _row(ws, "不良贷款率")
    assert npl[1].value == pytest.approx(200 / 1300) and npl[1].number_format == "0.00%"
    loans = _row(ws, "贷款笔数")
    assert loans[1].value == 6 and loans[1].number_format == "#,##0"
    assert ws.column_dimensions["A"].width > 10
    wb = load_workbook(tmp_path / "m.xlsx")
    g11 = _rows(wb["五级分类贷款余额及占比（年末，G11口径）"])
    assert g11[1][:3] == ("五级分类", "2021年12月31日余额（万元）", "2021年12月31日占比")
    assert [r[0] for r in g11[2:]] == ["正常", "关注", "次级", "可疑", "损失", "合计", "不良贷款余额"]  # grade order
    assert g11[2][1:3] == (800, pytest.approx(800 / 1300))    # normal: 800 万 of 1,300 万 at the end of 2021
    assert g11[-2][1:3] == (1300, 1) and g11[-1][1:3] == (200, pytest.approx(200 / 1300))   # total; NPL
    mid = _row(wb["附表：资产质量"], "不良贷款率")     # the mid-year snapshot is in the appendix
    assert [c.value for c in mid[:3]] == ["不良贷款率", None, None]


def test_xlsx_segments_in_words(m: Metrics, tmp_path: Path) -> None:
    write_metrics_xlsx(m, tmp_path / "m.xlsx")
    wb = load_workbook(tmp_path / "m.xlsx")
    industry = _rows(wb["按行业的信贷结构（2023年12月31日）"])
    assert industry[1] == ("行业", "贷款余额（万元）", "余额占比", "不良贷款率", "风险贡献度")
    # 2023: C = L2 300 + L3 250 + L8 100 = 650 万; A = L6 30 + L7 80 = 110 万
    assert [r[:2] for r in industry[2:]] == [("制造业", 650), ("农、林、牧、渔业", 110)]
    assert _row(wb["按行业的信贷结构（2023年12月31日）"], "制造业")[4].number_format == "0.00"  # a multiple
    guarantees = [r[0] for r in _rows(wb["按担保方式的信贷结构（2023年12月31日）"])[2:]]
    assert guarantees == ["保证", "抵押", "质押", "信用"]
    sizes = [r[0] for r in _rows(wb["按金额档次的信贷结构（2023年12月31日）"])[2:]]
    assert sizes == ["100万至500万元", "500万至1000万元", "100万元以下（含）"]
    codes = {"A", "C", "credit", "mortgage", "<=1m", "1m-5m", "true", "false", "other", "unknown"}
    labels = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row[:3] if isinstance(c.value, str)}
    assert not labels & codes


def test_xlsx_transition_matrix_pivoted_one_block_per_period(m: Metrics, tmp_path: Path) -> None:
    write_metrics_xlsx(m, tmp_path / "m.xlsx")
    ws = load_workbook(tmp_path / "m.xlsx")["五级分类迁移矩阵"]
    rows = _rows(ws)
    assert rows[0][0] == "五级分类迁移矩阵（按余额，2021年12月31日至2023年12月31日）"
    head = ("期初分类 \\ 期末分类", "正常", "关注", "次级", "可疑", "损失", "退出")
    assert rows[1][0] == "2021年12月31日至2022年12月31日" and rows[2] == head
    # from normal (800 万 at the end of 2021): L8 150 stays, L2 500 → SM, L6 50 → D, L1 100 exits
    assert rows[3] == ("正常", 150 / 800, 500 / 800, 0, 50 / 800, 0, 100 / 800)
    assert ws.freeze_panes == "B4"
    second = rows.index(("2022年12月31日至2023年12月31日", None, None, None, None, None, None))
    assert rows[second + 1] == head
    normal = rows[second + 2]       # from normal (1620): L3 300 stays, L8 120 → SM, L5 1200 exits
    assert normal[0] == "正常" and normal[1:3] == pytest.approx((300 / 1620, 120 / 1620))
    assert normal[6] == pytest.approx(1200 / 1620)
    assert ws.cell(row=4, column=2).number_format == "0.00%"


def _shown(sheets: list[Sheet]) -> list[object]:
    return [c.row for s in sheets for b in s.blocks for r in b.rows for c in r if isinstance(c, Num) and c.row is not None]


def test_xlsx_holds_every_row_once(m: Metrics) -> None:
    sheets = build_sheets(m.frame, "en", "CNY million")
    tables, appendix = [s for s in sheets if not s.appendix], [s for s in sheets if s.appendix]
    assert sheets[-len(appendix):] == appendix                      # the appendix comes last
    shown, rest = set(_shown(tables)), _shown(appendix)
    assert len(rest) == len(set(rest))                              # each appendix row once …
    assert not shown & set(rest)                                    # … and none a table shows
    assert shown | set(rest) == set(m.frame.index)                  # every row of the tidy table
    # the workbook's appendix sheets hold exactly the numbers of the rows no table shows
    wb = load_workbook(io.BytesIO(metrics_xlsx_bytes(m, "en")))
    numbers = [c.value for ws in wb.worksheets if ws.title.startswith("Appendix") for row in ws.iter_rows()
               for c in row if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)]
    assert len(numbers) == int(m.frame.loc[sorted(set(rest)), "value"].notna().sum())
    assert not any(n.lower().startswith("other") for n in wb.sheetnames)


def test_sheet_names_are_short_valid_and_unique() -> None:
    assert sheet_names(["Credit structure by guarantee type (31 Dec 2023)",
                        "Credit structure by guarantee group (31 Dec 2023)", "A/B: [x]?", "a/b: [x]?",
                        "按行业的信贷结构（2023年12月31日）", "Transition matrix, all periods pooled (balance-weighted)",
        "Transition matrix, all periods pooled (loan count)"]) == [
        "Credit structure by guarantee…", "Credit structure by guaran… (2)", "A B - x", "a b - x (2)",
        "按行业的信贷结构（2023年12月31日）", "Transition matrix, all periods…",
        "Transition matrix… (loan count)"]   # a shared bracket (a date) is dropped, an own one kept


def test_xlsx_english_and_dollars(tmp_path: Path) -> None:
    f = ledger_frame()
    annual = compute_metrics(f[f["as_of"] != "2022-06-30"], PROFILE)
    write_metrics_xlsx(annual, tmp_path / "m.xlsx", lang="en", currency="USD")
    wb = load_workbook(tmp_path / "m.xlsx")
    assert wb.sheetnames[:5] == ["Asset quality at each year end", "Five-category balances and sha…",
                                 "Overdue loans by days past due…", "Descriptive statistics of the…",
                                 "Provisions and write-offs at e…"]
    assert "Transition matrix, balance-wei…" in wb.sheetnames and "Appendix - Portfolio" in wb.sheetnames
    ws = wb["Asset quality at each year end"]
    assert [c.value for c in ws[2]] == ["Metric", "31 Dec 2021", "31 Dec 2022", "31 Dec 2023"]
    assert _row(ws, "Loan balance (USD million)")[1].value == 13
    assert [c.value for c in wb["Appendix - Portfolio"][2]][:4] == ["Metric", "Dimension", "Segment", "2021"]
    zh = load_workbook(io.BytesIO(metrics_xlsx_bytes(annual, "zh", "USD")))
    assert _row(zh["资产质量主要指标（年末）"], "贷款余额（万美元）")[1].value == 1300


def test_rich_panels(m: Metrics) -> None:
    portfolio = Metrics(frame=m.frame[m.frame["dimension"].isna()], skipped=[])
    panels = metrics_table(portfolio, "zh")
    con = Console(file=io.StringIO(), width=200, record=True)
    for p in panels:
        con.print(p)
    text = con.export_text()
    assert "不良贷款率" in text and "15.38%" in text and "1,300.00万" in text
    en = Console(file=io.StringIO(), width=200, record=True)
    for p in metrics_table(portfolio, "en"):
        en.print(p)
    en_text = en.export_text()
    assert "NPL ratio" in en_text and "13.00m" in en_text


def test_format_value() -> None:
    assert format_value(0.05, "ratio") == "5.00%"
    assert format_value(123_456_789, "yuan", "zh") == "1.23亿"
    assert format_value(52_000, "yuan", "en") == "52.0k"
    assert format_value(None, "yuan") == "–"
    assert format_value(1234, "count") == "1,234"


def test_catalogue_covers_every_computed_metric(m: Metrics) -> None:
    cat = catalogue()
    assert set(m.names()) <= set(cat)
    for stat in ("npl_trend_slope", "npl_trend_pvalue", "projected_npl_ratio"):
        assert metric_info(stat).family == "statistics"
    assert metric_info("provision_coverage").zh == "拨备覆盖率"
    assert metric_info("provision_coverage").limit() == 1.5
    assert metric_info("single_customer_concentration").limit({"single_customer_max": 0.05}) == 0.05
    for info in cat.values():
        assert info.family in families() and info.unit in UNITS
    units = m.frame.groupby("metric")["unit"].first()
    for name, unit in units.items():
        assert cat[name].unit == unit, name
