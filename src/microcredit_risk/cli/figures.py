"""`mcr figures LEDGER… -o DIR`: the figure set only (png/svg/pdf), for a thesis or a slide deck."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import AnalysisError
from .app import app
from .common import AsOfOpt, ColumnsOpt, LangOpt, LedgerPaths, ProfileOpt, QuietOpt, guarded, stdout

FormatOpt = Annotated[str, typer.Option("--format", help="Comma-separated: png, svg, pdf.")]
DpiOpt = Annotated[int, typer.Option("--dpi", min=50, max=1200, help="Resolution of PNG files.")]
OnlyOpt = Annotated[list[str] | None, typer.Option("--only", help="Draw only this figure (repeatable).")]
OutDirOpt = Annotated[Path, typer.Option("--out", "-o", help="Output folder (created if absent).")]


def parse_formats(text: str) -> tuple[str, ...]:
    from ..figures.registry import FORMATS

    formats = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise AnalysisError(f"unknown figure format {', '.join(bad) or '(none)'}: choose from {', '.join(FORMATS)}")
    return formats


@app.command("figures")
@guarded
def figures_command(
    ledger: LedgerPaths,
    out: OutDirOpt,
    fmt: FormatOpt = "png,svg",
    dpi: DpiOpt = 300,
    lang: LangOpt = None,
    only: OnlyOpt = None,
    profile: ProfileOpt = None,
    columns: ColumnsOpt = None,
    as_of: AsOfOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Draw the figure set from a ledger and print the files written."""
    from ..figures.registry import check_names, render_figures, save_figures
    from ..figures.texts import texts_for
    from ..profile import load_profile

    # refuse a wrong option before the long work
    formats = parse_formats(fmt)
    wanted = check_names([n.strip() for item in only for n in item.split(",") if n.strip()]) if only else None
    bank = load_profile(profile)
    language = lang or bank.language or "zh"
    texts_for(language)

    from ..ledger.load import load_ledger  # type: ignore[import-not-found,unused-ignore]
    from ..metrics.compute import compute_metrics  # type: ignore[import-not-found,unused-ignore]
    from ..stats.compute import compute_statistics  # type: ignore[import-not-found,unused-ignore]

    loaded = load_ledger(ledger, columns=columns, as_of=as_of)
    metrics = compute_metrics(loaded, bank)
    stats = compute_statistics(loaded, metrics, bank)
    from ..findings.engine import diagnose

    findings = diagnose(metrics, stats, bank, columns=set(loaded.frame.columns), issues=loaded.issues,
                        rows=len(loaded.frame), lang=language)
    rendered = render_figures(metrics, stats, findings=findings, lang=language, thresholds=bank.thresholds,
                              only=wanted)
    written = save_figures(rendered, out, formats=formats, dpi=dpi)
    console = stdout()
    for paths in written.values():
        for path in paths.values():
            console.print(str(path), highlight=False)
    if not quiet:
        for skip in rendered.skipped:
            typer.echo(f"mcr: skipped {skip.what}: {skip.reason}", err=True)
