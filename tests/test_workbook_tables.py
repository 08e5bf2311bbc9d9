"""metrics.xlsx mirrors the report's data chapter: one sheet per table, its caption, in its order,
peer rows beside the bank's figures; the thesis tables cell by cell (by hand from tests/report_sample.py,
the same cells tests/test_report_tables.py reads in the report)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from report_sample import make_catalogue
from test_report_tables import _peer_run, _trend_run

from microcredit_risk.metrics.workbook import Num, Sheet
from microcredit_risk.metrics.workbook_tables import build_sheets
from microcredit_risk.metrics.xlsx import metrics_xlsx_bytes, money_unit, sheet_names
from microcredit_risk.profile import Benchmark
from microcredit_risk.report.blocks import Table
from microcredit_risk.report.context import build_context
from microcredit_risk.report.run_folder import RunResults

DATA_CHAPTER = ("sec-quality", "sec-structure", "sec-concentration", "sec-migration")


def _captions(run: RunResults, lang: str) -> list[str]:
    """The captions of the report's metric tables (sections 3-6), without "Table 3-1" / "表3-1"."""
    ctx = build_context(run, lang, make_catalogue())
    return [b.caption.split(" ", 2)[2] if lang == "en" else b.caption.split(" ", 1)[1]
            for s in ctx.sections if s.id in DATA_CHAPTER for b in s.blocks if isinstance(b, Table)]


def _sheets(run: RunResults, lang: str = "en") -> list[Sheet]:
    return build_sheets(run.metrics.frame, lang, money_unit(lang, "CNY"), run.benchmarks)


def _cells(sheet: Sheet, block: int = 0) -> list[list[object]]:
    return [[c.value if isinstance(c, Num) else c for c in row] for row in sheet.blocks[block].rows]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sheets_are_the_report_tables_in_report_order(tmp_path, lang):
    run = _peer_run(tmp_path)
    captions = _captions(run, lang)
    sheets = [s for s in _sheets(run, lang) if not s.appendix]
    assert [s.title for s in sheets[:len(captions)]] == captions
    assert len(captions) == 11   # asset quality, G11, ageing, book, provisions, industry, concentration, 4 migration
    wb = load_workbook(io.BytesIO(metrics_xlsx_bytes(run.metrics, lang, "CNY", run.benchmarks)))
    assert wb.sheetnames[:len(captions)] == sheet_names(captions)
    assert [wb[n]["A1"].value for n in wb.sheetnames[:len(captions)]] == captions   # row 1: the whole caption


def test_segment_trend_sheets_in_report_order(tmp_path):
    run = _trend_run(tmp_path)
    captions = _captions(run, "en")
    assert "NPL ratio and share of balance by industry at each year end" in captions
    assert [s.title for s in _sheets(run)[:len(captions)]] == captions


def test_peer_value_beside_the_banks_value(tmp_path):
    run = _peer_run(tmp_path)   # npl_ratio: CBIRC 2023, 1.63 % (1.73 % for 2021); provision_coverage: 150 %
    sheets = {s.title: s for s in _sheets(run)}
    quality = _cells(sheets["Asset quality at each year end"])
    i = [r[0] for r in quality].index("NPL ratio")
    assert quality[i] == ["NPL ratio", 0.02, 0.03, 0.05]
    assert quality[i + 1] == ["Peer: NPL ratio (CBIRC 2023)", 0.0173, 0.0163, 0.0163]
    prov = _cells(sheets["Provisions and write-offs at each year end"])
    assert prov[-1] == ["Peer: Provision coverage ratio (floor)", 1.5, 1.5, 1.5]
    wb = load_workbook(io.BytesIO(metrics_xlsx_bytes(run.metrics, "zh", "CNY", run.benchmarks)))
    rows = [[c.value for c in r] for r in wb["资产质量主要指标（年末）"].iter_rows()]
    j = [r[0] for r in rows].index("不良贷款率")
    assert rows[j + 1] == ["同业参考：不良贷款率（CBIRC 2023）", 0.0173, 0.0163, 0.0163]
    assert wb["资产质量主要指标（年末）"].cell(row=j + 2, column=2).number_format == "0.00%"


def test_no_benchmarks_no_peer_rows(tmp_path):
    run = _peer_run(tmp_path)
    run.benchmarks = {}
    labels = [r[0] for s in _sheets(run) for b in s.blocks for r in b.rows]
    assert not [x for x in labels if isinstance(x, str) and x.startswith("Peer")]


def test_thesis_sheets_cell_by_cell(tmp_path):
    sheets = {s.title: s for s in _sheets(_peer_run(tmp_path))}
    g11 = sheets["Five-category balances and shares at each year end (G11 form)"]
    assert g11.blocks[0].header[:3] == ["Grade", "Balance (CNY million), 31 Dec 2021", "Share, 31 Dec 2021"]
    cells = _cells(g11)
    # normal 0.95 / 0.93 / 0.90 of 100, 120, 150 million (amounts stay in yuan: xlsx.py scales them)
    assert cells[0][0] == "Normal" and cells[0][5:] == [135e6, 0.90]
    assert cells[-2] == ["Total", 100e6, 1.0, 120e6, 1.0, 150e6, 1.0]
    assert cells[-1] == ["Non-performing loan balance", 2e6, 0.02, 3.6e6, 0.03, 7.5e6, 0.05]
    ageing = _cells(sheets["Overdue loans by days past due at each year end"])
    assert [r[0] for r in ageing] == ["1–30 days", "Over 360 days"]
    assert ageing[0][3:5] == [1.5e6, 0.0125] and ageing[1][5:] == [3e6, 0.02]   # 1.5 of 120; 3 of 150 million
    g12 = sheets["Migration by grade in amounts (G12 form)"]
    assert g12.blocks[0].labels == 2
    rows = _cells(g12)
    assert rows[1][:2] == ["31 Dec 2023", "Normal"] and rows[1][2] == pytest.approx(111.6e6)
    assert rows[1][5] == pytest.approx(0.055)          # 5.709 / (111.6 − 7.8)
    vintage = sheets["Loans and default rate by origination year"]
    assert vintage.blocks[0].header[:2] == ["Vintage", "Loans, 31 Dec 2023"]
    assert _cells(vintage) == [["2021", 330, 0.0, 0.02, 0.03], ["2022", 160, None, 0.01, 0.05]]
    book = sheets["Descriptive statistics of the book (31 Dec 2023)"]
    assert book.blocks[0].header == ["Item", "Mean", "Lower quartile", "Median", "Upper quartile"]
    assert [r[0] for r in _cells(book)] == ["Loan size (CNY million)", "Interest rate"]


def test_concentration_peer_row_in_report_and_workbook(tmp_path):
    run = _peer_run(tmp_path)
    run.benchmarks = {"top10_customer_share": Benchmark("illustrative figure (示例数据)", 0.2, {2023: 0.25})}
    ctx = build_context(run, "en", make_catalogue())
    table = next(b for s in ctx.sections for b in s.blocks
                 if isinstance(b, Table) and b.caption.endswith("Concentration at each year end"))
    i = [r[0] for r in table.rows].index("Ten largest borrowers' share")
    assert table.rows[i][1:4] == ["18.00%", "22.00%", "31.00%"]
    assert table.rows[i + 1] == ["Peer: Ten largest borrowers' share (illustrative figure (示例数据))",
                                 "20.00%", "20.00%", "25.00%", "—"]   # no limit of its own
    sheet = next(s for s in _sheets(run) if s.title == "Concentration at each year end")
    rows = _cells(sheet)
    j = [r[0] for r in rows].index("Ten largest borrowers' share")
    assert rows[j][1:] == [0.18, 0.22, 0.31]
    assert rows[j + 1] == ["Peer: Ten largest borrowers' share (illustrative figure (示例数据))", 0.2, 0.2, 0.25]
