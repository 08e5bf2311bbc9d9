"""`mcr report RUN_DIR`: re-render the report of a finished run from its saved results (no recomputing)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..output import atomic_files
from ..report.render import ALL_FORMATS, FORMATS, load_run, render_report
from .app import app
from .common import LangOpt, OutOpt, QuietOpt, one_of, stderr


def _formats(text: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(f.strip() for f in text.split(",") if f.strip()))
    one_of("--format", ALL_FORMATS)(list(chosen) or [""])
    return chosen


@app.command("report")
def report(
    run_dir: Annotated[Path, typer.Argument(help="Folder of a finished 'mcr analyze' run.", show_default=False)],
    templates: Annotated[Path | None, typer.Option("--templates", help="Folder of your own report templates (report.html.j2, report.md.j2); missing ones fall back to the shipped ones.")] = None,
    lang: LangOpt = None,
    out: OutOpt = None,
    formats: Annotated[str, typer.Option("--format", callback=_formats,
                                         help="Comma-separated: " + ", ".join(ALL_FORMATS) + ".")] = ",".join(FORMATS),
    quiet: QuietOpt = False,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write report.pdf (typeset with the shipped fonts).")] = False,
) -> None:
    """Re-render report.html, report.md and report.docx (and report.pdf) from a run folder's saved results."""
    run = load_run(run_dir)
    target = Path(out) if out is not None else Path(run_dir)
    with atomic_files(target) as tmp:
        chosen = (*formats, "pdf") if pdf and "pdf" not in formats else tuple(formats)
        render_report(run, tmp, lang=lang or run.lang, templates=templates, formats=chosen)
        written = sorted(p.relative_to(tmp) for p in tmp.rglob("*") if p.is_file())
    err = stderr(quiet)
    for p in written:
        if p.suffix in (".html", ".md", ".docx", ".pdf"):
            err.print(f"wrote {target / p}", markup=False, highlight=False)
