"""Saving drawn figures to files, deterministically: light on purpose (matplotlib and the style only),
so that the figure worker (figures/aside.py) starts in about a second, not the 2.5 s the figure
code's imports (pandas, scipy.stats, the metrics and findings packages) would take."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from matplotlib.figure import Figure

from ..errors import UsageError
from .style import save_metadata, styled

FORMATS = ("png", "svg", "pdf")

Named = tuple[str, str, Figure]   # (figure name, language, the drawn figure)


def parse_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"png, svg"`` → ("png", "svg"): known formats, each once; an unknown one is a usage error."""
    items = text.split(",") if isinstance(text, str) else list(text)
    formats = tuple(dict.fromkeys(f.strip().lower() for f in items if f.strip()))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise UsageError("E714", where="--format", value=", ".join(bad) or "''", choices=", ".join(FORMATS))
    return formats


def figure_file(name: str, fmt: str) -> str:
    """The file a figure is saved to, in the figures folder: NAME.FORMAT."""
    return f"{name}.{fmt}"


def save_all(figures: Sequence[Named], outdir: str | Path, formats: Sequence[str] = ("png", "svg"),
             dpi: int = 300, done: Callable[[str], None] | None = None) -> dict[str, dict[str, Path]]:
    """Write each figure as NAME.FORMAT; byte-identical for the same input (no dates, fixed hash salt).

    One format at a time, every figure in it, then ``done(format)``: the report, which embeds the
    PNGs, can start while the SVGs are still being written (figures/aside.py)."""
    formats = parse_formats(formats)
    folder = Path(outdir)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, dict[str, Path]] = {name: {} for name, _, _ in figures}
    engines = [fig.get_layout_engine() for _, _, fig in figures]
    try:
        for k, fmt in enumerate(formats):
            for name, lang, fig in figures:
                path = folder / figure_file(name, fmt)
                with styled(lang):
                    fig.savefig(path, format=fmt, dpi=dpi, metadata=save_metadata(fmt))
                written[name][fmt] = path
                if k == 0:  # the layout is in figure units: lay out once, not once per format
                    fig.set_layout_engine("none")
            if done is not None:
                done(fmt)
    finally:
        for (_, _, fig), engine in zip(figures, engines, strict=True):
            fig.set_layout_engine(engine)
    return written
