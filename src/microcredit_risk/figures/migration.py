"""Five-category migration: balance-weighted transition shares, latest period and all periods pooled."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..ledger.contract import GRADES
from ..metrics.table import Metrics
from ..stats.results import Statistics
from .base import FigureOptions, MissingInput, annual, figure, new_figure, pct
from .style import DARK, HEATMAP_CMAP

EXITED = "exited"


def transition_matrix(metrics: Metrics, metric: str, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """Rows = grade at t0, columns = grade at t1 then ``exited``; ordered normal → loss (selection only)."""
    rows = metrics.frame[(metrics.frame["metric"] == metric) & metrics.frame["dimension"].notna()]
    if rows.empty:
        return pd.DataFrame()
    when = rows["as_of"].max() if as_of is None else as_of
    rows = rows[rows["as_of"] == when]
    table = rows.pivot_table(index="dimension", columns="segment", values="value", aggfunc="first")
    order_r = [g for g in GRADES if g in table.index]
    order_c = [g for g in GRADES if g in table.columns] + ([EXITED] if EXITED in table.columns else [])
    out = table.reindex(index=order_r, columns=order_c)
    out.attrs["as_of"] = when
    out.attrs["start"] = _period_start(metrics, metric, when)
    return out


def _period_start(metrics: Metrics, metric: str, when: pd.Timestamp) -> pd.Timestamp | None:
    """The period's start: the previous annual snapshot (year-end of balance's as_of) in the table."""
    dates = sorted(annual(metrics.series("balance").dropna()).index)
    if metric == "transition_share_pooled":
        return dates[0] if dates else None
    earlier = [d for d in dates if d < when]
    return earlier[-1] if earlier else None


def _panel(ax: Axes, table: pd.DataFrame, opts: FigureOptions, subtitle: str) -> None:
    t = opts.texts
    data = table.to_numpy(dtype=float)
    ax.imshow(np.ma.masked_invalid(data), cmap=HEATMAP_CMAP, vmin=0.0, vmax=1.0, aspect="auto")
    ax.grid(False)
    for (i, j), v in np.ndenumerate(data):
        if np.isfinite(v):
            ax.text(j, i, pct(v), ha="center", va="center", fontsize=6.5,
                    color="white" if v > 0.55 else DARK)
    ax.set_xticks(range(len(table.columns)), [t.grade(c) for c in table.columns],
                  rotation=30 if opts.lang == "en" else 0, ha="right" if opts.lang == "en" else "center")
    ax.set_yticks(range(len(table.index)), [t.grade(r) for r in table.index])
    ax.set_xlabel(t.label("grade_t1"))
    ax.set_ylabel(t.label("grade_t0"))
    ax.set_title(subtitle)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)


@figure("migration_heatmap")
def migration_heatmap(metrics: Metrics, stats: Statistics | None, opts: FigureOptions) -> Figure:
    """Heatmaps of transition_share (latest period) and transition_share_pooled, exits included."""
    t = opts.texts
    panels: list[tuple[pd.DataFrame, str]] = []
    latest = transition_matrix(metrics, "transition_share")
    if not latest.empty:
        panels.append((latest, "latest_period"))
    pooled = transition_matrix(metrics, "transition_share_pooled")
    if not pooled.empty:
        panels.append((pooled, "pooled_period"))
    if not panels:
        raise MissingInput("metric transition_share", "no transition_share (needs two annual snapshots)")
    height = 5.5 + 0.9 * max(len(p.index) for p, _ in panels)
    fig = new_figure(opts, t.title("migration_heatmap"), height_cm=height)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for k, (ax, (table, key)) in enumerate(zip(axes, panels, strict=True)):
        start, end = table.attrs.get("start"), table.attrs["as_of"]
        label = t.label(key, start="" if start is None else f"{start.year}", end=f"{end.year}")
        _panel(ax, table, opts, label)
        if k > 0 and list(table.index) == list(panels[0][0].index):  # same rows: name them once, on the left
            ax.tick_params(axis="y", left=False, labelleft=False)
            ax.set_ylabel("")
    return fig
