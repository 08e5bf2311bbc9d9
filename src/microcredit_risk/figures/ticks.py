"""Tick formatters the figures keep (module-level, light: a pickled figure names them, and the figure
worker, figures/aside.py, imports only this, matplotlib and the saving code to load it)."""

from __future__ import annotations

from typing import Any

from matplotlib.ticker import Formatter


class ExactFormatter(Formatter):
    """Tick labels with as few decimals as print every tick of the axis exactly (all ticks the same
    decimals): 12.5 never prints as "12", 7.5 % never as "8%". ``scale`` multiplies the tick value
    (100 for percent, 1/divisor for amounts), ``suffix`` follows the number."""

    MAX_DECIMALS = 4

    def __init__(self, scale: float = 1.0, suffix: str = "") -> None:
        self.scale, self.suffix, self.decimals = scale, suffix, 0

    def set_locs(self, locs: Any) -> None:
        super().set_locs(locs)
        self.decimals = exact_decimals([float(v) * self.scale for v in locs], self.MAX_DECIMALS)

    def __call__(self, x: float, pos: int | None = None) -> str:
        v = float(x) * self.scale
        text = f"{v:,.{self.decimals}f}"
        if float(text.replace(",", "")) == 0:
            text = text.lstrip("-")            # never "-0"
        return text.replace("-", "\N{MINUS SIGN}") + self.suffix


def exact_decimals(values: list[float], most: int = 4) -> int:
    """The fewest decimals (≤ ``most``) with which every value prints as itself."""
    for d in range(most + 1):
        if all(abs(round(v, d) - v) <= 1e-9 * max(1.0, abs(v)) for v in values):
            return d
    return most


def general_tick(v: float, _pos: int | None = None) -> str:
    """An odds ratio's tick: 0.5, 2, 10."""
    return f"{v:g}"
