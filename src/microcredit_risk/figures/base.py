"""What every figure function shares: options, the skip protocol, the page frame and small readers.

A figure function is ``(metrics, stats, opts) -> Figure | None``. It draws only what the tidy
metrics table and the statistics results hold; when an input is absent it returns None and leaves
a :class:`Skipped` (with the reason) in ``opts.skipped``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from ..findings.records import Findings
from ..metrics.table import Metrics, Skipped
from ..profile import Benchmark
from ..snapshots import annual_series
from ..stats.results import Statistics
from .style import CM, GREY, LABEL_BOX, NOTE_CM, WIDTH_CM, styled
from .texts import FigureTexts, texts_for
from .ticks import ExactFormatter


@dataclass
class FigureOptions:
    lang: str
    thresholds: dict[str, float]
    texts: FigureTexts
    skipped: list[Skipped] = field(default_factory=list)
    findings: Findings | None = None   # the verdicts a figure marks (None: it marks nothing)
    benchmarks: dict[str, Benchmark] = field(default_factory=dict)   # profile [benchmarks] (figures/peers.py)

    def threshold(self, name: str) -> float | None:
        v = self.thresholds.get(name)
        return None if v is None else float(v)

    def named(self, code: str, dimension: str) -> list[str]:
        """The segments of ``dimension`` that the findings of ``code`` name (in their evidence), sorted:
        a figure marks exactly what the report says, never a verdict of its own."""
        if self.findings is None:
            return []
        return sorted({str(e.segment) for f in self.findings.items if f.code == code
                       for e in f.evidence if e.dimension == dimension and e.segment is not None})


    def breached(self, code: str) -> dict[str, float]:
        """metric → the limit it crossed, for the evidence of the findings of ``code`` whose value is
        beyond its threshold (a figure shows the limit the report says was breached)."""
        if self.findings is None:
            return {}
        return {e.metric: float(e.threshold) for f in self.findings.items if f.code == code for e in f.evidence
                if e.threshold is not None and e.value is not None and e.value > e.threshold}


def figure_options(lang: str = "zh", thresholds: dict[str, float] | None = None,
                   findings: Findings | None = None, currency: str = "CNY",
                   benchmarks: Mapping[str, Benchmark] | None = None) -> FigureOptions:
    return FigureOptions(lang=lang, thresholds=dict(thresholds or {}), texts=texts_for(lang, currency),
                         findings=findings, benchmarks=dict(benchmarks or {}))


class MissingInput(Exception):
    """Raised inside a drawing function when a metric or statistic it needs is absent."""

    def __init__(self, needs: str, reason: str) -> None:
        super().__init__(reason)
        self.needs, self.reason = needs, reason


FigureFunc = Callable[[Metrics, Statistics | None, FigureOptions], Figure | None]


def figure(name: str) -> Callable[[Callable[..., Figure]], FigureFunc]:
    """Wrap a drawing function: styled for opts.lang, MissingInput → None + Skipped."""

    def wrap(draw: Callable[..., Figure]) -> FigureFunc:
        @functools.wraps(draw)
        def run(metrics: Metrics, stats: Statistics | None, opts: FigureOptions) -> Figure | None:
            try:
                with styled(opts.lang):
                    return draw(metrics, stats, opts)
            except MissingInput as exc:
                opts.skipped.append(Skipped(what=f"figure {name}", needs=exc.needs, reason=exc.reason))
                return None

        run.figure_name = name  # type: ignore[attr-defined]
        return run

    return wrap


def new_figure(opts: FigureOptions, title: str, height_cm: float = 9.0) -> Figure:
    """A 16 cm wide page figure with title, source note and constrained layout (no pyplot)."""
    fig = Figure(figsize=(WIDTH_CM * CM, height_cm * CM))
    FigureCanvasAgg(fig)
    note = NOTE_CM / height_cm
    fig.set_layout_engine(ConstrainedLayoutEngine(rect=(0.0, note, 1.0, 1.0 - note), h_pad=0.04, w_pad=0.04))
    fig.suptitle(title)
    fig.text(0.01, 0.012, opts.texts.text("source_note"), fontsize=6.5, color=GREY, ha="left", va="bottom")
    return fig


def legend_above(ax: Any, handles: list[Any], labels: list[str], ncol: int | None = None) -> None:
    """A legend row just above the axes (part of the axes' box, so constrained layout keeps it clear
    of the title; the bottom strip belongs to the source note)."""
    ax.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.01), ncol=ncol or len(handles),
              borderaxespad=0.2, handlelength=1.8, columnspacing=1.2)


def ratio_twin(ax: Any, colour: str) -> Any:
    """A right-hand ratio axis over an amount axis, spine, ticks and label in its line's colour, so
    the ratio line and its limit are read on it, never on the amounts at the left."""
    ax2 = ax.twinx()
    ax2.grid(False)
    ax2.spines["right"].set_visible(True)
    ax2.spines["right"].set_color(colour)
    ax2.tick_params(axis="y", colors=colour)
    ax2.yaxis.label.set_color(colour)
    return ax2


def limit_line(ax: Any, value: float, colour: str, text: str, linestyle: str = "--",
               left: bool = False) -> tuple[Any, Any]:
    """A limit drawn on the axis it refers to, its value printed at the right end on that axis (at the
    left end with ``left``, where the right end holds other labels). Returns the line (the legend's
    handle) and the printed value (for :func:`clear_of`)."""
    line = ax.axhline(value, color=colour, linestyle=linestyle, linewidth=1)
    label = ax.text(0.005 if left else 0.995, value, text, transform=ax.get_yaxis_transform(),
                    ha="left" if left else "right", va="bottom", fontsize=7, color=colour, bbox=LABEL_BOX)
    return line, label


LIMIT_GAP_PT = 3.0   # a limit's printed value closer than this to a value label counts as touching it
# where a limit's printed value may go, in order: above the line at the right end, at the left end,
# then below the line at the right end and at the left end (x in axes fraction, ha, va)
LIMIT_PLACES = ((0.995, "right", "bottom"), (0.005, "left", "bottom"), (0.995, "right", "top"), (0.005, "left", "top"))


def clear_of(fig: Figure, label: Any, others: list[Any]) -> None:
    """Move a limit's printed value to the first of :data:`LIMIT_PLACES` where it overlaps none of
    ``others`` (the figure's value labels) nor comes within :data:`LIMIT_GAP_PT` of one, measured on
    the laid-out figure; where every place overlaps, it stays at the first. Why: the latest year's
    value label sits at the right end too, and a value near the limit printed the two over each other
    (the SBA tape's 3.87 % under "5%")."""
    if not others:
        return
    # the layout pass moves the axes, and the save's own pass would then start from there (other
    # bytes for every figure): their positions are put back after measuring
    positions = [(ax, ax.get_position(original=True), ax.get_position(original=False), ax.get_in_layout())
                 for ax in fig.axes]
    fig.draw_without_rendering()
    renderer = cast(FigureCanvasAgg, fig.canvas).get_renderer()   # new_figure's canvas
    gap = renderer.points_to_pixels(LIMIT_GAP_PT)
    boxes = [o.get_window_extent(renderer).padded(gap) for o in others if o.get_visible()]

    def clear(place: tuple[float, str, str]) -> bool:
        label.set(x=place[0], ha=place[1], va=place[2])
        return not any(label.get_window_extent(renderer).overlaps(b) for b in boxes)

    place = next((p for p in LIMIT_PLACES if clear(p)), LIMIT_PLACES[0])
    label.set(x=place[0], ha=place[1], va=place[2])
    for ax, original, active, in_layout in positions:
        ax.set_position(original, which="original")
        ax.set_position(active, which="active")
        ax.set_in_layout(in_layout)   # set_position takes an axes out of the layout


def row_positions(labels: list[str], extra_line: float = 0.7) -> np.ndarray:
    """y of each row of a labelled bar or forest chart: a row is one unit tall plus ``extra_line`` per
    wrapped line of its label, so a two-line label never runs into its neighbours' (the figure's
    height allows the same amount per extra line)."""
    heights = np.array([1.0 + extra_line * label.count("\n") for label in labels])
    return np.cumsum(heights) - heights / 2 - heights[0] / 2 if len(labels) else heights


# -- readers: select, never recompute ---------------------------------------------------------
def need(frame: pd.DataFrame, metric: str, what: str = "") -> pd.DataFrame:
    rows = frame.dropna(subset=["value"])
    if rows.empty:
        raise MissingInput(f"metric {metric}{what}", f"the metrics table has no {metric}{what}")
    return rows


def portfolio_series(metrics: Metrics, metric: str, annual_only: bool = True) -> pd.Series:
    """A portfolio metric over as_of; with ``annual_only`` the last snapshot of each calendar year."""
    s = metrics.series(metric).dropna()
    return annual(s) if annual_only else s


def annual(s: pd.Series) -> pd.Series:
    return annual_series(s)


def year_labels(index: Any) -> list[str]:
    return [str(pd.Timestamp(t).year) for t in index]


MAX_YEAR_LABELS = 12   # more years than this: every k-th labelled (the latest always), a minor tick for each


MIN_YEAR_SLOTS = 4     # fewer years than this (a one-snapshot ledger) keep the width of four: no giant bar


def year_positions(index: Any) -> np.ndarray:
    """x of each snapshot: years since the first, so a year missing from the ledger leaves a gap
    (1975 and 1980 are five slots apart, not neighbours); consecutive years give 0, 1, 2, …"""
    years = np.array([pd.Timestamp(t).year for t in index], dtype=float)
    return years - years[0] if len(years) else years


def year_axis(ax: Any, x: Any, index: Any, fit: bool = True, max_labels: int = MAX_YEAR_LABELS) -> set[Any]:
    """Year labels under ``x`` (one per snapshot in ``index``), thinned so 36 year-ends stay readable
    (every k-th calendar year, counted back from the latest); returns the positions labelled (value
    labels go there only). With ``fit`` (x in year slots) a short series is centred in
    MIN_YEAR_SLOTS slots. ``max_labels``: fewer for a half-width panel."""
    x = list(x)
    years = [pd.Timestamp(t).year for t in index]
    span = years[-1] - years[0] + 1 if years else 0
    if fit and x and span < MIN_YEAR_SLOTS:
        pad = (MIN_YEAR_SLOTS - span) / 2
        ax.set_xlim(x[0] - 0.5 - pad, x[-1] + 0.5 + pad)
    labels = year_labels(index)
    step = max(1, -(-span // max_labels))
    keep = [i for i in range(len(x)) if (years[-1] - years[i]) % step == 0]
    ax.set_xticks([x[i] for i in keep], [labels[i] for i in keep])
    if step > 1 or len(keep) < len(x):
        ax.set_xticks(x, minor=True)
    return {x[i] for i in keep}


def pct(value: float, decimals: int = 1) -> str:
    return f"{value * 100:.{decimals}f}%"


def percent_axis(axis: Any) -> None:
    axis.set_major_formatter(ExactFormatter(100.0, "%"))


def money_axis(axis: Any, divisor: float) -> None:
    axis.set_major_formatter(ExactFormatter(1.0 / divisor))


def threshold_text(value: float) -> str:
    return pct(value, 0) if value < 1 and round(value * 100) == value * 100 else (
        pct(value) if value < 1 else f"{value:g}")
