"""One look for every figure: colour-blind-safe palette, A4 sizes, fonts, deterministic output."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl

from .fonts import font_families

CM = 1 / 2.54                     # inches per centimetre
WIDTH_CM = 16.0                   # A4 text width with 2.5 cm margins
NOTE_CM = 0.45                    # strip kept free at the bottom for the source note

# Okabe–Ito / Tol colours: distinguishable with the common colour-vision deficiencies.
BLUE, ORANGE, GREEN, VERMILION = "#0072B2", "#E69F00", "#009E73", "#D55E00"
SKY, PURPLE, YELLOW, GREY, DARK = "#56B4E9", "#CC79A7", "#F0E442", "#9A9A9A", "#333333"
# grades from normal to loss: blue → yellow → orange → red → dark brown (order readable in grey too)
GRADE_COLOURS = {
    "normal": "#4477AA",
    "special_mention": "#DDCC77",
    "substandard": "#EE8866",
    "doubtful": "#CC3311",
    "loss": "#662506",
    "exited": "#BBBBBB",
}
LIMIT_COLOUR = VERMILION
PEER_COLOUR = GREEN             # peer benchmarks (figures/peers.py): never the limit colour
# behind value labels that sit on a line: readable, and the line stays visible around them
LABEL_BOX = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8}


def rc(lang: str) -> dict[str, Any]:
    """rcParams for one language; no date or random id ever reaches a file."""
    return {
        "font.family": font_families(lang),
        "font.size": 8.5,
        "axes.titlesize": 9,
        "axes.labelsize": 8.5,
        "xtick.labelsize": 8,
        "ytick.labelsize": 8,
        "legend.fontsize": 7.5,
        "figure.titlesize": 10.5,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#E3E3E3",
        "grid.linewidth": 0.5,
        "axes.axisbelow": True,
        "axes.unicode_minus": True,
        "legend.frameon": False,
        "lines.linewidth": 1.4,
        "lines.markersize": 4,
        "svg.hashsalt": "microcredit-risk",
        "svg.fonttype": "path",
        "pdf.fonttype": 3,    # Type 42 mislabels a CFF (.otf) font; Type 3 glyphs print everywhere
        "pdf.compression": 6,
        "path.simplify": True,
    }


@contextmanager
def styled(lang: str) -> Iterator[None]:
    """Build and save figures inside this context: tick labels are made at draw time."""
    with mpl.rc_context(rc(lang)):  # type: ignore[arg-type]
        yield


def save_metadata(fmt: str) -> dict[str, Any] | None:
    """Fixed metadata per format: no creation date, a constant creator, so output is byte-stable."""
    if fmt == "svg":
        return {"Date": None, "Creator": "mcr (microcredit_risk)"}
    if fmt == "pdf":
        return {"CreationDate": None, "ModDate": None, "Creator": "mcr (microcredit_risk)", "Producer": "mcr"}
    if fmt == "png":
        return {"Software": "mcr (microcredit_risk)"}
    return None
