import json

import numpy as np
import pandas as pd
import pytest
from stats_fixtures import rows, simulated_panel
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.ledger.contract import Ledger
from microcredit_risk.metrics.table import Metrics
from microcredit_risk.profile import BankProfile
from microcredit_risk.sample.export import export_canonical_csv
from microcredit_risk.stats.compute import compute_statistics
from microcredit_risk.stats.export import driver_model_text, models_json


def _metrics() -> Metrics:
    recs = [rows("npl_ratio", d, v) for d, v in
            {"2020-12-31": 0.02, "2021-12-31": 0.03, "2022-12-31": 0.05}.items()]
    recs += [rows("category_share", "2022-12-31", v, segment=g)
             for g, v in {"normal": 0.9, "special_mention": 0.05, "substandard": 0.05}.items()]
    recs += [rows("transition_share", "2022-12-31", v, dimension="normal", segment=g)
             for g, v in {"normal": 0.8, "substandard": 0.1, "exited": 0.1}.items()]
    return Metrics.concat([pd.DataFrame(recs)])


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    frame = simulated_panel(per_period=3000, seed=5)
    rng = np.random.default_rng(5)
    return frame.assign(industry=rng.choice(["C", "F", "G"], len(frame)).astype("str"))


def test_compute_statistics_runs_everything(panel):
    stats = compute_statistics(Ledger(frame=panel), _metrics(), BankProfile(overrides={"stress_factor": 2.0}))
    # trend: x − x̄ = −1, 0, 1; y = .02, .03, .05 → slope (.05 − .02)/2 = .015
    assert stats.metrics.get("npl_trend_slope") == pytest.approx(0.015)
    # projection: normal .9 → (.9, 0, .1) after exited → normal; sm and sub rows stay
    assert stats.metrics.get("projected_npl_ratio", segment="base") == pytest.approx(0.9 * 0.1 + 0.05)
    # stress ×2: normal row sub .2, diagonal .8
    assert stats.metrics.get("projected_npl_ratio", segment="stress") == pytest.approx(0.9 * 0.2 + 0.05)
    assert stats.metrics.skipped == [] and stats.skipped == []
    assert stats.driver_model is not None and stats.driver_model.fitted
    assert "C(industry)" in stats.driver_model.formula
    assert {t.dimension for t in stats.segment_tests} == {"industry", "guarantee_type"}
    assert {c.dimension for c in stats.chi_square} == {"industry", "guarantee_type"}
    assert all(c.as_of == "2022-12-31" for c in stats.chi_square)


def test_models_json_is_deterministic_and_has_no_nan(panel):
    one = models_json(compute_statistics(panel, _metrics(), None))
    two = models_json(compute_statistics(panel, _metrics(), None))
    assert one == two
    data = json.loads(one, parse_constant=lambda c: pytest.fail(f"non-finite {c} in JSON"))
    assert data["schema"] == "mcr.models/1"
    assert data["driver_model"]["terms"][0]["term"] == "Intercept"
    assert {r["metric"] for r in data["metrics"]} >= {"npl_trend_slope", "projected_npl_ratio"}


def test_unfitted_model_is_listed_as_skipped():
    frame = simulated_panel(per_period=50, seed=1)
    t1 = frame["as_of"] > frame["as_of"].min()
    frame.loc[t1, "five_category"] = "normal"
    frame.loc[frame.index[t1][:3], "five_category"] = "doubtful"      # 3 events: too few
    stats = compute_statistics(frame, Metrics(), None)
    assert not stats.driver_model.fitted
    whats = {s.what for s in stats.skipped}
    assert {"driver_model", "npl_trend_slope", "projected_npl_ratio"} <= whats
    json.loads(models_json(stats))


def test_text_summary_names_terms_and_reference(panel):
    stats = compute_statistics(panel, _metrics(), None)
    text = driver_model_text(stats.driver_model)
    assert "guarantee_type[credit]" in text and "reference levels: guarantee_type = mortgage" in text
    assert "AUC" in text and "odds ratio" in text


def test_cli_model_json_and_text(panel, tmp_path):
    """`mcr model` through the real loader: the simulated panel written out as a canonical CSV."""
    ledger = str(export_canonical_csv(panel, tmp_path / "panel.csv"))
    runner = CliRunner()
    res = runner.invoke(app, ["model", ledger, "--format", "json", "-q"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["driver_model"]["fitted"] is True
    out = tmp_path / "m.txt"
    res = runner.invoke(app, ["model", ledger, "--formula", "npl ~ log(amount)", "--out", str(out), "-q"])
    assert res.exit_code == 0 and "log(amount)" in out.read_text("utf-8")
    res = runner.invoke(app, ["model", ledger, "--formula", "npl ~ bogus", "-q"])
    assert res.exit_code == 1 and "unknown column 'bogus'" in res.stderr
