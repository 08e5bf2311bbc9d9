"""NPL trend: OLS of the annual NPL ratio on the year (METRICS.md, "Statistics")."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm

from ..metrics.table import Metrics, Skipped
from ..snapshots import annual_series as annual_series_of

MIN_POINTS = 3  # the contract's "≥ 3 annual snapshots": with two points a line has no error term


def annual_series(series: pd.Series) -> pd.Series:
    """The last value of each calendar year of a series indexed by as_of (the annual series)."""
    return annual_series_of(series.dropna())


def _row(metric: str, as_of: pd.Timestamp, value: float, unit: str) -> dict[str, object]:
    return {"metric": metric, "as_of": as_of, "dimension": None, "segment": None,
            "value": value, "unit": unit}


def npl_trend(metrics: Metrics) -> Metrics:
    """Slope of the annual portfolio npl_ratio per year, its 95% CI and p-value, as tidy rows.

    Rows: npl_trend_slope (ratio_per_year), npl_trend_slope_ci_low / _ci_high, npl_trend_pvalue,
    all at the last annual snapshot. Fewer than three annual values → a Skipped record.
    """
    s = annual_series(metrics.series("npl_ratio"))
    if len(s) < MIN_POINTS:
        return Metrics.concat([], [Skipped(
            "npl_trend_slope", "three annual snapshots",
            f"NPL trend needs npl_ratio at {MIN_POINTS} or more annual snapshots; found {len(s)}",
            "snapshots", {"needed": MIN_POINTS, "found": len(s)})])
    years = pd.DatetimeIndex(s.index).year.to_numpy(dtype="float64")
    x = sm.add_constant(years - years.mean())  # centred: a well-conditioned design
    y = s.to_numpy(dtype="float64")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        fit = sm.OLS(y, x).fit()
        slope = float(fit.params[1])
        low, high = (float(v) for v in np.asarray(fit.conf_int(0.05))[1])
        pvalue = float(fit.pvalues[1])
    if not np.isfinite(fit.bse[1]) or fit.bse[1] == 0.0:
        # an exact line: no residual error, so the slope is certain (p = 0 unless the slope is 0)
        low = high = slope
        pvalue = 0.0 if slope != 0.0 else 1.0
    when = pd.Timestamp(s.index.max())
    rows = [
        _row("npl_trend_slope", when, slope, "ratio_per_year"),
        _row("npl_trend_slope_ci_low", when, low, "ratio_per_year"),
        _row("npl_trend_slope_ci_high", when, high, "ratio_per_year"),
        _row("npl_trend_pvalue", when, pvalue, "probability"),
    ]
    return Metrics.concat([pd.DataFrame(rows)])
