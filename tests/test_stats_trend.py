import math

import pandas as pd
from scipy import stats
from stats_fixtures import rows

from microcredit_risk.metrics.table import Metrics
from microcredit_risk.stats.trend import annual_series, npl_trend

SERIES = {"2019-12-31": 0.020, "2020-12-31": 0.025, "2021-12-31": 0.027, "2022-12-31": 0.035,
          "2023-12-31": 0.038}


def _metrics(series: dict[str, float]) -> Metrics:
    return Metrics.concat([pd.DataFrame([rows("npl_ratio", d, v) for d, v in series.items()])])


def test_slope_of_hand_series_ignores_non_annual_snapshots():
    # 2023-06-30 is not the last snapshot of 2023, so its (wild) value must not enter the fit
    m = _metrics({**SERIES, "2023-06-30": 0.5, "2023-03-31": 0.4})
    out = npl_trend(m)
    # x − x̄ = −2..2, y − ȳ (ȳ = 0.029) = −.009, −.004, −.002, .006, .009 → Σ(x−x̄)(y−ȳ) = .046, Σ(x−x̄)² = 10
    assert math.isclose(out.get("npl_trend_slope"), 0.0046, rel_tol=1e-9)
    lr = stats.linregress([2019, 2020, 2021, 2022, 2023], list(SERIES.values()))
    assert math.isclose(out.get("npl_trend_pvalue"), lr.pvalue, rel_tol=1e-9)
    t = stats.t.ppf(0.975, 3)
    assert math.isclose(out.get("npl_trend_slope_ci_low"), 0.0046 - t * lr.stderr, rel_tol=1e-9)
    assert math.isclose(out.get("npl_trend_slope_ci_high"), 0.0046 + t * lr.stderr, rel_tol=1e-9)
    slope_row = out.select("npl_trend_slope")
    assert slope_row["unit"].tolist() == ["ratio_per_year"]
    assert slope_row["as_of"].tolist() == [pd.Timestamp("2023-12-31")]


def test_two_annual_snapshots_are_skipped_with_reason():
    out = npl_trend(_metrics({"2022-12-31": 0.02, "2023-06-30": 0.03, "2023-12-31": 0.03}))
    assert out.frame.empty
    assert [s.what for s in out.skipped] == ["npl_trend_slope"]
    assert "found 2" in out.skipped[0].reason


def test_exact_line_has_certain_slope():
    out = npl_trend(_metrics({"2021-12-31": 0.01, "2022-12-31": 0.02, "2023-12-31": 0.03}))
    assert math.isclose(out.get("npl_trend_slope"), 0.01, rel_tol=1e-9)
    assert out.get("npl_trend_pvalue") < 1e-9   # no residual error: the slope is (numerically) certain
    assert math.isclose(out.get("npl_trend_slope_ci_low"), 0.01, rel_tol=1e-6)


def test_annual_series_keeps_last_of_each_year():
    s = pd.Series([1.0, 2.0, 3.0], index=pd.to_datetime(["2022-06-30", "2022-12-31", "2023-03-31"]))
    assert annual_series(s).to_dict() == {pd.Timestamp("2022-12-31"): 2.0, pd.Timestamp("2023-03-31"): 3.0}
