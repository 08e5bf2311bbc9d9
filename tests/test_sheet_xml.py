"""watchlist.xlsx's list sheet built as XML (monitor/sheet_xml.py): the cells openpyxl reads back are
the values, types, formats and text-safety the list asks for, across chunk boundaries, byte-identical
on every run, with fixed zip times."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook

from microcredit_risk.monitor import sheet_xml
from microcredit_risk.monitor.watchlist import Watchlist
from microcredit_risk.monitor.watchlist_files import watchlist_xlsx_bytes
from microcredit_risk.profile import load_profile

THRESHOLDS = load_profile(None).thresholds


def _list() -> Watchlist:
    frame = pd.DataFrame({
        "rank": [1, 2, 3, 4, 5],
        "loan_id": ["L1", "L2", "L3", "L4", "L5"],
        "customer_id": ["c1", "c2", "c3", "c4", "c5"],
        "customer_name": ["A&B <x>", "=1+1", "bad\x01char", None, "  spaced  "],
        "five_category": ["normal", "special_mention", None, "loss", "substandard"],
        "days_past_due": [0.0, 12.0, float("nan"), 400.0, 95.0],
        "maturity_date": pd.to_datetime(["2024-03-30", "1900-03-01", None, "2023-12-31", "2030-01-01"]),
        "balance": [1_234_567.0, 10_000.0, 5.0, 2_000_000.0, 0.01],
        "balance_at_risk": [1_234_567.0, 5_000.0, 5.0, 0.0, 0.01],
        "reasons": ["FLOOR_BREACH", "DOWNGRADED;MATURING_OVERDUE", "FLOOR_BREACH", "DOWNGRADED", "DOWNGRADED"],
    })
    return Watchlist(frame=frame, as_of="2023-12-31", previous="2022-12-31")


@pytest.fixture()
def book(monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setattr(sheet_xml, "CHUNK", 2)        # three chunks: 2 + 2 + 1 rows
    return watchlist_xlsx_bytes(_list(), "zh", "CNY", THRESHOLDS)


def test_cells_read_back_as_written(book: bytes) -> None:
    ws = load_workbook(io.BytesIO(book)).worksheets[0]
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == 5 and ws.max_row == 6 and ws.auto_filter.ref == "A1:K6" and ws.freeze_panes == "C2"
    heads = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(heads)}
    name = [r[col["客户名称"]] for r in rows]
    assert [c.value for c in name] == ["A&B <x>", "=1+1", "badchar", None, "  spaced  "]
    assert name[1].data_type == "s" and name[1].quotePrefix and not name[0].quotePrefix
    assert [r[col["序号"]].value for r in rows] == [1, 2, 3, 4, 5]
    assert [r[col["逾期天数"]].value for r in rows] == [0, 12, None, 400, 95]
    dates = [r[col["到期日期"]] for r in rows]
    assert [c.value for c in dates] == [dt.datetime(2024, 3, 30), dt.datetime(1900, 3, 1), None,
                                        dt.datetime(2023, 12, 31), dt.datetime(2030, 1, 1)]
    assert dates[0].number_format == "yyyy-mm-dd"
    money = [r[col["贷款余额（万元）"]] for r in rows]           # yuan / 10,000, to the cent of a yuan
    assert [c.value for c in money] == [123.4567, 1, 0.0005, 200, 0.000001]
    assert money[0].number_format == "#,##0.00"
    assert [r[col["五级分类"]].value for r in rows] == ["正常", "关注", None, "损失", "次级"]
    assert rows[1][col["预警原因代码"]].value == "DOWNGRADED;MATURING_OVERDUE"


def test_the_raw_cells(book: bytes) -> None:
    xml = zipfile.ZipFile(io.BytesIO(book)).read("xl/worksheets/sheet1.xml").decode("utf-8")
    # 2024-03-30 is day 45,381 of Excel's 1900 system (2024-01-01 = 45,292, + 31 + 29 + 29)
    assert '<v>45381</v>' in xml and "A&amp;B &lt;x&gt;" in xml and "\x01" not in xml
    assert xml.count("<row ") == 6 and '<row r="6">' in xml


def test_byte_identical_with_fixed_times(book: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheet_xml, "CHUNK", 2)
    assert watchlist_xlsx_bytes(_list(), "zh", "CNY", THRESHOLDS) == book
    assert {i.date_time for i in zipfile.ZipFile(io.BytesIO(book)).infolist()} == {(1980, 1, 1, 0, 0, 0)}
