"""`mcr sample`: write a synthetic ledger and its bank profile for one kind of bank."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import UsageError
from ..output import write_file
from ..sample import export_bank_ledger, kinds, simulate
from .app import app
from .common import one_of, stdout
from .progress import progress


@app.command("sample")
def sample(
    kind: Annotated[str, typer.Option("--kind", callback=one_of("--kind", kinds()), help=f"Kind of bank: {', '.join(kinds())}.")] = "village_bank",
    seed: Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives the same files.")] = 0,
    loans: Annotated[int | None, typer.Option("--loans", min=1, help="Loans on the book at a year-end (default: the kind's size).")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("."),
    fmt: Annotated[str | None, typer.Option("--format", callback=one_of("--format", ("xlsx", "csv")),
                                            help="Ledger file format: xlsx (default) or csv.")] = None,
    monthly: Annotated[bool, typer.Option("--monthly", help="Every month-end, canonical columns, as Parquet "
                                                            "partitions OUT/as_of=YYYY-MM-DD/part-0.parquet.")] = False,
) -> None:
    """Write a synthetic five-year ledger (OUT/KIND.xlsx or .csv; with --monthly, Parquet partitions per
    month-end) and its bank profile (OUT/KIND.toml)."""
    console = stdout()
    if monthly:
        if fmt is not None:
            raise UsageError("E609", value=fmt)
        from ..sample.monthly import plan_monthly, write_monthly

        with progress(False) as say:  # a spinner on a terminal only: a 1M-loan sample takes minutes
            say("simulating the loan lives")
            done = write_monthly(plan_monthly(kind, seed=seed, loans=loans), out, progress=lambda p: say(f"writing {p}"))
        console.print(f"{done.folder}  ({done.partitions} partitions as_of=YYYY-MM-DD/part-0.parquet, "
                      f"{done.rows} rows, {done.loans} loans)")
        console.print(f"{done.profile}  (bank profile)")
        return
    result = simulate(kind, seed=seed, loans=loans)
    ledger = export_bank_ledger(result, out / f"{kind}.{fmt or 'xlsx'}")
    profile = write_file(out / f"{kind}.toml", result.profile_toml())
    console.print(f"{ledger}  ({len(result.frame)} rows, {result.frame['loan_id'].nunique()} loans, "
                  f"{result.frame['as_of'].dt.year.min()}–{result.frame['as_of'].dt.year.max()})")
    console.print(f"{profile}  (bank profile)")
