"""`mcr analyze`: validate → metrics → statistics → findings → figures → report, in one run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import UsageError
from .app import app
from .common import (
    EXIT_FINDING,
    AsOfOpt,
    BaselineOpt,
    ColumnsOpt,
    FailOnNewOpt,
    FormulaOpt,
    LangOpt,
    LedgerPaths,
    OutOpt,
    ProfileOpt,
    QuietOpt,
    RulesOpt,
    Severity,
    SnapshotsOpt,
    one_of,
    session,
    stdout,
)
from .progress import progress
from .warnings import print_changes, print_warnings


@app.command()
def analyze(
    ledger: LedgerPaths,
    profile: ProfileOpt = None,
    columns: ColumnsOpt = None,
    as_of: AsOfOpt = None,
    snapshots: SnapshotsOpt = None,
    lang: LangOpt = None,
    out: OutOpt = None,
    quiet: QuietOpt = False,
    fail_on: Annotated[str | None, typer.Option("--fail-on", callback=one_of("--fail-on", Severity),
                                                help="Exit 3 when a finding of this severity or higher "
                                                     "fires: low, medium or high.")] = None,
    anonymize: Annotated[bool, typer.Option("--anonymize", help="Replace customer names/ids and officers "
                                            "by stable pseudonyms in every output.")] = False,
    templates: Annotated[Path | None, typer.Option("--templates", help="Folder of report templates that "
                                                   "override the shipped ones.")] = None,
    rules: RulesOpt = None,
    dpi: Annotated[int, typer.Option("--dpi", min=50, max=1200, help="Resolution of the PNG figures.")] = 300,
    formula: FormulaOpt = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write report.pdf (typeset with the shipped fonts).")] = False,
    baseline: BaselineOpt = None,
    fail_on_new: FailOnNewOpt = None,
) -> None:
    """Run the whole case study on LEDGER files and write one report folder (default mcr-out/<ledger name>)."""
    if fail_on_new is not None and baseline is None:
        raise UsageError("E608")
    target = out or Path("mcr-out") / ledger[0].stem
    with progress(quiet) as say:
        run = session(ledger, profile=profile, columns=columns, as_of=as_of, snapshots=snapshots, lang=lang, progress=say,
                      anonymize=anonymize, formula=formula, rules=rules, baseline=baseline)
        written = run.write_run(target, templates=templates, dpi=dpi, pdf=pdf)
    findings = run.findings
    if not quiet:
        print_warnings(run.ledger, run.lang)
        from ..monitor.watchlist_files import word

        counts = findings.counts()
        said = word("analyze_line", run.lang, total=len(findings.items), high=counts["high"], medium=counts["medium"],
                    low=counts["low"], loans=len(run.watchlist.frame))
        stdout().print(f"{written}  {said}", highlight=False, markup=False)
        print_changes(run.changes, run.lang)
    if fail_on is not None and findings.at_or_above(fail_on):
        raise typer.Exit(EXIT_FINDING)
    if fail_on_new is not None and run.changes is not None and run.changes.new_at_or_above(fail_on_new):
        raise typer.Exit(EXIT_FINDING)
