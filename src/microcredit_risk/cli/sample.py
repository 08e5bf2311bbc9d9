"""`mcr sample`: write a synthetic ledger and its bank profile for one kind of bank."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import MCRError
from ..sample import export_bank_ledger, kinds, simulate
from ..sample.export import atomic_write
from .app import app
from .common import guarded, stdout


@app.command("sample")
@guarded
def sample(
    kind: Annotated[str, typer.Option("--kind", help=f"Kind of bank: {', '.join(kinds())}.")] = "village_bank",
    seed: Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives the same files.")] = 0,
    loans: Annotated[int | None, typer.Option("--loans", help="Loans on the book at a year-end (default: the kind's size).")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("."),
    fmt: Annotated[str, typer.Option("--format", help="Ledger file format: xlsx or csv.")] = "xlsx",
) -> None:
    """Write a synthetic five-year ledger (OUT/KIND.xlsx or .csv) and its bank profile (OUT/KIND.toml)."""
    if fmt not in ("xlsx", "csv"):
        raise MCRError(f"--format must be xlsx or csv, not '{fmt}'")
    if loans is not None and loans < 1:
        raise MCRError("--loans must be at least 1")
    result = simulate(kind, seed=seed, loans=loans)
    ledger = export_bank_ledger(result, out / f"{kind}.{fmt}")
    profile = atomic_write(out / f"{kind}.toml",
                           lambda tmp: Path(tmp).write_text(result.profile_toml(), encoding="utf-8"))
    console = stdout()
    console.print(f"{ledger}  ({len(result.frame)} rows, {result.frame['loan_id'].nunique()} loans, "
                  f"{result.frame['as_of'].dt.year.min()}–{result.frame['as_of'].dt.year.max()})")
    console.print(f"{profile}  (bank profile)")
