"""Amounts follow the ledger's currency ([ledger] currency of the column map) everywhere they are written."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from metrics_fixture import ledger_frame
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.figures.texts import texts_for
from microcredit_risk.findings.texts import format_value
from microcredit_risk.metrics.render import metrics_table
from microcredit_risk.metrics.table import Metrics
from microcredit_risk.pipeline import Session
from microcredit_risk.report.fmt import Formatter
from microcredit_risk.report.texts import Texts
from microcredit_risk.sample.export import export_canonical_csv


def test_report_money_in_dollars() -> None:
    assert Formatter(Texts("en"), currency="USD").money(1_500_000) == "USD 1.50 million"
    assert Formatter(Texts("zh"), currency="USD").money(1_500_000) == "150.00万美元"
    assert Formatter(Texts("zh"), currency="USD").money(250_000_000) == "2.50亿美元"
    assert Formatter(Texts("zh")).money(1_500_000) == "150.00万元"          # yuan unless told otherwise
    assert Formatter(Texts("en"), currency="USD").money_unit() == "USD million"


def test_figure_axes_and_finding_texts_in_dollars() -> None:
    assert texts_for("zh", "USD").money_scale(3e8) == (1e8, "亿美元")
    assert texts_for("en", "USD").money_scale(3e6) == (1e6, "USD million")
    assert texts_for("en", "XYZ").money_scale(10.0) == (1.0, "XYZ")        # an unknown code reads as itself
    assert format_value(2_270_000, "yuan", "en", "USD") == "USD 2.27 million"
    assert format_value(2_270_000, "yuan", "zh", "USD") == "227.00万美元"


def test_terminal_table_names_the_currency() -> None:
    frame = pd.DataFrame({"metric": ["balance"], "as_of": [pd.Timestamp("2023-12-31")], "dimension": [None],
                          "segment": [None], "value": [1e6], "unit": ["yuan"]})
    [panel] = metrics_table(Metrics.concat([frame]), "en", "USD")
    assert str(panel.title).endswith("(USD)")


def test_a_dollar_ledger_end_to_end(tmp_path: Path) -> None:
    ledger = export_canonical_csv(ledger_frame(), tmp_path / "ledger.csv")
    columns = tmp_path / "map.toml"
    columns.write_text('[ledger]\ncurrency = "USD"\n', "utf-8")
    assert Session([ledger], columns=columns).ledger.currency == "USD"
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["analyze", str(ledger), "--columns", str(columns), "--lang", "en", "--out", str(out),
                                      "--dpi", "50", "-q"])
    assert result.exit_code == 0, result.stderr
    report = (out / "report.md").read_text("utf-8")
    # every amount is in dollars; only the size buckets keep their yuan edges (METRICS.md defines them in yuan)
    assert re.search(r"USD [\d,.]+ million", report) and not re.search(r"CNY [\d,.]+ million|CNY million", report)
