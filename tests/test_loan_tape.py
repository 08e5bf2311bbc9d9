"""A loan tape is a ledger too (issue 12, item 3): ``load_ledger(..., snapshots="annual")``.

A small tape with values worked out by hand, and the SBA 7(a) tape (tests/data/sba) whose charge-off
figures are checked against a pandas computation written here from the raw file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from microcredit_risk.ledger.load import load_ledger
from microcredit_risk.ledger.problems import LedgerError

SBA = Path(__file__).parent / "data" / "sba"
TAPE = ("loan,cust,disbursed,matures,amount,charged_off,charged\n"
        "A,CA,2020-07-01,2022-07-01,1000,,\n"
        "B,CB,2020-01-01,2025-01-01,500,2021-03-15,300\n"
        "C,CC,2022-06-30,2023-06-30,100,,\n")
MAP = ('[columns]\n"loan" = "loan_id"\n"cust" = "customer_id"\n"disbursed" = "origination_date"\n'
       '"matures" = "maturity_date"\n"amount" = "amount"\n"charged_off" = "charge_off_date"\n"charged" = "write_off"\n')


def _tape(tmp_path):
    data, cmap = tmp_path / "tape.csv", tmp_path / "map.toml"
    data.write_text(TAPE, "utf-8")
    cmap.write_text(MAP, "utf-8")
    return data, cmap


def _rows(frame: pd.DataFrame) -> list[tuple]:
    f = frame.sort_values(["loan_id", "as_of"])
    return [(r.loan_id, r.as_of.strftime("%Y-%m-%d"), str(r.five_category), r.balance,
             None if pd.isna(r.write_off) else r.write_off) for r in f.itertuples()]


def test_small_tape_by_hand(tmp_path):
    data, cmap = _tape(tmp_path)
    ledger = load_ledger(data, columns=cmap, snapshots="annual", as_of="2022-12-31")
    # straight-line: A 1000 × (1 − 183/730), 1000 × (1 − 548/730); B 500 × (1 − 365/1827); C 100 × (1 − 184/365)
    assert _rows(ledger.frame) == [
        ("A", "2020-12-31", "normal", 749.32, None),
        ("A", "2021-12-31", "normal", 249.32, None),
        ("B", "2020-12-31", "normal", 400.11, None),
        ("B", "2021-12-31", "loss", 300.0, None),      # first year-end on or after the charge-off
        ("B", "2022-12-31", "loss", 0.0, 300.0),       # the next: once, balance 0, written off
        ("C", "2022-12-31", "normal", 49.59, None),
    ]
    assert ledger.sources[0].as_of_from == "--snapshots annual"


def test_last_snapshot_is_the_last_year_end_the_tape_speaks_for(tmp_path):
    data, cmap = _tape(tmp_path)  # latest event: C disbursed 2022-06-30 → last year-end 2021-12-31
    f = load_ledger(data, columns=cmap, snapshots="annual").frame
    assert sorted(f["as_of"].dt.strftime("%Y-%m-%d").unique()) == ["2020-12-31", "2021-12-31"]


def test_a_mapped_balance_is_used_as_given(tmp_path):
    data, cmap = _tape(tmp_path)
    data.write_text(TAPE.replace(",charged\n", ",charged,bal\n").replace(",,\n", ",,,10\n").replace(",300\n", ",300,20\n"))
    cmap.write_text(MAP + '"bal" = "balance"\n')
    f = load_ledger(data, columns=cmap, snapshots="annual", as_of="2022-12-31").frame
    assert [b for _, _, g, b, _ in _rows(f) if g == "normal"] == [10.0, 10.0, 20.0, 10.0]


def test_tape_needs_a_maturity_and_a_known_mode(tmp_path):
    data, cmap = _tape(tmp_path)
    cmap.write_text(MAP.replace('"matures" = "maturity_date"\n', ""))
    with pytest.raises(LedgerError) as info:
        load_ledger(data, columns=cmap, snapshots="annual")
    assert info.value.code == "E004" and "'maturity_date'" in str(info.value)
    with pytest.raises(LedgerError) as info:
        load_ledger(data, columns=cmap, snapshots="monthly")
    assert str(info.value) == ("column '--snapshots': snapshots 'monthly': the only mode is 'annual' (a loan tape → "
                               "year-end snapshots) [E025]")


def test_sba_charge_offs_match_pandas():
    ledger = load_ledger(SBA / "sba_7a_2000.csv", columns=SBA / "sba_7a.toml", snapshots="annual")
    assert ledger.currency == "USD"
    f = ledger.frame

    raw = pd.read_csv(SBA / "sba_7a_2000.csv", dtype={"LoanNr_ChkDgt": str})
    raw = raw[raw["MIS_Status"].notna() & raw["DisbursementDate"].notna()]
    disbursed = pd.to_datetime(raw["DisbursementDate"], format="%m/%d/%Y")
    charged = raw["MIS_Status"] == "CHGOFF"
    charge_date = pd.to_datetime(raw["ChgOffDate"].where(charged), format="%d-%b-%y")
    end = max(disbursed.max(), charge_date.max())
    last_year = end.year if (end.month, end.day) == (12, 31) else end.year - 1
    amount = raw["ChgOffPrinGr"].where(charged)
    loss_by_year = amount.groupby(charge_date.dt.year).sum()
    loss_by_year = loss_by_year[loss_by_year.index <= last_year]
    written_by_year = amount.groupby(charge_date.dt.year + 1).sum()
    written_by_year = written_by_year[written_by_year.index <= last_year]

    year = f["as_of"].dt.year
    loss = f[(f["five_category"] == "loss") & (f["balance"] > 0)].groupby(year)["balance"].sum()
    written = f.groupby(year)["write_off"].sum()
    written = written[written > 0]
    pd.testing.assert_series_equal(loss, loss_by_year, check_names=False, check_index_type=False)
    pd.testing.assert_series_equal(written, written_by_year[written_by_year > 0], check_names=False,
                                   check_index_type=False)
    assert int((f["write_off"] > 0).sum()) == int((charged & (charge_date.dt.year + 1 <= last_year)
                                                   & (amount > 0)).sum())
    assert f["as_of"].max() == pd.Timestamp(last_year, 12, 31)
