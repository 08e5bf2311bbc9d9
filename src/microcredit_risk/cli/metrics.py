"""`mcr metrics`: the tidy metrics table (table for people, json, csv, xlsx)."""

from __future__ import annotations

import os
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from ..errors import AnalysisError
from ..metrics.catalogue import catalogue
from ..metrics.table import Metrics
from .app import app
from .common import AsOfOpt, ColumnsOpt, LangOpt, LedgerPaths, ProfileOpt, QuietOpt, guarded, stderr, stdout


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


def filter_metrics(metrics: Metrics, names: list[str] | None = None, dimension: str | None = None,
                   snapshot: str | None = None) -> Metrics:
    """The rows asked for; an unknown metric, dimension or snapshot is an AnalysisError listing the valid ones."""
    f = metrics.frame
    if names:
        known = list(catalogue())
        unknown = [n for n in names if n not in known]
        if unknown:
            raise AnalysisError(f"unknown metric {', '.join(unknown)}; valid names: {', '.join(known)}")
        f = f[f["metric"].isin(names)]
    if dimension is not None:
        present = sorted(set(metrics.frame["dimension"].dropna()))
        if dimension not in present:
            raise AnalysisError(f"unknown dimension '{dimension}' for this ledger; valid: {', '.join(present)}")
        f = f[f["dimension"] == dimension]
    if snapshot is not None:
        try:
            when = pd.Timestamp(snapshot).normalize()
        except (ValueError, TypeError):
            raise AnalysisError(f"--snapshot {snapshot!r} is not a date (YYYY-MM-DD)") from None
        dates = sorted(pd.Timestamp(d) for d in metrics.frame["as_of"].unique())
        if when not in dates:
            raise AnalysisError(f"no snapshot {when:%Y-%m-%d}; snapshots: "
                                f"{', '.join(f'{d:%Y-%m-%d}' for d in dates)}")
        f = f[f["as_of"] == when]
    wanted = set(names or [])
    skipped = [s for s in metrics.skipped if not wanted or s.what in wanted]
    return Metrics(frame=f.reset_index(drop=True), skipped=skipped)


def _write(path: Path, data: str | bytes) -> None:
    """Write beside the target and rename: a cron job never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@app.command("metrics")
@guarded
def metrics_command(
    ledger: LedgerPaths,
    profile: ProfileOpt = None,
    columns: ColumnsOpt = None,
    as_of: AsOfOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table (for people), json, csv or xlsx.")] = Format.table,
    metric: Annotated[list[str] | None, typer.Option("--metric", "-m", help="Only this metric (repeatable).")] = None,
    dimension: Annotated[str | None, typer.Option("--dimension", "-d", help="Only this dimension's segments.")] = None,
    snapshot: Annotated[str | None, typer.Option("--snapshot", help="Only this as_of date (YYYY-MM-DD).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file (required for xlsx).")] = None,
    lang: LangOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Compute the tidy metrics table (METRICS.md) and print or write it."""
    from ..ledger.load import load_ledger
    from ..metrics.compute import compute_metrics
    from ..metrics.export import ledger_info, metrics_csv, metrics_json, metrics_table
    from ..metrics.xlsx import metrics_xlsx_bytes
    from ..profile import load_profile

    if fmt is Format.xlsx and out is None:
        raise AnalysisError("--format xlsx writes a workbook: give --out FILE.xlsx")
    if lang is not None and lang not in ("zh", "en"):
        raise AnalysisError(f"--lang {lang!r} must be zh or en")
    bank = load_profile(profile)
    language = lang or bank.language or "zh"
    book = load_ledger(ledger, columns=columns, as_of=as_of)
    computed = compute_metrics(book, bank)
    chosen = filter_metrics(computed, metric, dimension, snapshot)
    err = stderr(quiet)
    for s in chosen.skipped:
        err.print(f"skipped {s.what}: needs {s.needs} ({s.reason})", markup=False, highlight=False)
    if fmt is Format.table:
        shown = chosen
        if dimension is None:
            shown = Metrics(frame=chosen.frame[chosen.frame["dimension"].isna()], skipped=chosen.skipped)
            dims = sorted(set(computed.frame["dimension"].dropna()))
            if dims:
                err.print(f"segments: --dimension {' | '.join(dims)}", markup=False, highlight=False)
        console = stdout()
        for panel in metrics_table(shown, language):
            console.print(panel)
        return
    if fmt is Format.xlsx:
        assert out is not None
        _write(out, metrics_xlsx_bytes(chosen, language))
        return
    text = metrics_json(chosen, ledger_info(book)) if fmt is Format.json else metrics_csv(chosen)
    if out is None:
        typer.echo(text, nl=False)
    else:
        _write(out, text)
