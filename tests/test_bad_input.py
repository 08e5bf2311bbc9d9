"""The bad-input corpus: each file gives its stable code, a precise message, and (via the CLI) exit 1."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.ledger.load import load_ledger
from microcredit_risk.ledger.problems import LedgerError

CASES = [
    # file, code, fragments the one-line message must contain (file, sheet, row, column, value)
    ("empty.csv", "E010", ["empty.csv", "no loan rows"]),
    ("header_only.xlsx", "E010", ["header_only.xlsx", "sheet '台账'", "no loan rows"]),
    ("no_header.xlsx", "E003", ["no_header.xlsx", "no recognisable header row", "说明", "--columns map.toml"]),
    ("missing_balance.csv", "E004", ["missing_balance.csv", "row 1", "'balance'", "贷款余额", "客户名称"]),
    ("duplicate_loan.csv", "E005", ["duplicate_loan.csv", "row 5", "column '借据号'", "'L002'", "2023-12-31",
                                    "first seen at duplicate_loan.csv, row 3"]),
    ("negative_balance.xlsx", "E006", ["sheet '台账'", "row 4", "column '贷款余额(万元)'", "-5"]),
    ("unknown_grade.xlsx", "E007", ["row 4", "column '五级分类'", "'未知'"]),
    ("bad_as_of.csv", "E008", ["row 3", "column '数据日期'", "'2023-13-45'"]),
    ("no_as_of.csv", "E009", ["no_as_of.csv", "--as-of"]),
    ("corrupt.xlsx", "E001", ["corrupt.xlsx", "corrupt"]),
    ("encrypted.xlsx", "E002", ["encrypted.xlsx", "encrypted"]),
    ("formulas_no_value.xlsx", "E014", ["row 3", "column '贷款余额(万元)'", "formula"]),
]


@pytest.mark.parametrize(("name", "code", "fragments"), CASES, ids=[c[0] for c in CASES])
def test_library_raises_catalogued_error(corpus, name, code, fragments):
    with pytest.raises(LedgerError) as info:
        load_ledger(corpus / name)
    assert info.value.code == code
    line = str(info.value)
    assert "\n" not in line
    for frag in fragments:
        assert frag in line, (frag, line)
    assert line.endswith(f"[{code}]")


@pytest.mark.parametrize(("name", "code", "fragments"), CASES, ids=[c[0] for c in CASES])
def test_cli_exit_1_one_line_no_output(corpus, tmp_path, name, code, fragments):
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["analyze", str(corpus / name), "--out", str(out), "--quiet"])
    assert result.exit_code == 1, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("mcr: error: ") and lines[0].endswith(f"[{code}]")
    assert "Traceback" not in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary folder left behind either


def test_missing_file_and_unsupported_suffix(tmp_path):
    with pytest.raises(LedgerError) as info:
        load_ledger(tmp_path / "nope.xlsx")
    assert info.value.code == "E012"
    odd = tmp_path / "ledger.json"
    odd.write_text("{}")
    with pytest.raises(LedgerError) as info:
        load_ledger(odd)
    assert info.value.code == "E011" and "'.json'" in str(info.value)


def test_gbk_and_bom_csv_read_like_utf8(corpus):
    gbk = load_ledger(corpus / "gbk.csv").frame
    bom = load_ledger(corpus / "utf8_bom.csv").frame
    assert list(gbk["customer_name"]) == ["甲公司", "乙商行", "乙商行"]
    assert gbk.equals(bom)


def test_subtotal_and_blank_rows_dropped_with_warning(corpus):
    ledger = load_ledger(corpus / "subtotals.xlsx")
    assert list(ledger.frame["loan_id"]) == ["L001", "L002", "L003"]
    (w,) = [i for i in ledger.issues if i.code == "W101"]
    # rows 5 (合计), 6 (blank) and 8 (总计) of the sheet; the title is row 1, the header row 2
    assert w.count == 3 and w.rows == (5, 6, 8)


def test_wan_yuan_header_scales_to_yuan(corpus):
    f = load_ledger(corpus / "wan_yuan.xlsx").frame
    assert list(f["balance"]) == [500_000.0, 205_000.0, 100_000.0]


def test_formula_cells_with_saved_values_are_read(corpus):
    f = load_ledger(corpus / "formulas_with_values.xlsx").frame
    assert f.set_index("loan_id").loc["L007", "balance"] == 100 * 10_000


def test_as_of_option_for_a_dateless_file(corpus):
    f = load_ledger(corpus / "no_as_of.csv", as_of="2022-06-30").frame
    assert set(f["as_of"].dt.strftime("%Y-%m-%d")) == {"2022-06-30"}
    with pytest.raises(LedgerError) as info:
        load_ledger(corpus / "no_as_of.csv", as_of="not a date")
    assert info.value.code == "E008"


def test_legacy_xls_with_title_row(corpus):
    """legacy.xls (BIFF8, written once with xlwt; kept as a binary fixture): title row, 万元, sheet-name date."""
    ledger = load_ledger(corpus / "legacy.xls")
    f = ledger.frame
    assert list(f["balance"]) == [500_000.0, 205_000.0, 100_000.0]
    assert ledger.sources[0].header_row == 2 and ledger.sources[0].as_of_from == "sheet name"
    assert set(f["as_of"].dt.strftime("%Y-%m-%d")) == {"2023-12-31"}


def test_gbk_found_only_past_the_encoding_probe(tmp_path):
    """The encoding is probed on the first MiB; GBK bytes after it still read right (pyarrow retries)."""
    head = "as_of,loan_id,customer_id,customer_name,balance,five_category\n"
    filler = "".join(f"2023-12-31,L{i:07d},C{i:07d},x,100,normal\n" for i in range(30_000))
    tail = "2023-12-31,LAST,CLAST,乙商行,5,关注\n"
    path = tmp_path / "late_gbk.csv"
    path.write_bytes((head + filler).encode("ascii") + tail.encode("gbk"))
    assert path.stat().st_size > 1 << 20
    f = load_ledger(path).frame.set_index("loan_id")
    assert f.loc["LAST", "customer_name"] == "乙商行" and f.loc["LAST", "five_category"] == "special_mention"
