"""`mcr analyze` end to end on a small simulated ledger: outputs, exit codes, atomicity, anonymity, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.sample.export import export_bank_ledger
from microcredit_risk.sample.simulate import simulate

OUTPUTS = ["findings.json", "metrics.json", "metrics.xlsx", "models.json", "report.docx", "report.html",
           "report.md", "run.json", "validation.json", "watchlist.csv", "watchlist.xlsx"]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("ledger")
    sample = simulate("village_bank", seed=3, loans=400)
    path = export_bank_ledger(sample, folder / "village.xlsx")
    profile = folder / "village.toml"
    profile.write_text(sample.profile_toml(), encoding="utf-8")
    return Path(path), profile


@pytest.fixture(scope="module")
def run(ledger, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "first"
    result = CliRunner().invoke(app, ["analyze", str(ledger[0]), "--profile", str(ledger[1]), "--out", str(out), "--dpi", "60"])
    assert result.exit_code == 0, result.output
    return out


def test_writes_every_output(run):
    names = sorted(p.name for p in run.iterdir() if p.is_file())
    assert names == OUTPUTS
    pngs = sorted(p.stem for p in (run / "figures").glob("*.png"))
    assert "npl_trend" in pngs and len(pngs) >= 10
    assert {p.stem for p in (run / "figures").glob("*.svg")} == set(pngs)
    assert not [p for p in run.parent.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_numbers_agree_across_outputs(run):
    metrics = json.loads((run / "metrics.json").read_text("utf-8"))
    findings = json.loads((run / "findings.json").read_text("utf-8"))
    table = {(r["metric"], r["as_of"], r["dimension"], r["segment"]): r["value"] for r in metrics["metrics"]}
    checked = 0
    for f in findings["findings"]:
        for e in f["evidence"]:
            key = (e["metric"], e["as_of"], e.get("dimension"), e.get("segment"))
            if key in table:
                assert e["value"] == pytest.approx(table[key]), key
                checked += 1
    assert checked > 0


def test_fail_on_gives_exit_3_and_quiet_prints_nothing(ledger, tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["analyze", str(ledger[0]), "--profile", str(ledger[1]), "--out", str(out), "--dpi", "60",
                                      "--fail-on", "low", "--quiet"], env={"MCR_PROGRESS": "lines"})
    findings = json.loads((out / "findings.json").read_text("utf-8"))["findings"]
    assert findings, "the village-bank sample should raise findings"
    assert result.exit_code == 3
    assert result.stdout == "" and result.stderr == ""


def test_same_input_same_bytes_and_anonymize(ledger, run, tmp_path):
    again = tmp_path / "again"
    assert CliRunner().invoke(app, ["analyze", str(ledger[0]), "--profile", str(ledger[1]), "--out",
                                    str(again), "-q", "--dpi", "60"]).exit_code == 0
    for name in OUTPUTS + ["figures/npl_trend.svg", "figures/npl_trend.png"]:
        assert (again / name).read_bytes() == (run / name).read_bytes(), name
    # an existing run folder is replaced whole; an unrelated folder is refused
    anon = again
    said = CliRunner().invoke(app, ["analyze", str(ledger[0]), "--profile", str(ledger[1]), "--out", str(anon),
                                    "--anonymize", "--dpi", "60"], env={"MCR_PROGRESS": "lines"})
    assert said.exit_code == 0
    stages = [line for line in said.stderr.splitlines() if line.endswith("…")]   # MCR_PROGRESS=lines: one a stage
    assert stages[0] == "reading ledger…" and "computing metrics…" in stages and "diagnosing…" in stages
    import pandas as pd

    from microcredit_risk.ledger.load import load_ledger

    names = set(load_ledger(ledger[0]).frame["customer_name"].dropna()) | \
        set(load_ledger(ledger[0]).frame["customer_id"].dropna())
    text = "".join((anon / n).read_text("utf-8") for n in OUTPUTS if n.endswith((".json", ".md", ".html", ".csv")))
    leaked = [n for n in names if len(str(n)) >= 4 and str(n) in text]
    assert leaked == []
    assert pd.notna(names)  # the ledger did have names to hide


def test_refuses_to_overwrite_a_folder_that_is_not_a_run(ledger, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.docx").write_text("precious")
    result = CliRunner().invoke(app, ["analyze", str(ledger[0]), "--out", str(tmp_path / "mine"), "-q"])
    assert result.exit_code == 1 and "not an earlier mcr run" in result.stderr
    assert (tmp_path / "mine" / "thesis.docx").read_text() == "precious"


def test_usage_errors_exit_2(ledger):
    assert CliRunner().invoke(app, ["analyze", str(ledger[0]), "--fail-on", "severe"]).exit_code == 2
    assert CliRunner().invoke(app, ["analyze"]).exit_code == 2
    assert CliRunner().invoke(app, ["analyze", str(ledger[0]), "--no-such-option"]).exit_code == 2


def test_report_rerenders_in_english_without_recomputing(run, tmp_path):
    out = tmp_path / "en"
    result = CliRunner().invoke(app, ["report", str(run), "--lang", "en", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    md = (out / "report.md").read_text("utf-8")
    assert "NPL" in md and (out / "report.html").exists() and (out / "report.docx").exists()
