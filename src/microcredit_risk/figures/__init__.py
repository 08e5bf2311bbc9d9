"""The figure set a thesis can print, drawn only from the computed metrics and statistics.

The names below are loaded on first use (PEP 562), not with the package: the figure worker
(figures/aside.py) imports ``figures.saving`` and must not pay for the figure code's imports.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import FigureOptions, figure_options
    from .registry import FIGURES, RenderedFigure, RenderedFigures, render_figures, save_figures

__all__ = ["FIGURES", "FigureOptions", "RenderedFigure", "RenderedFigures", "figure_options",
           "render_figures", "save_figures"]

_WHERE = {"FigureOptions": "base", "figure_options": "base"}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_WHERE.get(name, 'registry')}", __name__), name)
