"""Column map v2 (issue 12, item 1): formats and epochs, derive, filter, dedupe, currency, unit, industry
scheme, implausible dates, and the map file's schema errors with their exact lines."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from microcredit_risk.ledger.expressions import ExpressionError, add_months, parse_expression
from microcredit_risk.ledger.load import load_ledger
from microcredit_risk.ledger.problems import LedgerError
from microcredit_risk.ledger.summary import validation_json


def _files(tmp_path, csv: str, toml: str):
    data, cmap = tmp_path / "tape.csv", tmp_path / "map.toml"
    data.write_text(csv, "utf-8")
    cmap.write_text(toml, "utf-8")
    return data, cmap


def _error(*args, **kwargs) -> LedgerError:
    with pytest.raises(LedgerError) as info:
        load_ledger(*args, **kwargs)
    return info.value


BASE = "as_of,loan_id,customer_id,balance,five_category,Opened\n"


@pytest.mark.parametrize(("fmt", "cell"), [
    ("%m/%d/%Y", "12/31/2023"), ("%d-%b-%y", "31-Dec-23"), ("excel", "45291"), ("sas", "23375"),
    ("stata", "23375"), ("unix", "1703980800"), ("year", "2023"),
])
def test_each_date_format_and_epoch(tmp_path, fmt, cell):
    data, cmap = _files(tmp_path, BASE + f"2024-06-30,L1,C1,100,正常,{cell}\n",
                        f'[columns]\n"Opened" = "origination_date"\n[formats]\n"Opened" = "{fmt}"\n')
    f = load_ledger(data, columns=cmap).frame
    assert f["origination_date"].iloc[0] == pd.Timestamp("2023-12-31")


def test_a_year_column_read_as_a_serial_is_refused_naming_the_column(tmp_path):
    data, cmap = _files(tmp_path, BASE + "2024-06-30,L1,C1,100,正常,1997\n",
                        '[columns]\n"Opened" = "origination_date"\n')
    assert str(_error(data, columns=cmap)) == (
        f"{data}, row 2, column 'Opened': date 1997 read as 1905-06-19, before 1950 or after today: is the column's "
        "format right? (set it under [formats] in the column map) [E024]")


def test_a_snapshot_after_today_is_refused(tmp_path):
    data = tmp_path / "future.csv"
    data.write_text(BASE + "2999-12-31,L1,C1,100,正常,\n", "utf-8")
    err = _error(data)
    assert err.code == "E024" and "column 'as_of'" in str(err) and "2999-12-31" in str(err)


def test_open_ended_maturity_stays_allowed(tmp_path):
    data = tmp_path / "open.csv"
    data.write_text("as_of,loan_id,customer_id,balance,five_category,maturity_date\n"
                    "2023-12-31,L1,C1,100,正常,9999-12-31\n", "utf-8")
    assert load_ledger(data).frame["maturity_date"].iloc[0] == pd.Timestamp("9999-12-31")


def test_derive_dates_and_amounts(tmp_path):
    data, cmap = _files(
        tmp_path,
        "as_of,LoanNo,Cust,Amount,Repaid,Status,Disbursed,Term\n"
        "2023-12-31,L1,C1,1000,250,ok,1/31/2021,1\n"
        "2023-12-31,L2,C2,500,500,bad,12/15/2020,14\n",
        '[columns]\n"LoanNo" = "loan_id"\n"Cust" = "customer_id"\n"Disbursed" = "origination_date"\n'
        '[formats]\n"Disbursed" = "%m/%d/%Y"\n'
        '[derive]\nbalance = "Amount - Repaid"\nmaturity_date = "Disbursed + months(Term)"\n'
        "five_category = \"if(Status == 'bad', 'loss', 'normal')\"\n")
    ledger = load_ledger(data, columns=cmap)
    f = ledger.frame
    assert list(f["balance"]) == [750.0, 0.0]
    assert list(f["maturity_date"].dt.strftime("%Y-%m-%d")) == ["2021-02-28", "2022-02-15"]
    assert list(f["five_category"].astype(str)) == ["normal", "loss"]
    how = {m.header: m.how for m in ledger.matches}
    assert how["[derive] balance"] == "derived"


def test_filter_dedupe_currency_and_unit(tmp_path):
    data, cmap = _files(
        tmp_path, BASE.replace(",Opened", ",Selected") +
        "2023-12-31,L1,C1,1.5,正常,1\n2023-12-31,L1,C1,1.5,正常,1\n2023-12-31,L2,C2,7,关注,0\n"
        "2023-12-31,L3,C3,2,正常,1\n",
        '[filter]\nwhere = "Selected == 1"\n[ledger]\ncurrency = "USD"\nunit = 1000\ndedupe = "exact"\n')
    ledger = load_ledger(data, columns=cmap)
    assert list(ledger.frame["loan_id"]) == ["L1", "L3"]
    assert list(ledger.frame["balance"]) == [1500.0, 2000.0]
    assert ledger.currency == "USD"
    record = json.loads(validation_json(ledger))
    assert record["currency"] == "USD"
    counts = {w["code"]: (w["count"], w["rows"]) for w in record["warnings"]}
    assert counts["W113"] == (1, [3]) and counts["W112"] == (1, [4])


@pytest.mark.parametrize(("scheme", "expected"), [
    (None, ["23", "722410", "C", "C"]), ("gbt4754", ["C", "722410", "C", "C"]), ("naics", ["23", "72", "C13", "制造业"]),
    ("none", ["23", "722410", "C13", "制造业"]),
])
def test_industry_codes_recoded_only_when_asked(tmp_path, scheme, expected):
    body = "".join(f"2023-12-31,L{i},C{i},1,正常,{code}\n" for i, code in enumerate(["23", "722410", "C13", "制造业"]))
    toml = f'[ledger]\nindustry_scheme = "{scheme}"\n' if scheme else ""
    data, cmap = _files(tmp_path, "as_of,loan_id,customer_id,balance,five_category,industry\n" + body, toml)
    assert list(load_ledger(data, columns=cmap).frame["industry"]) == expected


@pytest.mark.parametrize(("toml", "line"), [
    ('[columns]\n"a" = "balance"\n\n[dates]\n"x" = "%Y"\n',
     "line 4: unknown table [dates] (known: columns, values.<column>, units, formats, derive, filter, ledger) [E251]"),
    ('[column]\n"a" = "balance"\n',
     "line 1: unknown table [column] (known: columns, values.<column>, units, formats, derive, filter, ledger) [E251]"),
    ('[ledger]\ncurrency = "USD"\nunits = 1\n',
     "line 3: unknown key 'units' in [ledger] (known: currency, unit, dedupe, industry_scheme, blank_grades) [E252]"),
    ('[ledger]\ncurrency = "dollars"\n', "line 2: [ledger] currency = 'dollars': use an ISO 4217 code such as CNY, USD [E253]"),
    ('[ledger]\nunit = 0\n', "line 2: [ledger] unit = 0: use a positive number (1, 1000, 10000) [E253]"),
    ('[ledger]\ndedupe = "fuzzy"\n', "line 2: [ledger] dedupe = 'fuzzy': use one of exact, none [E253]"),
    ('[formats]\n"Opened" = "dd/mm/yyyy"\n',
     "line 2: [formats] Opened = 'dd/mm/yyyy': use a strftime format such as \"%m/%d/%Y\", or one of excel, sas, "
     "stata, unix, year [E253]"),
    ('[derive]\nmaturity = "a + 1"\n', "line 2: unknown key 'maturity' in [derive] (known: canonical column names "
                                       "(`mcr schema`)) [E252]"),
    ('[derive]\nbalance = "open(1)"\n', "line 2: [derive] balance = 'open(1)': only months(), if() and year() can be "
                                        "called [E254]"),
    ('[filter]\nwhen = "a == 1"\n', "line 2: unknown key 'when' in [filter] (known: where) [E252]"),
])
def test_map_schema_errors_name_their_line(tmp_path, toml, line):
    data, cmap = _files(tmp_path, BASE + "2023-12-31,L1,C1,1,正常,\n", toml)
    assert str(_error(data, columns=cmap)) == f"{cmap}: {line}"


def test_an_expression_naming_an_unknown_header(tmp_path):
    data, cmap = _files(tmp_path, BASE + "2023-12-31,L1,C1,1,正常,\n", '[filter]\nwhere = "Selectd == 1"\n')
    assert str(_error(data, columns=cmap)) == (
        f"{cmap}: [filter] where names 'Selectd', which is not a header of this table (headers: as_of, loan_id, "
        "customer_id, balance, five_category, Opened) [E255]")


def test_expression_parser_refuses_what_it_does_not_know():
    with pytest.raises(ExpressionError):
        parse_expression("x.__class__")
    with pytest.raises(ExpressionError):
        parse_expression("[1, 2]")
    assert parse_expression("`Gross Amount` - Repaid").headers == ["Gross Amount", "Repaid"]


def test_add_months_clips_to_the_month_end():
    dates = pd.Series(pd.to_datetime(["2020-01-31", "2021-03-31", "2023-12-15", None]))
    out = add_months(dates, pd.Series([1, -1, 14, 3]))
    assert list(out.dt.strftime("%Y-%m-%d").fillna("")) == ["2020-02-29", "2021-02-28", "2025-02-15", ""]
