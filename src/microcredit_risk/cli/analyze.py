"""`mcr analyze`: validate → metrics → statistics → findings → figures → report, in one run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..findings.model import SEVERITIES
from ..pipeline import analyze as run_analysis
from ..pipeline import write_run
from .app import app
from .common import (
    EXIT_FINDING,
    AsOfOpt,
    ColumnsOpt,
    LangOpt,
    LedgerPaths,
    OutOpt,
    ProfileOpt,
    QuietOpt,
    guarded,
    stderr,
    stdout,
)
from .progress import progress


@app.command()
@guarded
def analyze(
    ledger: LedgerPaths,
    profile: ProfileOpt = None,
    columns: ColumnsOpt = None,
    as_of: AsOfOpt = None,
    lang: LangOpt = None,
    out: OutOpt = None,
    quiet: QuietOpt = False,
    fail_on: Annotated[str | None, typer.Option("--fail-on", help="Exit 3 when a finding of this severity "
                                                "or higher fires: low, medium or high.")] = None,
    anonymize: Annotated[bool, typer.Option("--anonymize", help="Replace customer names/ids and officers "
                                            "by stable pseudonyms in every output.")] = False,
    templates: Annotated[Path | None, typer.Option("--templates", help="Folder of report templates that "
                                                   "override the shipped ones.")] = None,
    rules: Annotated[Path | None, typer.Option("--rules", help="Your rules/texts TOML merged over the "
                                               "shipped findings rules.")] = None,
    dpi: Annotated[int, typer.Option("--dpi", min=50, max=1200, help="Resolution of the PNG figures.")] = 300,
    formula: Annotated[str | None, typer.Option("--formula", help="Default-driver model formula, e.g. "
                                                "\"npl ~ C(guarantee_type) + log(amount)\".")] = None,
) -> None:
    """Run the whole case study on LEDGER files and write one report folder (default mcr-out/<ledger name>)."""
    if fail_on is not None and fail_on not in SEVERITIES:
        raise typer.BadParameter("must be low, medium or high", param_hint="--fail-on")
    if lang is not None and lang not in ("zh", "en"):
        raise typer.BadParameter("must be zh or en", param_hint="--lang")
    target = out or Path("mcr-out") / ledger[0].stem
    with progress(quiet) as say:
        result = run_analysis(ledger, profile=profile, columns=columns, as_of=as_of, lang=lang,
                              anonymize=anonymize, formula=formula, rules=rules, progress=say)
        written = write_run(result, target, templates=templates, dpi=dpi, progress=say)
    findings = result.findings
    if not quiet:
        err = stderr()
        for issue in result.ledger.issues:
            err.print(f"warning: {issue.line(result.lang)}", highlight=False, markup=False)
        counts = {s: sum(1 for f in findings.items if f.severity == s) for s in SEVERITIES}
        stdout().print(f"{written}  ({len(findings.items)} findings: {counts['high']} high, "
                       f"{counts['medium']} medium, {counts['low']} low)", highlight=False)
    if fail_on is not None and findings.at_or_above(fail_on):
        raise typer.Exit(EXIT_FINDING)
