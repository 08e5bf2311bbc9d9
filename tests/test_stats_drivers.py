import numpy as np
import pandas as pd
import pytest
from stats_fixtures import TRUE, canonical, simulated_panel, single_snapshot

from microcredit_risk.errors import AnalysisError
from microcredit_risk.profile import BankProfile
from microcredit_risk.stats.drivers import fit_driver_model
from microcredit_risk.stats.logit import auc_ks
from microcredit_risk.stats.results import Fallback

NO_MERGE = BankProfile(overrides={"model_rare_share": 0.0, "model_rare_events": 0.0})


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return simulated_panel()


def test_known_coefficients_fall_inside_their_95pct_ci(panel):
    m = fit_driver_model(panel)
    assert m.fitted and m.method == "logit" and m.reason is None
    assert m.formula == "npl ~ C(guarantee_type) + log(amount) + C(period)"
    assert m.reference == {"guarantee_type": "mortgage", "period": "2021"}
    assert m.n == 60_000   # every loan performing at t0 is matched at t1
    terms = {t.term: t for t in m.terms}
    assert set(terms) == set(TRUE)
    for name, beta in TRUE.items():
        t = terms[name]
        assert t.ci_low <= np.exp(beta) <= t.ci_high, (name, beta, t)
        assert np.isclose(t.odds_ratio, np.exp(t.coef))
    assert 0.5 < m.auc < 1 and 0 < m.ks < 1 and 0 < m.pseudo_r2 < 1


def test_formula_with_extra_column_not_an_identifier(panel):
    rng = np.random.default_rng(3)
    frame = panel.assign(**{"风险 分担": rng.random(len(panel))})
    m = fit_driver_model(frame, 'npl ~ C(guarantee_type) + log(amount) + Q("风险 分担")')
    assert m.fitted
    names = [t.term for t in m.terms]
    assert "风险 分担" in names
    assert m.formula.startswith('npl ~ C(guarantee_type) + log(amount) + Q("风险 分担")')
    # a pure-noise column: its CI contains OR = 1 for this seed
    noise = next(t for t in m.terms if t.term == "风险 分担")
    assert noise.ci_low < 1 < noise.ci_high


@pytest.mark.parametrize("formula, message", [
    ("npl ~ C(guarantee_type) + nonsense", "unknown column 'nonsense'; available columns:"),
    ("default ~ log(amount)", "left side of the formula must be 'npl'"),
    ("npl ~ guarantee_type:amount", "unsupported term"),
    ("npl ~ log(amount", "unclosed"),
    ("log(amount)", "npl ~ term"),
])
def test_bad_formula_raises_analysis_error(panel, formula, message):
    with pytest.raises(AnalysisError, match="^.*" + message.replace("(", r"\(").replace(")", r"\)")) as info:
        fit_driver_model(panel, formula)
    assert "\n" not in str(info.value)


def test_unknown_column_message_lists_available(panel):
    with pytest.raises(AnalysisError) as info:
        fit_driver_model(panel, "npl ~ nonsense")
    assert "guarantee_type" in str(info.value) and "amount" in str(info.value)


def test_level_with_all_npl_falls_back_to_firth():
    grades = ["substandard"] * 40 + ["normal"] * 300 + ["substandard"] * 30
    guarantee = ["pledge"] * 40 + ["mortgage"] * 150 + ["credit"] * 150 + ["mortgage"] * 15 + ["credit"] * 15
    frame = single_snapshot(grades, guarantee)
    m = fit_driver_model(frame, profile=NO_MERGE)
    assert m.fitted and m.method == "penalised logit (Firth)" and m.reason is None
    assert m.fallbacks == [Fallback("firth_separation", "quasi-separation: all or none NPL in "
                                    "guarantee_type[pledge]: Firth-penalised fit", {"terms": ["guarantee_type[pledge]"]})]
    pledge = next(t for t in m.terms if t.term == "guarantee_type[pledge]")
    assert np.isfinite(pledge.coef) and pledge.coef > 2   # large, but finite


def test_rare_levels_without_npl_are_merged_by_default_then_penalised():
    grades = ["normal"] * 40 + ["normal"] * 280 + ["substandard"] * 30
    guarantee = (["pledge"] * 20 + ["bill"] * 20 + ["mortgage"] * 150 + ["credit"] * 130
                 + ["mortgage"] * 15 + ["credit"] * 15)
    m = fit_driver_model(single_snapshot(grades, guarantee))
    assert m.fitted and [f.kind for f in m.fallbacks] == ["merged_levels", "firth_separation"]
    merged, firth = m.fallbacks
    assert merged.params == {"factor": "guarantee_type", "levels": ["bill", "pledge"], "into": "other"}
    assert merged.reason == "rare levels of guarantee_type merged into 'other': bill, pledge"
    assert firth.params == {"terms": ["guarantee_type[other]"]}


def test_a_lone_rare_level_keeps_its_name():
    grades = ["normal"] * 40 + ["normal"] * 280 + ["substandard"] * 30
    guarantee = ["pledge"] * 40 + ["mortgage"] * 150 + ["credit"] * 130 + ["mortgage"] * 15 + ["credit"] * 15
    m = fit_driver_model(single_snapshot(grades, guarantee))
    assert [(f.kind, f.params) for f in m.fallbacks] == [("firth_separation", {"terms": ["guarantee_type[pledge]"]})]


def test_numeric_perfect_separation_never_crashes():
    n = 400
    frame = single_snapshot(["normal"] * n)
    order = frame["amount"].rank().to_numpy()
    frame["five_category"] = pd.Series(np.where(order > 350, "doubtful", "normal")).astype(frame["five_category"].dtype)
    m = fit_driver_model(frame, "npl ~ log(amount)")
    assert m.fitted and m.method == "penalised logit (Firth)"
    assert [f.kind for f in m.fallbacks] == ["firth_not_converged", "not_converged"]
    assert m.fallbacks[0].reason == ("maximum-likelihood fit did not converge (likely quasi-separation): "
                                     "Firth-penalised fit")
    assert m.auc == 1.0 and m.ks == 1.0


@pytest.mark.parametrize("npl", [0, 1])
def test_zero_or_one_event_gives_reason(npl):
    grades = ["substandard"] * npl + ["normal"] * (200 - npl)
    m = fit_driver_model(single_snapshot(grades))
    assert not m.fitted and m.terms == []
    assert m.reason == f"too few events (NPL outcomes): {npl} among 200 loans (need at least 10)"


def test_single_snapshot_models_npl_at_that_snapshot():
    rng = np.random.default_rng(11)
    grades = list(np.where(rng.random(600) < 0.2, "loss", "normal"))
    m = fit_driver_model(single_snapshot(grades))
    assert m.fitted and "period" not in m.formula and m.n == 600 and m.events == grades.count("loss")


def test_collinear_columns_are_dropped_and_named(panel):
    frame = panel.assign(twice=np.log(panel["amount"]) * 2.0)
    m = fit_driver_model(frame, "npl ~ log(amount) + twice")
    assert m.fitted and m.fallbacks == [Fallback("collinear_dropped", "collinear columns left out: twice",
                                                 {"terms": ["twice"]})]
    assert "twice" not in [t.term for t in m.terms]


def test_no_matched_loans_gives_reason():
    frame = canonical(pd.DataFrame({
        "as_of": ["2022-12-31", "2023-12-31"], "loan_id": ["A", "B"], "customer_id": ["c", "c"],
        "guarantee_type": ["credit", "credit"], "amount": [1.0, 1.0], "balance": [1.0, 1.0],
        "five_category": ["normal", "normal"]}))
    m = fit_driver_model(frame)
    assert not m.fitted and m.n == 0
    assert m.reason.startswith("no loan to model (NPL at t1 for loans performing at t0")


def test_auc_and_ks_by_hand():
    # positives at scores .35 and .8, negatives at .1 and .4: of the 4 pairs, 3 are ordered → AUC .75;
    # cumulative shares at .1, .35, .4, .8: positives 0, .5, .5, 1; negatives .5, .5, 1, 1 → KS .5
    auc, ks = auc_ks(np.array([0.0, 0.0, 1.0, 1.0]), np.array([0.1, 0.4, 0.35, 0.8]))
    assert auc == pytest.approx(0.75) and ks == pytest.approx(0.5)
    # a tie between a positive and a negative counts one half
    auc, _ = auc_ks(np.array([0.0, 1.0]), np.array([0.5, 0.5]))
    assert auc == pytest.approx(0.5)
