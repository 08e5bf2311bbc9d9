"""What a finished run saved, as one object the report reads (and rebuilds from the run folder).

``mcr analyze`` fills :class:`RunResults` from the stages it ran; ``mcr report RUN_DIR`` rebuilds it
with :func:`load_run` from the saved files, so a report can be re-rendered without recomputing.

Files read from a run folder (all UTF-8 JSON unless said otherwise):

* ``metrics.json`` — schema ``mcr.metrics/1`` (METRICS.md); optional ``skipped``: [{what, needs, reason,
  kind, params}] (``kind`` and ``params`` since the report words them; a record without them is shown
  by its English ``needs`` and ``reason``).
* ``findings.json`` — ``{"findings": [Finding…], "not_run": [{what, needs, reason, kind, params}], "lang": …}``
  or a bare list of Finding records (FINDINGS.md).
* ``models.json`` — ``{"driver_model": {DriverModel fields}, "segment_tests": […], "chi_square": […],
  "skipped": […]}``; a bare DriverModel object (with ``terms``) is accepted too. A model that did not
  fit has ``reason`` and, since they exist, ``reason_kind`` and ``reason_params``.
* ``validation.json`` — ``{"files", "rows", "snapshots", "sources": [SourceInfo], "matches":
  [ColumnMatch], "issues": [Issue.to_json_obj()]}``.
* ``run.json`` — schema ``mcr.run/1``, written by ``mcr analyze``:
  ``{"schema": "mcr.run/1", "lang": "zh"|"en", "bank": {"name": str|null, "kind": str|null},
  "thresholds": {name: number}, "benchmarks": {metric: {"source", "value", "by_year": {year: number}}},
  "figures": [{"name", "title", "path"}], "watchlist": {"as_of", "previous", "not_run": [{what, needs,
  reason, kind, params}]}}`` — ``figures`` is optional (without it, ``figures/*.png`` are listed and titled from
  their PNG "Title" text chunk); so is ``watchlist``.
* ``watchlist.csv`` — the early-warning list (monitor/watchlist_files.py); without it the report has
  no watchlist section.
* ``figures/<name>.png``.
* ``changes.json`` — schema ``mcr.changes/1``, only in a run made with ``--baseline`` (monitor/changes.py).

:func:`save_run` writes exactly these shapes (the reference writer; the round-trip test uses it).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import OutputError
from ..findings.export import findings_from_json as _findings_from_text
from ..findings.export import findings_json
from ..findings.records import Findings
from ..metrics.export import metrics_from_json, metrics_json
from ..metrics.export import skipped_from_json as _skipped
from ..metrics.table import Metrics
from ..monitor.changes import Changes, changes_from_json, changes_json
from ..monitor.watchlist import Watchlist
from ..monitor.watchlist_files import watchlist_from_csv
from ..output import GENERATOR, RUN_SCHEMA, read_json
from ..profile import Benchmark
from ..stats.export import models_json
from ..stats.results import (
    ChiSquareTest,
    DriverModel,
    Fallback,
    ModelSampling,
    ModelTerm,
    SampleStratum,
    SegmentTest,
    Statistics,
)

METRICS_SCHEMA = "mcr.metrics/1"
FIGURE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class FigureRef:
    """One saved figure: ``path`` is relative to the run folder (``figures/<name>.png``)."""

    name: str
    title: str
    path: str


@dataclass
class LedgerSummary:
    """What reading the ledger found, as JSON-able records (validation.json)."""

    files: list[str] = field(default_factory=list)
    rows: int = 0
    snapshots: list[str] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)   # SourceInfo fields
    matches: list[dict[str, Any]] = field(default_factory=list)   # ColumnMatch fields
    issues: list[dict[str, Any]] = field(default_factory=list)    # Issue.to_json_obj()
    currency: str = "CNY"                                          # ISO code of every amount

    @classmethod
    def from_ledger(cls, ledger: Any, lang: str = "en") -> LedgerSummary:
        """Summarise a :class:`~microcredit_risk.ledger.contract.Ledger` (duck-typed)."""
        return cls(
            files=list(ledger.files),
            rows=ledger.row_count,
            snapshots=[pd.Timestamp(d).strftime("%Y-%m-%d") for d in ledger.snapshots],
            sources=[asdict(s) for s in ledger.sources],
            matches=[asdict(m) for m in ledger.matches],
            issues=[i.to_json_obj(lang) for i in ledger.issues],
            currency=str(getattr(ledger, "currency", "CNY")),
        )

    def to_json_obj(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BankFacts:
    name: str | None = None
    kind: str | None = None
    scope: str = "bank"     # bank | branch | sub_branch (profile bank.scope)


@dataclass
class RunResults:
    """Everything a finished run saved; ``base_dir`` is where figure paths are relative to."""

    ledger: LedgerSummary
    metrics: Metrics
    findings: Findings
    statistics: Statistics = field(default_factory=Statistics)
    figures: list[FigureRef] = field(default_factory=list)
    bank: BankFacts = field(default_factory=BankFacts)
    thresholds: dict[str, float] = field(default_factory=dict)
    benchmarks: dict[str, Benchmark] = field(default_factory=dict)   # profile [benchmarks]
    lang: str = "zh"
    base_dir: Path | None = None
    changes: Changes | None = None       # changes.json: what changed since the --baseline run
    watchlist: Watchlist | None = None      # the early-warning list as watchlist.csv holds it (None: no list)

    def figure_file(self, fig: FigureRef) -> Path | None:
        """The PNG on disk, or None when it is not there."""
        if self.base_dir is None:
            return None
        p = self.base_dir / fig.path
        return p if p.is_file() else None


# -- JSON ↔ objects -------------------------------------------------------------------------------
def _opt_float(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return None if math.isnan(f) else f


def findings_from_json(obj: Any) -> Findings:
    """findings.json as written by :func:`~microcredit_risk.findings.export.findings_json`."""
    return _findings_from_text(json.dumps(obj, ensure_ascii=False))


def driver_model_from_json(d: dict[str, Any]) -> DriverModel:
    return DriverModel(
        formula=d.get("formula", ""), fitted=bool(d.get("fitted", False)), reason=d.get("reason"),
        method=d.get("method", "logit"), n=int(d.get("n", 0)), events=int(d.get("events", 0)),
        pseudo_r2=_opt_float(d.get("pseudo_r2")), auc=_opt_float(d.get("auc")), ks=_opt_float(d.get("ks")),
        terms=[ModelTerm(term=t["term"], coef=float(t["coef"]), odds_ratio=float(t["odds_ratio"]),
                         ci_low=float(t["ci_low"]), ci_high=float(t["ci_high"]), pvalue=_opt_float(t.get("pvalue")),
                         scale=float(t.get("scale", 1.0)), unit=t.get("unit"))
               for t in d.get("terms", [])],
        reference=dict(d.get("reference", {})),
        fallbacks=[Fallback(kind=f["kind"], reason=f["reason"], params=dict(f.get("params", {})))
                   for f in d.get("fallbacks", [])],
        sampled=_sampling_from_json(d.get("sampled")),
        reason_kind=d.get("reason_kind"), reason_params=dict(d.get("reason_params") or {}),
    )


def _sampling_from_json(d: dict[str, Any] | None) -> ModelSampling | None:
    """models.json's ``sampled`` (absent when the model was fitted on every loan-period)."""
    if not d:
        return None
    return ModelSampling(population=int(d["population"]), sample=int(d["sample"]), limit=int(d["limit"]),
                         seed=int(d["seed"]), strata=[SampleStratum(**s) for s in d.get("strata", [])])


def statistics_from_json(obj: dict[str, Any]) -> Statistics:
    if "terms" in obj and "driver_model" not in obj:
        return Statistics(driver_model=driver_model_from_json(obj))
    dm = obj.get("driver_model")
    return Statistics(
        driver_model=driver_model_from_json(dm) if dm else None,
        segment_tests=[SegmentTest(**t) for t in obj.get("segment_tests", [])],
        chi_square=[ChiSquareTest(**t) for t in obj.get("chi_square", [])],
        skipped=_skipped(obj.get("skipped")),
    )


def run_json(run: RunResults) -> dict[str, Any]:
    return {"schema": RUN_SCHEMA, "generator": GENERATOR, "lang": run.lang, "bank": asdict(run.bank),
            "thresholds": dict(sorted(run.thresholds.items())),
            "benchmarks": {k: b.to_json_obj() for k, b in sorted(run.benchmarks.items())},
            "figures": [asdict(f) for f in run.figures],
            **({"watchlist": run.watchlist.to_json_obj()} if run.watchlist is not None else {})}


# -- the run folder ---------------------------------------------------------------------------------
def _dump(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def save_run(run: RunResults, run_dir: Path, *, validation: str | None = None) -> None:
    """Write the JSON files :func:`load_run` reads, each by its own stage's writer (figures already in place).

    ``validation`` is the text of validation.json when the full ledger was at hand (``mcr analyze``);
    otherwise the :class:`LedgerSummary` is written.
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    info = {"files": run.ledger.files, "rows": run.ledger.rows, "snapshots": run.ledger.snapshots}
    (run_dir / "metrics.json").write_text(metrics_json(run.metrics, info), encoding="utf-8")
    (run_dir / "findings.json").write_text(findings_json(run.findings), encoding="utf-8")
    (run_dir / "models.json").write_text(models_json(run.statistics), encoding="utf-8")
    if validation is None:
        _dump(run_dir / "validation.json", run.ledger.to_json_obj())
    else:
        (run_dir / "validation.json").write_text(validation, encoding="utf-8")
    _dump(run_dir / "run.json", run_json(run))
    if run.changes is not None:
        (run_dir / "changes.json").write_text(changes_json(run.changes, run.lang), encoding="utf-8")


def png_title(path: Path) -> str | None:
    """The "Title" text chunk of a PNG (matplotlib ``savefig(metadata={"Title": …})``), if any."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            title = im.info.get("Title")
    except OSError:
        return None
    return str(title) if title else None


def _figures(run_dir: Path, listed: Any) -> list[FigureRef]:
    if listed:
        out = []
        for f in listed:
            ref = FigureRef(name=str(f["name"]), title=str(f.get("title") or f["name"]), path=str(f["path"]))
            if FIGURE_NAME.match(ref.name) and not Path(ref.path).is_absolute() and ".." not in Path(ref.path).parts:
                out.append(ref)
        return out
    pngs = sorted((run_dir / "figures").glob("*.png")) if (run_dir / "figures").is_dir() else []
    return [FigureRef(name=p.stem, title=png_title(p) or p.stem, path=f"figures/{p.name}")
            for p in pngs if FIGURE_NAME.match(p.stem)]


def load_run(run_dir: Path) -> RunResults:
    """Rebuild :class:`RunResults` from a finished run's folder (see the module docstring)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise OutputError("E506", where=str(run_dir))
    metrics_obj = read_json(run_dir / "metrics.json")
    if metrics_obj.get("schema") != METRICS_SCHEMA:
        raise OutputError("E507", where=str(run_dir / "metrics.json"), value=metrics_obj.get("schema"),
                          expected=METRICS_SCHEMA)
    findings_obj = read_json(run_dir / "findings.json")
    models_obj = read_json(run_dir / "models.json", required=False) or {}
    validation = read_json(run_dir / "validation.json", required=False) or {}
    meta = read_json(run_dir / "run.json", required=False) or {}
    changes = read_json(run_dir / "changes.json", required=False)
    ledger_meta = metrics_obj.get("ledger", {})
    ledger = LedgerSummary(
        files=list(validation.get("files", ledger_meta.get("files", []))),
        rows=int(validation.get("rows", ledger_meta.get("rows", 0))),
        snapshots=list(validation.get("snapshots", ledger_meta.get("snapshots", []))),
        sources=list(validation.get("sources", [])),
        matches=list(validation.get("matches", validation.get("columns", []))),
        issues=list(validation.get("issues", validation.get("warnings", []))),
        currency=str(validation.get("currency") or "CNY"),
    )
    bank = meta.get("bank", {}) or {}
    return RunResults(
        ledger=ledger, metrics=metrics_from_json(metrics_obj), findings=findings_from_json(findings_obj),
        statistics=statistics_from_json(models_obj), figures=_figures(run_dir, meta.get("figures")),
        bank=BankFacts(name=bank.get("name"), kind=bank.get("kind"), scope=str(bank.get("scope") or "bank")),
        thresholds={k: float(v) for k, v in (meta.get("thresholds") or {}).items()},
        benchmarks={str(k): Benchmark.from_json_obj(v) for k, v in (meta.get("benchmarks") or {}).items()},
        lang=str(meta.get("lang", "zh")), base_dir=run_dir,
        changes=None if changes is None else changes_from_json(changes, str(run_dir / "changes.json")),
        watchlist=_watchlist(run_dir, ledger.currency, meta.get("watchlist")),
    )


def _watchlist(run_dir: Path, currency: str, meta: Any) -> Watchlist | None:
    """watchlist.csv read back (with run.json's ``watchlist``: its dates, the reasons not run); None without it."""
    path = run_dir / "watchlist.csv"
    if not path.is_file():
        return None
    try:
        return watchlist_from_csv(path.read_text(encoding="utf-8-sig"), currency, meta)
    except (UnicodeDecodeError, ValueError) as exc:     # a hand-edited file: one clear line, not a traceback
        raise OutputError("E509", where=str(path), detail=exc) from None
