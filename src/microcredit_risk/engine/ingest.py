"""A ledger too big for pandas: read → canonicalise one table at a time → append to the engine.

The reading and value rules are the ledger package's, unchanged (:func:`..ledger.mapping.canonicalise`,
one table — one file, sheet or Parquet row-group batch — at a time), so every message still names
the file and row. Only the canonical rows, never the raw cells, are kept: each part is appended to a
DuckDB table on disk (``temp_directory``) and dropped. The checks that need the whole ledger
(duplicate loans, the warnings of ``ledger/validate.py``) then run in the engine as SQL
(:mod:`.checks_sql`), and the canonical table ``ledger`` is written once in ledger order
(as_of, loan_id) with its ``row`` number. What comes back is a :class:`StoredLedger`: the same
metadata as a :class:`~..ledger.contract.Ledger`, its rows in the engine.
"""

from __future__ import annotations

import os
import tempfile
import uuid
import warnings
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Location
from ..ledger.contract import CANONICAL_NAMES, GRADE_DTYPE, ColumnMatch, Ledger, SourceInfo
from ..ledger.database import DatabaseSource, read_database
from ..ledger.load import parse_as_of_option
from ..ledger.mapping import Collector, canonicalise, check_not_empty
from ..ledger.problems import Issue, LedgerError
from ..ledger.read import RawTable, read_tables
from ..ledger.schema import ColumnMap, load_column_map
from ..ledger.sources import LedgerFile, expand_sources
from ..profile import BankProfile, default_thresholds
from ..snapshots import annual_dates
from ..workers import worker_context
from .backends import DuckDBBackend
from .checks_sql import whole_ledger_checks
from .ledger_order import Part, offsets_sql, parts_sql, pieces, sorted_pieces_sql
from .rows_sql import ident

RAW = "ledger_parts"      # the canonical parts, a view over their Parquet files (with _src, _row, _seq)
SORTED = "ledger_sorted"  # the canonical ledger stored in ledger order
LEDGER = "ledger"         # the same with ``row``, its position in ledger order
OFFSETS = "_part_offsets"  # each part's first source and first _seq (ledger_order.offsets_sql)
BATCH_ROWS = 2_000_000    # a Parquet file is read in batches of at most this many rows
MAX_JOBS = 4              # worker processes that canonicalise files side by side
PIECE_ROWS = 4_000_000    # rows sorted into ledger order at a time (ledger_order.py)


def _parquet_batches(path: Path, batch_rows: int) -> Iterator[RawTable] | None:
    """A big Parquet file as RawTables of ≤ ``batch_rows`` rows (typed columns: no format guessing
    differs between batches); None for a file small enough to read whole."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path)
    except Exception:  # noqa: BLE001 - the ordinary reader names the problem
        return None
    if meta.metadata.num_rows <= batch_rows:
        return None

    def batches() -> Iterator[RawTable]:
        first = 2
        for batch in meta.iter_batches(batch_size=batch_rows):
            frame = batch.to_pandas(date_as_object=False)
            rows = pd.Series(range(first, first + len(frame)), index=frame.index, dtype="int64")
            first += len(frame)
            yield RawTable(str(path), None, 1, frame, rows)
    return batches()


def _tables(path: Path, cmap: ColumnMap, batch_rows: int) -> Iterator[RawTable]:
    if path.suffix.lower() in (".parquet", ".pq"):
        big = _parquet_batches(path, batch_rows)
        if big is not None:
            yield from big
            return
    yield from read_tables(path, cmap)


@dataclass
class _FileDone:
    """One file canonicalised (in a worker): its parts as Parquet, and what reading it found."""

    parts: list[tuple[str, int, str, str, tuple[str, ...]]]   # (Parquet file, rows, first/last as_of ISO, columns)
    sources: list[SourceInfo]
    matches: list[ColumnMatch]
    headers: dict[tuple[int, str], str]
    issues: list[Issue]
    explains: list


def _canonical_file(source: LedgerFile | DatabaseSource, cmap: ColumnMap, forced: pd.Timestamp | None,
                    batch_rows: int, out: Path) -> _FileDone:
    """Every table of one file → canonical parts written as Parquet under ``out`` (``_src`` local to the file).

    A database result comes in chunks that are one source, as :func:`..ledger.load.load_ledger` reads
    it: rows added up, ``--explain`` from the first chunk, and E017 judged on the whole result.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        collector = Collector()
        done = _FileDone([], [], [], {}, [], [])
        database = isinstance(source, DatabaseSource)
        tables = read_database(source, cmap, collector) if isinstance(source, DatabaseSource) \
            else _tables(source.path, cmap, batch_rows)
        held = {"balance": False, "days_past_due": False}
        for table in tables:
            more = database and bool(done.sources)
            i = 0 if more else len(done.sources)
            explained = len(collector.explains)
            part, tmatches, as_of_from = canonicalise(table, i, cmap, forced, collector, partition=source.partition)
            if more:
                done.sources[0] = replace(done.sources[0], rows=done.sources[0].rows + len(part))
                del collector.explains[explained:]
            else:
                done.sources.append(SourceInfo(table.file, table.sheet, table.header_row, len(part), as_of_from))
                done.matches.extend(tmatches)
                done.headers.update({(i, m.canonical): m.header for m in tmatches if m.canonical})
            if database and len(part):
                held["balance"] |= bool((part["balance"] != 0).any())
                held["days_past_due"] |= "days_past_due" in part and bool(part["days_past_due"].notna().any())
            if len(part):
                target = out / f"{uuid.uuid4().hex}.parquet"
                _write_part(part, target)
                days = part["as_of"]
                done.parts.append((str(target), len(part), str(days.min().date()), str(days.max().date()),
                                   tuple(map(str, part.columns))))
            del part
        if database and done.sources:   # the whole result's E017, on what every chunk held
            probe = pd.DataFrame({"balance": [1.0 if held["balance"] else 0.0],
                                  "days_past_due": [1.0 if held["days_past_due"] else np.nan]})
            check_not_empty(probe, done.sources[0], 0, done.headers)
        done.issues, done.explains = collector.as_list(), collector.explains
        return done


def _write_part(part: pd.DataFrame, target: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    part = part.reset_index(drop=True)
    part["_lseq"] = np.arange(len(part), dtype=np.int64)   # reading order within the file (→ _seq)
    table = pa.Table.from_pandas(part, preserve_index=False)
    # a part is read whole, once, so no statistics; dictionaries only for text (a month's balances or
    # dates seldom repeat): a 2M-row part 2.4 s → 1.6 s, the same rows back
    text = [f.name for f in table.schema
            if pa.types.is_string(f.type) or pa.types.is_large_string(f.type) or pa.types.is_dictionary(f.type)]
    pq.write_table(table, target, compression="snappy", use_dictionary=text, write_statistics=False)


def _canonical_files(files: Sequence[LedgerFile | DatabaseSource], cmap: ColumnMap, forced: pd.Timestamp | None, batch_rows: int,
                     jobs: int | None, out: Path) -> Iterator[_FileDone]:
    """The files canonicalised in order; with several files and cores, by worker processes (a window of
    2 × jobs files in flight, so parts on disk stay bounded)."""
    jobs = min(jobs or os.cpu_count() or 1, MAX_JOBS, len(files))
    if jobs <= 1 or any(isinstance(f, DatabaseSource) for f in files):   # a connection is not for a worker
        for f in files:
            yield _canonical_file(f, cmap, forced, batch_rows, out)
        return
    with ProcessPoolExecutor(max_workers=jobs, mp_context=worker_context()) as pool:
        pending: deque[Future[_FileDone]] = deque()
        for f in files:
            pending.append(pool.submit(_canonical_file, f, cmap, forced, batch_rows, out))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


class StoredLedger(Ledger):
    """A ledger whose rows live in the engine (table ``ledger``); metadata as :class:`Ledger`'s.

    ``frame`` is the whole canonical table fetched into pandas — for the few callers that need it
    on a small ledger; the pipeline's stages read the engine, or :meth:`at` for given snapshots.
    """

    def __init__(self, backend: DuckDBBackend, n_rows: int, columns: list[str], dates: list[pd.Timestamp],
                 sources: list[SourceInfo], matches: list[ColumnMatch], issues: list, extras: list[str],
                 currency: str, conversions: list) -> None:
        self.backend = backend
        self.n_rows = n_rows
        self.column_names = columns
        self._dates = dates
        self.sources, self.matches, self.issues, self.extras = sources, matches, issues, extras
        self.currency, self.conversions = currency, conversions
        self.counted_rows = None
        self._present: frozenset[str] | None = None
        self._per_snapshot: pd.DataFrame | None = None

    @property
    def frame(self) -> pd.DataFrame:  # type: ignore[override]
        return self._typed(self.backend.query(f"SELECT * EXCLUDE (row) FROM {LEDGER} ORDER BY row", order_free=True))

    @property
    def columns(self) -> list[str]:
        return list(self.column_names)

    def at(self, dates: Sequence[pd.Timestamp], columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The canonical rows of the given snapshots, in ledger order; ``columns``: only those of them
        the ledger has (the loan state's four of 2M loans, not all 25)."""
        days = ", ".join(f"TIMESTAMP '{pd.Timestamp(d).strftime('%Y-%m-%d')}'" for d in dates) or "NULL"
        cols = "* EXCLUDE (row)" if columns is None else ", ".join(
            ident(c) for c in dict.fromkeys(columns) if c in self.column_names)
        return self._typed(self.backend.query(
            f"SELECT {cols} FROM {LEDGER} WHERE as_of IN ({days}) ORDER BY row", order_free=True))

    def _typed(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Back to the contract's dtypes (ledger/contract.py): what the engine holds as ENUM/VARCHAR."""
        if "five_category" in frame:
            frame["five_category"] = frame["five_category"].astype(GRADE_DTYPE)
        for c in ("as_of", "origination_date", "maturity_date"):
            if c in frame:
                frame[c] = pd.to_datetime(frame[c]).astype("datetime64[us]")
        if "renewal_flag" in frame:
            frame["renewal_flag"] = frame["renewal_flag"].astype("boolean")
        return frame.reset_index(drop=True)

    @property
    def warning_rows(self) -> int:
        return self.n_rows

    @property
    def row_count(self) -> int:
        return self.n_rows

    def per_snapshot(self) -> pd.DataFrame:
        """Rows, customers and balance per snapshot (validation.json); kept once made, a whole-ledger
        distinct count (pipeline.Session makes it before giving DuckDB's memory back)."""
        if self._per_snapshot is not None:
            return self._per_snapshot.copy()
        out = self.backend.query(f"SELECT strftime(as_of, '%Y-%m-%d') AS as_of, COUNT(*) AS rows, "
                                 f"COUNT(DISTINCT customer_id) AS customers, SUM(balance) AS balance "
                                 f"FROM {LEDGER} GROUP BY as_of ORDER BY as_of")
        self._per_snapshot = out.set_index("as_of")
        return self._per_snapshot.copy()

    @property
    def snapshots(self) -> list[pd.Timestamp]:
        return list(self._dates)

    @property
    def annual_snapshots(self) -> list[pd.Timestamp]:
        return annual_dates(self._dates)

    def has(self, column: str) -> bool:
        if self._present is None:
            cols = [c for c in self.column_names]
            counts = self.backend.query("SELECT " + ", ".join(f'COUNT("{c}") AS "{c}"' for c in cols)
                                        + f" FROM {LEDGER}")
            self._present = frozenset(c for c in cols if int(counts[c].iloc[0]) > 0)
        return column in self._present


def ingest_ledger(paths: Sequence[str | Path], backend: DuckDBBackend, *, columns: str | Path | None = None,
                  as_of: str | None = None, profile: BankProfile | None = None,
                  batch_rows: int = BATCH_ROWS, jobs: int | None = None,
                  workdir: str | Path | None = None) -> StoredLedger:
    """Read, canonicalise and validate the ledger into ``backend`` (tables ``ledger_parts`` → ``ledger``).

    ``jobs`` worker processes canonicalise files side by side (default: one per core, at most
    :data:`MAX_JOBS`); their parts reach the engine in file order, so the result does not depend on it.
    ``workdir`` holds the parts on their way (default: a temp folder).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with tempfile.TemporaryDirectory(prefix="mcr-parts-", dir=workdir) as tmp:
            return _ingest(paths, backend, columns, as_of, profile, batch_rows, jobs, Path(tmp))


def _ingest(paths: Sequence[str | Path], backend: DuckDBBackend, columns: str | Path | None, as_of: str | None,
            profile: BankProfile | None, batch_rows: int, jobs: int | None, workdir: Path) -> StoredLedger:
    if not paths:
        raise LedgerError("E010")
    cmap = load_column_map(columns)
    forced = parse_as_of_option(as_of)
    thresholds = profile.thresholds if profile else default_thresholds()
    collector = Collector()
    sources: list[SourceInfo] = []
    matches: list[ColumnMatch] = []
    headers: dict[tuple[int, str], str] = {}
    seq = 0
    files = expand_sources(paths, cmap)
    parts: list[Part] = []
    for done in _canonical_files(files, cmap, forced, batch_rows, jobs, workdir):
        for issue in done.issues:   # merged in file order: the same counts and first rows as one pass
            collector.add(issue.code, issue.count, issue.location, list(issue.rows), **issue.params)
        collector.explains.extend(done.explains)
        offset = len(sources)
        sources.extend(done.sources)
        matches.extend(done.matches)
        headers.update({(offset + i, c): h for (i, c), h in done.headers.items()})
        for part, n, first, last, held in done.parts:
            parts.append(Part(part, offset, seq, n, first, last, held))
            seq += n
    if seq == 0:
        s = sources[0] if sources else None
        raise LedgerError("E010", Location(s.file, s.sheet) if s else Location())
    # the checks and the sort give the same answer on any number of threads (counts, keys unique by
    # _seq, a total order): they use every core; the aggregates after them run on one (docs/engine.md)
    backend.execute(f"SET threads = {max(os.cpu_count() or 1, 1)}")
    backend.execute(f"CREATE OR REPLACE TEMP TABLE {OFFSETS} AS {offsets_sql(parts)}")
    backend.execute(f"CREATE OR REPLACE TEMP VIEW {RAW} AS {parts_sql(parts, OFFSETS)}")
    types = backend.types(RAW)
    piece_sqls = [f"({parts_sql(piece, OFFSETS, types)})" for piece in pieces(parts, PIECE_ROWS)]
    derive = whole_ledger_checks(backend, RAW, set(types), sources, headers, thresholds, collector, runs=piece_sqls)
    canonical = [c for c in CANONICAL_NAMES if c in types or (c == "five_category" and derive)]
    extras = [c for c in types if c not in canonical and c not in ("_src", "_row", "_seq")]
    cols = ", ".join(f'{derive} AS five_category' if c == "five_category" and derive else ident(c)
                     for c in [*canonical, *extras])
    # each piece sorted on its own (ledger_order.py), appended in as_of order: the table keeps that
    # order, so its rowid is the row's position in ledger order (a window over the whole table would
    # run on one thread; one sort of it spilled 30 GB on 100M rows)
    for statement in sorted_pieces_sql(SORTED, piece_sqls, "as_of, loan_id, _seq", select=cols):
        backend.execute(statement)
    backend.execute(f"CREATE OR REPLACE VIEW {LEDGER} AS SELECT *, CAST(rowid AS BIGINT) AS row FROM {SORTED}")
    backend.execute(f"DROP VIEW {RAW}")
    backend.execute(f"DROP TABLE {OFFSETS}")
    backend.execute(f"SET threads = {backend.threads}")
    n = int(backend.query(f"SELECT COUNT(*) AS n FROM {LEDGER}", order_free=True)["n"].iloc[0])
    days = backend.query(f"SELECT DISTINCT as_of FROM {LEDGER} ORDER BY as_of", order_free=True)["as_of"]
    dates = [pd.Timestamp(d) for d in days]
    return StoredLedger(backend, n, [*canonical, *extras], dates, sources, matches, collector.as_list(), extras,
                        cmap.currency, collector.explains)
