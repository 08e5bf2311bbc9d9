"""The default-driver model as a forest plot of odds ratios with 95 % confidence intervals."""

from __future__ import annotations

import re
import textwrap
import unicodedata

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from .. import vocabulary as vocab
from ..metrics.table import Metrics
from ..stats.results import PER_PP, ModelTerm, Statistics
from .base import FigureOptions, MissingInput, figure, new_figure, row_positions
from .style import BLUE, GREY, VERMILION
from .texts import FigureTexts
from .ticks import general_tick

_FACTOR = re.compile(r"^(?:C\()?(?P<factor>[A-Za-z_]\w*)\)?(?:\[(?:T\.)?(?P<level>.*)\])?$")
_CLIP = 50.0      # the odds-ratio axis spans at most 1/50 … 50
_LABEL_COLUMNS = 44  # a term label longer than this wraps (the GB/T 4754 sections in English)
_NOTE_COLUMNS = 66   # a line of the reference note fits above the axes even beside long term labels
_FUNCTION = re.compile(r"^(?P<fn>np\.log|log)\((?P<var>\w+)\)$")


def term_label(term: str, t: FigureTexts, unit: str | None = None) -> str:
    """``guarantee_type[credit]`` → 担保方式：信用; ``log(amount)`` → log(贷款金额); a rate entered in
    percentage points (``unit`` "pp") → 利率（每个百分点）; else as given."""
    fn = None if vocab.is_term(term) else _FUNCTION.match(term)
    m = None if fn or vocab.is_term(term) else _FACTOR.match(term)
    if vocab.is_term(term):       # a variable with a name of its own: log(amount) → 贷款金额（对数）
        label = t.factor(term)
    elif fn:
        label = f"log({t.factor(fn['var'])})"
    elif not m:
        label = term
    elif m["level"] is None:
        label = t.factor(m["factor"])
    else:
        sep = "：" if t.lang == "zh" else ": "
        label = f"{t.factor(m['factor'])}{sep}{t.value(m['factor'], m['level'])}"
    return t.text("per_pp", term=label) if unit == PER_PP else label


def _columns(text: str) -> int:
    """Display width: a CJK character is as wide as two Latin ones."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _wrap(text: str, sep: str) -> str:
    """``text`` whose items are joined by NUL, as lines of at most _NOTE_COLUMNS (items never split)."""
    lines: list[str] = []
    for item in text.split("\0"):
        if lines and _columns(lines[-1] + sep + item) <= _NOTE_COLUMNS:
            lines[-1] += sep + item
        else:
            if lines:
                lines[-1] += sep.rstrip()
            lines.append(item)
    return "\n".join(lines)


def plotted_terms(stats: Statistics | None) -> list[ModelTerm]:
    """Terms with a finite odds ratio and CI, intercept left out."""
    model = None if stats is None else stats.driver_model
    if model is None or not model.fitted or not model.terms:
        return []
    keep = [tm for tm in model.terms if tm.term.lower() not in ("intercept", "const")]
    return [tm for tm in keep if all(np.isfinite([tm.odds_ratio, tm.ci_low, tm.ci_high]))
            and min(tm.odds_ratio, tm.ci_low, tm.ci_high) > 0]


@figure("driver_forest")
def driver_forest(metrics: Metrics, stats: Statistics | None, opts: FigureOptions) -> Figure:
    """Odds ratio per model term on a log axis with its 95 % CI; reference levels noted below."""
    t = opts.texts
    terms = plotted_terms(stats)
    if not terms:
        reason = "the default-driver model did not fit"
        if stats is not None and stats.driver_model is not None and stats.driver_model.reason:
            reason += f": {stats.driver_model.reason}"
        raise MissingInput("statistics driver_model", reason)
    assert stats is not None and stats.driver_model is not None
    labels = [textwrap.fill(term_label(tm.term, t, tm.unit), _LABEL_COLUMNS, break_long_words=False) for tm in terms]
    extra = sum(label.count("\n") for label in labels)
    fig = new_figure(opts, t.title("driver_forest"), height_cm=5.0 + 0.5 * len(terms) + 0.35 * extra)
    ax = fig.add_subplot()
    y = row_positions(labels)   # a wrapped label gets the extra height the figure was given for it
    ors = np.array([tm.odds_ratio for tm in terms])
    lo = np.array([tm.ci_low for tm in terms])
    hi = np.array([tm.ci_high for tm in terms])
    significant = np.array([tm.pvalue is not None and tm.pvalue < 0.05 for tm in terms])
    colours = [VERMILION if (a > 1 or b < 1) else BLUE for a, b in zip(lo, hi, strict=True)]
    # an interval spanning decades (a rate in fractions, a near-separated level) would squeeze every
    # other term into a sliver: clip the axis and mark the clipped ends with arrows
    x_min = max(min(float(lo.min()), 1.0) / 1.3, 1.0 / _CLIP)
    x_max = min(max(float(hi.max()), 1.0) * 1.3, _CLIP)
    lo_c, hi_c = np.clip(lo, x_min, x_max), np.clip(hi, x_min, x_max)
    ax.hlines(y, lo_c, hi_c, colors=colours, linewidth=1.4)
    for yi, a, b, c in zip(y, lo, hi, colours, strict=True):
        if a < x_min:
            ax.plot([x_min], [yi], marker="<", color=c, markersize=5, clip_on=False)
        if b > x_max:
            ax.plot([x_max], [yi], marker=">", color=c, markersize=5, clip_on=False)
    ax.scatter(np.clip(ors, x_min, x_max), y, c=colours, s=np.where(significant, 30, 22), marker="s", zorder=3)
    ax.axvline(1.0, color=GREY, linestyle="--", linewidth=1, label=t.label("no_effect"))
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(general_tick))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(x_min, x_max)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel(t.label("odds_ratio"))
    ax.grid(axis="y", visible=False)
    ref = stats.driver_model.reference
    if ref:
        parts = [t.text("reference_item", factor=t.factor(f), level=t.value(f, lvl)) for f, lvl in sorted(ref.items())]
        # a handle-less legend above the axes, right-aligned with them: constrained layout keeps it
        # inside the canvas, over the label column, however long the term labels are
        note = ax.legend(handles=[], title=_wrap(t.text("reference", items="\0".join(parts)), t.text("list_sep")),
                         loc="lower right", bbox_to_anchor=(1.0, 1.0), alignment="left",
                         title_fontproperties={"size": 7}, borderaxespad=0.2)
        note.get_title().set_color(GREY)
    return fig
