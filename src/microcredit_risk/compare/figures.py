"""The comparison's figures: one line or one bar per unit, in the project's figure style and fonts.

Drawn from the side-by-side numbers (compare/numbers.py), which are read from the runs' saved
tables; saved with the figure set's own writer (figures.save_figures), so the files are as stable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..figures.base import (
    FigureOptions,
    figure_options,
    legend_above,
    money_axis,
    new_figure,
    pct,
    percent_axis,
)
from ..figures.registry import RenderedFigure, RenderedFigures
from ..figures.style import BLUE, DARK, GRADE_COLOURS, GREEN, ORANGE, PURPLE, SKY, VERMILION, YELLOW, styled
from ..findings.records import SEVERITIES
from ..ledger.contract import GRADES
from .numbers import Headline, annual_table, grade_mix, severity_counts, unit_of
from .units import Unit, settings

PALETTE = (BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE, DARK, YELLOW)
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
SEVERITY_COLOURS = {"high": "#B42318", "medium": "#E69F00", "low": "#3B6E3B"}


def _bar_height_cm(n: int, panels_high: int = 1) -> float:
    """Horizontal bars: room for each unit's label, whatever the number of units."""
    return max(6.0, 2.6 + 0.55 * n * panels_high)


def _value_text(v: float, unit: str, divisor: float = 1.0) -> str:
    if unit == "ratio":
        return pct(v, 2)
    return f"{v / divisor:,.2f}" if unit == "yuan" else f"{v:,.0f}"


def trend(units: Sequence[Unit], opts: FigureOptions) -> Figure | None:
    """Balance (left) and NPL ratio (right) at every year end, one line per unit."""
    t = opts.texts
    metrics = list(settings()["trend"])
    tables = {m: annual_table(units, m) for m in metrics}
    tables = {m: tb for m, tb in tables.items() if not tb.empty and tb.notna().any().any()}
    if not tables:
        return None
    fig = new_figure(opts, t.title("compare_trend"), height_cm=9.0)
    grid = fig.add_gridspec(2, len(tables), height_ratios=[0.14, 1.0])
    key = fig.add_subplot(grid[0, :])       # a row of its own for the units' legend: clear of title and note
    key.axis("off")
    axes = [fig.add_subplot(grid[1, i]) for i in range(len(tables))]
    handles: list = []
    for ax, (metric, table) in zip(axes, tables.items(), strict=True):
        years = table.index.to_list()
        x = np.arange(len(years))
        unit = unit_of(units, metric)
        divisor, money = t.money_scale(float(np.nanmax(np.abs(table.to_numpy())))) if unit == "yuan" else (1.0, "")
        handles = []
        for k, label in enumerate(table.columns):
            (line,) = ax.plot(x, table[label].to_numpy(dtype=float), color=PALETTE[k % len(PALETTE)],
                              marker=MARKERS[k % len(MARKERS)], label=str(label))
            handles.append(line)
        ax.set_xticks(x, [str(y) for y in years])
        ax.set_xlabel(t.text("year"))
        if unit == "yuan":
            ax.set_ylabel(t.label("amount_axis", unit=money))
            money_axis(ax.yaxis, divisor)
        else:
            ax.set_ylabel(t.metric(metric))
            percent_axis(ax.yaxis)
            ax.set_ylim(bottom=0)
        ax.set_title(t.metric(metric))
    key.legend(handles, [str(c) for c in next(iter(tables.values())).columns], loc="center",
               ncol=min(len(units), 4), borderaxespad=0.0)
    return _settled(fig)


def _settled(fig: Figure) -> Figure:
    """Lay the figure out now and keep the axes there, rounded: the layout solver's last bits vary
    with the interpreter's hash seed (seen for a two-row grid), and the SVG's clip ids are hashes of them."""
    fig.draw_without_rendering()
    for ax in fig.axes:
        x0, y0, w, h = (round(float(v), 6) for v in ax.get_position().bounds)
        ax.set_position((x0, y0, w, h))
    fig.set_layout_engine("none")
    return fig


def headline_panels(units: Sequence[Unit], rows: Sequence[Headline], opts: FigureOptions) -> Figure | None:
    """A panel per headline metric of data/compare.toml ``panels``: a bar per unit, its value and rank."""
    t = opts.texts
    by_metric = {h.metric: h for h in rows}
    panels = [by_metric[m] for m in settings()["panels"] if m in by_metric]
    if not panels:
        return None
    cols = 2 if len(panels) > 1 else 1
    nrows = -(-len(panels) // cols)
    fig = new_figure(opts, t.title("compare_headline"), height_cm=_bar_height_cm(len(units), nrows))
    axes = fig.subplots(nrows, cols, squeeze=False)
    labels = [u.label for u in units]
    y = np.arange(len(units))
    for i, ax in enumerate(axes.flat):
        if i >= len(panels):
            ax.set_visible(False)
            continue
        h = panels[i]
        vals = np.array([np.nan if v is None else v for v in h.values], dtype=float)
        ax.barh(y, np.nan_to_num(vals), 0.6, color=[PALETTE[k % len(PALETTE)] for k in range(len(units))])
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        top = float(np.nanmax(vals)) if np.isfinite(vals).any() else 0.0
        ax.set_xlim(0, top * 1.45 if top > 0 else 0.01)
        for yi, v, r in zip(y, vals, h.ranks, strict=True):
            if np.isfinite(v):
                text = _value_text(float(v), h.unit)
                if r is not None:
                    text += "  " + t.label("rank", rank=r)
                ax.text(v, yi, " " + text, va="center", ha="left", fontsize=7)
        if h.unit == "ratio":
            percent_axis(ax.xaxis)
        ax.set_title(t.metric(h.metric))
        ax.grid(axis="y", visible=False)
    return _settled(fig)


def category_mix(units: Sequence[Unit], opts: FigureOptions) -> Figure | None:
    """100 % stacked horizontal bars of the five grades' balance shares, one bar per unit."""
    t = opts.texts
    table = grade_mix(units, GRADES)
    if table.empty or not table.notna().any().any():
        return None
    fig = new_figure(opts, t.title("compare_category_mix"), height_cm=_bar_height_cm(len(units)) + 1.0)
    ax = fig.add_subplot()
    y = np.arange(len(units))
    left = np.zeros(len(units))
    for grade in table.index:
        vals = table.loc[grade].reindex([u.label for u in units]).fillna(0.0).to_numpy(dtype=float)
        ax.barh(y, vals, 0.6, left=left, color=GRADE_COLOURS[grade], label=t.grade(grade), edgecolor="white",
                linewidth=0.4)
        for yi, lft, v in zip(y, left, vals, strict=True):
            if v >= 0.04:
                ax.text(float(lft + v / 2), float(yi), pct(float(v)), ha="center", va="center", fontsize=6.5,
                        color="white" if grade in ("normal", "doubtful", "loss") else DARK)
        left += vals
    ax.set_yticks(y, [u.label for u in units])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    percent_axis(ax.xaxis)
    ax.set_xlabel(t.metric("category_share"))
    ax.grid(axis="y", visible=False)
    handles, names = ax.get_legend_handles_labels()
    legend_above(ax, handles, names)
    return _settled(fig)


def findings_bars(units: Sequence[Unit], opts: FigureOptions, severity_names: dict[str, str]) -> Figure | None:
    """Stacked horizontal bars: each unit's findings by severity (high first)."""
    t = opts.texts
    counts = pd.DataFrame([severity_counts(u) for u in units], index=[u.label for u in units])
    if counts.to_numpy().sum() == 0:
        return None
    fig = new_figure(opts, t.title("compare_findings"), height_cm=_bar_height_cm(len(units)) + 1.0)
    ax = fig.add_subplot()
    y = np.arange(len(units))
    left = np.zeros(len(units))
    for sev in reversed(SEVERITIES):
        vals = counts[sev].to_numpy(dtype=float)
        ax.barh(y, vals, 0.6, left=left, color=SEVERITY_COLOURS[sev], label=severity_names[sev])
        for yi, lft, v in zip(y, left, vals, strict=True):
            if v > 0:
                ax.text(float(lft + v / 2), float(yi), f"{int(v)}", ha="center", va="center", fontsize=7, color="white")
        left += vals
    ax.set_yticks(y, [u.label for u in units])
    ax.invert_yaxis()
    ax.set_xlabel(t.label("findings_count"))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", visible=False)
    handles, names = ax.get_legend_handles_labels()
    legend_above(ax, handles, names)
    return _settled(fig)


def render(units: Sequence[Unit], rows: Sequence[Headline], lang: str, currency: str,
           severity_names: dict[str, str]) -> RenderedFigures:
    """Every comparison figure whose numbers exist, in report order."""
    opts = figure_options(lang, {}, None, currency)
    out = RenderedFigures()
    with styled(lang):
        drawn = [("compare_headline", headline_panels(units, rows, opts)),
                 ("compare_trend", trend(units, opts)),
                 ("compare_category_mix", category_mix(units, opts)),
                 ("compare_findings", findings_bars(units, opts, severity_names))]
    for name, fig in drawn:
        if fig is not None:
            out.figures.append(RenderedFigure(name, opts.texts.title(name), fig, lang))
    return out
