"""The figure set a thesis can print, drawn only from the computed metrics and statistics."""

from .base import FigureOptions, figure_options
from .registry import FIGURES, RenderedFigure, RenderedFigures, render_figures, save_figures

__all__ = ["FIGURES", "FigureOptions", "RenderedFigure", "RenderedFigures", "figure_options",
           "render_figures", "save_figures"]
