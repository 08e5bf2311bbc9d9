"""The figure set in print order, rendering it and saving it deterministically."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure

from ..errors import UsageError
from ..findings.records import Findings
from ..metrics.table import Metrics, Skipped
from ..profile import Benchmark
from ..stats.results import Statistics
from .base import FigureFunc, figure_options
from .cohorts import officer_funnel, vintage
from .forest import driver_forest
from .migration import migration_heatmap
from .saving import save_all
from .structure import (
    concentration,
    structure_guarantee_type,
    structure_industry,
    structure_product,
    structure_region,
)
from .trend import category_mix, deviation, npl_trend, projection

FIGURES: dict[str, FigureFunc] = {
    "npl_trend": npl_trend,
    "category_mix": category_mix,
    "migration_heatmap": migration_heatmap,
    "structure_industry": structure_industry,
    "structure_guarantee_type": structure_guarantee_type,
    "structure_product": structure_product,
    "structure_region": structure_region,
    "concentration": concentration,
    "vintage": vintage,
    "officer_funnel": officer_funnel,
    "deviation": deviation,
    "projection": projection,
    "driver_forest": driver_forest,
}

@dataclass
class RenderedFigure:
    name: str
    title: str
    figure: Figure
    lang: str = "zh"


@dataclass
class RenderedFigures:
    figures: list[RenderedFigure] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def names(self) -> list[str]:
        return [f.name for f in self.figures]


def check_names(only: Sequence[str]) -> list[str]:
    unknown = [n for n in only if n not in FIGURES]
    if unknown:
        raise UsageError("E713", where="--only", value=", ".join(unknown), choices=", ".join(FIGURES))
    return list(only)


def render_figures(metrics: Metrics, stats: Statistics | None, *, findings: Findings | None, lang: str = "zh",
                   thresholds: dict[str, float], only: Sequence[str] | None = None,
                   currency: str = "CNY", benchmarks: Mapping[str, Benchmark] | None = None) -> RenderedFigures:
    """Draw every figure whose inputs exist (in registry order); the others are listed as skipped.

    ``findings``: the run's verdicts; a figure that marks something (the funnel's outlying officers)
    marks exactly what they name. None draws the figures without marks. ``benchmarks``: the
    profile's peer figures, drawn as reference lines where their metric is plotted (figures/peers.py).
    """
    wanted = set(check_names(only)) if only is not None else set(FIGURES)
    opts = figure_options(lang, thresholds, findings, currency, benchmarks)
    out = RenderedFigures()
    for name, draw in FIGURES.items():
        if name not in wanted:
            continue
        fig = draw(metrics, stats, opts)
        if fig is not None:
            out.figures.append(RenderedFigure(name, opts.texts.title(name), fig, lang))
    out.skipped = list(opts.skipped)
    return out


def save_figures(rendered: RenderedFigures, outdir: str | Path, formats: Sequence[str] = ("png", "svg"),
                 dpi: int = 300) -> dict[str, dict[str, Path]]:
    """Write each figure as NAME.FORMAT, byte-identical for the same input (figures/saving.py)."""
    return save_all([(f.name, f.lang, f.figure) for f in rendered.figures], outdir, formats, dpi)
