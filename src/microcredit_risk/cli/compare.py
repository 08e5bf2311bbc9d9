"""`mcr compare RUN_DIR…`: finished runs side by side in one comparison report (nothing recomputed)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..compare import compare_runs
from ..compare.units import check_labels
from ..errors import UsageError
from .app import app
from .common import LangOpt, OutOpt, QuietOpt, stdout


def _labels(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [x.strip() for x in text.split(",")]


@app.command("compare")
def compare(
    run_dirs: Annotated[list[Path], typer.Argument(help="Folders of finished 'mcr analyze' runs (two or more).",
                                                   show_default=False)],
    labels: Annotated[str | None, typer.Option("--labels", help="Comma-separated names for the runs, one per "
                                               "folder in order (default: the folder names).")] = None,
    lang: LangOpt = None,
    out: OutOpt = None,
    dpi: Annotated[int, typer.Option("--dpi", min=50, max=1200, help="Resolution of the PNG figures.")] = 300,
    quiet: QuietOpt = False,
) -> None:
    """Compare finished runs side by side: compare.html, .md, .docx, .xlsx and figures (default mcr-out/compare)."""
    names = check_labels(_labels(labels), len(run_dirs))
    if len(run_dirs) < 2:
        raise UsageError("E622", where="RUN_DIR", count=len(run_dirs))
    done = compare_runs(run_dirs, out or Path("mcr-out") / "compare", labels=names, lang=lang, dpi=dpi)
    if not quiet:
        stdout().print(f"{done.folder / 'compare.html'}  ({len(done.units)} runs: "
                       f"{', '.join(u.label for u in done.units)})", highlight=False)
