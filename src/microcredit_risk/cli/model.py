"""`mcr model LEDGER…`: the default-driver model (summary for people, or models.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import app
from .common import AsOfOpt, ColumnsOpt, LedgerPaths, ProfileOpt, guarded


@app.command("model", help="The default-driver model: logistic regression of NPL at t1 on loan features.")
@guarded
def model(
    ledger: LedgerPaths,
    profile: ProfileOpt = None,
    columns: ColumnsOpt = None,
    as_of: AsOfOpt = None,
    formula: Annotated[str | None, typer.Option(
        "--formula", help="e.g. 'npl ~ C(guarantee_type) + log(amount) + Q(\"my column\")'; columns may be extra ones.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")] = None,
) -> None:
    from ..errors import MCRError
    from ..ledger.load import load_ledger  # type: ignore[import-not-found,unused-ignore]
    from ..metrics.compute import compute_metrics  # type: ignore[import-not-found,unused-ignore]
    from ..profile import load_profile
    from ..stats.compute import compute_statistics
    from ..stats.export import driver_model_text, models_json

    if fmt not in ("text", "json"):
        raise MCRError(f"--format must be text or json, got {fmt!r}")
    bank = load_profile(profile)
    loaded = load_ledger(ledger, columns=columns, as_of=as_of, profile=bank)
    metrics = compute_metrics(loaded, bank)
    stats = compute_statistics(loaded, metrics, bank, formula=formula)
    if fmt == "json":
        text = models_json(stats)
    else:
        text = driver_model_text(stats.driver_model) if stats.driver_model else "no model\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
