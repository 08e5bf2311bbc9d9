"""Portfolio structure by industry, guarantee type, product and region; customer concentration."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..metrics.table import Metrics
from ..stats.results import Statistics
from .base import (
    FigureFunc,
    FigureOptions,
    MissingInput,
    annual,
    figure,
    new_figure,
    pct,
    percent_axis,
    row_positions,
    threshold_text,
    year_axis,
    year_positions,
)
from .peers import add_peers
from .style import BLUE, DARK, GREEN, GREY, LABEL_BOX, LIMIT_COLOUR, ORANGE, PURPLE, VERMILION
from .texts import common

STRUCTURE_DIMENSIONS = ("industry", "guarantee_type", "product", "region")
# the findings whose named segments a structure chart marks (a hotspot, never a verdict of its own)
HOTSPOT_CODES = {"industry": ("INDUSTRY_HOTSPOT",), "guarantee_type": ("GUARANTEE_WEAKNESS",),
                 "product": ("PRODUCT_HOTSPOT",), "region": ("REGION_HOTSPOT",)}
ROW_EXTRA_LINE = 0.9   # rows of 0.45 cm, 0.4 cm more per wrapped line of a label (see the figure height)
LABEL_WIDTH = 36   # characters of a segment name per line (names without spaces never break)


def structure_table(metrics: Metrics, dimension: str) -> pd.DataFrame:
    """balance_share and npl_ratio per segment at the latest as_of, largest share first."""
    share = metrics.segments("balance_share", dimension).dropna()
    if share.empty:
        return pd.DataFrame(columns=["balance_share", "npl_ratio"])
    when = metrics.select("balance_share", dimension)["as_of"].max()
    ratio = metrics.segments("npl_ratio", dimension, as_of=when)
    out = pd.DataFrame({"balance_share": share, "npl_ratio": ratio.reindex(share.index)})
    out = out.sort_values("balance_share", ascending=False, kind="stable")
    out.attrs["as_of"] = when
    return out


OTHER = "\0other"   # the index of the row that pools the segments beyond the cap (no segment is named so)


def top_and_other(table: pd.DataFrame, cap: int) -> pd.DataFrame:
    """The ``cap`` largest segments and one row for the rest: their balance shares summed, their NPL
    ratio the balance-weighted mean of theirs (= the NPL ratio of their pooled balance)."""
    if len(table) <= cap:
        return table
    rest = table.iloc[cap:]
    share = float(rest["balance_share"].sum())
    known = rest.dropna()
    weight = float(known["balance_share"].sum())
    ratio = float((known["balance_share"] * known["npl_ratio"]).sum() / weight) if weight > 0 else np.nan
    other = pd.DataFrame({"balance_share": [share], "npl_ratio": [ratio]}, index=[OTHER])
    out = pd.concat([table.iloc[:cap], other])
    out.attrs = dict(table.attrs)
    return out


def _structure(dimension: str) -> FigureFunc:
    name = f"structure_{dimension}"

    @figure(name)
    def draw(metrics: Metrics, stats: Statistics | None, opts: FigureOptions) -> Figure:
        t = opts.texts
        table = structure_table(metrics, dimension)
        if table.empty:
            raise MissingInput(f"metric balance_share by {dimension}", f"no balance_share by {dimension}")
        cap = int(common()["structure_max_segments"])
        total = len(table)
        table = top_and_other(table, cap)
        # the truncation note on a line of its own: beside the title it runs off a 16 cm canvas
        title = t.title(name) + ("\n" + t.text("truncated", shown=cap, total=total).strip() if total > cap else "")
        # long names (the GB/T 4754 sections in English) wrap onto a second line, not into the plot
        labels = [textwrap.fill(t.value(dimension, s), LABEL_WIDTH, break_long_words=False) for s in table.index]
        if total > cap:
            labels[-1] = t.label("other_segments", n=total - cap)
        extra = sum(label.count("\n") for label in labels)
        fig = new_figure(opts, title, height_cm=4.5 + 0.45 * len(table) + 0.4 * extra + 0.4 * title.count("\n"))
        left, right = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [1.0, 1.0]})
        y = row_positions(labels, ROW_EXTRA_LINE)
        hot = table.index.isin([seg for code in HOTSPOT_CODES[dimension] for seg in opts.named(code, dimension)])
        left.barh(y, table["balance_share"].to_numpy(), 0.65, color=np.where(hot, VERMILION, BLUE).tolist())
        for yi, v in zip(y, table["balance_share"].to_numpy(), strict=True):
            left.text(v, yi, " " + pct(v), va="center", fontsize=6.5, color=DARK)
        left.set_yticks(y, labels)
        left.invert_yaxis()
        left.set_xlim(0, float(table["balance_share"].max()) * 1.25)
        left.set_xlabel(t.metric("balance_share"))
        percent_axis(left.xaxis)
        ratios = table["npl_ratio"].to_numpy(dtype=float)
        right.hlines(y, 0, np.nan_to_num(ratios), color=GREY, linewidth=0.6)
        right.scatter(ratios[~hot], y[~hot], s=22, color=ORANGE, zorder=3, label=t.metric("npl_ratio"))
        if hot.any():
            right.scatter(ratios[hot], y[hot], s=34, color=VERMILION, marker="D", zorder=4, label=t.label("hotspot"))
        for yi, v, h in zip(y, ratios, hot, strict=True):
            if np.isfinite(v):
                # boxed: the portfolio line behind a label close to it does not strike it through
                right.annotate(pct(v, 2), (v, yi), textcoords="offset points", xytext=(7 if h else 5, 0), va="center",
                               fontsize=6.5, color=VERMILION if h else DARK, bbox=LABEL_BOX)
        overall = metrics.get("npl_ratio", as_of=table.attrs["as_of"])
        if overall is not None:
            right.axvline(overall, color=VERMILION, linestyle="--", linewidth=1,
                          label=t.label("portfolio_npl_ratio", value=pct(overall, 2)))
        finite = ratios[np.isfinite(ratios)]
        right.set_xlim(0, max(float(finite.max()) if finite.size else 0.0, overall or 0.0) * 1.3 or 0.01)
        add_peers(right, ("npl_ratio",), opts, [], [table.attrs["as_of"]], vertical=True)
        right.set_xlabel(t.metric("npl_ratio"))
        right.tick_params(axis="y", left=False)
        percent_axis(right.xaxis)
        # right-aligned with the panel and one column when a hotspot adds a third entry: two columns of
        # three entries are wider than the panel, and constrained layout then pushes them off the canvas
        entries = len(right.get_legend_handles_labels()[0])
        right.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=1 if entries > 2 else 2, fontsize=7,
                     borderaxespad=0.2)
        fig.flagged = sorted(str(n) for n in table.index[hot])  # type: ignore[attr-defined]
        return fig

    draw.__name__ = draw.__qualname__ = name
    draw.__doc__ = f"Balance share (bars) and NPL ratio (dots) by {dimension}, latest as_of."
    return draw


structure_industry = _structure("industry")
structure_guarantee_type = _structure("guarantee_type")
structure_product = _structure("product")
structure_region = _structure("region")


def lorenz_curve(metrics: Metrics) -> pd.Series:
    """customer_lorenz at the latest as_of: population share (float index) → cumulative balance share."""
    rows = metrics.select("customer_lorenz", "customer_quantile").dropna(subset=["value"])
    if rows.empty:
        return pd.Series(dtype="float64")
    rows = rows[rows["as_of"] == rows["as_of"].max()]
    s = pd.Series(rows["value"].to_numpy(), index=rows["segment"].astype(float).to_numpy()).sort_index()
    s.attrs["as_of"] = rows["as_of"].iloc[0]
    return s


@figure("concentration")
def concentration(metrics: Metrics, stats: Statistics | None, opts: FigureOptions) -> Figure:
    """Lorenz curve of customer balances (Gini in the legend) and top-10 shares over time with limits."""
    t = opts.texts
    lorenz = lorenz_curve(metrics)
    share = annual(metrics.series("top10_customer_share").dropna())
    conc = annual(metrics.series("top10_customer_concentration").dropna())
    if lorenz.empty and share.empty and conc.empty:
        raise MissingInput("metric customer_lorenz or top10_customer_share",
                           "no customer concentration metrics (needs customer_id)")
    panels = int(not lorenz.empty) + int(not (share.empty and conc.empty))
    fig = new_figure(opts, t.title("concentration"), height_cm=8.5)
    axes = list(fig.subplots(1, panels, squeeze=False)[0])
    if not lorenz.empty:
        ax = axes.pop(0)
        when = lorenz.attrs["as_of"]
        gini = metrics.get("gini", as_of=when, dimension="customer")
        label = t.label("lorenz", year=when.year, gini="–" if gini is None else f"{gini:.3f}")
        ax.plot(lorenz.index, lorenz.to_numpy(), color=BLUE, label=label)
        ax.fill_between(lorenz.index, lorenz.to_numpy(), lorenz.index, color=BLUE, alpha=0.12, linewidth=0)
        ax.plot([0, 1], [0, 1], color=GREY, linestyle="--", linewidth=0.9, label=t.label("equality"))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.set_xlabel(t.label("lorenz_x"))
        ax.set_ylabel(t.label("lorenz_y"))
        percent_axis(ax.xaxis)
        percent_axis(ax.yaxis)
        ax.legend(loc="upper left", fontsize=7)
    if axes:
        _concentration_panel(axes.pop(0), metrics, opts, share.index.union(conc.index))
    return fig


# (metric, threshold, colour): the two top-10 ratios always; the single-customer ones when a finding cites them
# (each its own marker too: two ratios of similar size, say 7 % of loans and 7 % of capital, still read apart)
CONCENTRATION_SERIES = (("top10_customer_share", "top10_share_max", BLUE, "o"),
                        ("top10_customer_concentration", "top10_customer_max", PURPLE, "s"),
                        ("single_customer_concentration", "single_customer_max", GREEN, "^"),
                        ("single_group_concentration", "single_group_max", ORANGE, "D"))
CONCENTRATION_CODE = "CUSTOMER_CONCENTRATION"
HALF_WIDTH_YEAR_LABELS = 6


def _concentration_panel(ax: Any, metrics: Metrics, opts: FigureOptions, index: pd.Index) -> None:
    """Concentration ratios by year with their limits; the limit the finding says was breached drawn
    bold and named so."""
    t = opts.texts
    breached = opts.breached(CONCENTRATION_CODE)
    x = year_positions(index)
    tops, plotted = [0.0], []
    for key, limit_key, colour, marker in CONCENTRATION_SERIES:
        series = annual(metrics.series(key).dropna())
        if series.empty or (key.startswith("single") and key not in breached):
            continue
        vals = series.reindex(index).to_numpy()
        ax.plot(x, vals, color=colour, marker=marker, markerfacecolor="white" if marker != "o" else colour,
                label=t.metric(key))
        plotted.append(key)
        tops.append(float(np.nanmax(vals)))
        limit = breached.get(key, opts.threshold(limit_key))
        if limit is not None:
            label = t.limit(key, threshold_text(limit)) + (t.label("breached") if key in breached else "")
            ax.axhline(limit, color=LIMIT_COLOUR if colour == BLUE else colour, linestyle="--",
                       linewidth=1.8 if key in breached else 0.9, label=label)
            tops.append(limit)
    tops += [float(np.nanmax(p.get_ydata())) for p in add_peers(ax, plotted, opts, x, index)]
    year_axis(ax, x, index, max_labels=HALF_WIDTH_YEAR_LABELS)   # a half-width panel
    ax.set_xlabel(t.text("year"))
    ax.set_ylabel(t.label("ratio_axis"))
    ax.set_ylim(0, max(tops) * (1.45 + 0.1 * max(0, len(ax.get_lines()) - 4)))  # room for the legend
    percent_axis(ax.yaxis)
    ax.legend(loc="upper left", fontsize=6.5)
