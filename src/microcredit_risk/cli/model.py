"""`mcr model LEDGER…`: the default-driver model (summary for people, or models.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..output import write_file
from .app import app
from .common import (
    AsOfOpt,
    ColumnsOpt,
    EngineOpt,
    FormulaOpt,
    LangOpt,
    LedgerPaths,
    MemoryLimitOpt,
    ProfileOpt,
    QuietOpt,
    SnapshotsOpt,
    SparkConfOpt,
    StreamOpt,
    TempDirOpt,
    TextOrJson,
    engine_options,
    one_of,
    session,
)
from .warnings import print_warnings


@app.command("model", help="The default-driver model: logistic regression of NPL at t1 on loan features.")
def model(
    ledger: LedgerPaths,
    profile: ProfileOpt = None,
    columns: ColumnsOpt = None,
    as_of: AsOfOpt = None,
    snapshots: SnapshotsOpt = None,
    formula: FormulaOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", callback=one_of("--format", TextOrJson),
                                     help="text or json (models.json).")] = "text",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")] = None,
    lang: LangOpt = None,
    engine: EngineOpt = "duckdb",
    memory_limit: MemoryLimitOpt = None,
    temp_dir: TempDirOpt = None,
    spark_conf: SparkConfOpt = None,
    stream: StreamOpt = None,
    quiet: QuietOpt = False,
) -> None:
    from ..stats.export import driver_model_text

    run = session(ledger, profile=profile, engine=engine_options(engine, memory_limit, temp_dir, spark_conf, stream), columns=columns, as_of=as_of, snapshots=snapshots, lang=lang, formula=formula)
    if fmt == TextOrJson.json:
        text = run.models_json()
    else:
        dm = run.statistics.driver_model
        text = driver_model_text(dm) if dm else "no model\n"
    print_warnings(run.ledger, run.lang, quiet)
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_file(out, text)
