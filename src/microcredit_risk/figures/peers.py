"""Peer benchmarks (profile ``[benchmarks]``) as reference lines on the figures that plot their metric.

One function draws them all, so every figure shows a peer figure the same way and apart from the
regulatory limits (which are dashed, in the limit colour): a dash-dot line in the peer colour,
with hollow squares at the year-ends a ``by_year`` benchmark gives, labelled with the source the
user names. Nothing is computed: the values are the profile's, read at each plotted year as the
report's peer rows read them (:meth:`profile.Benchmark.at`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..vocabulary import in_sentence
from .base import FigureOptions
from .style import PEER_COLOUR

PEER_STYLE = {"color": PEER_COLOUR, "linestyle": "-.", "linewidth": 1.1}
WRAP = {"zh": 22, "en": 40}    # characters of a legend label per line (a long source wraps)
PEER_GID = "peer-"            # + the metric: the id of a peer line (unique in an SVG; tests, legend)
HEADROOM = 1.3                 # the axis top over the highest peer value (room for labels above)


def peer_label(opts: FigureOptions, metric: str, source: str) -> str:
    """「同业不良贷款率：<source>」/ "Peer NPL ratio: <source>", wrapped to stay on the canvas."""
    text = opts.texts.label("peer", name=in_sentence(opts.texts.metric(metric), opts.lang), source=source)
    return textwrap.fill(text, WRAP.get(opts.lang, 40), break_long_words=True)


def add_peers(ax: Any, metrics: Iterable[str], opts: FigureOptions, x: Iterable[Any], dates: Iterable[Any],
              handles: list[Any] | None = None, labels: list[str] | None = None, vertical: bool = False) -> list[Any]:
    """Draw the benchmark of each of ``metrics`` the profile gives on ``ax`` (the axis of that metric).

    ``x``: the plotted positions of the year-ends ``dates``. A benchmark with ``by_year`` is a line
    with markers at those of the dates whose year it gives a value for (its ``value``, if any, fills
    the other years); one with only ``value`` is a line across the axes. ``vertical``: the metric is
    on the x axis (a structure chart at one date). The axis is widened to show every peer value; the
    legend entries are appended to ``handles``/``labels``. Returns the lines drawn.
    """
    drawn: list[Any] = []
    x, years = list(x), [pd.Timestamp(d).year for d in dates]
    for metric in metrics:
        bench = opts.benchmarks.get(metric)
        if bench is None:
            continue
        label = peer_label(opts, metric, bench.source_in(opts.lang))
        if vertical:
            value = bench.at(years[-1]) if years else bench.value
            if value is None:
                continue
            line = ax.axvline(value, label=label, **PEER_STYLE)
            values = [value]
        elif bench.by_year:
            points = [(xi, bench.at(y)) for xi, y in zip(x, years, strict=True) if bench.at(y) is not None]
            if not points:
                continue
            px, values = [p[0] for p in points], [float(p[1]) for p in points if p[1] is not None]
            (line,) = ax.plot(px, values, marker="s", markersize=4, markerfacecolor="white", label=label,
                              zorder=3, **PEER_STYLE)
        elif bench.value is not None:
            line = ax.axhline(bench.value, label=label, **PEER_STYLE)
            values = [bench.value]
        else:
            continue
        line.set_gid(PEER_GID + metric)
        _fit(ax, values, vertical)
        drawn.append(line)
        if handles is not None and labels is not None:
            handles.append(line)
            labels.append(label)
    return drawn


def _fit(ax: Any, values: list[float], vertical: bool) -> None:
    """Widen the value axis so the peer line lies inside it, leaving the same headroom as the data."""
    top = float(np.nanmax(values)) if values else 0.0
    lo, hi = ax.get_xlim() if vertical else ax.get_ylim()
    if top * 1.05 > hi:
        (ax.set_xlim if vertical else ax.set_ylim)(lo, top * HEADROOM)


def peer_columns(handles: list[Any], labels: list[str]) -> int:
    """Legend columns for a row above the axes: one row as before without a peer; with one, two rows
    (a source is long), so the legend stays as wide as the canvas."""
    if not any(is_peer(h) for h in handles):
        return len(handles)
    return max(1, -(-len(handles) // 2))


def is_peer(artist: Any) -> bool:
    """Whether ``artist`` is a peer line drawn by :func:`add_peers`."""
    gid = getattr(artist, "get_gid", lambda: None)()
    return isinstance(gid, str) and gid.startswith(PEER_GID)
