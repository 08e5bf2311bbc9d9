"""Where the aggregate SQL runs: a small protocol and its embedded default, DuckDB.

Every aggregate is written once, in DuckDB's dialect (:mod:`.aggregates`). A backend for another
engine transpiles that text with ``sqlglot.transpile(sql, read="duckdb", write=<its dialect>)``
(:func:`transpile`), so no aggregate has a second definition.
"""

from __future__ import annotations

import atexit
import os
import threading
import weakref
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import CancelledError, Future
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Protocol

import duckdb
import pandas as pd

from ..errors import AnalysisError
from .ledger_order import sorted_pieces_sql

SOURCE_DIALECT = "duckdb"  # the dialect every aggregate is written in
WORK = "mcr_work"         # DuckDB: the in-memory catalog of the tables ``create`` keeps


class Backend(Protocol):
    """An engine that holds registered row tables and answers SQL (DuckDB dialect) with a frame."""

    name: str

    def register(self, name: str, frame: pd.DataFrame) -> None:
        """Make ``frame`` queryable as table ``name`` (replacing an earlier one of that name)."""
        ...

    def query(self, sql: str, order_free: bool = False) -> pd.DataFrame:
        """The result of ``sql`` (DuckDB dialect) as a pandas frame. ``order_free``: no value of the
        result depends on the order rows are added in (counts, distinct counts, minima, keys), so an
        engine that keeps float sums on one thread may run this one on every core."""
        ...

    def prefetch(self, sqls: Sequence[str]) -> None:
        """Start these queries now, side by side where the engine can: a later ``query`` of the same
        text takes its answer, which equals what ``query`` alone would give. Only an optimisation: a
        text never queried is dropped unseen, and an engine may ignore the call."""
        ...

    def create(self, name: str, sql: str, order_by: str | None = None, order_free: bool = False,
               pieces: Sequence[str] = ()) -> None:
        """Keep the result of ``sql`` (a SELECT, DuckDB dialect) as table ``name``, computed once, for
        repeated aggregation. ``order_by``: a column whose order the stored rows keep where the engine's
        sums follow storage order (DuckDB, one thread); an engine whose sums do not may ignore it.
        ``order_free``: neither the rows nor their order depend on threads (a key table: distinct
        keys, each coded by its rank), so every core may make it. ``pieces``: SELECTs whose rows, each
        sorted by ``order_by`` and appended in turn, are ``sql``'s (an engine may make it so)."""
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
class _Ahead:
    """A prefetched query: its cursor (to interrupt it) and its answer to come."""

    cursor: duckdb.DuckDBPyConnection
    future: Future[pd.DataFrame]


def _interrupt_at_exit(ref: weakref.ref[DuckDBBackend]) -> None:
    backend = ref()
    if backend is not None:
        backend._abandon()


@dataclass
class DuckDBBackend:
    """DuckDB in this process: out-of-core (spills to ``temp_directory`` past ``memory_limit``).

    ``threads`` defaults to 1 because DuckDB's parallel aggregation adds floating-point values in an
    order that depends on thread timing, and mcr's output must be byte-identical run to run; with one
    thread a sum adds the rows in ledger order, exactly as ``np.bincount`` did. What no thread order
    can change runs on ``cores`` threads: ``query(…, order_free=True)`` (counts, keys, ordered rows).
    :meth:`prefetch` runs up to ``cores`` queries at once, each on its own cursor and one thread (a
    DuckDB client thread runs only its own query's tasks, and there is no background thread), so each
    sum still adds in storage order. The tables :meth:`create` keeps live in an attached in-memory
    catalog, :data:`WORK`, that those cursors see (a TEMP table is one connection's). A registered pandas frame is scanned in place (its
    NumPy/Arrow buffers), not copied.
    """

    memory_limit: str | None = None     # e.g. "4GB"; DuckDB's default is 80 % of RAM
    temp_directory: str | None = None   # where DuckDB spills; its default is next to the database
    threads: int = 1
    cores: int = field(default_factory=lambda: max(os.cpu_count() or 1, 1))
    name: str = "duckdb"
    database: str = ":memory:"          # a file: tables (a streamed ledger) live on disk, not in RAM
    _con: duckdb.DuckDBPyConnection = field(init=False, repr=False)
    _search: str = field(init=False, repr=False)
    _ahead: dict[str, deque[_Ahead]] = field(init=False, repr=False, default_factory=dict)
    _slots: threading.Semaphore = field(init=False, repr=False)
    _hooked: bool = field(init=False, repr=False, default=False)

    def __post_init__(self) -> None:
        config: dict[str, str | bool | int | float | list[str]] = {"threads": self.threads}
        if self.memory_limit is not None:
            config["memory_limit"] = self.memory_limit
        if self.temp_directory is not None:
            config["temp_directory"] = self.temp_directory
        self._slots = threading.Semaphore(max(self.cores, 1))
        if self.database != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(self.database)), exist_ok=True)
        try:
            self._con = duckdb.connect(database=self.database, config=config)
            self._con.execute(f"ATTACH ':memory:' AS {WORK}")
            home = str(self._con.execute("SELECT current_database()").fetchall()[0][0])
            # unqualified names: this database first (ingest's tables stay on its disk), then WORK
            self._search = f'"{home}".main,{WORK}.main'
            self._con.execute(f"SET search_path = '{self._search}'")
        except duckdb.Error as e:
            raise AnalysisError("E716", engine=self.name, detail=str(e).splitlines()[0]) from e

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self._settle()
        self._con.unregister(name)
        self._con.execute(f"DROP TABLE IF EXISTS {WORK}.main.{name}")   # one made by :meth:`create` under that name
        self._con.register(name, frame)

    def create(self, name: str, sql: str, order_by: str | None = None, order_free: bool = False,
               pieces: Sequence[str] = ()) -> None:
        """A table, not a view: the aggregates scan it again and again (a view of the
        derivation would redo its joins in every aggregate, ≈ 50× slower on the 1M-row ledger).

        ``order_by`` is checked rather than sorted for: on one thread a join of the ledger with small
        key tables keeps the ledger's order, though DuckDB does not promise it for joins; a sort of the
        whole ledger_rows would cost ≈ 40 % of making it. Only if the check fails is it sorted.

        ``pieces`` (with ``order_by``): made piece by piece, each on every core and sorted alone (a
        few snapshots in memory), appended in order. Why: on one thread the joins were the longest
        step of a 10M-row run, and one sort of 100M rows spills; a total order makes the result the
        same on any number of threads.
        """
        self._settle()
        table = f"{WORK}.main.{name}"
        try:
            self._con.unregister(name)   # a registered frame of that name (a no-op if there is none)
            if pieces and order_by is not None:
                with self._on_cores():
                    for statement in sorted_pieces_sql(table, [f"({p})" for p in pieces], order_by):
                        self._con.execute(statement)
                self._compress()
                return
            # one thread unless order_free: a parallel join loses the ledger's order (10M rows:
            # always), and the sort that would then restore it costs more than the second core saves
            if order_free:
                with self._on_cores():
                    self._con.execute(f"CREATE OR REPLACE TABLE {table} AS {sql}")
            else:
                self._con.execute(f"CREATE OR REPLACE TABLE {table} AS {sql}")
            if order_by is not None and self._con.execute(out_of_order_sql(table, order_by)).fetchall() != [(0,)]:
                self._con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM ({sql}) ORDER BY {order_by}")
            self._compress()
        except duckdb.Error as e:
            raise AnalysisError("E716", engine=self.name, detail=str(e).splitlines()[0]) from e

    def _compress(self) -> None:
        """Checkpoint :data:`WORK`, which compresses its tables, for a ledger on disk (streamed): its
        ``ledger_rows`` shrank 8× (10M rows: 1.92 → 0.24 GB) and its aggregates got faster. A small
        in-memory run is left as it is: there the checkpoint cost more than it saved."""
        if self.database != ":memory:":
            self._con.execute(f"CHECKPOINT {WORK}")

    def query(self, sql: str, order_free: bool = False) -> pd.DataFrame:
        ahead = self._ahead.get(sql)
        if ahead:
            job = ahead.popleft()
            if not ahead:
                del self._ahead[sql]
            try:
                return job.future.result()
            except duckdb.Error:   # side by side it may fail where alone it would not (memory): alone, once more
                self._settle()
        try:
            if order_free:
                with self._on_cores():
                    return self._con.execute(sql).df()
            return self._con.execute(sql).df()
        except duckdb.Error as e:
            raise AnalysisError("E716", engine=self.name, detail=str(e).splitlines()[0]) from e

    def prefetch(self, sqls: Sequence[str]) -> None:
        """Start ``sqls`` on up to ``cores`` cursors of one thread each (see the class docstring).

        Each runs in a daemon thread: a run that fails meanwhile is not held at exit by a query it
        no longer wants (:meth:`close`, or the exit hook, interrupts them). A prefetched query that
        fails is run once more alone by :meth:`query` (two aggregates side by side need more memory
        than one), so prefetching never changes an answer or an error.
        """
        if self.cores <= 1 or self.threads != 1:
            return
        if not self._hooked:
            atexit.register(_interrupt_at_exit, weakref.ref(self))
            self._hooked = True
        for sql in sqls:
            job = _Ahead(self._con.cursor(), Future())   # the cursor made here, on the connection's thread
            self._ahead.setdefault(sql, deque()).append(job)
            threading.Thread(target=self._on_cursor, args=(job, sql), name="mcr-duckdb", daemon=True).start()

    def _on_cursor(self, job: _Ahead, sql: str) -> None:
        with self._slots:   # at most ``cores`` at once
            if not job.future.set_running_or_notify_cancel():
                job.cursor.close()
                return
            try:
                job.cursor.execute(f"SET search_path = '{self._search}'")
                job.future.set_result(job.cursor.execute(sql).df())
            except BaseException as e:   # kept for the query that takes it
                job.future.set_exception(e)
            finally:
                job.cursor.close()

    def _settle(self) -> None:
        """Wait for the queries in flight (their answers stay for ``query``) before a statement that
        changes a table they read, or the thread count they run on."""
        for jobs in self._ahead.values():
            for job in jobs:
                job.future.exception()   # waits; an error stays with the future, for the query that takes it

    def _abandon(self) -> None:
        """Drop every prefetched query: those not started are cancelled, those running interrupted."""
        jobs = [job for queue in self._ahead.values() for job in queue]
        self._ahead.clear()
        for job in jobs:
            if not job.future.cancel() and not job.future.done():
                with suppress(duckdb.Error):   # it may have ended (and closed its cursor) just now
                    job.cursor.interrupt()
        for job in jobs:
            with suppress(CancelledError):
                job.future.exception()

    @contextmanager
    def _on_cores(self) -> Iterator[None]:
        """Every core for what follows, then back to ``threads`` (the float sums' one thread)."""
        if self.cores <= self.threads:
            yield
            return
        self._settle()
        self._con.execute(f"SET threads = {self.cores}")
        try:
            yield
        finally:
            self._con.execute(f"SET threads = {self.threads}")

    def execute(self, sql: str) -> None:
        """Run a statement that returns nothing (CREATE, INSERT, DROP)."""
        self._settle()
        try:
            self._con.execute(sql)
        except duckdb.Error as e:
            raise AnalysisError("E716", engine=self.name, detail=str(e).splitlines()[0]) from e

    def set_memory_limit(self, limit: str) -> None:
        """DuckDB's memory limit from now on; a lower one gives memory back at once (DuckDB evicts
        to the temp folder what no longer fits, and frees it)."""
        self._settle()
        try:
            self._con.execute(f"SET memory_limit = '{limit}'")
        except duckdb.Error as e:
            raise AnalysisError("E716", engine=self.name, detail=str(e).splitlines()[0]) from e
        self.memory_limit = limit

    def columns(self, table: str) -> list[str]:
        """The column names of ``table``, in order."""
        return list(self.types(table))

    def types(self, table: str) -> dict[str, str]:
        """The columns of ``table``, in order, with their SQL types."""
        return {str(r[0]): str(r[1]) for r in self._con.execute(f'DESCRIBE "{table}"').fetchall()}

    def append(self, table: str, frame: pd.DataFrame) -> None:
        """Append ``frame``'s rows to ``table`` (created from the first frame), matching columns by name.

        A column the table lacks is added; one the frame lacks is NULL. A column of the frame with no
        value at all enters as NULL of the table's type: pandas holds an all-missing text column as
        float NaN, which a plain cast would turn into the text 'nan'.
        """
        self._settle()
        self._con.register("_frame", frame)
        try:
            self._append_from(table, "SELECT * FROM _frame")
        finally:
            self._con.unregister("_frame")

    def _append_from(self, table: str, select: str) -> None:
        try:
            self._con.execute(f"CREATE OR REPLACE TEMP VIEW _part AS {select}")
            if not self._exists(table):
                self._con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM _part')
                return
            have = {str(r[0]): str(r[1]) for r in self._con.execute(f'DESCRIBE "{table}"').fetchall()}
            kinds = {str(r[0]): str(r[1]) for r in self._con.execute("DESCRIBE _part").fetchall()}
            names = list(kinds)
            counts = self._con.execute("SELECT " + ", ".join(f'COUNT("{c}")' for c in names) + " FROM _part").fetchall()[0]
            empty = {c for c, n in zip(names, counts or [], strict=True) if not n}
            for c in names:
                if c not in have and c not in empty:
                    self._con.execute(f'ALTER TABLE "{table}" ADD COLUMN "{c}" {kinds[c]}')
                    have[c] = kinds[c]
            select_cols = ", ".join(
                f'CAST(NULL AS {have[c]}) AS "{c}"' if c in empty else f'CAST("{c}" AS {have[c]}) AS "{c}"'
                for c in names if c in have)
            self._con.execute(f'INSERT INTO "{table}" BY NAME SELECT {select_cols} FROM _part')
        except duckdb.Error as e:
            raise AnalysisError("E716", engine=self.name, detail=str(e).splitlines()[0]) from e

    def _exists(self, table: str) -> bool:
        return bool(self._con.execute("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = ?",
                                      [table]).fetchall()[0][0])

    def close(self) -> None:
        self._abandon()
        self._con.close()
