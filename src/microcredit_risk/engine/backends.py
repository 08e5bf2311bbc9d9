"""Where the aggregate SQL runs: a small protocol and its embedded default, DuckDB.

Every aggregate is written once, in DuckDB's dialect (:mod:`.aggregates`). A backend for another
engine transpiles that text with ``sqlglot.transpile(sql, read="duckdb", write=<its dialect>)``
(:func:`transpile`), so no aggregate has a second definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import duckdb
import pandas as pd

from ..errors import AnalysisError

SOURCE_DIALECT = "duckdb"  # the dialect every aggregate is written in


class Backend(Protocol):
    """An engine that holds registered row tables and answers SQL (DuckDB dialect) with a frame."""

    name: str

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Make ``frame`` queryable as table ``name`` (replacing an earlier one of that name)."""
        ...

    def query(self, sql: str) -> pd.DataFrame:
        """The result of ``sql`` (DuckDB dialect) as a pandas frame."""
        ...

    def create(self, name: str, sql: str, order_by: str | None = None) -> None:
        """Keep the result of ``sql`` (a SELECT, DuckDB dialect) as table ``name``, computed once, for
        repeated aggregation. ``order_by``: a column whose order the stored rows keep where the engine's
        sums follow storage order (DuckDB, one thread); an engine whose sums do not may ignore it."""
        ...


def out_of_order_sql(table: str, column: str) -> str:
    """How many stored rows of ``table`` come after a row with a larger ``column`` (a window with an
    empty OVER clause sees the storage order: DuckDB guarantees it)."""
    return (f"SELECT COUNT(*) FROM (SELECT {column} AS k, LAG({column}) OVER () AS before FROM {table}) AS t "
            f"WHERE k < before")


def transpile(sql: str, dialect: str) -> str:
    """``sql`` from DuckDB's dialect into ``dialect`` (for backends other than DuckDB)."""
    import sqlglot

    return ";\n".join(sqlglot.transpile(sql, read=SOURCE_DIALECT, write=dialect))


@dataclass
class DuckDBBackend:
    """DuckDB in this process: out-of-core (spills to ``temp_directory`` past ``memory_limit``).

    ``threads`` defaults to 1 because DuckDB's parallel aggregation adds floating-point values in an
    order that depends on thread timing, and mcr's output must be byte-identical run to run; with one
    thread a sum adds the rows in ledger order, exactly as ``np.bincount`` did. A registered pandas
    frame is scanned in place (its NumPy/Arrow buffers), not copied.
    """

    memory_limit: str | None = None     # e.g. "4GB"; DuckDB's default is 80 % of RAM
    temp_directory: str | None = None   # where DuckDB spills; its default is next to the database
    threads: int = 1
    name: str = "duckdb"
    _con: duckdb.DuckDBPyConnection = field(init=False, repr=False)

    def __post_init__(self) -> None:
        config: dict[str, str | bool | int | float | list[str]] = {"threads": self.threads}
        if self.memory_limit is not None:
            config["memory_limit"] = self.memory_limit
        if self.temp_directory is not None:
            config["temp_directory"] = self.temp_directory
        try:
            self._con = duckdb.connect(database=":memory:", config=config)
        except duckdb.Error as e:
            raise AnalysisError("E716", engine=self.name, detail=str(e).splitlines()[0]) from e

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self._con.unregister(name)
        self._con.execute(f"DROP TABLE IF EXISTS temp.{name}")   # one made by :meth:`create` under that name
        self._con.register(name, frame)

    def create(self, name: str, sql: str, order_by: str | None = None) -> None:
        """A temporary table, not a view: the aggregates scan it again and again (a view of the
        derivation would redo its joins in every aggregate, ≈ 50× slower on the 1M-row ledger).

        ``order_by`` is checked rather than sorted for: on one thread a join of the ledger with small
        key tables keeps the ledger's order, though DuckDB does not promise it for joins; a sort of the
        whole ledger_rows would cost ≈ 40 % of making it. Only if the check fails is it sorted.
        """
        try:
            self._con.unregister(name)   # a registered frame of that name (a no-op if there is none)
            self._con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
            if order_by is not None and self._con.execute(out_of_order_sql(name, order_by)).fetchone() != (0,):
                self._con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM ({sql}) ORDER BY {order_by}")
        except duckdb.Error as e:
            raise AnalysisError("E716", engine=self.name, detail=str(e).splitlines()[0]) from e

    def query(self, sql: str) -> pd.DataFrame:
        try:
            return self._con.execute(sql).df()
        except duckdb.Error as e:
            raise AnalysisError("E716", engine=self.name, detail=str(e).splitlines()[0]) from e

    def close(self) -> None:
        self._con.close()
