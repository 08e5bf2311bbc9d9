"""`mcr validate`: read and check only; show how the columns were matched and what was found."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..errors import escape_controls
from ..ledger.canonical import Ledger
from ..ledger.load import load_ledger
from ..ledger.summary import snapshot_counts, validation_json
from ..profile import load_profile
from .app import app
from .common import AsOfOpt, ColumnsOpt, LangOpt, LedgerPaths, ProfileOpt, QuietOpt, guarded, stdout


@app.command()
@guarded
def validate(
    ledger: LedgerPaths,
    profile: ProfileOpt = None,
    columns: ColumnsOpt = None,
    as_of: AsOfOpt = None,
    lang: LangOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    quiet: QuietOpt = False,
    snapshots: Annotated[str | None, typer.Option("--snapshots", help="annual: the file is a loan tape (one row "
                                                                     "per loan), made into year-end snapshots.")] = None,
    explain: Annotated[bool, typer.Option("--explain", help="Per column: source header, conversion, "
                                                            "five sample values before → after.")] = False,
) -> None:
    """Read and check LEDGER files only: column matching, rows per snapshot, warnings. Exit 1 on an error."""
    if fmt not in ("text", "json"):
        raise typer.BadParameter("must be text or json", param_hint="--format")
    bank = load_profile(profile)
    data = load_ledger(ledger, columns=columns, as_of=as_of, profile=bank, snapshots=snapshots)
    language = lang or bank.language or "en"
    if fmt == "json":
        typer.echo(validation_json(data, language), nl=False)
    elif not quiet:
        _print_summary(data, language)
        if explain:
            _print_explain(data)


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
    out.print(f"[bold]{len(data.frame):,}[/bold] rows from {len(data.sources)} table(s); "
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
