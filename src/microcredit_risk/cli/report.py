"""`mcr report RUN_DIR`: re-render the report of a finished run from its saved results (no recomputing)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from ..errors import MCRError
from ..report.render import FORMATS, load_run, render_report
from .app import app
from .common import LangOpt, OutOpt, QuietOpt, guarded, stderr


def _replace_into(tmp: Path, out: Path) -> list[Path]:
    """Move every file of ``tmp`` into ``out`` (same file system: each move is an atomic rename)."""
    moved = []
    for src in sorted(p for p in tmp.rglob("*") if p.is_file()):
        target = out / src.relative_to(tmp)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, target)
        moved.append(target)
    return moved


@app.command("report")
@guarded
def report(
    run_dir: Annotated[Path, typer.Argument(help="Folder of a finished 'mcr analyze' run.", show_default=False)],
    templates: Annotated[Path | None, typer.Option("--templates", help="Folder of your own report templates (report.html.j2, report.md.j2); missing ones fall back to the shipped ones.")] = None,
    lang: LangOpt = None,
    out: OutOpt = None,
    formats: Annotated[str, typer.Option("--format", help="Comma-separated: html,md,docx.")] = ",".join(FORMATS),
    quiet: QuietOpt = False,
) -> None:
    """Re-render report.html, report.md and report.docx from a run folder's saved results."""
    run = load_run(run_dir)
    chosen = tuple(f.strip() for f in formats.split(",") if f.strip())
    language = lang or run.lang
    target = Path(out) if out is not None else Path(run_dir)
    target.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".mcr-report-", dir=target.parent if target.parent.exists() else None))
    try:
        render_report(run, tmp, lang=language, templates=templates, formats=chosen)
        written = _replace_into(tmp, target)
    except OSError as exc:
        raise MCRError(f"cannot write the report into {target}: {exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    err = stderr(quiet)
    for p in written:
        if p.suffix in (".html", ".md", ".docx"):
            err.print(f"wrote {p}")
