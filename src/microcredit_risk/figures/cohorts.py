"""Cohorts and people: vintage default curves and the loan-officer funnel plot."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy.stats import norm

from ..metrics.table import Metrics
from ..profile import default_thresholds
from ..stats.results import Statistics
from .base import FigureOptions, MissingInput, figure, legend_above, new_figure, pct, percent_axis
from .style import BLUE, DARK, GREEN, GREY, LABEL_BOX, ORANGE, PURPLE, SKY, VERMILION
from .texts import common


def vintage_curves(metrics: Metrics) -> dict[str, pd.Series]:
    """Per origination year: years on book (as_of.year − cohort year, index) → vintage_default_rate."""
    rows = metrics.select("vintage_default_rate", "vintage").dropna(subset=["value"])
    curves: dict[str, pd.Series] = {}
    for cohort, grp in rows.groupby("segment", sort=True):
        try:
            year = int(str(cohort))
        except ValueError:
            continue
        age = grp["as_of"].dt.year.to_numpy() - year
        s = pd.Series(grp["value"].to_numpy(), index=age).sort_index()
        curves[str(cohort)] = s[~s.index.duplicated(keep="last")]
    return curves


COHORT_STYLES = tuple((c, m) for m in ("o", "s", "^", "D") for c in (BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE, DARK))
OLD_CLIP = 1.5    # old cohorts above 1.5 × the young cohorts' highest rate leave the axis (marked at its top)


def vintage_top(curves: dict[str, pd.Series]) -> float:
    """The y-axis top, set by the younger half of the cohorts: the old cohorts are few survivors whose
    rate would flatten every young curve; they are cut at the top, their final rate printed there."""
    names = sorted(curves)
    young = names[len(names) // 2:]
    young_top = max(float(np.nanmax(curves[c].to_numpy())) for c in young)
    all_top = max(float(np.nanmax(s.to_numpy())) for s in curves.values())
    if young_top > 0 and all_top > OLD_CLIP * young_top:
        return young_top * 1.3
    return all_top * 1.1 if all_top > 0 else 0.01


MAX_COHORTS = 12      # more origination years than this: the latest 12 (a 30-year tape has 30 legend rows)
MAX_AGE_TICKS = 16    # more years on book than this: every k-th labelled


def shown_ages(curves: dict[str, pd.Series], top: float) -> int:
    """The oldest age at which something is drawn inside the axes (a point at or below ``top``, or a
    cut cohort's mark): the x-axis ends there, not at the old cohorts' invisible tails."""
    ages = [int(a) for s in curves.values() for a in s.index[s.to_numpy() <= top]]
    ages += [int(s.index[s.to_numpy() > top][0]) for s in curves.values() if (s.to_numpy() > top).any()]
    return max(ages) if ages else 0


@figure("vintage")
def vintage(metrics: Metrics, stats: Statistics | None, opts: FigureOptions) -> Figure:
    """Cumulative default rate against years on book, one line per origination year (colour and marker
    both differ); the legend beside the axes, where it covers no curve."""
    t = opts.texts
    curves = vintage_curves(metrics)
    if not curves:
        raise MissingInput("metric vintage_default_rate", "no vintage_default_rate (needs origination_date)")
    total = len(curves)
    if total > MAX_COHORTS:
        curves = {c: curves[c] for c in sorted(curves)[-MAX_COHORTS:]}
    title = t.title("vintage") + ("\n" + t.text("cohorts_truncated", shown=MAX_COHORTS, total=total).strip()
                                  if total > MAX_COHORTS else "")
    fig = new_figure(opts, title, height_cm=9.0 + 0.4 * title.count("\n"))
    ax = fig.add_subplot()
    top = vintage_top(curves)
    cut = 0   # cut cohorts' marks stack downwards, so two leaving at the same age do not overlap
    for i, (cohort, s) in enumerate(curves.items()):
        colour, marker = COHORT_STYLES[i % len(COHORT_STYLES)]
        ax.plot(s.index, s.to_numpy(), marker=marker, color=colour, label=t.label("cohort", year=cohort))
        above = s[s > top]
        if not above.empty:   # the curve leaves the axis: a mark at the top with its final rate
            ax.annotate(f"↑ {pct(float(s.iloc[-1]))}", (float(above.index[0]), top), textcoords="offset points",
                        xytext=(0, -2 - 9 * cut), ha="center", va="top", fontsize=6.5, color=colour, bbox=LABEL_BOX)
            cut += 1
    ax.set_xlabel(t.label("years_on_book"))
    ax.set_ylabel(t.label("default_rate"))
    last = shown_ages(curves, top)
    step = max(1, -(-(last + 1) // MAX_AGE_TICKS))
    ax.set_xticks(list(range(0, last + 1, step)))
    ax.set_xlim(-0.5, last + 0.5)
    ax.set_ylim(0, top)
    percent_axis(ax.yaxis)
    # beside the axes from their top (a figure legend would sit level with the title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize=7)
    return fig


def officer_table(metrics: Metrics) -> pd.DataFrame:
    """loans and npl_count_ratio per officer at the latest as_of where both exist."""
    loans = metrics.select("loans", "loan_officer").dropna(subset=["value"])
    if loans.empty:
        return pd.DataFrame(columns=["loans", "npl_count_ratio"])
    when = loans["as_of"].max()
    out = pd.DataFrame({"loans": metrics.segments("loans", "loan_officer", as_of=when),
                        "npl_count_ratio": metrics.segments("npl_count_ratio", "loan_officer", as_of=when)})
    out = out.dropna()
    out = out[out["loans"] > 0]
    out.attrs["as_of"] = when
    return out


def pooled_rate(metrics: Metrics, officers: pd.DataFrame) -> float:
    """The portfolio's npl_count_ratio at that as_of; else the loan-weighted mean of the officers' rows."""
    p = metrics.get("npl_count_ratio", as_of=officers.attrs["as_of"])
    if p is not None:
        return p
    return float((officers["npl_count_ratio"] * officers["loans"]).sum() / officers["loans"].sum())


def control_limits(p: float, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Normal-approximation binomial limits p ± z·√(p(1−p)/n), clipped to [0, 1]."""
    z = float(norm.ppf(1 - (1 - level) / 2))
    half = z * np.sqrt(p * (1 - p) / n)
    return np.clip(p - half, 0, 1), np.clip(p + half, 0, 1)


def funnel_range(loans: pd.Series) -> tuple[float, float]:
    """The loans axis fitted to the officers (8 % of their spread either side, never below 0): with
    every officer at 120–200 loans an axis from 0 would leave the left two thirds empty."""
    lo, hi = float(loans.min()), float(loans.max())
    pad = 0.08 * (hi - lo) if hi > lo else 0.1 * max(hi, 1.0)
    return max(0.0, lo - pad), hi + pad


FLAG_CODE = "OFFICER_OUTLIERS"   # the finding whose officers the funnel marks


@figure("officer_funnel")
def officer_funnel(metrics: Metrics, stats: Statistics | None, opts: FigureOptions) -> Figure:
    """NPL count ratio against loans per officer with binomial control limits; the officers the
    OFFICER_OUTLIERS finding names are marked and labelled (``fig.flagged`` lists them)."""
    t = opts.texts
    table = officer_table(metrics)
    if table.empty:
        raise MissingInput("metric loans by loan_officer", "no loans by loan_officer (needs loan_officer)")
    p = pooled_rate(metrics, table)
    fig = new_figure(opts, t.title("officer_funnel"), height_cm=10.0)
    ax = fig.add_subplot()
    x_lo, x_hi = funnel_range(table["loans"])
    grid = np.linspace(max(1.0, x_lo), x_hi, 200)
    for level, style in zip(common()["funnel_levels"], ("--", ":"), strict=False):
        lo, hi = control_limits(p, grid, float(level))
        label = t.label("control_limit", level=pct(float(level), 1 if level * 1000 % 10 else 0))
        ax.plot(grid, hi, color=GREY, linestyle=style, linewidth=1, label=label)
        ax.plot(grid, lo, color=GREY, linestyle=style, linewidth=1)
    ax.axhline(p, color=DARK, linewidth=0.9, label=t.text("pooled_rate", value=pct(p, 2)))
    line = {k: opts.threshold(k) or default_thresholds()[k] for k in ("hotspot_alpha", "hotspot_factor")}
    flagged = opts.named(FLAG_CODE, "loan_officer")
    is_flag = table.index.isin(flagged)
    ax.scatter(table.loc[~is_flag, "loans"], table.loc[~is_flag, "npl_count_ratio"], s=16, color=BLUE,
               alpha=0.8, label=t.dimension("loan_officer"), zorder=3)
    if is_flag.any():
        marked = table.loc[is_flag]
        ax.scatter(marked["loans"], marked["npl_count_ratio"], s=30, color=VERMILION, marker="D", zorder=4,
                   label=t.label("flagged", alpha=f"{line['hotspot_alpha']:g}", factor=line["hotspot_factor"]))
        for k, (name, row) in enumerate(marked.sort_values("loans").iterrows()):
            ax.annotate(str(name), (row["loans"], row["npl_count_ratio"]), textcoords="offset points",
                        xytext=(6, 4 + 8 * (k % 2)), fontsize=7, color=VERMILION)
    ax.set_xlabel(t.label("officer_loans"))
    ax.set_ylabel(t.metric("npl_count_ratio"))
    ax.set_xlim(x_lo, x_hi)
    top = max(float(table["npl_count_ratio"].max()), p * 2) * 1.15
    ax.set_ylim(0, top if top > 0 else 0.01)   # a book with no NPL yet: 0–1 %, not a singular 0–0 axis
    percent_axis(ax.yaxis)
    handles, labels = ax.get_legend_handles_labels()
    legend_above(ax, handles, labels, ncol=3)
    fig.flagged = sorted(str(n) for n in table.index[is_flag])  # type: ignore[attr-defined]
    return fig
