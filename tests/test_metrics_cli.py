"""`mcr metrics` on the hand-built fixture ledger, written out as a canonical CSV and read by the real loader."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from metrics_fixture import W, ledger_frame
from openpyxl import load_workbook
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.sample.export import export_canonical_csv


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return export_canonical_csv(ledger_frame(), tmp_path / "ledger.csv")


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    p = tmp_path / "bank.toml"
    p.write_text('[bank]\nlanguage = "en"\n[bank.net_capital]\n2021 = 50_000_000\n', "utf-8")
    return p


def run(ledger: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["metrics", str(ledger), *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_to_stdout(ledger: Path, profile: Path) -> None:
    code, out, _ = run(ledger, "--profile", str(profile), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["ledger"]["files"] == [str(ledger)] and doc["ledger"]["rows"] == 19
    scc = [r for r in doc["metrics"] if r["metric"] == "single_customer_concentration"]
    assert [(r["as_of"], r["value"]) for r in scc] == [("2021-12-31", pytest.approx(600 * W / 50_000_000))]


def test_csv_filtered(ledger: Path, tmp_path: Path) -> None:
    target = tmp_path / "m.csv"
    code, out, _ = run(ledger, "--format", "csv", "--metric", "npl_ratio", "--metric", "balance",
                       "--dimension", "industry", "--snapshot", "2021-12-31", "--out", str(target))
    assert code == 0 and out == ""
    frame = pd.read_csv(io.StringIO(target.read_text("utf-8")))
    assert set(frame["metric"]) == {"npl_ratio", "balance"} and set(frame["dimension"]) == {"industry"}
    assert sorted(frame.loc[frame["metric"] == "balance", "value"]) == [350 * W, 950 * W]


def test_xlsx_needs_out_and_writes(ledger: Path, tmp_path: Path) -> None:
    code, _, err = run(ledger, "--format", "xlsx")
    assert code == 2 and err == "mcr: error: --out: --format xlsx writes a file: give --out FILE [E606]\n"
    target = tmp_path / "out" / "m.xlsx"
    code, _, _ = run(ledger, "--format", "xlsx", "--out", str(target), "--lang", "en")
    assert code == 0 and "Asset quality at each year end" in load_workbook(target).sheetnames
    assert [p.name for p in target.parent.iterdir()] == ["m.xlsx"]  # no temporary left behind


def test_unknown_names_list_the_valid_ones(ledger: Path) -> None:
    code, _, err = run(ledger, "--metric", "npl_rate")
    assert code == 2 and err.startswith("mcr: error: --metric: unknown metric npl_rate; valid names: loans, ")
    assert "npl_ratio" in err and err.endswith(" [E701]\n")
    code, _, err = run(ledger, "--dimension", "branch", "-q")
    assert code == 1 and err.startswith("mcr: error: no dimension 'branch' in this ledger; valid: ")
    assert "industry" in err
    code, _, err = run(ledger, "--snapshot", "2020-12-31", "-q")
    assert code == 1 and err.startswith("mcr: error: no snapshot 2020-12-31; snapshots: ") and "2023-12-31" in err


def test_table_for_people(ledger: Path, profile: Path) -> None:
    code, out, err = run(ledger, "--profile", str(profile))
    assert code == 0
    assert "NPL ratio" in out and "15.38%" in out          # language from the profile
    assert "skipped single_group_concentration" in err     # 2022/2023 have no net capital
    code, out, _ = run(ledger, "--lang", "zh", "--dimension", "industry", "--metric", "npl_ratio")
    assert code == 0 and "行业" in out and "57.14%" in out  # A: 200/350
