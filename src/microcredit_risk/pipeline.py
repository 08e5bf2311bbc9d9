"""One way through: read → validate → metrics → statistics → findings → figures → report.

``analyze`` computes everything in memory (each number once); ``write_run`` writes a run folder
atomically from those same objects. The CLI's ``mcr analyze`` is these two calls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .anonymize import anonymize_ledger
from .ledger.canonical import Ledger
from .ledger.load import load_ledger
from .ledger.summary import validation_json
from .metrics.table import Metrics
from .output import atomic_folder
from .profile import BankProfile, load_profile

Progress = Callable[[str], None]


@dataclass
class Analysis:
    """Everything one run computed, in memory."""

    ledger: Ledger
    profile: BankProfile
    metrics: Metrics            # the one tidy table, statistics rows included
    statistics: Any             # stats.results.Statistics
    findings: Any               # findings.model.Findings
    lang: str
    inputs: list[str] = field(default_factory=list)
    anonymized: bool = False


def analyze(paths: Sequence[str | Path], *, profile: str | Path | BankProfile | None = None,
            columns: str | Path | None = None, as_of: str | None = None, lang: str | None = None,
            anonymize: bool = False, formula: str | None = None, rules: str | Path | None = None,
            progress: Progress | None = None) -> Analysis:
    """Run every computing stage once. Raises domain errors; never prints."""
    say = progress or (lambda _msg: None)
    bank = profile if isinstance(profile, BankProfile) else load_profile(profile)
    language = lang or bank.language or "zh"
    say("reading ledger")
    ledger = load_ledger(paths, columns=columns, as_of=as_of, profile=bank)
    # the heavier stages are imported only once the input is known to be good: bad input fails fast
    from .findings.engine import diagnose
    from .metrics.compute import compute_metrics
    from .stats.compute import compute_statistics

    if anonymize:
        ledger = anonymize_ledger(ledger)
    say("computing metrics")
    metrics = compute_metrics(ledger, bank)
    say("fitting statistics")
    stats = compute_statistics(ledger, metrics, bank, formula=formula)
    metrics = metrics.extend(stats.metrics)
    say("diagnosing")
    findings = diagnose(metrics, stats, bank, columns=set(ledger.frame.columns), issues=ledger.issues,
                        rows=len(ledger.frame), lang=language, rules_path=Path(rules) if rules else None)
    return Analysis(ledger=ledger, profile=bank, metrics=metrics, statistics=stats, findings=findings,
                    lang=language, inputs=[str(p) for p in paths], anonymized=anonymize)


def write_run(analysis: Analysis, out_dir: str | Path, *, templates: str | Path | None = None,
              figure_formats: Sequence[str] = ("png", "svg"), dpi: int = 300,
              progress: Progress | None = None) -> Path:
    """Write the whole run folder (CLI.md, "Output of mcr analyze") completely or not at all."""
    from .figures import render_figures, save_figures
    from .metrics.export import write_metrics_xlsx
    from .report.render import render_report
    from .report.results import BankFacts, FigureRef, LedgerSummary, RunResults, save_run

    say = progress or (lambda _msg: None)
    target = Path(out_dir)
    with atomic_folder(target) as tmp:
        say("drawing figures")
        rendered = render_figures(analysis.metrics, analysis.statistics, findings=analysis.findings, lang=analysis.lang,
                                  thresholds=analysis.profile.thresholds)
        saved = save_figures(rendered, tmp / "figures", formats=tuple(figure_formats), dpi=dpi)
        figures = [FigureRef(name=f.name, title=f.title, path=f"figures/{saved[f.name]['png'].name}")
                   for f in rendered.figures if "png" in saved.get(f.name, {})]
        for f in rendered.figures:
            f.figure.clear()  # free the canvas memory; the files are written
        run = RunResults(
            ledger=LedgerSummary.from_ledger(analysis.ledger, analysis.lang), metrics=analysis.metrics,
            findings=analysis.findings, statistics=analysis.statistics, figures=figures,
            bank=BankFacts(name=analysis.profile.name, kind=analysis.profile.kind),
            thresholds=analysis.profile.thresholds, lang=analysis.lang, base_dir=tmp,
        )
        say("writing tables")
        save_run(run, tmp, validation=validation_json(analysis.ledger, analysis.lang))
        write_metrics_xlsx(analysis.metrics, tmp / "metrics.xlsx", lang=analysis.lang)
        say("rendering report")
        render_report(run, tmp, lang=analysis.lang, templates=Path(templates) if templates else None)
    return target
