"""The driver model in the user's units: a formula takes columns as the ledger holds them, the default
model's rates enter in percentage points and say so everywhere, fallbacks are recorded and reported,
and AUC / KS do not move when the linear predictor picks up last-bit noise."""

from __future__ import annotations

import json
import tomllib
from importlib import resources

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from report_sample import make_catalogue, make_run
from scipy.special import expit
from stats_fixtures import canonical, single_snapshot
from typer.testing import CliRunner

from microcredit_risk.cli.app import app
from microcredit_risk.profile import BankProfile
from microcredit_risk.report.context import build_context
from microcredit_risk.report.render import render_text
from microcredit_risk.sample.export import export_canonical_csv
from microcredit_risk.stats.drivers import fit_driver_model
from microcredit_risk.stats.export import driver_model_text, models_json
from microcredit_risk.stats.logit import auc_ks
from microcredit_risk.stats.results import FALLBACK_KINDS, NOT_FITTED_KINDS, DriverModel, Fallback, Statistics

PUBLISHED = -2.9875   # a paper's coefficient on risk_share_ratio, per 1.0 of the fraction
RATE = 0.25           # log-odds per percentage point of interest rate


def _ledger(n: int = 20_000, seed: int = 29) -> pd.DataFrame:
    """One snapshot whose NPL outcome is drawn from a logit in risk_share_ratio and interest_rate (fractions)."""
    rng = np.random.default_rng(seed)
    share = rng.uniform(0.0, 0.8, n)
    rate = rng.uniform(0.03, 0.09, n)
    guarantee = rng.choice(["mortgage", "credit"], n)
    log_amount = rng.normal(0.0, 1.0, n)
    eta = -2.0 + PUBLISHED * share + RATE * 100 * (rate - 0.06) + 0.5 * (guarantee == "credit") + 0.2 * log_amount
    npl = rng.random(n) < expit(eta)
    return canonical(pd.DataFrame({
        "as_of": "2023-12-31", "loan_id": [f"L{i}" for i in range(n)], "customer_id": [f"C{i}" for i in range(n)],
        "guarantee_type": guarantee, "amount": np.exp(log_amount), "balance": 100.0,
        "five_category": np.where(npl, "substandard", "normal"), "interest_rate": rate, "risk_share_ratio": share,
    }))


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    return _ledger()


def test_a_formula_takes_a_rate_as_the_ledger_holds_it(ledger):
    m = fit_driver_model(ledger, "npl ~ risk_share_ratio + log(amount)")
    share = next(t for t in m.terms if t.term == "risk_share_ratio")
    assert (share.scale, share.unit, share.label) == (1.0, None, "risk_share_ratio")
    # the same coefficient as statsmodels' own Logit on the raw column, and the published one inside its CI
    y = ledger["five_category"].eq("substandard").to_numpy(dtype="float64")
    X = np.column_stack([np.ones(len(ledger)), ledger["risk_share_ratio"], np.log(ledger["amount"])])
    reference = sm.Logit(y, X).fit(disp=0)
    assert share.coef == pytest.approx(reference.params[1], rel=1e-9)
    assert share.ci_low < np.exp(PUBLISHED) < share.ci_high
    assert -3.4 < share.coef < -2.6      # per 1.0 of the fraction, not per percentage point (≈ −0.03)


def test_the_default_model_enters_rates_in_pp_and_says_so(ledger):
    default = fit_driver_model(ledger)
    assert default.formula == "npl ~ C(guarantee_type) + log(amount) + interest_rate"
    as_held = fit_driver_model(ledger, default.formula)
    rate = next(t for t in default.terms if t.term == "interest_rate")
    raw = next(t for t in as_held.terms if t.term == "interest_rate")
    assert (rate.scale, rate.unit, rate.label) == (100.0, "pp", "interest_rate (per pp)")
    assert (raw.scale, raw.unit, raw.label) == (1.0, None, "interest_rate")
    assert rate.coef * 100 == pytest.approx(raw.coef, rel=1e-6)     # the same fit, read per pp
    assert rate.ci_low < np.exp(RATE) < rate.ci_high
    record = json.loads(models_json(Statistics(driver_model=default)))["driver_model"]
    terms = {t["term"]: t for t in record["terms"]}
    assert {k: terms["interest_rate"][k] for k in ("term", "label", "scale", "unit")} == {
        "term": "interest_rate", "label": "interest_rate (per pp)", "scale": 100.0, "unit": "pp"}
    assert {(t["term"], t["scale"], t["unit"]) for t in record["terms"] if t["term"] != "interest_rate"} == {
        ("Intercept", 1.0, None), ("guarantee_type[credit]", 1.0, None), ("log(amount)", 1.0, None)}
    lines = driver_model_text(default).splitlines()
    assert any(line.startswith("interest_rate (per pp)  ") for line in lines)
    assert "(per pp): a rate held as a fraction entered in percentage points (scale 100)" in lines


def test_the_report_and_forest_label_the_pp_term(ledger, tmp_path):
    from microcredit_risk.figures.forest import term_label
    from microcredit_risk.figures.texts import texts_for
    rate = next(t for t in fit_driver_model(ledger).terms if t.term == "interest_rate")
    assert term_label(rate.term, texts_for("zh"), rate.unit) == "执行利率（每个百分点）"
    assert term_label(rate.term, texts_for("en"), rate.unit) == "Interest rate (per pp)"
    assert term_label("interest_rate", texts_for("en")) == "Interest rate"
    run = make_run(tmp_path / "run")
    run.statistics = Statistics(driver_model=fit_driver_model(ledger))
    zh = render_text(build_context(run, "zh", make_catalogue()), "md")
    en = render_text(build_context(run, "en", make_catalogue()), "md")
    assert "| 执行利率（每个百分点） |" in zh and "| Interest rate (per pp) |" in en
    run.statistics = Statistics(driver_model=fit_driver_model(ledger, "npl ~ interest_rate + risk_share_ratio"))
    en = render_text(build_context(run, "en", make_catalogue()), "md")
    assert "| Interest rate |" in en and "| Risk-share ratio |" in en and "per pp" not in en


def test_separation_and_a_collinear_term_are_recorded_and_reported(tmp_path):
    grades = ["substandard"] * 40 + ["normal"] * 300 + ["substandard"] * 30
    guarantee = ["pledge"] * 40 + ["mortgage"] * 150 + ["credit"] * 150 + ["mortgage"] * 15 + ["credit"] * 15
    frame = single_snapshot(grades, guarantee)
    frame["twice"] = np.log(frame["amount"]) * 2.0
    no_merge = BankProfile(overrides={"model_rare_share": 0.0, "model_rare_events": 0.0})
    m = fit_driver_model(frame, "npl ~ C(guarantee_type) + log(amount) + twice", profile=no_merge)
    assert m.fitted and m.method == "penalised logit (Firth)" and m.reason is None
    assert m.fallbacks == [
        Fallback("collinear_dropped", "collinear columns left out: twice", {"terms": ["twice"]}),
        Fallback("firth_separation", "quasi-separation: all or none NPL in guarantee_type[pledge]: "
                 "Firth-penalised fit", {"terms": ["guarantee_type[pledge]"]}),
    ]
    assert json.loads(models_json(Statistics(driver_model=m)))["driver_model"]["fallbacks"] == [
        {"kind": "collinear_dropped", "reason": "collinear columns left out: twice", "params": {"terms": ["twice"]}},
        {"kind": "firth_separation", "reason": "quasi-separation: all or none NPL in guarantee_type[pledge]: "
         "Firth-penalised fit", "params": {"terms": ["guarantee_type[pledge]"]}},
    ]
    assert "fallback:   collinear columns left out: twice" in driver_model_text(m).splitlines()
    run = make_run(tmp_path / "run")
    run.statistics = Statistics(driver_model=m)
    zh = render_text(build_context(run, "zh", make_catalogue()), "md")
    en = render_text(build_context(run, "en", make_catalogue()), "md")
    assert "- 与其他变量完全共线、已剔除：twice\n" in zh
    assert "的贷款全部或全无转为不良（准完全分离），改用 Firth 惩罚似然估计\n" in zh
    assert "- collinear with the other terms and left out: twice\n" in en
    assert "became non-performing (quasi-separation): Firth penalised fit used\n" in en


def test_every_fallback_kind_is_worded_in_both_languages():
    text = resources.files("microcredit_risk").joinpath("data/report_text.toml").read_text("utf-8")
    words = tomllib.loads(text)["model_fallbacks"]
    assert sorted(words) == sorted(FALLBACK_KINDS)
    assert all(set(w) == {"zh", "en"} for w in words.values())


def test_every_not_fitted_kind_is_worded_in_both_languages():
    text = resources.files("microcredit_risk").joinpath("data/report_text.toml").read_text("utf-8")
    words = tomllib.loads(text)["model_not_fitted"]
    assert sorted(words) == sorted(NOT_FITTED_KINDS)
    assert all(set(w) == {"zh", "en"} for w in words.values())


def _not_fitted(tmp_path, model: DriverModel) -> tuple[str, str]:
    """The report's sentence on the model, in zh and in en."""
    run = make_run(tmp_path / "run")
    run.statistics = Statistics(driver_model=model)
    zh, en = (render_text(build_context(run, lang, make_catalogue()), "md") for lang in ("zh", "en"))
    return (next(line for line in zh.splitlines() if line.startswith("违约影响因素模型未能拟合")),
            next(line for line in en.splitlines() if line.startswith("The default-driver model did not fit")))


def test_why_the_model_did_not_fit_is_worded_in_both_languages(tmp_path):
    few = fit_driver_model(single_snapshot(["normal"] * 46 + ["substandard"] * 4))
    assert (few.fitted, few.reason_kind, few.reason_params) == (False, "few_events", {"k": 4, "n": 50, "minimum": 10})
    assert few.reason == "too few events (NPL outcomes): 4 among 50 loans (need at least 10)"
    assert json.loads(models_json(Statistics(driver_model=few)))["driver_model"]["reason_params"] == few.reason_params
    assert _not_fitted(tmp_path, few) == (
        "违约影响因素模型未能拟合：转为不良的贷款过少：50笔中只有4笔（至少需要10笔）",
        "The default-driver model did not fit: too few events (NPL outcomes): 4 among 50 loans (need at least 10)")
    lots = DriverModel("npl ~ 1", False, reason="too few non-events: 3 among 12,000 loans (need at least 10)",
                       reason_kind="few_non_events", reason_params={"k": 3, "n": 12_000, "minimum": 10})
    assert _not_fitted(tmp_path, lots) == (
        "违约影响因素模型未能拟合：未转为不良的贷款过少：12,000笔中只有3笔（至少需要10笔）",
        "The default-driver model did not fit: too few non-events: 3 among 12,000 loans (need at least 10)")
    none = fit_driver_model(single_snapshot(["normal"] * 30).drop(columns=["guarantee_type", "amount"]))
    assert (none.reason_kind, none.reason_params["columns"][:2]) == ("no_driver_column", ["guarantee_type", "industry"])
    assert _not_fitted(tmp_path, none) == (
        "违约影响因素模型未能拟合：台账中没有可作解释变量的列：担保方式、行业、产品、客户类型、贷款金额、发放日期、到期日期、"
        "执行利率、是否续贷均缺失或为空",
        "The default-driver model did not fit: no driver column in the ledger: guarantee type, industry, product, "
        "customer type, loan amount, origination date, maturity date, interest rate, renewal are all missing or empty")
    single = DriverModel("npl ~ x", False, reason="no loan to model (NPL at the single annual snapshot 2023-12-31)",
                         reason_kind="no_loan_single", reason_params={"as_of": "2023-12-31"})
    assert _not_fitted(tmp_path, single) == (
        "违约影响因素模型未能拟合：没有可建模的贷款（因变量为唯一年末时点2023年12月31日的不良状态）",
        "The default-driver model did not fit: no loan to model (NPL at the single annual snapshot 31 Dec 2023)")
    pooled = DriverModel("npl ~ x", False, reason="no loan to model (…)", reason_kind="no_loan_pooled",
                         reason_params={"periods": 4, "first": 2019, "last": 2023})
    assert _not_fitted(tmp_path, pooled) == (
        "违约影响因素模型未能拟合：没有可建模的贷款（因变量为期初未列入不良的贷款一年后是否转为不良，2019—2023年共4个年度期间合并）",
        "The default-driver model did not fit: no loan to model (NPL at t1 for loans performing at t0, annual periods: 4, "
        "2019–2023 pooled)")
    failed = DriverModel("npl ~ x", False, reason="perfect separation; the penalised fit failed too",
                         reason_kind="fit_failed", reason_params={"cause": "firth_perfect_separation",
                                                                  "cause_reason": "perfect separation", "cause_params": {}},
                         fallbacks=[Fallback("rows_left_out", "7 rows left out", {"count": 7})])
    assert _not_fitted(tmp_path, failed) == (
        "违约影响因素模型未能拟合：存在完全分离，改用 Firth 惩罚似然估计；但惩罚似然估计也未能完成；"
        "7笔贷款因数值缺失或非正（无法取对数）未纳入模型",
        "The default-driver model did not fit: perfect separation: Firth penalised fit used; the penalised fit failed "
        "too; 7 loans with a missing or non-positive numeric value left out")


def test_a_model_saved_before_reasons_had_kinds_reads_as_its_english(tmp_path):
    old = DriverModel("npl ~ x", False, reason="too few events (NPL outcomes): 4 among 50 loans (need at least 10)")
    later = DriverModel("npl ~ x", False, reason="a reason of a later version", reason_kind="not_a_kind_yet")
    assert _not_fitted(tmp_path, old) == (
        "违约影响因素模型未能拟合：too few events (NPL outcomes): 4 among 50 loans (need at least 10)",
        "The default-driver model did not fit: too few events (NPL outcomes): 4 among 50 loans (need at least 10)")
    assert _not_fitted(tmp_path, later)[0] == "违约影响因素模型未能拟合：a reason of a later version"


def test_cli_model_json_records_scale_and_formula_errors_carry_codes(tmp_path):
    frame = _ledger(n=2_000, seed=3)
    csv = export_canonical_csv(frame, tmp_path / "ledger.csv")
    runner = CliRunner()
    res = runner.invoke(app, ["model", str(csv), "--format", "json"])
    assert res.exit_code == 0, res.output
    terms = {t["term"]: t for t in json.loads(res.stdout)["driver_model"]["terms"]}
    assert (terms["interest_rate"]["label"], terms["interest_rate"]["scale"]) == ("interest_rate (per pp)", 100.0)
    out = tmp_path / "model.txt"
    res = runner.invoke(app, ["model", str(csv), "--formula", "npl ~ risk_share_ratio", "--out", str(out)])
    text = out.read_text("utf-8")
    assert res.exit_code == 0 and "\nrisk_share_ratio " in text and "(per pp)" not in text
    res = runner.invoke(app, ["model", str(csv), "--formula", "npl ~ amount*rate"])
    assert res.exit_code == 1
    assert res.stderr == ("mcr: error: unsupported term 'amount*rate' in the formula "
                          "(supported: C(col), log(col), col, Q(\"col name\")) [E405]\n")


def test_auc_and_ks_do_not_move_with_last_bit_noise():
    rng = np.random.default_rng(5)
    eta = rng.choice([-2.1, -0.3, 0.7, 1.9], 2_000)           # four covariate patterns: every score is a tie
    y = (rng.random(2_000) < expit(eta)).astype("float64")
    noisy = eta * (1.0 + 1e-15 * rng.standard_normal(2_000))
    assert len(np.unique(noisy)) > 4                            # the noise did break the ties bit-wise
    assert auc_ks(y, noisy) == auc_ks(y, eta)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-12, 12), st.booleans()), min_size=2, max_size=60),
       st.integers(0, 2**32 - 1))
def test_auc_and_ks_are_invariant_to_relative_noise_below_1e_15(cells, seed):
    score = np.array([k / 7.0 for k, _ in cells])
    y = np.array([float(b) for _, b in cells])
    noise = np.random.default_rng(seed).uniform(-1e-15, 1e-15, len(score))
    assert auc_ks(y, score * (1.0 + noise)) == auc_ks(y, score)
