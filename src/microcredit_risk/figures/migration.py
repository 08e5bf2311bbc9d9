"""Five-category migration: balance-weighted transition shares, latest period and all periods pooled."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..ledger.contract import GRADES, NPL_GRADES
from ..metrics.table import Metrics
from ..stats.results import Statistics
from .base import FigureOptions, MissingInput, annual, figure, new_figure, pct
from .style import DARK, GREEN, GREY

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


LOG_FLOOR = 0.005   # shares from 0.5 % up on a log scale: a 1–2 % downgrade is tinted, not washed out
GREY_SPAN = 2.5      # staying and exit shares in the lightest 40 % of the greys
KINDS = (("stay", "Greys"), ("exit", "Greys"), ("down", "Reds"), ("up", "Blues"))


def cell_kinds(table: pd.DataFrame) -> np.ndarray:
    """Per cell: stay (diagonal), down (to a worse grade), up (to a better one) or exit."""
    rank = {g: k for k, g in enumerate(GRADES)}
    r0 = np.array([rank[g] for g in table.index])[:, None]
    r1 = np.array([rank.get(g, len(GRADES)) for g in table.columns])[None, :]
    kinds = np.where(r1 > r0, "down", np.where(r1 < r0, "up", "stay"))
    return np.where(np.array(table.columns == EXITED)[None, :], "exit", kinds)


def npl_upgrades(table: pd.DataFrame) -> list[tuple[int, int]]:
    """(row, column) of the cells where balance left an NPL grade for a performing one (share > 0)."""
    data = table.to_numpy(dtype=float)
    return [(i, j) for i, g0 in enumerate(table.index) for j, g1 in enumerate(table.columns)
            if g0 in NPL_GRADES and g1 in GRADES and g1 not in NPL_GRADES and np.isfinite(data[i, j]) and data[i, j] > 0]


def _panel(ax: Axes, table: pd.DataFrame, opts: FigureOptions, subtitle: str) -> None:
    """Downgrades in reds, upgrades in blues, staying and exits in greys, each on a log scale from
    0.5 %, so the large exit and diagonal shares do not wash out the small moves; the NPL upgrades
    framed in green."""
    t = opts.texts
    data = table.to_numpy(dtype=float)
    kinds = cell_kinds(table)
    norm = LogNorm(LOG_FLOOR, 1.0, clip=True)
    for kind, cmap in KINDS:
        shown = np.ma.masked_where((kinds != kind) | ~np.isfinite(data) | (data <= 0), data)
        grey = kind in ("stay", "exit")   # light and linear: context, not the message
        ax.imshow(shown, cmap=cmap, norm=Normalize(0.0, GREY_SPAN) if grey else norm, aspect="auto")
    ax.grid(False)
    for (i, j), v in np.ndenumerate(data):
        if np.isfinite(v):
            dark = kinds[i, j] in ("down", "up") and v > 0 and float(norm(v)) > 0.6
            ax.text(j, i, pct(v), ha="center", va="center", fontsize=6.5, color="white" if dark else DARK)
    for i, j in npl_upgrades(table):
        ax.add_patch(Rectangle((j - 0.46, i - 0.46), 0.92, 0.92, fill=False, edgecolor=GREEN, linewidth=1.6))
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
    fig.text(0.99, 0.012, t.text("migration_key"), fontsize=6.5, color=GREY, ha="right", va="bottom")
    return fig
