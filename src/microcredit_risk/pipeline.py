"""One way through: ledger → metrics → statistics → findings → figures → report.

Every command goes through one :class:`Session`. A session holds the options that decide the
numbers (ledger files, bank profile, column map, ``--as-of``, formula, rules, anonymising) and
computes each stage lazily, once, on first use: ``mcr metrics`` stops after the tidy table,
``mcr analyze`` goes to the report, and both read the same numbers because both read them here.
The session never prints and never exits; it raises coded :class:`~microcredit_risk.errors.MCRError`.

    from microcredit_risk.pipeline import Session
    s = Session(["ledger.xlsx"], profile="bank.toml", lang="en")
    s.metrics.get("npl_ratio")
    s.write_run("out/bank")
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .engine.options import EngineOptions
from .errors import LANGS, UsageError
from .ledger.contract import Ledger
from .ledger.load import load_ledger
from .metrics.table import Metrics
from .profile import BankProfile, load_profile

if TYPE_CHECKING:
    from .engine import Backend
    from .engine.backends import DuckDBBackend
    from .figures.registry import RenderedFigures
    from .findings.records import Findings
    from .monitor.baseline import Baseline
    from .monitor.changes import Changes
    from .monitor.state import LoanState
    from .monitor.watchlist import Watchlist
    from .stats.results import Statistics

Progress = Callable[[str], None]


def check_lang(lang: str | None, option: str = "--lang") -> str | None:
    """``lang`` if it is a report language (zh, en), else a usage error naming the option."""
    if lang is not None and lang not in LANGS:
        raise UsageError("E602", where=option, value=lang, choices=", ".join(LANGS))
    return lang


class Session:
    """One ledger read with one set of options; each stage computed once, when first asked for."""

    def __init__(self, paths: Sequence[str | Path] | str | Path, *,
                 profile: str | Path | BankProfile | None = None, columns: str | Path | None = None,
                 as_of: str | None = None, snapshots: str | None = None, lang: str | None = None,
                 anonymize: bool = False,
                 formula: str | None = None, rules: str | Path | None = None,
                 progress: Progress | None = None, baseline: str | Path | None = None,
                 ledger: Ledger | None = None, engine: EngineOptions | None = None) -> None:
        self.inputs = [str(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
        self._profile_arg = profile
        self.columns = columns
        self.as_of = as_of
        self.snapshots = snapshots
        self._lang = check_lang(lang)
        self.anonymized = anonymize
        self.formula = formula
        self.rules = Path(rules) if rules else None
        self._say: Progress = progress or (lambda _msg: None)
        self.baseline = str(baseline) if baseline is not None else None   # --baseline: an earlier run folder
        self.engine_options = engine or EngineOptions()
        if self.engine_options.engine not in ("duckdb", "spark"):
            raise UsageError("E602", where="--engine", value=self.engine_options.engine, choices="duckdb, spark")
        if ledger is not None:  # already read (one group of `mcr analyze --by`): ``paths`` only name its files
            self.__dict__["ledger"] = ledger

    # -- options that come from the profile ------------------------------------------------------
    @cached_property
    def profile(self) -> BankProfile:
        p = self._profile_arg
        return p if isinstance(p, BankProfile) else load_profile(p)

    @property
    def lang(self) -> str:
        """``--lang``, else the profile's language, else Chinese (the report's language)."""
        return self._lang or self.profile.language or "zh"

    # -- the stages ---------------------------------------------------------------------------------
    # -- the engine -----------------------------------------------------------------------------------
    @cached_property
    def streamed(self) -> bool:
        """Whether the ledger is streamed into an on-disk DuckDB (engine/options.py) instead of pandas.
        A loan tape (``--snapshots annual``) is turned into snapshots in pandas, so it is never streamed."""
        from .engine.options import should_stream

        if self.snapshots is not None or "ledger" in self.__dict__:
            return False
        return should_stream(self.engine_options, self._sources)

    @cached_property
    def _sources(self) -> list:
        """The ledger's files and database sources, expanded (folders, globs, Hive partitions)."""
        from .ledger.schema import load_column_map
        from .ledger.sources import expand_sources

        return list(expand_sources(self.inputs, load_column_map(self.columns)))

    @cached_property
    def _workdir(self) -> Path:
        """This run's temp folder (the streamed ledger, DuckDB's spill files): removed when the session goes."""
        import shutil
        import tempfile
        import weakref

        root = Path(self.engine_options.temp_root())
        root.mkdir(parents=True, exist_ok=True)
        path = Path(tempfile.mkdtemp(prefix="mcr-", dir=root))
        weakref.finalize(self, shutil.rmtree, path, True)
        return path

    @cached_property
    def _store(self) -> DuckDBBackend:
        """The DuckDB that holds a streamed ledger (on disk), or the in-memory one of a small run."""
        from .engine.backends import DuckDBBackend

        o = self.engine_options
        if self.streamed:
            from .engine.options import estimated_rows, stream_memory_limit

            limit = o.memory_limit or stream_memory_limit(estimated_rows(self._sources))
            return DuckDBBackend(memory_limit=limit,
                                 temp_directory=str(self._workdir / "spill"),
                                 database=str(self._workdir / "ledger.duckdb"))
        return DuckDBBackend(memory_limit=o.memory_limit,
                             temp_directory=str(self._workdir / "spill") if o.temp_dir else None)

    @cached_property
    def engine(self) -> Backend:
        """Where the aggregates run: the DuckDB store, or a Spark session fed the ledger as Parquet."""
        if self.engine_options.engine == "duckdb":
            return self._store
        from .engine.spark import SparkBackend

        spark = SparkBackend(conf=dict(self.engine_options.spark_conf))
        if self.streamed:  # the executors read the canonical ledger as Parquet (--temp-dir: a shared folder)
            path = self._workdir / "ledger.parquet"
            self._store.execute(f"COPY ledger TO '{path}' (FORMAT PARQUET)")
            spark.register_parquet("ledger", str(path))
        return spark

    @cached_property
    def ledger(self) -> Ledger:
        self._say("reading ledger")
        if self.streamed:
            from .engine.ingest import ingest_ledger

            if self.anonymized:
                raise UsageError("E611", where="--anonymize")
            self._say(f"streaming the ledger into DuckDB ({self._workdir})")
            return ingest_ledger(self.inputs, self._store, columns=self.columns, as_of=self.as_of,
                                 profile=self.profile)
        book = load_ledger(self.inputs, columns=self.columns, as_of=self.as_of, profile=self.profile,
                           snapshots=self.snapshots)
        if self.anonymized:
            from .anonymize import anonymize_ledger

            book = anonymize_ledger(book)
        return book

    @cached_property
    def _portfolio_metrics(self) -> Metrics:
        from .metrics.compute import compute_metrics

        ledger = self.ledger
        self._say("computing metrics")
        return compute_metrics(ledger, self.profile, backend=self.engine)

    @cached_property
    def _table_statistics(self) -> Statistics:
        """The statistics that are rows of the tidy table (trend, projection, segment tests): no model fit."""
        from .stats.compute import table_statistics

        metrics = self._portfolio_metrics   # first: it registers the tables the segment tests read
        return table_statistics(self.ledger, metrics, self.profile, backend=self.engine)

    @cached_property
    def metrics(self) -> Metrics:
        """The one tidy table (METRICS.md), statistics rows included: what metrics.json holds."""
        return self._portfolio_metrics.extend(self._table_statistics.metrics)

    @cached_property
    def statistics(self) -> Statistics:
        from .stats.compute import compute_statistics

        ledger, metrics, table = self.ledger, self._portfolio_metrics, self._table_statistics
        self._say("fitting statistics")
        return compute_statistics(ledger, metrics, self.profile, formula=self.formula, base=table,
                                  backend=self.engine)

    @cached_property
    def findings(self) -> Findings:
        from .findings.engine import diagnose

        metrics, stats = self.metrics, self.statistics
        self._aggregates_done()
        self._say("diagnosing")
        return diagnose(metrics, stats, self.profile, columns=set(self.ledger.columns),
                        issues=self.ledger.issues, rows=self.ledger.warning_rows, lang=self.lang,
                        rules_path=self.rules, currency=self.ledger.currency)

    def _aggregates_done(self) -> None:
        """A streamed ledger's aggregates are made: its last whole-ledger query (validation's counts per
        snapshot) now, then DuckDB down to its output memory (engine/options.py), unless the user set
        ``--memory-limit``. What is left reads a few snapshots into pandas, which needs the memory."""
        from .engine.ingest import StoredLedger
        from .engine.options import STREAM_OUTPUT_MEMORY_GB

        ledger = self.ledger
        if not isinstance(ledger, StoredLedger) or self.engine_options.memory_limit:
            return
        ledger.per_snapshot()
        ledger.backend.set_memory_limit(f"{STREAM_OUTPUT_MEMORY_GB}GB")

    @cached_property
    def loan_state(self) -> LoanState:
        """The latest snapshot's loans, as every run keeps them (state/loans.parquet) for a later --baseline."""
        from .monitor.state import loan_state

        return loan_state(self.ledger, anonymized=self.anonymized)

    @cached_property
    def _baseline(self) -> Baseline | None:
        from .monitor.baseline import load_baseline

        return None if self.baseline is None else load_baseline(self.baseline)

    @cached_property
    def changes(self) -> Changes | None:
        """What changed since the ``--baseline`` run (changes.json); None without a baseline."""
        from .monitor.changes import compare

        base = self._baseline
        if base is None:
            return None
        metrics, findings = self.metrics, self.findings
        self._say("comparing with the baseline")
        return compare(metrics, findings, self.loan_state, self.ledger.currency, base)

    @cached_property
    def watchlist(self) -> Watchlist:
        """The early-warning list (monitor/watchlist.py): latest snapshot, findings, thresholds."""
        from .monitor.watchlist import build_watchlist

        findings = self.findings
        self._say("listing loans to watch")
        # the last two year-ends are all it reads (a streamed ledger fetches only those)
        return build_watchlist(self.ledger.at(self.ledger.annual_snapshots[-2:]), findings, self.profile.thresholds)

    def figures(self, only: Sequence[str] | None = None) -> RenderedFigures:
        """Draw the figure set (or the figures named in ``only``) from the metrics and findings."""
        from .figures import render_figures

        self._say("drawing figures")
        return render_figures(self.metrics, self.statistics, findings=self.findings, lang=self.lang,
                              thresholds=self.profile.thresholds, only=only, currency=self.ledger.currency,
                              benchmarks=self.profile.benchmarks)

    # -- views --------------------------------------------------------------------------------------
    def select_metrics(self, names: Sequence[str] | None = None, dimension: str | None = None,
                       snapshot: str | None = None) -> Metrics:
        """The tidy table's rows asked for (unknown names are coded errors listing the valid ones)."""
        from .metrics.query import pick

        return pick(self.metrics, names, dimension, snapshot)

    def metrics_json(self, metrics: Metrics | None = None) -> str:
        """metrics.json's text (``mcr metrics --format json`` prints exactly this)."""
        from .metrics.export import ledger_info, metrics_json

        return metrics_json(self.metrics if metrics is None else metrics, ledger_info(self.ledger))

    def validation_json(self) -> str:
        from .ledger.summary import validation_json

        return validation_json(self.ledger, self.lang)

    def models_json(self) -> str:
        from .stats.export import models_json

        return models_json(self.statistics)

    def run(self) -> Session:
        """Compute every stage now (a bad input fails here, before anything is written)."""
        _ = self._baseline     # a wrong --baseline fails before the ledger is read
        _ = self.findings
        _ = self.changes
        return self

    # -- writing ------------------------------------------------------------------------------------
    def write_run(self, out_dir: str | Path, *, templates: str | Path | None = None,
                  figure_formats: Sequence[str] = ("png", "svg"), dpi: int = 300, pdf: bool = False) -> Path:
        """Write the whole run folder (CLI.md, "Output of mcr analyze") completely or not at all.

        ``pdf``: also typeset report.pdf (report/pdf.py).
        """
        from contextlib import closing

        from .figures.aside import FigureWorker
        from .figures.saving import figure_file, parse_formats
        from .metrics.export import write_metrics_xlsx
        from .monitor.state import STATE_FILE, write_loan_state
        from .monitor.watchlist_files import write_watchlist
        from .output import atomic_folder
        from .report.render import FORMATS, render_report
        from .report.run_folder import BankFacts, FigureRef, LedgerSummary, RunResults, save_run

        target = Path(out_dir)
        # started first: its imports overlap the computing (figures/aside.py); ended (closing) before
        # the folder is kept or discarded, so that nothing writes into it after (close twice: nothing)
        with closing(FigureWorker()) as worker:
            self.run()     # a bad input fails here, before anything is written
            with atomic_folder(target) as tmp, closing(worker):
                rendered = self.figures()
                formats = parse_formats(figure_formats)
                figures = [FigureRef(name=f.name, title=f.title, path=f"figures/{figure_file(f.name, 'png')}")
                           for f in rendered.figures] if "png" in formats else []
                # saved in the worker while the other files are written; the report, which embeds them, waits
                worker.save(rendered, tmp / "figures", formats, dpi)
                for f in rendered.figures:
                    f.figure.clear()  # free the canvas memory; the worker has its own copy
                listed = self.watchlist          # built (and said) before the files are written
                self._say("writing the watchlist")
                watchlist = write_watchlist(listed, tmp, lang=self.lang, currency=self.ledger.currency,
                                            thresholds=self.profile.thresholds)
                results = RunResults(
                    ledger=LedgerSummary.from_ledger(self.ledger, self.lang), metrics=self.metrics,
                    findings=self.findings, statistics=self.statistics, figures=figures,
                    bank=BankFacts(name=self.profile.name, kind=self.profile.kind, scope=self.profile.scope),
                    thresholds=self.profile.thresholds, benchmarks=self.profile.benchmarks, lang=self.lang,
                    base_dir=tmp, changes=self.changes, watchlist=watchlist,
                )
                self._say("writing tables")
                save_run(results, tmp, validation=self.validation_json())
                write_loan_state(self.loan_state, tmp / STATE_FILE)
                write_metrics_xlsx(self.metrics, tmp / "metrics.xlsx", lang=self.lang,
                                   currency=self.ledger.currency, benchmarks=self.profile.benchmarks)
                worker.wait("png")    # the report embeds the PNGs; the SVGs go on being written meanwhile
                self._say("rendering report")
                render_report(results, tmp, lang=self.lang, templates=Path(templates) if templates else None,
                              formats=(*FORMATS, "pdf") if pdf else FORMATS)
                worker.result()
        return target


# -- every stage at once ----------------------------------------------------------------------------
def analyze(paths: Sequence[str | Path] | str | Path, **options: Any) -> Session:
    """A :class:`Session` with every stage computed (raises on bad input; never prints)."""
    return Session(paths, **options).run()
