"""The run's prepared ledger: ``ledger`` and ``ledger_rows`` in the engine, their small facts in :class:`Base`.

:func:`prepare` registers the canonical ledger with a backend and has the engine derive every per-row
code in SQL (:mod:`.rows`, :mod:`..engine.rows_sql`). Base keeps only metadata — the snapshot dates,
the annual snapshots, the segment labels, which columns hold a value, how many customers and loans —
so no per-row array of the whole ledger lives in pandas once the last family reads the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..engine import Backend, DuckDBBackend
from ..engine.aggregates import LEDGER
from ..engine.rows_sql import RowPlan
from ..ledger.contract import GRADES, Ledger
from .rows import ENGINE_DIMENSIONS, derive, engine_frame, register_ledger

NPL_CODE = GRADES.index("substandard")  # grade codes ≥ this are NPL
__all__ = ["ENGINE_DIMENSIONS", "NPL_CODE", "Base", "Segments", "months_between", "prepare"]


@dataclass
class Segments:
    """One dimension: its segment names, in code order (``seg_<dimension>`` of ledger_rows indexes them)."""

    labels: np.ndarray  # object array of segment names


@dataclass
class Base:
    """What pandas keeps of the prepared ledger: small facts; the rows stay in ``backend``."""

    dates: list[pd.Timestamp]           # all snapshots, ascending
    annual: list[pd.Timestamp]          # last snapshot of each year
    n_rows: int
    n_customers: int
    n_loans: int
    columns: frozenset[str]             # the ledger's columns that hold at least one value
    dims: dict[str, Segments]
    backend: Backend                    # holds ``ledger`` and ``ledger_rows``
    plan: RowPlan                       # how ledger_rows was made (register_rows repeats it elsewhere)
    _source: pd.DataFrame | None = field(default=None, repr=False)  # the frame registered as ``ledger``

    def has(self, column: str) -> bool:
        return column in self.columns

    @property
    def annual_codes(self) -> np.ndarray:
        pos = {d: i for i, d in enumerate(self.dates)}
        return np.array([pos[d] for d in self.annual], dtype=np.int64)

    @cached_property
    def frame(self) -> pd.DataFrame:
        """The canonical ledger as registered (fetched back from the engine for a streamed one): only for
        registering it with another backend (metrics.rows.register_rows), never for a family."""
        if self._source is not None:
            return self._source
        return self.backend.query(f"SELECT * EXCLUDE (row) FROM {LEDGER} ORDER BY row")


def months_between(start: pd.Series, end: pd.Series) -> np.ndarray:
    """TRANSITIONAL (book.py's term statistics until it reads ``term_months``; the rule is
    engine/rows_sql.months_sql): calendar months from start to end, a started month counting as one."""
    s, e = pd.to_datetime(start), pd.to_datetime(end)
    m = (e.dt.year - s.dt.year) * 12 + (e.dt.month - s.dt.month) + (e.dt.day > s.dt.day).astype("float64")
    return m.to_numpy(dtype="float64", na_value=np.nan)


def prepare(ledger: Ledger | pd.DataFrame, thresholds: Mapping[str, float], backend: Backend | None = None,
            held: bool = False) -> Base:
    """Register the ledger with ``backend`` (default: a DuckDB of its own) and derive ``ledger_rows`` there.

    ``held``: ``backend`` holds the canonical ``ledger`` already (a ledger streamed into the engine):
    nothing is registered and no frame of it is made.
    """
    backend = backend if backend is not None else DuckDBBackend()
    frame = None
    if not held:
        frame = engine_frame(ledger)
        register_ledger(frame, backend)
    got = derive(backend, thresholds)
    base = Base(dates=got.dates, annual=got.annual, n_rows=got.n_rows, n_customers=got.n_customers,
                n_loans=got.n_loans, columns=got.columns, dims={}, backend=backend, plan=got.plan, _source=frame)
    for dim, labels in got.labels.items():
        base.dims[dim] = Segments(labels)
    return base
