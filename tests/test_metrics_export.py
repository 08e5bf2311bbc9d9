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


def test_xlsx_layout_formats_and_determinism(m: Metrics, tmp_path: Path) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_metrics_xlsx(m, a)
    write_metrics_xlsx(m, b)
    assert a.read_bytes() == b.read_bytes()
    wb = load_workbook(a)
    assert wb.properties.created.year == 2000 and wb.properties.modified.year == 2000
    assert wb.sheetnames[:2] == ["贷款规模", "资产质量"]
    ws = wb["资产质量"]
    header = [c.value for c in ws[1]]
    assert header == ["指标代码", "指标", "Metric", "维度", "分组", "单位",
                      "2021-12-31", "2022-06-30", "2022-12-31", "2023-12-31"]  # two 2022 snapshots → dates
    assert ws.freeze_panes == "G2"
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "npl_ratio" and not r[3].value)
    assert row[1].value == "不良贷款率" and row[2].value == "NPL ratio"
    assert row[6].value == pytest.approx(200 / 1300) and row[6].number_format == "0.00%"
    bal = next(r for r in wb["贷款规模"].iter_rows(min_row=2) if r[0].value == "balance" and not r[3].value)
    assert bal[6].value == 13_000_000 and bal[6].number_format == "#,##0"
    assert ws.column_dimensions["B"].width > 10
    shares = [(r[4].value, r[6].value) for r in ws.iter_rows(min_row=2) if r[0].value == "category_share"]
    assert [s for s, _ in shares] == ["正常", "关注", "次级", "可疑", "损失"]  # grade order, not A→Z
    assert shares[0][1] == pytest.approx(800 / 1300)


def test_xlsx_years_as_headers(tmp_path: Path) -> None:
    f = ledger_frame()
    annual = compute_metrics(f[f["as_of"] != "2022-06-30"], PROFILE)
    write_metrics_xlsx(annual, tmp_path / "m.xlsx", lang="en")
    wb = load_workbook(tmp_path / "m.xlsx")
    assert "Portfolio" in wb.sheetnames and "Migration" in wb.sheetnames
    assert [c.value for c in wb["Portfolio"][1]][6:] == ["2021", "2022", "2023"]


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
