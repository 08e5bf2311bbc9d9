"""`mcr figures LEDGER… -o DIR`: the figure set only (png/svg/pdf), for a thesis or a slide deck."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..output import atomic_files
from .app import app
from .common import (
    AsOfOpt,
    ColumnsOpt,
    EngineOpt,
    LangOpt,
    LedgerPaths,
    MemoryLimitOpt,
    ProfileOpt,
    QuietOpt,
    SnapshotsOpt,
    SparkConfOpt,
    StreamOpt,
    TempDirOpt,
    engine_options,
    session,
    stderr,
    stdout,
)
from .warnings import print_warnings


def _formats(text: str) -> tuple[str, ...]:
    from ..figures.saving import parse_formats

    return parse_formats(text)


def _names(only: list[str] | None) -> list[str] | None:
    from ..figures.registry import check_names

    return check_names([n.strip() for item in only for n in item.split(",") if n.strip()]) if only else None


@app.command("figures")
def figures_command(
    ledger: LedgerPaths,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (created if absent).")],
    fmt: Annotated[str, typer.Option("--format", callback=_formats, help="Comma-separated: png, svg, pdf.")] = "png,svg",
    dpi: Annotated[int, typer.Option("--dpi", min=50, max=1200, help="Resolution of PNG files.")] = 300,
    lang: LangOpt = None,
    engine: EngineOpt = "duckdb",
    memory_limit: MemoryLimitOpt = None,
    temp_dir: TempDirOpt = None,
    spark_conf: SparkConfOpt = None,
    stream: StreamOpt = None,
    only: Annotated[list[str] | None, typer.Option("--only", callback=_names,
                                                   help="Draw only this figure (repeatable).")] = None,
    profile: ProfileOpt = None,
    columns: ColumnsOpt = None,
    as_of: AsOfOpt = None,
    snapshots: SnapshotsOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Draw the figure set from a ledger and print the files written."""
    from ..figures.registry import save_figures

    run = session(ledger, profile=profile, engine=engine_options(engine, memory_limit, temp_dir, spark_conf, stream), columns=columns, as_of=as_of, snapshots=snapshots, lang=lang)
    rendered = run.figures(only=only)
    print_warnings(run.ledger, run.lang, quiet)
    with atomic_files(out) as tmp:
        written = save_figures(rendered, tmp, formats=tuple(fmt), dpi=dpi)
    console = stdout()
    for paths in written.values():
        for path in paths.values():
            console.print(str(Path(out) / path.name), highlight=False)
    err = stderr(quiet)
    for skip in rendered.skipped:
        err.print(f"mcr: skipped {skip.what}: {skip.reason}", markup=False, highlight=False)
