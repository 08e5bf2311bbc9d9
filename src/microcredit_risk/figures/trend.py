"""Portfolio over the years: NPL trend, five-category mix, deviation ratio, NPL projection."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..ledger.contract import GRADES
from ..metrics.table import Metrics
from ..stats.results import Statistics
from .base import (
    MAX_YEAR_LABELS,
    FigureOptions,
    MissingInput,
    annual,
    clear_of,
    figure,
    legend_above,
    limit_line,
    money_axis,
    new_figure,
    pct,
    percent_axis,
    portfolio_series,
    ratio_twin,
    threshold_text,
    year_axis,
    year_positions,
)
from .peers import add_peers, peer_columns
from .style import BLUE, DARK, GRADE_COLOURS, GREY, LABEL_BOX, LIMIT_COLOUR, ORANGE, SKY, VERMILION


def _require(s: pd.Series, metric: str) -> pd.Series:
    if s.empty:
        raise MissingInput(f"metric {metric}", f"the metrics table has no portfolio {metric}")
    return s


@figure("npl_trend")
def npl_trend(metrics: Metrics, stats: Statistics | None, opts: FigureOptions) -> Figure:
    """Balance and NPL balance bars by year, NPL ratio on a twin axis, the NPL ratio limit."""
    t = opts.texts
    balance = _require(portfolio_series(metrics, "balance"), "balance")
    npl = portfolio_series(metrics, "npl_balance").reindex(balance.index)
    ratio = portfolio_series(metrics, "npl_ratio").reindex(balance.index)
    fig = new_figure(opts, t.title("npl_trend"))
    ax = fig.add_subplot()
    x = year_positions(balance.index)
    divisor, unit = t.money_scale(float(balance.abs().max()))
    w = 0.38
    b1 = ax.bar(x - w / 2, balance.to_numpy(), w, color=BLUE, label=t.metric("balance"))
    b2 = ax.bar(x + w / 2, npl.to_numpy(), w, color=ORANGE, label=t.metric("npl_balance"))
    shown = year_axis(ax, x, balance.index)
    ax.set_xlabel(t.text("year"))
    ax.set_ylabel(t.label("amount_axis", unit=unit))
    money_axis(ax.yaxis, divisor)
    ax2 = ratio_twin(ax, VERMILION)
    (line,) = ax2.plot(x, ratio.to_numpy(), color=VERMILION, marker="o", label=t.metric("npl_ratio"))
    values = [ax2.annotate(pct(v, 2), (xi, v), textcoords="offset points", xytext=(0, 5), ha="center",
                           fontsize=7, color=VERMILION, bbox=LABEL_BOX)
              for xi, v in zip(x, ratio.to_numpy(), strict=True) if np.isfinite(v) and xi in shown]
    handles, labels = [b1, b2, line], [t.metric("balance"), t.metric("npl_balance"), t.metric("npl_ratio")]
    limit = opts.threshold("npl_ratio_max")
    limit_label = None
    if limit is not None:
        lim, limit_label = limit_line(ax2, limit, LIMIT_COLOUR, threshold_text(limit))
        handles.append(lim)
        labels.append(t.limit("npl_ratio", threshold_text(limit)))
    top = np.nanmax([*ratio.to_numpy(), limit or 0.0])
    ax2.set_ylim(0, top * 1.3 if top > 0 else 0.01)
    ax2.set_ylabel(t.metric("npl_ratio"))
    percent_axis(ax2.yaxis)
    add_peers(ax2, ("npl_ratio",), opts, x, balance.index, handles, labels)
    add_peers(ax, ("balance", "npl_balance"), opts, x, balance.index, handles, labels)
    legend_above(ax, handles, labels, ncol=peer_columns(handles, labels))
    if limit_label is not None:
        clear_of(fig, limit_label, values)
    return fig


@figure("category_mix")
def category_mix(metrics: Metrics, stats: Statistics | None, opts: FigureOptions) -> Figure:
    """100 % stacked bars of the five grades' balance shares, one bar per year."""
    t = opts.texts
    rows = metrics.select("category_share").dropna(subset=["value"])
    if rows.empty:
        raise MissingInput("metric category_share", "the metrics table has no category_share")
    table = rows.pivot_table(index="as_of", columns="segment", values="value", aggfunc="first")
    table = table.loc[annual(pd.Series(0.0, index=table.index)).index].reindex(columns=[g for g in GRADES if g in table.columns])
    fig = new_figure(opts, t.title("category_mix"))
    ax = fig.add_subplot()
    x = year_positions(table.index)
    shown = year_axis(ax, x, table.index)
    bottom = np.zeros(len(table))
    for grade in table.columns:
        vals = table[grade].fillna(0.0).to_numpy()
        ax.bar(x, vals, 0.6, bottom=bottom, color=GRADE_COLOURS[grade], label=t.grade(grade),
               edgecolor="white", linewidth=0.4)
        for xi, b, v in zip(x.tolist(), bottom.tolist(), vals.tolist(), strict=True):
            if v >= 0.04 and len(x) <= MAX_YEAR_LABELS:
                ax.text(xi, b + v / 2, pct(v), ha="center", va="center", fontsize=6.5,
                        color="white" if grade in ("normal", "doubtful", "loss") else DARK)
        bottom += vals
    # the NPL grades are thin slices at this scale: print the NPL ratio above each bar
    npl = portfolio_series(metrics, "npl_ratio").reindex(table.index)
    if len(x) > MAX_YEAR_LABELS:   # too many bars for a label each: the latest only
        shown = {x[-1]}
    for xi, v in zip(x.tolist(), npl.to_numpy(dtype=float).tolist(), strict=True):
        if np.isfinite(v) and xi in shown:
            ax.text(xi, 1.01, t.label("npl_on_bar", value=pct(v, 2)), ha="center", va="bottom", fontsize=7,
                    color=GRADE_COLOURS["doubtful"])
    ax.set_xlabel(t.text("year"))
    ax.set_ylabel(t.metric("category_share"))
    ax.set_ylim(0, 1.07)
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    percent_axis(ax.yaxis)
    handles, labels = ax.get_legend_handles_labels()
    # beside the axes, from their top: a figure legend would sit level with the title
    ax.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    return fig


@figure("deviation")
def deviation(metrics: Metrics, stats: Statistics | None, opts: FigureOptions) -> Figure:
    """Overdue-90 balance against NPL balance by year; the deviation ratio and its supervisory line."""
    t = opts.texts
    od = _require(portfolio_series(metrics, "overdue90_balance"), "overdue90_balance")
    npl = _require(portfolio_series(metrics, "npl_balance"), "npl_balance").reindex(od.index)
    ratio = portfolio_series(metrics, "deviation_ratio").reindex(od.index)
    fig = new_figure(opts, t.title("deviation"))
    ax = fig.add_subplot()
    x = year_positions(od.index)
    divisor, unit = t.money_scale(float(np.nanmax([od.abs().max(), npl.abs().max()])))
    w = 0.38
    b1 = ax.bar(x - w / 2, od.to_numpy(), w, color=SKY, label=t.metric("overdue90_balance"))
    b2 = ax.bar(x + w / 2, npl.to_numpy(), w, color=ORANGE, label=t.metric("npl_balance"))
    shown = year_axis(ax, x, od.index)
    ax.set_xlabel(t.text("year"))
    ax.set_ylabel(t.label("amount_axis", unit=unit))
    money_axis(ax.yaxis, divisor)
    handles: list[Any] = [b1, b2]
    labels = [t.metric("overdue90_balance"), t.metric("npl_balance")]
    limit_label = None
    values: list[Any] = []
    if ratio.notna().any():
        ax2 = ratio_twin(ax, DARK)
        (line,) = ax2.plot(x, ratio.to_numpy(), color=DARK, marker="D", label=t.metric("deviation_ratio"))
        values = [ax2.annotate(f"{v:.0%}", (xi, v), textcoords="offset points", xytext=(0, 6), ha="center",
                               fontsize=7, color=DARK, bbox=LABEL_BOX)
                  for xi, v in zip(x, ratio.to_numpy(), strict=True) if np.isfinite(v) and xi in shown]
        handles.append(line)
        labels.append(t.metric("deviation_ratio"))
        line_at = opts.threshold("deviation_max")
        if line_at is not None:
            lim, limit_label = limit_line(ax2, line_at, LIMIT_COLOUR, f"{line_at:.0%}")
            handles.append(lim)
            labels.append(t.label("deviation_line", value=f"{line_at:.0%}"))
        top = np.nanmax([*ratio.to_numpy(), line_at or 0.0])
        ax2.set_ylim(0, top * 1.35 if top > 0 else 1.0)
        ax2.set_ylabel(t.metric("deviation_ratio"))
        percent_axis(ax2.yaxis)
        add_peers(ax2, ("deviation_ratio",), opts, x, od.index, handles, labels)
    add_peers(ax, ("overdue90_balance", "npl_balance"), opts, x, od.index, handles, labels)
    legend_above(ax, handles, labels, ncol=2)   # four long labels do not fit on one row in English
    if limit_label is not None:
        clear_of(fig, limit_label, values)
    return fig


@figure("projection")
def projection(metrics: Metrics, stats: Statistics | None, opts: FigureOptions) -> Figure:
    """NPL ratio history with the base and stress projections one year ahead (dashed connectors)."""
    t = opts.texts
    hist = _require(portfolio_series(metrics, "npl_ratio"), "npl_ratio")
    proj = _projected(metrics, stats)
    fig = new_figure(opts, t.title("projection"))
    ax = fig.add_subplot()
    (h,) = ax.plot(hist.index, hist.to_numpy(), color=BLUE, marker="o", label=t.label("history"))
    handles: list[Any] = [h]
    labels = [t.label("history")]
    last_t, last_v = hist.index[-1], float(hist.iloc[-1])
    # the higher scenario's value above its point, the lower one's below: close values never overprint
    top_scenario = max(proj, key=lambda k: proj[k][1]) if proj else None
    for scenario, colour, marker in (("base", SKY, "s"), ("stress", VERMILION, "^")):
        if scenario not in proj:
            continue
        when, v = proj[scenario]
        above = scenario == top_scenario or len(proj) == 1
        ax.plot(np.array([last_t, when], dtype="datetime64[ns]"), [last_v, v], color=colour, linestyle="--", linewidth=1.1)
        (p,) = ax.plot(np.array([when], dtype="datetime64[ns]"), [v], color=colour, marker=marker, markersize=7, linestyle="none",
                       label=t.label(scenario))
        ax.annotate(pct(v, 2), (when, v), textcoords="offset points", xytext=(8, 1 if above else -1),
                    va="bottom" if above else "top", fontsize=7.5, color=colour)
        handles.append(p)
        labels.append(t.label(scenario))
    thin = len(hist) > MAX_YEAR_LABELS
    for k, (stamp, v) in enumerate(zip(hist.index, hist.to_numpy(dtype=float), strict=True)):
        if thin and k < len(hist) - 1:
            continue   # only the latest actual value beside the projections
        ax.annotate(pct(v, 2), (stamp, v), textcoords="offset points", xytext=(0, 6), ha="center",
                    fontsize=7, color=BLUE, bbox=LABEL_BOX)
    limit = opts.threshold("npl_ratio_max")
    if limit is not None:
        # its value at the left end: the right end holds the projected values
        handles.append(limit_line(ax, limit, LIMIT_COLOUR, threshold_text(limit), linestyle=":", left=True)[0])
        labels.append(t.limit("npl_ratio", threshold_text(limit)))
    ticks = sorted({*pd.DatetimeIndex(hist.index), *(w for w, _ in proj.values())})
    year_axis(ax, ticks, ticks, fit=False)
    pad = pd.Timedelta(days=120)
    ax.set_xlim(ticks[0] - pad, ticks[-1] + pad * 2)
    top = np.nanmax([*hist.to_numpy(), *(v for _, v in proj.values()), limit or 0.0])
    ax.set_ylim(0, top * 1.25)
    ax.set_ylabel(t.metric("npl_ratio"))
    percent_axis(ax.yaxis)
    add_peers(ax, ("npl_ratio",), opts, list(hist.index), hist.index, handles, labels)
    legend_above(ax, handles, labels, ncol=peer_columns(handles, labels))
    # the assumptions behind the two points (stats/projection.py), one line each, where the axis
    # title would be: constrained layout keeps them on the canvas
    start = [d for d in hist.index if d < hist.index[-1]]
    factor = opts.threshold("stress_factor")
    basis = t.text("projection_basis", start=start[-1].year if start else "", end=hist.index[-1].year,
                   factor="–" if factor is None else f"{factor:g}")
    ax.set_xlabel(basis, fontsize=7, color=GREY, loc="left")
    return fig


def _projected(metrics: Metrics, stats: Statistics | None) -> dict[str, tuple[pd.Timestamp, float]]:
    """projected_npl_ratio by scenario (base, stress): (as_of, value), from metrics or the stats rows."""
    rows = metrics.select("projected_npl_ratio").dropna(subset=["value"])
    if rows.empty and stats is not None:
        rows = stats.metrics.select("projected_npl_ratio").dropna(subset=["value"])
    if rows.empty:
        raise MissingInput("metric projected_npl_ratio", "no projected_npl_ratio (needs two annual snapshots)")
    rows = rows[rows["as_of"] == rows["as_of"].max()]
    return {str(seg): (pd.Timestamp(when), float(v))
            for seg, when, v in zip(rows["segment"], rows["as_of"], rows["value"], strict=True)}
