"""Each command end to end through the real loader, on one small simulated ledger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pandas.testing import assert_frame_equal
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.ledger.load import load_ledger
from microcredit_risk.metrics.compute import compute_metrics
from microcredit_risk.profile import load_profile
from microcredit_risk.sample.export import export_bank_ledger, export_canonical_csv
from microcredit_risk.sample.simulate import simulate


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("e2e")
    sample = simulate("city_branch", seed=5, loans=300)
    # a bank's export holds amounts in 万元 to two decimals: give the canonical CSV the same precision
    for col in ("amount", "balance", "provision", "write_off"):
        sample.frame[col] = sample.frame[col].round(-2)
    xlsx = export_bank_ledger(sample, folder / "city.xlsx")
    csv = export_canonical_csv(sample.frame, folder / "city.csv")
    profile = folder / "city.toml"
    profile.write_text(sample.profile_toml(), encoding="utf-8")
    return {"xlsx": Path(xlsx), "csv": Path(csv), "profile": profile}


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_chinese_xlsx_and_canonical_csv_give_the_same_tidy_table(files):
    profile = load_profile(files["profile"])
    a = compute_metrics(load_ledger(files["csv"], profile=profile), profile).to_frame()
    b = compute_metrics(load_ledger(files["xlsx"], profile=profile), profile).to_frame()
    assert len(a) > 1000
    assert_frame_equal(a, b, check_exact=False, rtol=1e-9)


def test_validate_text_and_json(files):
    r = run("validate", files["xlsx"])
    assert r.exit_code == 0 and "Columns" in r.stdout and "借据号" in r.stdout and "loan_id" in r.stdout
    doc = json.loads(run("validate", files["xlsx"], "--format", "json").stdout)
    assert doc["schema"] == "mcr.validation/1" and len(doc["annual_snapshots"]) == 5
    assert {c["canonical"] for c in doc["columns"]} >= {"loan_id", "balance", "five_category"}


def test_schema_lists_every_canonical_column():
    doc = json.loads(run("schema", "--format", "json").stdout)
    names = [c["name"] for c in doc["columns"]]
    assert names[:3] == ["as_of", "loan_id", "customer_id"] and "risk_share_ratio" in names
    assert "贷款余额" in next(c for c in doc["columns"] if c["name"] == "balance")["aliases"]


def test_metrics_json_is_the_contract(files):
    r = run("metrics", files["csv"], "--profile", files["profile"], "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout, parse_constant=lambda c: pytest.fail(c))
    assert doc["schema"] == "mcr.metrics/1" and doc["ledger"]["rows"] > 0
    assert {"npl_ratio", "migration_rate", "hhi", "vintage_default_rate"} <= {m["metric"] for m in doc["metrics"]}


def test_model_fits_on_the_sample_and_takes_a_formula(files):
    r = run("model", files["csv"], "--format", "json")
    assert r.exit_code == 0, r.output
    model = json.loads(r.stdout)["driver_model"]
    assert model["fitted"] and model["n"] > 100 and 0.5 < model["auc"] <= 1
    r = run("model", files["csv"], "--formula", "npl ~ C(guarantee_type) + log(amount)")
    assert r.exit_code == 0 and "odds" in r.stdout.lower()
    r = run("model", files["csv"], "--formula", "npl ~ nonexistent_column")
    assert r.exit_code == 1 and "nonexistent_column" in r.stderr


def test_figures_writes_the_files_it_names(files, tmp_path):
    r = run("figures", files["csv"], "-o", tmp_path, "--only", "npl_trend", "--only", "category_mix",
            "--format", "png,svg", "--dpi", "60", "--lang", "en")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["category_mix.png", "category_mix.svg",
                                                          "npl_trend.png", "npl_trend.svg"]
    r = run("figures", files["csv"], "-o", tmp_path, "--only", "pie_chart")
    assert r.exit_code == 2 and "npl_trend" in r.stderr  # lists the valid names
