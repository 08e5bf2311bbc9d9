"""`mcr validate --explain` (issue 12, item 4): per column the source header, the conversion used and
sample values before → after, recorded while reading (``Ledger.conversions``)."""

from __future__ import annotations

from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.ledger.explain import ColumnExplain
from microcredit_risk.ledger.load import load_ledger


def _ledger(tmp_path):
    data, cmap = tmp_path / "2023.csv", tmp_path / "map.toml"
    data.write_text("借据号,客户号,贷款余额(万元),五级分类,Opened,Term\n"
                    "L1,C1,1.5,正常,2019,12\nL2,C2,2,关注,2020,6\nL3,C3,0.25,正常,2019,24\n"
                    "L4,C4,3,次级,2021,1\nL5,C5,1,2,2022,1\nL6,C6,1,1,2022,1\n", "utf-8")
    cmap.write_text('[columns]\n"Opened" = "origination_date"\n[formats]\n"Opened" = "year"\n'
                    '[derive]\nmaturity_date = "Opened + months(Term)"\n', "utf-8")
    return data, cmap


def test_conversions_name_header_conversion_and_samples(tmp_path):
    data, cmap = _ledger(tmp_path)
    by = {c.canonical: c for c in load_ledger(data, columns=cmap).conversions}
    assert by["balance"] == ColumnExplain(str(data), "balance", "贷款余额(万元)", "amount × 10000",
                                          (("1.5", "15000"), ("2", "20000"), ("0.25", "2500"), ("3", "30000"),
                                           ("1", "10000")))
    assert by["origination_date"].conversion == "date, format year"
    assert by["origination_date"].samples[:2] == (("2019", "2019-12-31"), ("2020", "2020-12-31"))
    assert by["five_category"].samples[-2:] == (("2", "special_mention"), ("1", "normal"))
    assert by["maturity_date"].header == "[derive] maturity_date"
    assert by["maturity_date"].conversion == "derived: Opened + months(Term)"
    assert by["maturity_date"].samples[0] == ("2020-12-31", "2020-12-31")
    assert by["as_of"] == ColumnExplain(str(data), "as_of", "(file name)", "date from the file name",
                                        ((str(data), "2023-12-31"),))


def test_validate_explain_prints_the_table(tmp_path):
    data, cmap = _ledger(tmp_path)
    result = CliRunner().invoke(app, ["validate", str(data), "--columns", str(cmap), "--explain"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Explain: how each column was read" in out
    line = next(ln for ln in out.splitlines() if "贷款余额(万元)" in ln and "amount × 10000" in ln)
    assert "1.5 → 15000" in line
