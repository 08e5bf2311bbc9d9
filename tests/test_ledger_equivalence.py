"""The same ledger, written as a canonical CSV and as a bank's Chinese export, loads to identical frames."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from microcredit_risk.ledger.contract import GRADES
from microcredit_risk.ledger.load import load_ledger

# as_of, loan_id, customer_id, customer_name, customer_type, industry, guarantee_type, origination,
# maturity, amount (yuan), balance (yuan), rate, grade, dpd, renewal
ROWS = [
    ("2022-12-31", "L001", "C01", "甲公司", "small_enterprise", "C", "mortgage", "2022-03-01", "2023-03-01",
     1_000_000.0, 800_000.0, 0.055, "normal", 0, False),
    ("2022-12-31", "L002", "C02", "乙商行", "individual_business", "F", "credit", "2022-06-15", "2023-06-15",
     300_000.0, 300_000.0, 0.0725, "special_mention", 45, True),
    ("2022-12-31", "L003", "C03", "丙农户", "farmer", "A", "joint_guarantee", "2021-11-20", "2022-11-20",
     50_000.0, 42_500.0, 0.089, "substandard", 120, False),
    ("2023-12-31", "L001", "C01", "甲公司", "small_enterprise", "C", "mortgage", "2022-03-01", "2023-03-01",
     1_000_000.0, 600_000.0, 0.055, "special_mention", 30, False),
    ("2023-12-31", "L004", "C02", "乙商行", "individual_business", "F", "pledge", "2023-06-16", "2024-06-16",
     250_000.0, 250_000.0, 0.06, "normal", 0, True),
    ("2023-12-31", "L003", "C03", "丙农户", "farmer", "A", "joint_guarantee", "2021-11-20", "2022-11-20",
     50_000.0, 42_500.0, 0.089, "doubtful", 300, False),
]
ZH = {
    "customer_type": {"small_enterprise": "小型企业", "individual_business": "个体工商户", "farmer": "农户"},
    "industry": {"C": "制造业", "F": "批发和零售业", "A": "农、林、牧、渔业"},
    "guarantee_type": {"mortgage": "抵押", "credit": "信用", "joint_guarantee": "联保", "pledge": "质押"},
    "five_category": dict(zip(GRADES, ["正常", "关注", "次级", "可疑", "损失"], strict=True)),
}
COLS = ["as_of", "loan_id", "customer_id", "customer_name", "customer_type", "industry", "guarantee_type",
        "origination_date", "maturity_date", "amount", "balance", "interest_rate", "five_category",
        "days_past_due", "renewal_flag"]


def _canonical_csv(path):
    pd.DataFrame(ROWS, columns=COLS).to_csv(path, index=False)


def _bank_xlsx(path):
    """As a core banking system exports it: title row, Chinese, 万元, '5.5%' rates, a sheet per year."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    head = ["借据号", "客户编号", "借款人名称", "企业规模", "行业门类", "主要担保方式", "放款日期", "到期日",
            "合同金额（万元）", "贷款余额 (万元)", "执行利率", "五级分类结果", "逾期天数", "是否续贷"]
    for year in ("2022", "2023"):
        ws = wb.create_sheet(f"{year}年末")
        ws.append([f"某某村镇银行小微企业贷款台账（{year}年12月31日，单位：万元）"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(head))
        ws.append(head)
        for r in ROWS:
            if not r[0].startswith(year):
                continue
            (_, loan, cust, name, ctype, ind, guar, orig, mat, amount, bal, rate, grade, dpd, ren) = r
            ws.append([loan, cust, name, ZH["customer_type"][ctype], ZH["industry"][ind], ZH["guarantee_type"][guar],
                       dt.date.fromisoformat(orig), mat.replace("-", ""), amount / 1e4, f"{bal / 1e4:,.2f}",
                       f"{rate * 100:g}%", ZH["five_category"][grade], dpd, "是" if ren else "否"])
        ws.append(["合计", None, None, None, None, None, None, None, None, None])
    wb.save(path)


def test_canonical_csv_and_chinese_xlsx_load_identically(tmp_path):
    _canonical_csv(tmp_path / "canonical.csv")
    _bank_xlsx(tmp_path / "台账.xlsx")
    a = load_ledger(tmp_path / "canonical.csv")
    b = load_ledger(tmp_path / "台账.xlsx")
    assert_frame_equal(a.frame, b.frame)
    assert {s.as_of_from for s in b.sources} == {"sheet name"}
    assert [s.header_row for s in b.sources] == [2, 2]
    # one 合计 row dropped per sheet, reported per sheet
    assert [(i.code, i.location.sheet, i.count) for i in b.issues] == [("W101", "2022年末", 1), ("W101", "2023年末", 1)]


def test_canonical_values_and_dtypes(tmp_path):
    _canonical_csv(tmp_path / "canonical.csv")
    f = load_ledger(tmp_path / "canonical.csv").frame
    assert list(f.columns) == COLS
    assert f["five_category"].dtype.ordered and list(f["five_category"].cat.categories) == list(GRADES)
    assert str(f["renewal_flag"].dtype) == "boolean"
    assert f["as_of"].dtype.kind == "M" and f["origination_date"].dtype.kind == "M"
    row = f[(f["loan_id"] == "L002")].iloc[0]
    assert row["interest_rate"] == pytest.approx(0.0725) and row["days_past_due"] == 45


def test_split_by_year_equals_one_file(tmp_path):
    df = pd.DataFrame(ROWS, columns=COLS)
    df.to_csv(tmp_path / "all.csv", index=False)
    for year, part in df.groupby(df["as_of"].str[:4]):
        part.to_csv(tmp_path / f"part_{year}.csv", index=False)
    whole = load_ledger(tmp_path / "all.csv").frame
    split = load_ledger([tmp_path / "part_2023.csv", tmp_path / "part_2022.csv"]).frame
    assert_frame_equal(whole, split)


def test_user_column_map(tmp_path):
    pd.DataFrame({"日期": ["2023-12-31"] * 2, "IOU": ["A1", "A2"], "客户号": ["c1", "c2"], "本金": [1.5, 2.0],
                  "内部评级": ["A", "B"]}).to_csv(tmp_path / "odd.csv", index=False)
    (tmp_path / "map.toml").write_text(
        '[columns]\n"IOU" = "loan_id"\n"本金" = "balance"\n"内部评级" = "five_category"\n'
        '[values.five_category]\n"A" = "normal"\n"B" = "substandard"\n[units]\n"本金" = "万元"\n', "utf-8")
    f = load_ledger(tmp_path / "odd.csv", columns=tmp_path / "map.toml").frame
    assert list(f["balance"]) == [15_000.0, 20_000.0]
    assert list(f["five_category"].astype(str)) == ["normal", "substandard"]


def test_parquet_reads_like_csv(tmp_path):
    _canonical_csv(tmp_path / "canonical.csv")
    pd.DataFrame(ROWS, columns=COLS).to_parquet(tmp_path / "ledger.parquet")
    assert_frame_equal(load_ledger(tmp_path / "canonical.csv").frame, load_ledger(tmp_path / "ledger.parquet").frame)
