"""The statistics stage in one call: trend, projection, driver model and segment tests."""

from __future__ import annotations

from contextlib import closing

import pandas as pd

from ..engine import Backend, DuckDBBackend
from ..errors import AnalysisError
from ..ledger.contract import Ledger
from ..metrics.prepare import prepare
from ..metrics.table import Metrics, Skipped
from ..profile import BankProfile
from .drivers import fit_driver_model
from .projection import project_npl
from .results import Statistics
from .segments import (
    chi_square_by_dimension,
    group_test_rows,
    latest_counts,
    pooled_groups,
    segment_test_rows,
    segment_tests,
)
from .trend import npl_trend

# Dimensions tested segment by segment (raw ledger columns; FINDINGS.md hotspots and officers).
TESTED_DIMENSIONS = ("industry", "guarantee_type", "product", "region", "branch", "customer_type",
                     "loan_officer")


def table_statistics(ledger_or_frame: Ledger | pd.DataFrame, metrics: Metrics,
                     profile: BankProfile | None, backend: Backend | None = None) -> Statistics:
    """Every statistic that is a row of the tidy table or that findings cite: the trend, the
    projection, the segment and group tests. Everything but the driver-model fit (cheap).

    ``backend`` holds this ledger's ``ledger`` and ``ledger_rows`` (metrics/rows.register_rows, as
    ``compute_metrics`` left them); the segment tests read their counts from it. Without one, an
    in-process DuckDB is made and the tables registered here."""
    profile = profile or BankProfile()
    parts = [npl_trend(metrics), project_npl(metrics, profile.thresholds["stress_factor"])]
    skipped: list[Skipped] = [s for p in parts for s in p.skipped]
    out = Statistics(metrics=Metrics.concat([p.frame for p in parts]), skipped=skipped)
    if isinstance(ledger_or_frame, Ledger) and backend is not None:   # the rows are in the engine
        return _segment_statistics(out, backend) if ledger_or_frame.row_count else out
    frame = ledger_or_frame.frame if isinstance(ledger_or_frame, Ledger) else ledger_or_frame
    if "as_of" not in frame.columns or frame.empty:
        return out
    if backend is None:
        with closing(DuckDBBackend()) as own:
            prepare(frame, profile.thresholds, own)   # registers ledger and ledger_rows in ``own``
            return _segment_statistics(out, own)
    return _segment_statistics(out, backend)


def _segment_statistics(out: Statistics, backend: Backend) -> Statistics:
    """The segment, χ² and pooled group tests of the latest snapshot, on the engine's counts."""
    counts, as_of = latest_counts(backend, [*TESTED_DIMENSIONS, *(g["column"] for g in pooled_groups().values())])
    if as_of is None:
        return out
    for dim in TESTED_DIMENSIONS:
        if dim not in counts:
            continue
        out.segment_tests.extend(segment_tests(counts[dim], dim))
        try:
            out.chi_square.append(chi_square_by_dimension(counts[dim], dim))
        except AnalysisError as exc:
            out.skipped.append(Skipped(f"chi_square[{dim}]", f"column {dim}", exc.message(), "error",
                                       {"code": exc.code, "column": dim, "params": dict(exc.params)}))
    # the tests findings cite are table rows too (read once, from the one table)
    tests = Metrics.concat([segment_test_rows(out.segment_tests, as_of), group_test_rows(counts, as_of)])
    out.metrics = out.metrics.extend(tests)
    return out


def compute_statistics(ledger_or_frame: Ledger | pd.DataFrame, metrics: Metrics, profile: BankProfile | None,
                       formula: str | None = None, base: Statistics | None = None,
                       backend: Backend | None = None) -> Statistics:
    """Everything statistical about one ledger. Only a wrong ``formula`` raises (AnalysisError).

    Rows go to ``Statistics.metrics`` (without skipped records); every analysis that could not run
    is listed once, in ``Statistics.skipped``. ``base``: the :func:`table_statistics` already computed.
    ``backend``: the engine holding this run's registered rows (metrics/rows.py), where the driver
    model's sample is made (without one, the model registers the frame with its own DuckDB).
    """
    profile = profile or BankProfile()
    if isinstance(ledger_or_frame, Ledger):
        # with the engine the model reads only the columns' names and dtypes: no rows leave the engine
        frame = ledger_or_frame.at([]) if backend is not None else ledger_or_frame.frame
    else:
        frame = ledger_or_frame
    table = base if base is not None else table_statistics(ledger_or_frame, metrics, profile, backend)
    out = Statistics(metrics=table.metrics, segment_tests=list(table.segment_tests),
                     chi_square=list(table.chi_square), skipped=list(table.skipped))
    out.driver_model = fit_driver_model(frame, formula, profile, backend)
    if not out.driver_model.fitted:
        out.skipped.append(Skipped("driver_model", "enough NPL outcomes", out.driver_model.reason or "not fitted",
                                   "model_not_fitted"))
    return out
