"""The driver model's sample from the engine, stratified past ``model_sample_max``.

Hand-computed on a tiny ledger: which loan-periods there are, how many each stratum keeps, which
ones (the smallest md5 of "loan_id|year|seed", recomputed here with hashlib), their weights, and
that the weights of a stratum add up to its population exactly. The same sample on DuckDB and on
Spark (local mode; skipped without pyspark or Java). The weighted fit, its sandwich errors, and
what models.json and the report say about the sample.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import closing

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from report_sample import make_catalogue, make_run
from stats_fixtures import canonical, simulated_panel

from microcredit_risk.engine import DuckDBBackend
from microcredit_risk.engine.spark import SparkBackend
from microcredit_risk.metrics.prepare import prepare
from microcredit_risk.metrics.rows import register_rows
from microcredit_risk.profile import BankProfile
from microcredit_risk.report.context import build_context
from microcredit_risk.report.render import render_text
from microcredit_risk.report.run_folder import statistics_from_json
from microcredit_risk.stats.drivers import fit_driver_model
from microcredit_risk.stats.export import driver_model_text, models_json
from microcredit_risk.stats.logit import auc_ks, fit_firth, sandwich_se
from microcredit_risk.stats.results import SampleStratum, Statistics
from microcredit_risk.stats.sample import allocate, model_sample

pytestmark = pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")   # pyspark 4.0 on pandas 3
LOW = BankProfile(overrides={"model_sample_max": 20})
SEED = 14   # thresholds.toml model_sample_seed


LOANS = [f"A{i:02d}" if i % 9 else f"贷{i:02d}" for i in range(43)]   # some ids not ASCII: md5 of UTF-8


def tiny() -> pd.DataFrame:
    """In ledger order (as_of, loan_id). Year ends 2021–2023 and a mid-year snapshot. Period 2022: 43 loans at risk, 3 become NPL;
    period 2023: 27, 2 NPL. Not at risk: X1 (NPL at t0), X2 (gone at t1), X3 (no balance at t1),
    X4 (no balance at t0, gone after); A00 NPL in 2022 is not at risk in 2023; A10's second row
    in 2021 is the same loan again (its first row counts); the June rows are not a year end."""
    ids = LOANS
    rows = []
    for i, loan in enumerate(ids):
        rows.append(("2021-12-31", loan, "special_mention" if i % 5 == 0 else "normal", 100.0, 1000.0 + i))
        rows.append(("2022-12-31", loan, "substandard" if i < 3 else "normal", 90.0, 2000.0 + i))
        if 3 <= i < 30:
            rows.append(("2023-12-31", loan, "doubtful" if i < 5 else "normal", 80.0, 3000.0 + i))
    rows += [("2023-12-31", ids[0], "loss", 80.0, 3000.0), ("2021-12-31", ids[10], "normal", 5.0, 9.0),
             ("2022-06-30", ids[5], "loss", 95.0, 1500.0), ("2022-06-30", ids[6], "normal", 95.0, 1500.0),
             ("2021-12-31", "X1", "loss", 50.0, 1.0), ("2022-12-31", "X1", "loss", 50.0, 1.0),
             ("2021-12-31", "X2", "normal", 50.0, 1.0),
             ("2021-12-31", "X3", "normal", 50.0, 1.0), ("2022-12-31", "X3", "normal", 0.0, 1.0),
             ("2021-12-31", "X4", "normal", 0.0, 1.0), ("2022-12-31", "X4", "normal", 40.0, 1.0)]
    f = pd.DataFrame(rows, columns=["as_of", "loan_id", "five_category", "balance", "amount"])
    f["customer_id"] = f["loan_id"]
    f["guarantee_type"] = np.where(f["amount"] % 2 == 0, "credit", "mortgage")
    return canonical(f.sort_values(["as_of", "loan_id"], kind="stable", ignore_index=True))


def draw(frame: pd.DataFrame, backend, profile: BankProfile = LOW):
    register_rows(prepare(frame, profile.thresholds), backend)
    dtypes = {str(c): t for c, t in frame.dtypes.items()}
    return model_sample(backend, dtypes, ["guarantee_type", "amount"], profile.thresholds)


def first_by_md5(ids: list[str], year: int, n: int) -> set[str]:
    return set(sorted(ids, key=lambda i: (hashlib.md5(f"{i}|{year}|{SEED}".encode()).hexdigest()))[:n])


def test_allocate_by_hand() -> None:
    # events (5) fit: whole; non-events share 20 − 5 = 15 less one row per stratum: 13 · 40/65 = 8, 13 · 25/65 = 5
    assert allocate({(1, 0): 40, (1, 1): 3, (2, 0): 25, (2, 1): 2}, 20, 0.5) == {
        (1, 0): 8, (1, 1): 3, (2, 0): 5, (2, 1): 2}
    # events (20) exceed half the limit: both outcomes get 10, less 2: 8 · 12/20 = 4, 8 · 8/20 = 3; 8 · 30/50 = 4, 8 · 20/50 = 3
    assert allocate({(1, 0): 30, (1, 1): 12, (2, 0): 20, (2, 1): 8}, 20, 0.5) == {
        (1, 0): 4, (1, 1): 4, (2, 0): 3, (2, 1): 3}
    # a stratum too small for its share keeps one row: 96 · 3/1003 < 1
    assert allocate({(1, 0): 1000, (1, 1): 1, (2, 0): 3, (2, 1): 1}, 100, 0.5) == {
        (1, 0): 95, (1, 1): 1, (2, 0): 1, (2, 1): 1}
    # few non-events: the events may take what they leave free, 20 − 4 = 16, less one row for their stratum
    assert allocate({(0, 0): 4, (0, 1): 30}, 20, 0.5) == {(0, 0): 4, (0, 1): 15}


def test_the_stratified_sample_by_hand() -> None:
    frame = tiny()
    with closing(DuckDBBackend()) as backend:
        s = draw(frame, backend)
    assert s.sampled is not None and (s.sampled.population, s.sampled.sample, s.sampled.limit) == (70, 18, 20)
    assert s.sampled.strata == [
        SampleStratum("2022", False, 40, 8, 0.2, 5.0), SampleStratum("2022", True, 3, 3, 1.0, 1.0),
        SampleStratum("2023", False, 25, 5, 0.2, 5.0), SampleStratum("2023", True, 2, 2, 1.0, 1.0)]
    data = s.data.assign(y=s.y, w=s.weights)
    counts = data.groupby(["period", "y"], observed=True)["w"].agg(["size", "sum"])
    assert counts.to_dict("index") == {("2022", 0.0): {"size": 8, "sum": 40.0}, ("2022", 1.0): {"size": 3, "sum": 3.0},
                                       ("2023", 0.0): {"size": 5, "sum": 25.0}, ("2023", 1.0): {"size": 2, "sum": 2.0}}
    kept = {p: set(data.loc[(data["period"] == p) & (data["y"] == 0), "loan_id"]) for p in ("2022", "2023")}
    assert kept["2022"] == first_by_md5(LOANS[3:], 2022, 8)
    assert kept["2023"] == first_by_md5(LOANS[5:30], 2023, 5)
    assert set(data.loc[data["y"] == 1, "loan_id"]) == set(LOANS[:5])
    # in ledger order of the t0 row, with that row's covariates (amount 1000 + i in 2021, 2000 + i in 2022)
    assert list(data["period"]) == ["2022"] * 11 + ["2023"] * 7
    for block in (data["loan_id"].iloc[:11], data["loan_id"].iloc[11:]):
        assert list(block) == sorted(block)
    i = np.array([LOANS.index(str(x)) for x in data["loan_id"]])
    assert np.array_equal(data["amount"].to_numpy(), np.where(data["period"] == "2022", 1000.0, 2000.0) + i)
    assert s.periods == 2 and data["five_category"].dtype == frame["five_category"].dtype


def test_below_the_limit_every_loan_period_unweighted() -> None:
    with closing(DuckDBBackend()) as backend:
        s = draw(tiny(), backend, BankProfile())
    assert s.sampled is None and s.weights is None and len(s.y) == 70 and s.y.sum() == 5
    a10 = s.data.index[(s.data["loan_id"] == "A10") & (s.data["as_of"] == pd.Timestamp("2021-12-31"))]
    assert list(s.data.loc[a10, "amount"]) == [1010.0]   # its first 2021 row; the second is the same loan


def test_a_single_snapshot_is_stratified_by_outcome() -> None:
    frame = tiny()
    frame = frame[frame["as_of"] == pd.Timestamp("2021-12-31")]   # 47 stock rows with a grade, 1 NPL (X1)
    with closing(DuckDBBackend()) as backend:
        s = draw(frame, backend, BankProfile(overrides={"model_sample_max": 10}))
    assert s.periods == 0 and "period" not in s.data
    assert s.sampled is not None and [(x.period, x.npl, x.population, x.sample) for x in s.sampled.strata] == [
        ("2021", False, 46, 8), ("2021", True, 1, 1)]   # non-events: 9 of room less 1 stratum row = 8


@pytest.mark.parametrize("profile", [LOW, BankProfile()], ids=["sampled", "whole"])
def test_spark_draws_the_same_sample(spark: SparkBackend, profile: BankProfile) -> None:
    frame = tiny()
    with closing(DuckDBBackend()) as backend:
        want = draw(frame, backend, profile)
    got = draw(frame, spark, profile)
    pd.testing.assert_frame_equal(got.data, want.data)
    assert np.array_equal(got.y, want.y) and got.sampled == want.sampled
    assert (got.weights is None and want.weights is None) or np.array_equal(got.weights, want.weights)


def test_weighted_fits_equal_fits_on_repeated_rows() -> None:
    rng = np.random.default_rng(2)
    n = 400
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.random(n) < 0.3])
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1.5 + X[:, 1] + X[:, 2])))).astype("float64")
    w = rng.integers(1, 4, n).astype("float64")
    rep = np.repeat(np.arange(n), w.astype(int))
    firth_w, firth_rep = fit_firth(X, y, sw=w), fit_firth(X[rep], y[rep])
    assert firth_w is not None and firth_rep is not None
    np.testing.assert_allclose(firth_w.params, firth_rep.params, rtol=1e-7)
    assert auc_ks(y, X[:, 1], w) == pytest.approx(auc_ks(y[rep], X[rep, 1]), rel=1e-12)
    # the sandwich is statsmodels' GLM with var_weights and HC0 errors
    glm = sm.GLM(y, X, family=sm.families.Binomial(), var_weights=w).fit(cov_type="HC0")
    np.testing.assert_allclose(sandwich_se(X, y, w, np.asarray(glm.params)), np.asarray(glm.bse), rtol=1e-8)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return simulated_panel(per_period=3000, seed=5)


def test_past_the_limit_the_model_fits_weighted_and_says_so(panel: pd.DataFrame, tmp_path) -> None:
    full = fit_driver_model(panel)
    m = fit_driver_model(panel, profile=BankProfile(overrides={"model_sample_max": 3000}))
    assert full.sampled is None and m.fitted and m.sampled is not None
    assert (m.sampled.population, m.sampled.sample) == (6000, m.n) and m.n <= 3000
    assert m.events == full.events                      # every event kept: they fit in half the limit
    assert sum(s.population for s in m.sampled.strata) == 6000
    by = {t.term: t for t in full.terms}
    for t in m.terms:                                    # the same model, estimated from fewer rows
        se = (np.log(t.ci_high) - np.log(t.ci_low)) / (2 * 1.959964)
        assert abs(t.coef - by[t.term].coef) < 3 * se, t.term
    record = json.loads(models_json(Statistics(driver_model=m)))["driver_model"]
    assert record["sampled"]["population"] == 6000 and len(record["sampled"]["strata"]) == 4
    assert "sampled" not in json.loads(models_json(Statistics(driver_model=full)))["driver_model"]
    back = statistics_from_json(json.loads(models_json(Statistics(driver_model=m))))
    assert back.driver_model is not None and back.driver_model.sampled == m.sampled
    assert "stratified (period × outcome), " + f"{m.n} of 6000 loan-periods" in driver_model_text(m)
    run = make_run(tmp_path / "run")
    run.statistics = Statistics(driver_model=m)
    zh = render_text(build_context(run, "zh", make_catalogue()), "md")
    en = render_text(build_context(run, "en", make_catalogue()), "md")
    n = f"{m.n:,d}"
    assert f"fitted on a stratified sample of {n} of 6,000 loan-periods" in en
    assert "weighted by stratum population ÷ stratum sample, with robust (sandwich) standard errors" in en
    assert f"分层抽取的{n}个贷款期上拟合" in zh and "贷款期共6,000个" in zh and "MD5" in zh
    assert en.count("stratified sample of") == 2            # the statistics and the methodology sections
    run.statistics = Statistics(driver_model=full)
    assert "stratified" not in render_text(build_context(run, "en", make_catalogue()), "md")
