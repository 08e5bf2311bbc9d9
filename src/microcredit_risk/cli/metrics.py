"""`mcr metrics`: the tidy metrics table (table for people, json, csv, xlsx) — the rows of metrics.json."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..errors import UsageError
from ..metrics.table import Metrics
from ..output import write_file
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
    one_of,
    session,
    stderr,
    stdout,
)
from .warnings import print_warnings


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


def _known(names: list[str] | None) -> list[str] | None:
    """Refuse an unknown metric name before the ledger is read (exit 2, listing the valid names)."""
    if names:
        from ..metrics.catalogue import catalogue

        unknown = [n for n in names if n not in catalogue()]
        if unknown:
            raise UsageError("E701", where="--metric", name=", ".join(unknown), known=", ".join(catalogue()))
    return names


@app.command("metrics")
def metrics_command(
    ledger: LedgerPaths,
    profile: ProfileOpt = None,
    columns: ColumnsOpt = None,
    as_of: AsOfOpt = None,
    snapshots: SnapshotsOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", callback=one_of("--format", Format),
                                     help="table (for people), json, csv or xlsx.")] = "table",
    metric: Annotated[list[str] | None, typer.Option("--metric", "-m", callback=_known, help="Only this metric (repeatable).")] = None,
    dimension: Annotated[str | None, typer.Option("--dimension", "-d", help="Only this dimension's segments.")] = None,
    snapshot: Annotated[str | None, typer.Option("--snapshot", help="Only this as_of date (YYYY-MM-DD).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file (required for xlsx).")] = None,
    lang: LangOpt = None,
    engine: EngineOpt = "duckdb",
    memory_limit: MemoryLimitOpt = None,
    temp_dir: TempDirOpt = None,
    spark_conf: SparkConfOpt = None,
    stream: StreamOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Compute the tidy metrics table (METRICS.md, statistics rows included) and print or write it."""
    if fmt == Format.xlsx and out is None:
        raise UsageError("E606", where="--out", value=fmt)
    run = session(ledger, profile=profile, engine=engine_options(engine, memory_limit, temp_dir, spark_conf, stream), columns=columns, as_of=as_of, snapshots=snapshots, lang=lang)
    chosen = run.select_metrics(metric, dimension, snapshot)
    print_warnings(run.ledger, run.lang, quiet)
    err = stderr(quiet)
    for s in chosen.skipped:
        err.print(f"skipped {s.what}: needs {s.needs} ({s.reason})", markup=False, highlight=False)
    if fmt == Format.table:
        from ..metrics.export import metrics_table

        shown = chosen
        if dimension is None:
            shown = Metrics(frame=chosen.frame[chosen.frame["dimension"].isna()], skipped=chosen.skipped)
            dims = sorted(set(run.metrics.frame["dimension"].dropna()))
            if dims:
                err.print(f"segments: --dimension {' | '.join(dims)}", markup=False, highlight=False)
        console = stdout()
        for panel in metrics_table(shown, run.lang, run.ledger.currency):
            console.print(panel)
        return
    if fmt == Format.xlsx:
        from ..metrics.xlsx import metrics_xlsx_bytes

        assert out is not None
        write_file(out, metrics_xlsx_bytes(chosen, run.lang, run.ledger.currency, run.profile.benchmarks))
        return
    if fmt == Format.json:
        text = run.metrics_json(chosen)
    else:
        from ..metrics.export import metrics_csv

        text = metrics_csv(chosen)
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_file(out, text)
