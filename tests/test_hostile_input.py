"""Hostile and broken files (issue 12, item 5), each generated here: one coded line, exit 1, never a crash.

Every case asserts the exact message line (``str(LedgerError)``); the CLI test asserts the exact stderr
line and exit code. The hypothesis test at the end feeds mutated ledgers to ``load_ledger`` and
accepts only a clean result or a coded ``MCRError``.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.errors import MCRError
from microcredit_risk.ledger.load import load_ledger
from microcredit_risk.ledger.problems import LedgerError

HEAD = "as_of,loan_id,customer_id,balance,five_category\n"
GOOD = "2023-12-31,L1,C1,100,正常\n2023-12-31,L2,C2,50,关注\n"


def _text(body: str, encoding: str = "utf-8") -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        path.write_bytes(body.encode(encoding))
        return path
    return make


def _bytes(data: bytes) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        path.write_bytes(data)
        return path
    return make


def _xlsx_bytes() -> tuple[dict[str, bytes], str]:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2023"
    ws.append(["loan_id", "customer_id", "balance", "five_category"])
    ws.append(["L1", "C1", 100, "正常"])
    ws.append(["L2", "C2", 50, "正常"])
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as z:
        files = {n: z.read(n) for n in z.namelist()}
    return files, files["xl/worksheets/sheet1.xml"].decode()


def _xlsx(edit: Callable[[str], str]) -> Callable[[Path], Path]:
    """A small workbook whose sheet XML is edited as a hostile writer would have it."""
    def make(path: Path) -> Path:
        files, sheet = _xlsx_bytes()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
            for name, data in files.items():
                out.writestr(name, edit(sheet).encode() if name == "xl/worksheets/sheet1.xml" else data)
        return path
    return make


def _cell(ref: str, inner: str, attrs: str = "") -> Callable[[str], str]:
    """Replace cell ``ref`` (e.g. A3) of the sheet by ``<c r=ref attrs>inner</c>``."""
    def edit(sheet: str) -> str:
        start = sheet.index(f'<c r="{ref}"')
        end = sheet.index("</c>", start) + 4
        return sheet[:start] + f'<c r="{ref}"{attrs}>{inner}</c>' + sheet[end:]
    return edit


def _truncated(path: Path) -> Path:
    _xlsx(lambda s: s)(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _bad_deflate(path: Path) -> Path:
    _xlsx(lambda s: s)(path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 5
    for k in range(start, start + 20):
        data[k] ^= 0x5A
    path.write_bytes(bytes(data))
    return path


def _late_bad_gbk(path: Path) -> Path:
    rows = "".join(f"2023-12-31,L{i},C{i},100,正常\n" for i in range(40_000))
    path.write_bytes((HEAD + rows).encode("gbk") + b"2023-12-31,LX,CX,1,\x81\x20\n")
    assert path.stat().st_size > 1 << 20
    return path


def _null_string_balance(path: Path) -> Path:
    pd.DataFrame({"as_of": ["2023-12-31"] * 2, "loan_id": ["L1", "L2"], "customer_id": ["C1", "C2"],
                  "balance": pd.Series([None, None], dtype="string"), "five_category": ["正常", "正常"]}
                 ).to_parquet(path)
    return path


FORMULA_MSG = ("the cell holds a formula whose result was never saved (the file was written by a program that "
               "does not calculate); open and save it in Excel or WPS, or export values only [E014]")
UNUSABLE = "is not a usable number (infinite, NaN, or beyond ±1e15) [E018]"
RANGE = ("the sheet's used range A1:XFD1048576 spans 17,179,869,184 cells (the limit is 100,000,000); delete stray "
         "cells far below or to the right of the data, or copy the data alone to a new sheet [E021]")
ENCODING = ("cannot be decoded as UTF-8 or as GB18030 (mixed encodings or binary data); re-save the file as UTF-8 "
            "[E023]")

# name, how to make it, the exact line after "{path}"
CASES: list[tuple[str, Callable[[Path], Path], str]] = [
    ("blank_as_of.csv", _text(HEAD + ",L1,C1,100,正常\n,L2,C2,50,正常\n"),
     ", row 2, column 'as_of': a required cell is blank [E019]"),
    ("blank_loan_id.csv", _text(HEAD + "2023-12-31,,C1,100,正常\n2023-12-31,,C2,50,正常\n"),
     ", row 2, column 'loan_id': a required cell is blank [E019]"),
    ("blank_customer.csv", _text(HEAD + "2023-12-31,L1,C1,100,正常\n2023-12-31,L2, ,50,正常\n"),
     ", row 3, column 'customer_id': a required cell is blank [E019]"),
    ("blank_balance.csv", _text(HEAD + "2023-12-31,L1,C1,,正常\n"),
     ", row 2, column 'balance': a required cell is blank [E019]"),
    ("na_grade.csv", _text(HEAD + GOOD + "2023-12-31,L3,C3,1,#N/A\n"),
     ", row 4, column 'five_category': the cell holds the spreadsheet error #N/A; correct the formula, or export "
     "values only [E020]"),
    ("ref_id.csv", _text(HEAD + "2023-12-31,#REF!,C1,100,正常\n"),
     ", row 2, column 'loan_id': the cell holds the spreadsheet error #REF!; correct the formula, or export "
     "values only [E020]"),
    ("inf.csv", _text(HEAD + GOOD + "2023-12-31,L3,C3,inf,正常\n"), f", row 4, column 'balance': 'inf' {UNUSABLE}"),
    ("minus_inf_amount.csv", _text("as_of,loan_id,customer_id,balance,five_category,amount\n"
                                   "2023-12-31,L1,C1,5,正常,-inf\n"),
     f", row 2, column 'amount': '-inf' {UNUSABLE}"),
    ("nan.csv", _text(HEAD + "2023-12-31,L1,C1,NaN,正常\n"), f", row 2, column 'balance': 'NaN' {UNUSABLE}"),
    ("huge.csv", _text(HEAD + "2023-12-31,L1,C1,1e308,正常\n2023-12-31,L2,C2,1e308,正常\n"),
     f", row 2, column 'balance': '1e308' {UNUSABLE}"),
    ("inf_days.csv", _text("as_of,loan_id,customer_id,balance,five_category,逾期天数\n"
                           "2023-12-31,L1,C1,5,正常,Infinity\n"),
     f", row 2, column '逾期天数': 'Infinity' {UNUSABLE}"),
    ("big_cell.csv", _text(HEAD + "2023-12-31,L1,C1,100,正常\n2023-12-31," + "L" * 200_000 + ",C2,50,正常\n"),
     ", row 3: a cell holds 200,000 characters (the limit is 131,072): not a ledger value [E022]"),
    ("binary_tail.csv", _bytes(HEAD.encode() + b"2023-12-31,L1,C1,100,\xff\xfe\x00\x01\x80\n"),
     f", row 2: byte 0xff {ENCODING}"),
    ("late_bad_gbk.csv", _late_bad_gbk, f", row 40002: byte 0x81 {ENCODING}"),
    ("error_grade.xlsx", _xlsx(_cell("D3", "<v>#N/A</v>", ' t="e"')),
     ", sheet '2023', row 3, column 'five_category': the cell holds the spreadsheet error #N/A; correct the "
     "formula, or export values only [E020]"),
    ("error_id.xlsx", _xlsx(_cell("A3", "<v>#REF!</v>", ' t="e"')),
     ", sheet '2023', row 3, column 'loan_id': the cell holds the spreadsheet error #REF!; correct the formula, "
     "or export values only [E020]"),
    ("error_balance.xlsx", _xlsx(_cell("C3", "<v>#DIV/0!</v>", ' t="e"')),
     ", sheet '2023', row 3, column 'balance': the cell holds the spreadsheet error #DIV/0!; correct the formula, "
     "or export values only [E020]"),
    ("formula_id.xlsx", _xlsx(_cell("A3", '<f>A2&amp;"x"</f>', ' t="str"')),
     f", sheet '2023', row 3, column 'loan_id': {FORMULA_MSG}"),
    ("big_cell.xlsx", _xlsx(lambda s: s.replace("<t>L2</t>", "<t>" + "L" * 200_000 + "</t>")),
     ", sheet '2023', row 3, column 'loan_id': a cell holds 200,000 characters (the limit is 131,072): not a "
     "ledger value [E022]"),
    ("bad_row_number.xlsx", _xlsx(lambda s: s.replace('<row r="3">', '<row r="x1">')),
     ", sheet '2023': cannot read the file: corrupt sheet: row number 'x1' [E001]"),
    ("xfd.xlsx", _xlsx(lambda s: s.replace('<dimension ref="A1:D3"/>', '<dimension ref="A1:XFD1048576"/>')
                       .replace("</sheetData>", '<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row>'
                                                "</sheetData>")),
     f", sheet '2023': {RANGE}"),
    ("xfd_no_dimension.xlsx", _xlsx(lambda s: s.replace('<dimension ref="A1:D3"/>', "")
                                    .replace("</sheetData>", '<row r="1048576"><c r="XFD1048576" t="n"><v>1</v>'
                                                             "</c></row></sheetData>")),
     f", sheet '2023': {RANGE}"),
    ("truncated.xlsx", _truncated, ": cannot read the file: not a valid .xlsx workbook (corrupt or not Excel) [E001]"),
    ("bad_deflate.xlsx", _bad_deflate,
     ": cannot read the file: corrupt or truncated workbook (error: Error -3 while decompressing data: invalid "
     "code lengths set) [E001]"),
    ("null_string_balance.parquet", _null_string_balance,
     ", row 2, column 'balance': a required cell is blank [E019]"),
    ("control_chars.csv", _text("as_of,loan_id,\x1b[31mname\x1b[0m,\"bal\nance\",five_category\n"
                                "2023-12-31,L1,C1,100,正常\n"),
     ", row 1: required column 'customer_id' not found; headers seen: as_of, loan_id, \\x1b[31mname\\x1b[0m, "
     "bal\\nance, five_category; aliases tried: customer_id, 客户号, 客户编号, 借款人编号, 统一社会信用代码, "
     "CUST_ID, 客户代码, 客户编码, 证件号码, cust_no [E004]"),
]


@pytest.mark.parametrize(("name", "make", "line"), CASES, ids=[c[0] for c in CASES])
def test_hostile_file_gives_one_exact_coded_line(tmp_path, name, make, line):
    path = make(tmp_path / name)
    with pytest.raises(LedgerError) as info:
        load_ledger(path)
    assert str(info.value) == f"{path}{line}"


@pytest.mark.parametrize(("name", "make", "line"), CASES[::3], ids=[c[0] for c in CASES[::3]])
def test_cli_exit_1_with_the_line_and_nothing_else(tmp_path, name, make, line):
    path = make(tmp_path / name)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stderr == f"mcr: error: {path}{line}\n"


def test_ten_thousand_extra_columns_are_read_and_kept(tmp_path):
    extra = ",".join(f"x{i}" for i in range(10_000))
    path = tmp_path / "wide.csv"
    path.write_text(HEAD.strip() + "," + extra + "\n" + "2023-12-31,L1,C1,100,正常," + ",".join("1" * 10_000) + "\n")
    ledger = load_ledger(path)
    assert len(ledger.extras) == 10_000 and ledger.frame.shape == (1, 5 + 10_000)


def test_no_third_party_warning_reaches_stderr(tmp_path):
    extra = ",".join(f"x{i}" for i in range(300))
    path = tmp_path / "wide.csv"
    path.write_text(HEAD.strip() + "," + extra + "\n" + "2023-12-31,L1,C1,100,正常," + ",".join("1" * 300) + "\n")
    result = CliRunner().invoke(app, ["validate", "--quiet", str(path)])
    assert result.exit_code == 0 and result.stderr == ""


# -- fuzzing: mutated ledgers give a clean ledger or a coded refusal, nothing else --------------------
ODD = st.sampled_from(["", " ", "inf", "-inf", "NaN", "1e308", "-1e308", "1e16", "#N/A", "#REF!", "0", "-5",
                       "\x1b[2J", "a\nb", "９９", "1,234.5", "1.2万", "2023-02-30", "9999-12-31", "正常", "损失",
                       "9" * 40, "\u2028", "NULL"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 5), ODD), min_size=1, max_size=6),
       encoding=st.sampled_from(["utf-8", "gb18030", "broken"]))
def test_mutated_ledgers_load_cleanly_or_are_refused_with_a_code(tmp_path, cells, encoding):
    rows = [["2023-12-31", f"L{i}", f"C{i}", "100", "正常", "3"] for i in range(3)]
    for r, c, value in cells:
        rows[r][c] = value
    text = "as_of,loan_id,customer_id,balance,five_category,逾期天数\n" + "".join(
        ",".join('"' + v.replace('"', '""') + '"' for v in row) + "\n" for row in rows)
    data = text.encode("gb18030" if encoding == "gb18030" else "utf-8")
    if encoding == "broken":
        data += b"2023-12-31,LZ,CZ,1,\xff\x80\n"
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    try:
        ledger = load_ledger(path)
    except MCRError as exc:
        assert exc.code.startswith("E") and exc.code != "E999"
        assert "\n" not in str(exc) and "\x1b" not in str(exc)
        return
    f = ledger.frame
    assert f["balance"].map(math.isfinite).all() and (f["balance"] >= 0).all() and (f["balance"] <= 1e15).all()
    assert f["loan_id"].notna().all() and f["customer_id"].notna().all()
    assert f["five_category"].notna().all()
    dpd = f["days_past_due"].dropna()
    assert dpd.map(math.isfinite).all()


# -- --anonymize -------------------------------------------------------------------------------------
def test_anonymize_covers_second_personal_columns_and_an_empty_group_column(tmp_path):
    from microcredit_risk.anonymize import anonymize_ledger

    path = tmp_path / "people.csv"
    path.write_text("数据日期,借据号,客户号,客户名称,借款人名称,证件号码,集团编号,贷款余额,五级分类\n"
                    "2023-12-31,L1,C1,甲公司,张三,110101199001011234,,100,正常\n"
                    "2023-12-31,L2,C2,乙商行,李四,110101199202021234,,50,关注\n", "utf-8")
    ledger = load_ledger(path)
    assert {"借款人名称", "证件号码"} <= set(ledger.extras)
    out = anonymize_ledger(ledger).frame
    text = out.astype(str).to_csv()
    for secret in ("甲公司", "张三", "李四", "110101199001011234"):
        assert secret not in text, secret
    assert not {"C1", "C2"} & set(out["customer_id"])
    assert out["借款人名称"].str.startswith("Customer ").all() and out["证件号码"].str.startswith("C").all()
    assert out["group_id"].isna().all()
    assert list(out["loan_id"]) == ["L1", "L2"] and list(out["balance"]) == [100.0, 50.0]


def test_a_blank_required_cell_next_to_a_formula_is_blank_not_formula(tmp_path):
    """The workbook is re-read for the blank cell's own column: a formula elsewhere in the row does not count."""
    blank_id = _cell("A3", "")
    saved_formula = _cell("D3", '<f>"正"&amp;"常"</f><v>正常</v>', ' t="str"')
    path = _xlsx(lambda sheet: saved_formula(blank_id(sheet)))(tmp_path / "blank_next_to_formula.xlsx")
    with pytest.raises(LedgerError) as info:
        load_ledger(path)
    assert str(info.value) == f"{path}, sheet '2023', row 3, column 'loan_id': a required cell is blank [E019]"
