"""Loud guards (issue 12, item 2): nothing a user mapped or left blank is misread without a word."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.errors import catalogue
from microcredit_risk.ledger.load import load_ledger
from microcredit_risk.ledger.problems import Issue, LedgerError

HEAD = "as_of,loan_id,customer_id,balance,five_category\n"


def _csv(tmp_path, body: str, name: str = "ledger.csv"):
    path = tmp_path / name
    path.write_text(HEAD + body, "utf-8")
    return path


def _map(tmp_path, text: str):
    path = tmp_path / "map.toml"
    path.write_text(text, "utf-8")
    return path


def _error(path, **kwargs) -> LedgerError:
    with pytest.raises(LedgerError) as info:
        load_ledger(path, **kwargs)
    return info.value


def test_partial_value_map_lists_the_unmapped_values(tmp_path):
    """Mapping only "0" for a 0/1 flag used to let the built-in 1–5 codes take "1" (silently normal)."""
    path = _csv(tmp_path, "2023-12-31,L1,C1,100,0\n2023-12-31,L2,C2,50,1\n2023-12-31,L3,C3,25,1\n"
                          "2023-12-31,L4,C4,10,7\n")
    err = _error(path, columns=_map(tmp_path, '[values.five_category]\n"0" = "normal"\n'))
    assert err.code == "E015"
    assert str(err) == (f"{path}, row 3, column 'five_category': [values.five_category] of the column map "
                        "leaves 2 values unmapped: '1' ×2, '7' ×1; map every value the column holds [E015]")


def test_full_value_map_and_canonical_names_pass(tmp_path):
    path = _csv(tmp_path, "2023-12-31,L1,C1,100,0\n2023-12-31,L2,C2,50,1\n2023-12-31,L3,C3,25,loss\n")
    cmap = _map(tmp_path, '[values.five_category]\n"0" = "normal"\n"1" = "substandard"\n')
    f = load_ledger(path, columns=cmap).frame
    assert list(f["five_category"].astype(str)) == ["normal", "substandard", "loss"]


def test_partial_map_of_a_vocabulary_column(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("as_of,loan_id,customer_id,balance,five_category,guarantee_type\n"
                    "2023-12-31,L1,C1,100,正常,房产\n2023-12-31,L2,C2,50,正常,信用\n"
                    "2023-12-31,L3,C3,50,正常,车辆\n", "utf-8")
    err = _error(path, columns=_map(tmp_path, '[values.guarantee_type]\n"房产" = "mortgage"\n'))
    assert str(err) == (f"{path}, row 3, column 'guarantee_type': [values.guarantee_type] of the column map "
                        "leaves 2 values unmapped: '信用' ×1, '车辆' ×1; map every value the column holds [E015]")


def test_blank_grade_is_an_error_naming_count_and_balance(tmp_path):
    path = _csv(tmp_path, "2023-12-31,L1,C1,100,正常\n2023-12-31,L2,C2,1234.5,\n2023-12-31,L3,C3,10, \n")
    err = _error(path)
    assert str(err) == (f"{path}, row 3, column 'five_category': 2 rows have a blank five-category grade "
                        "(balance 1,244.50); fill them in, or set blank_grades = \"drop\" under [ledger] in the "
                        "column map to drop them with a warning [E016]")


def test_blank_grades_dropped_with_a_counted_warning_when_allowed(tmp_path):
    path = _csv(tmp_path, "2023-12-31,L1,C1,100,正常\n2023-12-31,L2,C2,1234.5,\n2023-12-31,L3,C3,10,关注\n")
    ledger = load_ledger(path, columns=_map(tmp_path, '[ledger]\nblank_grades = "drop"\n'))
    assert list(ledger.frame["loan_id"]) == ["L1", "L3"]
    (w,) = [i for i in ledger.issues if i.code == "W111"]
    assert w.count == 1 and w.rows == (3,)
    assert w.line() == (f"{path}, column 'five_category': 1 row with a blank five-category grade dropped "
                        "(balance 1,234.50) [W111]")
    assert w.line("zh") == f"{path}，列“five_category”：剔除了 1 笔五级分类为空的贷款（余额 1,234.50） [W111]"


def test_blank_grades_option_is_checked(tmp_path):
    path = _csv(tmp_path, "2023-12-31,L1,C1,100,正常\n")
    cmap = _map(tmp_path, '[ledger]\nblank_grades = "ignore"\n')
    assert str(_error(path, columns=cmap)) == f"{cmap}: line 2: [ledger] blank_grades = 'ignore': use one of error, drop [E253]"


def test_all_zero_balance_is_an_error(tmp_path):
    path = _csv(tmp_path, "2023-12-31,L1,C1,0,正常\n2023-12-31,L2,C2,0.00,关注\n")
    assert str(_error(path)) == (f"{path}, column 'balance': every value of this required column is zero or "
                                 "missing: nothing to analyse (is it the right column, in the right unit?) [E017]")


def test_all_missing_days_past_due_without_grades_is_an_error(tmp_path):
    path = tmp_path / "dpd.csv"
    path.write_text("as_of,loan_id,customer_id,balance,逾期天数\n2023-12-31,L1,C1,10,\n2023-12-31,L2,C2,5,\n",
                    "utf-8")
    err = _error(path)
    assert err.code == "E017" and "column '逾期天数'" in str(err)


def test_some_zero_balances_stay_a_warning_naming_its_column(tmp_path):
    path = _csv(tmp_path, "2023-12-31,L1,C1,0,正常\n2023-12-31,L2,C2,5,关注\n")
    (w,) = [i for i in load_ledger(path).issues if i.code == "W102"]
    assert w.line() == f"{path}, column 'balance': 1 loan row with balance 0 kept but excluded from stock metrics [W102]"
    assert w.to_json_obj()["line"] == w.line()


def test_analyze_prints_each_warning_with_its_column(tmp_path):
    path = _csv(tmp_path, "2023-12-31,L1,C1,0,正常\n2023-12-31,L2,C2,5,关注\n2022-12-31,L1,C1,7,正常\n")
    result = CliRunner().invoke(app, ["analyze", str(path), "--out", str(tmp_path / "run"), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert (f"warning: {path}, column 'balance': 1 loan row with balance 0 kept but excluded from stock "
            "metrics [W102]") in result.stderr.splitlines()


def test_warning_counts_have_thousands_separators_and_one_measure_word() -> None:
    zero, floor = Issue("W102", 4693), Issue("W107", 12937)
    assert zero.message("zh") == "4,693 笔贷款余额为 0，保留但不计入存量指标"
    assert floor.message("zh") == "12,937 笔贷款的五级分类优于逾期天数对应的底线（2023年风险分类办法）"
    assert zero.message("en") == "4,693 loan rows with balance 0 kept but excluded from stock metrics"
    assert Issue("W102", 1).message("en") == "1 loan row with balance 0 kept but excluded from stock metrics"
    rows = [c for c, t in catalogue().items() if re.search(r"\{count\} ?(行|个\S*?(空行|的行))", t.zh)]
    assert rows == ["W101"]   # blank and subtotal rows are not loans; every other count of ledger rows is 笔
