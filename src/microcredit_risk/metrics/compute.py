"""``compute_metrics``: the ledger → the tidy metrics table of METRICS.md.

The ledger is registered with the engine, which derives every per-row code once, in SQL
(:mod:`.prepare`, :mod:`.rows`); the stock sums of the portfolio and of each
dimension are one engine aggregate (:mod:`.stock`, SQL in :mod:`..engine.aggregates`), and the
formulas read it; concentration reuses those groupings. Stock metrics
are reported for every snapshot; growth, write_off, migration, vintage and inclusive changes use
the annual series (last snapshot of each calendar year).
"""

from __future__ import annotations

from contextlib import closing

import pandas as pd

from ..engine import Backend, DuckDBBackend
from ..engine.ingest import StoredLedger
from ..ledger.contract import Ledger
from ..profile import BankProfile
from .book import book_queries, book_rows
from .concentration import concentration_queries, concentration_rows
from .dimensions import dimension_rows
from .inclusive import inclusive_queries, inclusive_rows
from .migration import migration_queries, migration_rows
from .portfolio import portfolio_rows
from .prepare import prepare
from .programmes import renewal_rows, risk_sharing_rows
from .stock import stock_aggregates, stock_queries
from .table import Metrics, Skipped
from .vintage import vintage_rows


def compute_metrics(ledger: Ledger | pd.DataFrame, profile: BankProfile | None = None,
                    backend: Backend | None = None) -> Metrics:
    """Every metric of METRICS.md that the ledger's columns and the profile's facts allow.

    Whatever cannot be computed is absent from the table and listed in ``Metrics.skipped``.
    ``backend`` runs the aggregates (default: an in-process DuckDB, closed afterwards).
    """
    profile = profile or BankProfile()
    if backend is None:
        with closing(DuckDBBackend()) as own:
            return _compute(ledger, own, profile)
    return _compute(ledger, backend, profile)


def _compute(ledger: Ledger | pd.DataFrame, backend: Backend, profile: BankProfile) -> Metrics:
    # a streamed ledger is in the engine already (engine/ingest.py): nothing of it is registered again
    base = prepare(ledger, profile.thresholds, backend, held=isinstance(ledger, StoredLedger))
    # the families' aggregates read only ledger_rows: the engine may run them side by side (the
    # longest first), and each family then takes its answers in its own order
    backend.prefetch([*stock_queries(base), *concentration_queries(base, profile), *inclusive_queries(base, profile),
                      *book_queries(base), *migration_queries(base)])
    stock = stock_aggregates(base, backend)
    skipped: list[Skipped] = list(stock.skipped)
    total, dims = stock.total, stock.dims
    parts: list[pd.DataFrame] = portfolio_rows(base, total)
    for agg in dims.values():
        parts.extend(dimension_rows(base, agg, total))
    for more, skip in (concentration_rows(base, backend, total, dims, profile), migration_rows(base, backend),
                       vintage_rows(base, backend), inclusive_rows(base, backend, total, profile),
                       renewal_rows(base, backend), risk_sharing_rows(base, backend), book_rows(base, backend)):
        parts.extend(more)
        skipped.extend(skip)
    return Metrics.concat(parts, skipped)
