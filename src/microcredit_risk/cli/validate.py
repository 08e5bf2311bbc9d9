"""`mcr validate`: read and check only; show how the columns were matched and what was found."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..errors import escape_controls
from ..ledger.contract import Ledger
from ..ledger.summary import snapshot_counts
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
    TextOrJson,
    engine_options,
    one_of,
    session,
    stdout,
)


@app.command()
def validate(
    ledger: LedgerPaths,
    profile: ProfileOpt = None,
    columns: ColumnsOpt = None,
    as_of: AsOfOpt = None,
    lang: LangOpt = None,
    engine: EngineOpt = "duckdb",
    memory_limit: MemoryLimitOpt = None,
    temp_dir: TempDirOpt = None,
    spark_conf: SparkConfOpt = None,
    stream: StreamOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", callback=one_of("--format", TextOrJson),
                                     help="text or json (validation.json).")] = "text",
    quiet: QuietOpt = False,
    snapshots: SnapshotsOpt = None,
    explain: Annotated[bool, typer.Option("--explain", help="Per column: source header, conversion, "
                                                            "five sample values before → after.")] = False,
) -> None:
    """Read and check LEDGER files only: column matching, rows per snapshot, warnings. Exit 1 on an error."""
    run = session(ledger, profile=profile, engine=engine_options(engine, memory_limit, temp_dir, spark_conf, stream), columns=columns, as_of=as_of, lang=lang, snapshots=snapshots)
    if fmt == TextOrJson.json:
        typer.echo(run.validation_json(), nl=False)
    elif not quiet:
        _print_summary(run.ledger, run.lang)
        if explain:
            _print_explain(run.ledger)


def _print_explain(data: Ledger) -> None:
    """Render ``Ledger.conversions`` (ledger/explain.py): one row per canonical column per source."""
    t = Table(title="Explain: how each column was read", title_justify="left")
    several = len(data.sources) > 1
    for col in (["source"] if several else []) + ["canonical", "header", "conversion", "samples (before → after)"]:
        t.add_column(col)
    for c in data.conversions:
        samples = "\n".join(f"{escape_controls(a)} → {escape_controls(b)}" for a, b in c.samples)
        cells = [c.canonical, escape_controls(c.header), c.conversion, samples]
        t.add_row(*[escape(x) for x in ([c.source] if several else []) + cells])
    stdout().print(t)


def _print_summary(data: Ledger, lang: str) -> None:
    out = stdout()
    out.print(f"[bold]{data.row_count:,}[/bold] rows from {len(data.sources)} table(s) in {len(data.files)} file(s); "
              f"{len(data.snapshots)} snapshot(s), {len(data.annual_snapshots)} year-end(s). OK.")
    t = Table(title="Sources", title_justify="left")
    for col in ("file", "sheet", "header row", "rows", "as_of from"):
        t.add_column(col)
    for s in data.sources:
        t.add_row(s.file, s.sheet or "", str(s.header_row), f"{s.rows:,}", s.as_of_from)
    out.print(t)
    t = Table(title="Columns", title_justify="left")
    for col in ("header", "canonical", "how", "unit ×"):
        t.add_column(col)
    seen: set[tuple[str, str | None]] = set()
    for m in data.matches:
        if (m.header, m.canonical) in seen:
            continue
        seen.add((m.header, m.canonical))
        t.add_row(escape(escape_controls(m.header)), m.canonical or "—", m.how, "" if m.unit_scale == 1 else f"{m.unit_scale:g}")
    out.print(t)
    counts = snapshot_counts(data)
    t = Table(title="Snapshots", title_justify="left")
    for col in ("as_of", "rows", "customers", f"balance ({data.currency})"):
        t.add_column(col, justify="right")
    for d, r in counts.iterrows():
        t.add_row(str(d), f"{int(r.rows):,}", f"{int(r.customers):,}", f"{r.balance:,.2f}")
    out.print(t)
    if data.issues:
        t = Table(title="Warnings", title_justify="left")
        for col in ("code", "where", "message", "first rows"):
            t.add_column(col)
        for i in data.issues:
            where = ", ".join(x for x in (i.location.sheet, i.location.column) if x) or (i.location.file or "")
            t.add_row(i.code, escape(escape_controls(where)), escape(escape_controls(i.message(lang))),
                      ", ".join(map(str, i.rows)))
        out.print(t)
    else:
        out.print("No warnings.")
