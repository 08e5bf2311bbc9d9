"""Write a comparison: compare.html, compare.md, compare.docx, compare.xlsx, compare.json, figures/.

:func:`write_comparison` fills a folder being built (the temporary folder of ``mcr analyze --by``);
:func:`compare_runs` reads run folders and writes a comparison folder atomically.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..figures import save_figures
from ..output import COMPARE_SCHEMA, GENERATOR, atomic_folder, write_file
from ..report.docx import write_docx
from ..report.render import render_text, shared_characters
from ..report.run_folder import FigureRef
from ..report.texts import Texts
from .context import build_compare_context
from .figures import render
from .numbers import Headline, headline, latest
from .units import Unit, load_units

FILES = ("compare.html", "compare.md", "compare.docx", "compare.xlsx", "compare.json")


@dataclass(frozen=True)
class Written:
    folder: Path
    units: list[Unit]


def compare_json(units: Sequence[Unit], rows: Sequence[Headline], lang: str, dimension: str | None) -> str:
    """The comparison as data: the units (label, run folder) and each headline metric's values and ranks."""
    def unit(u: Unit) -> dict[str, Any]:
        d = latest(u)
        out: dict[str, Any] = {"label": u.label, "source": u.source, "bank": u.run.bank.name,
                               "latest": None if d is None else pd.Timestamp(d).strftime("%Y-%m-%d"),
                               "findings": len(u.run.findings.items)}
        if u.folder is not None:
            out["folder"] = u.folder
        return out

    obj = {"schema": COMPARE_SCHEMA, "generator": GENERATOR, "lang": lang, "dimension": dimension,
           "currency": units[0].run.ledger.currency, "units": [unit(u) for u in units],
           "headline": [{"metric": h.metric, "unit": h.unit, "rank": h.rank_by, "values": h.values, "ranks": h.ranks}
                        for h in rows]}
    return json.dumps(obj, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def write_comparison(units: Sequence[Unit], folder: Path, *, lang: str, dimension: str | None = None,
                     dpi: int = 300, figure_formats: Sequence[str] = ("png", "svg")) -> Path:
    """Write every comparison file into ``folder`` (a folder being built; no atomicity here)."""
    from .workbook import compare_xlsx_bytes

    folder = Path(folder)
    rows = headline(units)
    texts = Texts(lang)
    severities = {s: texts.get(f"severity.{s}") for s in ("high", "medium", "low")}
    rendered = render(units, rows, lang, units[0].run.ledger.currency, severities)
    saved = save_figures(rendered, folder / "figures", formats=tuple(figure_formats), dpi=dpi)
    refs = [FigureRef(f.name, f.title, f"figures/{saved[f.name]['png'].name}")
            for f in rendered.figures if "png" in saved.get(f.name, {})]
    for f in rendered.figures:
        f.figure.clear()
    ctx = build_compare_context(units, rows, refs, lang, dimension, folder)
    doc, chars = shared_characters(ctx, ("html", "docx"))
    write_file(folder / "compare.html", render_text(ctx, "html", chars=chars))
    write_file(folder / "compare.md", render_text(ctx, "md"))
    write_docx(ctx, folder / "compare.docx", doc=doc, chars=chars)
    write_file(folder / "compare.xlsx", compare_xlsx_bytes(units, rows, lang, dimension))
    write_file(folder / "compare.json", compare_json(units, rows, lang, dimension))
    return folder


def compare_runs(dirs: Sequence[str | Path], out_dir: str | Path, *, labels: Sequence[str] | None = None,
                 lang: str | None = None, dpi: int = 300) -> Written:
    """Read finished run folders and write their comparison to ``out_dir``, completely or not at all."""
    units = load_units(dirs, labels)
    chosen = lang or units[0].run.lang
    target = Path(out_dir)
    with atomic_folder(target) as tmp:
        write_comparison(units, tmp, lang=chosen, dpi=dpi)
    return Written(target, units)
