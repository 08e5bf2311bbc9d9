"""The query engine: compact aggregates of the ledger's rows, computed where the rows are.

Between ``ledger`` and ``metrics``: ``metrics`` registers the prepared rows with a
:class:`~.backends.Backend` and asks it for the aggregates of :mod:`.aggregates` (SQL written once,
in DuckDB's dialect); the metric formulas stay in pandas and read those aggregates (docs/engine.md).
"""

from .backends import Backend, DuckDBBackend

__all__ = ["Backend", "DuckDBBackend"]
