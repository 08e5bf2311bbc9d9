"""`mcr metrics` with the ledger loader replaced by the hand-built fixture (the reader is tested elsewhere)."""

from __future__ import annotations

import io
import json
import sys
import types
from pathlib import Path

import pandas as pd
import pytest
from metrics_fixture import W, ledger_frame
from openpyxl import load_workbook
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.ledger.canonical import Ledger, SourceInfo

CALLS: list[dict] = []


def _fake_load_ledger(paths: list[Path], columns: Path | None = None, as_of: str | None = None) -> Ledger:
    CALLS.append({"paths": paths, "columns": columns, "as_of": as_of})
    return Ledger(frame=ledger_frame(), sources=[SourceInfo("ledger.xlsx", None, 1, 19, "column")])


@pytest.fixture(autouse=True)
def fake_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("microcredit_risk.ledger.load")
    module.load_ledger = _fake_load_ledger  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "microcredit_risk.ledger.load", module)
    CALLS.clear()


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    p = tmp_path / "bank.toml"
    p.write_text('[bank]\nlanguage = "en"\n[bank.net_capital]\n2021 = 50_000_000\n', "utf-8")
    return p


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["metrics", *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_to_stdout(profile: Path) -> None:
    code, out, _ = run("ledger.xlsx", "--profile", str(profile), "--format", "json", "--as-of", "2021-12-31")
    assert code == 0
    assert CALLS[0]["as_of"] == "2021-12-31" and CALLS[0]["paths"] == [Path("ledger.xlsx")]
    doc = json.loads(out)
    assert doc["ledger"]["files"] == ["ledger.xlsx"] and doc["ledger"]["rows"] == 19
    scc = [r for r in doc["metrics"] if r["metric"] == "single_customer_concentration"]
    assert [(r["as_of"], r["value"]) for r in scc] == [("2021-12-31", pytest.approx(600 * W / 50_000_000))]


def test_csv_filtered(tmp_path: Path) -> None:
    target = tmp_path / "m.csv"
    code, out, _ = run("ledger.xlsx", "--format", "csv", "--metric", "npl_ratio", "--metric", "balance",
                       "--dimension", "industry", "--snapshot", "2021-12-31", "--out", str(target))
    assert code == 0 and out == ""
    frame = pd.read_csv(io.StringIO(target.read_text("utf-8")))
    assert set(frame["metric"]) == {"npl_ratio", "balance"} and set(frame["dimension"]) == {"industry"}
    assert sorted(frame.loc[frame["metric"] == "balance", "value"]) == [350 * W, 950 * W]


def test_xlsx_needs_out_and_writes(tmp_path: Path) -> None:
    code, _, err = run("ledger.xlsx", "--format", "xlsx")
    assert code == 1 and "--out" in err
    target = tmp_path / "m.xlsx"
    code, _, _ = run("ledger.xlsx", "--format", "xlsx", "--out", str(target), "--lang", "en")
    assert code == 0 and "Asset quality" in load_workbook(target).sheetnames
    assert [p.name for p in tmp_path.iterdir()] == ["m.xlsx"]  # no temporary left behind


def test_unknown_names_list_the_valid_ones() -> None:
    code, _, err = run("ledger.xlsx", "--metric", "npl_rate")
    assert code == 1 and "unknown metric npl_rate" in err and "npl_ratio" in err
    code, _, err = run("ledger.xlsx", "--dimension", "branch")
    assert code == 1 and "unknown dimension 'branch'" in err and "industry" in err
    code, _, err = run("ledger.xlsx", "--snapshot", "2020-12-31")
    assert code == 1 and "2023-12-31" in err


def test_table_for_people(profile: Path) -> None:
    code, out, err = run("ledger.xlsx", "--profile", str(profile))
    assert code == 0
    assert "NPL ratio" in out and "15.38%" in out          # language from the profile
    assert "skipped single_group_concentration" in err     # 2022/2023 have no net capital
    code, out, _ = run("ledger.xlsx", "--lang", "zh", "--dimension", "industry", "--metric", "npl_ratio")
    assert code == 0 and "行业" in out and "57.14%" in out  # A: 200/350
