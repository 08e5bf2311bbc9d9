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
from .structure import (
    concentration,
    structure_guarantee_type,
    structure_industry,
    structure_product,
    structure_region,
)
from .style import save_metadata, styled
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

FORMATS = ("png", "svg", "pdf")


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


def parse_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"png, svg"`` → ("png", "svg"): known formats, each once; an unknown one is a usage error."""
    items = text.split(",") if isinstance(text, str) else list(text)
    formats = tuple(dict.fromkeys(f.strip().lower() for f in items if f.strip()))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise UsageError("E714", where="--format", value=", ".join(bad) or "''", choices=", ".join(FORMATS))
    return formats


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
    """Write each figure as NAME.FORMAT; byte-identical for the same input (no dates, fixed hash salt)."""
    formats = parse_formats(formats)
    folder = Path(outdir)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, dict[str, Path]] = {}
    for item in rendered.figures:
        paths: dict[str, Path] = {}
        engine = item.figure.get_layout_engine()
        try:
            with styled(item.lang):
                for k, fmt in enumerate(formats):
                    path = folder / f"{item.name}.{fmt}"
                    item.figure.savefig(path, format=fmt, dpi=dpi, metadata=save_metadata(fmt))
                    paths[fmt] = path
                    if k == 0:  # the layout is in figure units: lay out once, not once per format
                        item.figure.set_layout_engine("none")
        finally:
            item.figure.set_layout_engine(engine)
        written[item.name] = paths
    return written
