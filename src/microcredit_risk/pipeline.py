"""One way through: read → validate → metrics → statistics → findings → figures → report.

``analyze`` computes everything in memory (each number once); ``write_run`` writes a run folder
atomically from those same objects. The CLI's ``mcr analyze`` is these two calls.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .anonymize import anonymize_ledger
from .ledger.canonical import Ledger
from .ledger.load import load_ledger
from .ledger.summary import validation_json
from .metrics.table import Metrics
from .output import atomic_folder, write_text
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


def run_record(analysis: Analysis) -> dict[str, Any]:
    """run.json: what `mcr report` needs to re-render without recomputing (no timestamps)."""
    from . import __version__

    p = analysis.profile
    return {
        "schema": "mcr.run/1",
        "mcr_version": __version__,
        "inputs": [Path(i).name for i in analysis.inputs],
        "lang": analysis.lang,
        "anonymized": analysis.anonymized,
        "bank": {"name": p.name, "kind": p.kind},
        "thresholds": p.thresholds,
    }


def write_run(analysis: Analysis, out_dir: str | Path, *, templates: str | Path | None = None,
              figure_formats: Sequence[str] = ("png", "svg"), dpi: int = 300,
              progress: Progress | None = None) -> Path:
    """Write the whole run folder (CLI.md, "Output of mcr analyze") completely or not at all."""
    from .figures import render_figures, save_figures
    from .findings.export import findings_json
    from .metrics.export import metrics_json, write_metrics_xlsx
    from .report.render import render_report, results_from_analysis
    from .stats.export import models_json

    say = progress or (lambda _msg: None)
    target = Path(out_dir)
    with atomic_folder(target) as tmp:
        say("writing tables")
        info = {"files": [Path(f).name for f in analysis.ledger.files], "rows": len(analysis.ledger.frame),
                "snapshots": [d.strftime("%Y-%m-%d") for d in analysis.ledger.snapshots]}
        write_text(tmp, "metrics.json", metrics_json(analysis.metrics, info))
        write_metrics_xlsx(analysis.metrics, tmp / "metrics.xlsx", lang=analysis.lang)
        write_text(tmp, "findings.json", findings_json(analysis.findings))
        write_text(tmp, "models.json", models_json(analysis.statistics))
        write_text(tmp, "validation.json", validation_json(analysis.ledger, analysis.lang))
        write_text(tmp, "run.json", json.dumps(run_record(analysis), ensure_ascii=False, indent=2,
                                               sort_keys=True) + "\n")
        say("drawing figures")
        rendered = render_figures(analysis.metrics, analysis.statistics, lang=analysis.lang,
                                  thresholds=analysis.profile.thresholds)
        saved = save_figures(rendered, tmp / "figures", formats=tuple(figure_formats), dpi=dpi)
        say("rendering report")
        run = results_from_analysis(analysis, rendered, saved, tmp)
        render_report(run, tmp, lang=analysis.lang, templates=Path(templates) if templates else None)
    return target
