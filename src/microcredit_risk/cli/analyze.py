"""`mcr analyze`: validate → metrics → statistics → findings → figures → report, in one run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import UsageError
from ..findings.records import Findings
from ..ledger.sources import source_name
from ..ledger.split import BY_DIMENSIONS
from .app import app
from .common import (
    EXIT_FINDING,
    AsOfOpt,
    BaselineOpt,
    ColumnsOpt,
    EngineOpt,
    FailOnNewOpt,
    FormulaOpt,
    LangOpt,
    LedgerPaths,
    MemoryLimitOpt,
    OutOpt,
    ProfileOpt,
    QuietOpt,
    RulesOpt,
    Severity,
    SnapshotsOpt,
    SparkConfOpt,
    StreamOpt,
    TempDirOpt,
    engine_options,
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
    engine: EngineOpt = "duckdb",
    memory_limit: MemoryLimitOpt = None,
    temp_dir: TempDirOpt = None,
    spark_conf: SparkConfOpt = None,
    stream: StreamOpt = None,
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
    by: Annotated[str | None, typer.Option("--by", callback=one_of("--by", BY_DIMENSIONS),
                                           help="Run the whole analysis per branch, region or product (one read "
                                                "of the ledger): a run folder per group and their comparison "
                                                "(docs/compare.md).")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", min=1, help="Worker processes for --by (default: up to 2).")] = None,
) -> None:
    """Run the whole case study on LEDGER files and write one report folder (default mcr-out/<ledger name>, a
    database's table name)."""
    if fail_on_new is not None and baseline is None:
        raise UsageError("E608")
    if by is not None and baseline is not None:
        raise UsageError("E610")
    target = out or Path("mcr-out") / source_name(ledger[0])
    if by is not None:
        _analyze_by(ledger, by, target, quiet=quiet, fail_on=fail_on, jobs=jobs, templates=templates, dpi=dpi,
                    pdf=pdf, profile=profile, columns=columns, as_of=as_of, snapshots=snapshots, lang=lang,
                    anonymize=anonymize, formula=formula, rules=rules)
        return
    with progress(quiet) as say:
        run = session(ledger, profile=profile, engine=engine_options(engine, memory_limit, temp_dir, spark_conf, stream), columns=columns, as_of=as_of, snapshots=snapshots, lang=lang, progress=say,
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


def _analyze_by(ledger: list[str], by: str, target: Path, *, quiet: bool, fail_on: str | None, jobs: int | None,
                **options: Any) -> None:
    """``--by``: one run folder per group and their comparison, through grouped.analyze_by."""
    from ..grouped import analyze_by

    # the profile read first, as session(...) does: errors follow its language
    options["profile"] = session(ledger, profile=options["profile"], columns=None, as_of=None,
                                 lang=options.get("lang")).profile
    with progress(quiet) as say:
        done = analyze_by(ledger, by, target, jobs=jobs, progress=say, **options)
    items = [f for u in done.units for f in u.run.findings.items]
    if not quiet:
        print_warnings(done.ledger, done.units[0].run.lang)
        out = stdout()
        for u in done.units:
            c = u.run.findings.counts()
            out.print(f"{done.folder / str(u.folder)}  ({len(u.run.findings.items)} findings: {c['high']} high, "
                      f"{c['medium']} medium, {c['low']} low)", highlight=False)
        out.print(f"{done.folder / 'compare.html'}  ({len(done.units)} groups by {by})", highlight=False)
    if fail_on is not None and Findings(items=items).at_or_above(fail_on):
        raise typer.Exit(EXIT_FINDING)
