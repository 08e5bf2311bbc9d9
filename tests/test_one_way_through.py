"""The same ledger gives the same numbers whatever the command: every command goes through the Session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.pipeline import Session

# No five_category column: grades come from days past due and the classification floor. With the
# default floor (substandard from 91 days) only L4 is NPL: 100 / 400 = 0.25. The profile moves the
# substandard floor to 30 days, so L3 (45 days) is NPL too: 200 / 400 = 0.50.
LEDGER = """as_of,loan_id,customer_id,balance,days_past_due
2023-12-31,L1,C1,100,0
2023-12-31,L2,C2,100,0
2023-12-31,L3,C3,100,45
2023-12-31,L4,C4,100,100
"""
PROFILE = "[thresholds]\nfloor_days_substandard = 30\n"


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    ledger, profile = tmp_path / "ledger.csv", tmp_path / "bank.toml"
    ledger.write_text(LEDGER, "utf-8")
    profile.write_text(PROFILE, "utf-8")
    return ledger, profile


def _npl(doc: dict) -> float:
    [row] = [r for r in doc["metrics"] if r["metric"] == "npl_ratio" and r["dimension"] is None]
    return float(row["value"])


def test_the_floor_from_the_profile_moves_the_npl_ratio_in_the_library(files: tuple[Path, Path]) -> None:
    ledger, profile = files
    assert Session([ledger]).metrics.get("npl_ratio") == pytest.approx(0.25)
    assert Session([ledger], profile=profile).metrics.get("npl_ratio") == pytest.approx(0.50)


def test_metrics_json_equals_the_runs_metrics_json(files: tuple[Path, Path], tmp_path: Path) -> None:
    ledger, profile = files
    printed = CliRunner().invoke(app, ["metrics", str(ledger), "--profile", str(profile), "-f", "json", "-q"])
    assert printed.exit_code == 0, printed.stderr
    run = CliRunner().invoke(app, ["analyze", str(ledger), "--profile", str(profile), "--out",
                                   str(tmp_path / "run"), "--dpi", "50", "-q"])
    assert run.exit_code == 0, run.stderr
    written = (tmp_path / "run" / "metrics.json").read_text("utf-8")
    assert printed.stdout == written
    assert _npl(json.loads(written)) == pytest.approx(0.50)


def test_statistics_rows_are_in_the_printed_table(tmp_path: Path) -> None:
    from metrics_fixture import ledger_frame

    from microcredit_risk.sample.export import export_canonical_csv

    ledger = export_canonical_csv(ledger_frame(), tmp_path / "three_years.csv")
    doc = json.loads(CliRunner().invoke(app, ["metrics", str(ledger), "-f", "json", "-q"]).stdout)
    names = {r["metric"] for r in doc["metrics"]}
    assert {"npl_trend_slope", "projected_npl_ratio"} <= names


def test_each_stage_is_computed_once(files: tuple[Path, Path]) -> None:
    ledger, profile = files
    said: list[str] = []
    s = Session([ledger], profile=profile, progress=said.append)
    assert s.metrics is s.metrics and s.findings is s.findings and s.ledger is s.ledger
    _ = s.statistics
    assert said == ["reading ledger", "computing metrics", "fitting statistics", "diagnosing"]


def test_validate_and_metrics_read_the_same_ledger(files: tuple[Path, Path]) -> None:
    ledger, profile = files
    doc = json.loads(CliRunner().invoke(app, ["validate", str(ledger), "--profile", str(profile),
                                               "-f", "json"]).stdout)
    assert doc["rows"] == 4 and doc["snapshots"] == ["2023-12-31"]
