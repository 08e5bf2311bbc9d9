"""The three database drivers behind :mod:`.database`, and how their types reach the parsers.

Each driver gives the column names of a statement (``columns``) and its rows as pandas frames of at
most ``batch_rows`` rows (``frames``), read-only. Types are handed over so that the parsers of
:mod:`.values` read them exactly, as they read a file's cells:

* ``DECIMAL``/``NUMERIC`` → its exact decimal text (``1234.50``; PostgreSQL's ``NaN`` stays text and is
  refused by name, E018), parsed like a CSV amount: no cent lost to binary floats on the way;
* integers in an id, text or grade column → text (a ``BIGINT`` id with NULLs is never made a float);
* ``DATE`` → a date, ``TIMESTAMP`` as is, ``TIMESTAMPTZ`` → the wall time of the session's time zone
  (the date the database shows, not the UTC one);
* ``BOOLEAN``, ``TEXT``, floats, other integers as they are; a list, struct, map or union → its text.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from ..errors import Location
from .problems import LedgerError
from .read import unique_headers

TextColumns = Callable[[list[str]], list[str]]   # column names → those to be read as text


class Driver:
    """One open, read-only database connection."""

    def __init__(self, source: Any) -> None:   # source: database.DatabaseSource
        self.source = source
        self.loc = Location(file=source.url)

    def refused(self, exc: BaseException) -> LedgerError:
        return LedgerError("E031", self.loc, detail=self.source.scrub(str(exc)))

    def columns(self, sql: str) -> list[str]:
        raise NotImplementedError

    def frames(self, sql: str, batch_rows: int, text: TextColumns) -> Iterator[pd.DataFrame]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


@contextmanager
def connect(source: Any) -> Iterator[Driver]:
    """The driver for ``source.scheme``, connected; closed on the way out, whatever happens."""
    kinds: dict[str, type[Driver]] = {"duckdb": DuckDB, "postgresql": Postgres, "sqlite": SQLite}
    db = kinds[source.scheme](source)
    try:
        yield db
    finally:
        db.close()


def _no_file(source: Any) -> LedgerError | None:
    """E030 for a database file that is not there (with the other slash count, if that one is)."""
    path = Path(source.target)
    if path.is_file():
        return None
    scheme = source.url.split(":", 1)[0]
    other = Path("/" + source.target) if not path.is_absolute() else None
    hint = f" (did you mean {scheme}:////{source.target}? an absolute path takes four slashes)" \
        if other is not None and other.is_file() else ""
    return LedgerError("E030", Location(file=source.url), detail=f"no such file: {source.target}{hint}")


# -- Arrow batches (DuckDB, ADBC) → frames ------------------------------------------------------------
def arrow_frame(batch: Any, text: TextColumns, zone: str | None) -> pd.DataFrame:
    """One Arrow record batch as the frame canonicalise reads (see the module's type rules)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names = unique_headers([str(n) for n in batch.schema.names])
    as_text = set(text(names))
    out: dict[str, pd.Series] = {}
    for name, arr in zip(names, batch.columns, strict=True):
        if isinstance(arr.type, pa.ExtensionType):   # ADBC's opaque NUMERIC, etc.: the text it stores
            arr = arr.storage
        t = arr.type
        try:
            if pa.types.is_nested(t):   # lists, structs, maps, unions: cells pandas cannot hash or compare
                raise TypeError(str(t))
            if pa.types.is_decimal(t) or (name in as_text and pa.types.is_integer(t)):
                arr = pc.cast(arr, pa.string())
            elif pa.types.is_timestamp(t) and t.tz is not None:
                try:
                    arr = pc.local_timestamp(arr.cast(pa.timestamp(t.unit, tz=zone or t.tz)))
                except (pa.ArrowException, ValueError):   # a session zone Arrow cannot read ('<+08>-08'): as sent
                    arr = pc.local_timestamp(arr)
            out[name] = arr.to_pandas(date_as_object=False)
        except (pa.ArrowException, ValueError, TypeError):  # a type pandas cannot hold (list, map, union…)
            out[name] = pd.Series([None if v is None else str(v) for v in arr.to_pylist()], dtype=object)
    return pd.DataFrame(out, columns=names) if out else pd.DataFrame(columns=names)


class DuckDB(Driver):
    def __init__(self, source: Any) -> None:
        super().__init__(source)
        import duckdb

        missing = _no_file(source)
        if missing is not None:
            raise missing
        # a sort too big for memory spills here, not beside a database file in a folder we may not write
        self.spill = tempfile.mkdtemp(prefix="mcr-duckdb-")
        try:
            self.con = duckdb.connect(source.target, read_only=True)
            self.con.execute("SET enable_progress_bar = false")   # a long ORDER BY drew a bar on the terminal
            self.con.execute(f"SET temp_directory = '{self.spill.replace(chr(39), chr(39) * 2)}'")
        except duckdb.Error as exc:
            if getattr(self, "con", None) is not None:
                self.con.close()
            shutil.rmtree(self.spill, ignore_errors=True)
            raise LedgerError("E030", self.loc, detail=source.scrub(str(exc))) from None
        self.error = duckdb.Error

    def columns(self, sql: str) -> list[str]:
        try:
            cur = self.con.execute(sql)
            names = [str(d[0]) for d in cur.description or []]
            cur.fetchall()
            return names
        except self.error as exc:
            raise self.refused(exc) from None

    def frames(self, sql: str, batch_rows: int, text: TextColumns) -> Iterator[pd.DataFrame]:
        try:
            zone: str | None = str(self.con.execute("SELECT current_setting('TimeZone')").fetchall()[0][0])
        except self.error:
            zone = None
        try:
            rel = self.con.sql(sql)
            if rel is None:   # a statement that is not a query (a PRAGMA, a SET)
                raise self.refused(ValueError("the query returns no rows (not a SELECT)"))
            # DuckDB 2 calls it to_arrow_reader, 1.x fetch_arrow_reader
            make = getattr(rel, "to_arrow_reader", None) or rel.fetch_arrow_reader
            for batch in make(batch_rows):
                yield arrow_frame(batch, text, zone)
        except self.error as exc:
            raise self.refused(exc) from None

    def close(self) -> None:
        self.con.close()
        shutil.rmtree(self.spill, ignore_errors=True)


class Postgres(Driver):
    """PostgreSQL through ADBC (libpq: ``PGPASSWORD``, ``~/.pgpass``, ``PGSSLMODE``… work as in psql)."""

    def __init__(self, source: Any) -> None:
        super().__init__(source)
        try:
            import adbc_driver_postgresql.dbapi as pg
        except ImportError:
            raise LedgerError("E033", self.loc, scheme="postgresql", package="adbc-driver-postgresql",
                              extra="postgres") from None
        try:
            self.con = pg.connect(source.target, autocommit=True)
            self.cur = self.con.cursor()
            self.cur.execute("SET default_transaction_read_only = on")
            self.cur.execute("SELECT current_setting('TimeZone')")
            row = self.cur.fetchone()
        except Exception as exc:  # noqa: BLE001 - the driver's errors are its own classes
            raise LedgerError("E030", self.loc, detail=source.scrub(str(exc))) from None
        self.zone = str(row[0]) if row else None

    def columns(self, sql: str) -> list[str]:
        try:
            self.cur.execute(sql)
            return [str(d[0]) for d in self.cur.description or []]
        except Exception as exc:  # noqa: BLE001
            raise self.refused(exc) from None

    def frames(self, sql: str, batch_rows: int, text: TextColumns) -> Iterator[pd.DataFrame]:
        try:
            self.cur.execute(sql)
            reader = self.cur.fetch_record_batch()
            for batch in reader:
                yield arrow_frame(batch, text, self.zone)
        except LedgerError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise self.refused(exc) from None

    def close(self) -> None:
        for part in (getattr(self, "cur", None), getattr(self, "con", None)):
            try:
                if part is not None:
                    part.close()
            except Exception:  # noqa: BLE001, S110 - closing a broken connection
                pass


class SQLite(Driver):
    """SQLite through the standard library: a column's values are of whatever type each row stored."""

    def __init__(self, source: Any) -> None:
        super().__init__(source)
        missing = _no_file(source)
        if missing is not None:
            raise missing
        try:
            self.con = sqlite3.connect(f"file:{quote(str(Path(source.target).resolve()))}?mode=ro", uri=True)
            self.con.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # not a database: said here
        except sqlite3.Error as exc:
            raise LedgerError("E030", self.loc, detail=source.scrub(str(exc))) from None

    def columns(self, sql: str) -> list[str]:
        try:
            return [str(d[0]) for d in self.con.execute(sql).description]
        except sqlite3.Error as exc:
            raise self.refused(exc) from None

    def frames(self, sql: str, batch_rows: int, text: TextColumns) -> Iterator[pd.DataFrame]:
        try:
            cur = self.con.execute(sql)
            names = unique_headers([str(d[0]) for d in cur.description or []])
            as_text = set(text(names))
            while rows := cur.fetchmany(batch_rows):
                frame = pd.DataFrame(rows, columns=names, dtype=object)
                for name in names:   # ids stay as stored (an int is never made a float); the rest take a dtype
                    if name not in as_text:
                        frame[name] = frame[name].infer_objects()
                yield frame
        except sqlite3.Error as exc:
            raise self.refused(exc) from None

    def close(self) -> None:
        self.con.close()
